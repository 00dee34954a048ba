# Test-only stand-in for redis:<version>-bookworm, for machines that cannot reach Docker Hub: Debian's redis-server.
# Built by stand-in-images.ts, never pushed.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-server redis-tools \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
WORKDIR /data
USER redis
# The official image builds Redis with protected mode off, so that other containers reach it without a password.
ENTRYPOINT ["/bin/sh", "-c", "exec \"$@\" --protected-mode no", "redis"]
LABEL org.opencontainers.image.description="Solar Circuit test stand-in, built from Debian packages"
CMD ["redis-server"]
