# Test-only stand-in for postgres:<version>-bookworm, for machines that cannot reach Docker Hub: Debian's
# PostgreSQL (15 on bookworm) behind the official image's contract as far as docker-compose.yml uses it
# (postgres-entrypoint.sh). Built by stand-in-images.ts, never pushed.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
# No cluster of Debian's own: the entrypoint makes one in $PGDATA, as the official image does.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main-cluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
# Postgres' fast shutdown, as the official image asks for.
STOPSIGNAL SIGINT
LABEL org.opencontainers.image.description="Solar Circuit test stand-in, built from Debian packages"
