# Test-only stand-in for haproxy:<version>-bookworm, for machines that cannot reach Docker Hub: Debian's haproxy.
# Built by stand-in-images.ts, never pushed. Like the official image: runs as `haproxy`, reads its configuration
# from /usr/local/etc/haproxy/haproxy.cfg, logs to stdout.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/etc/haproxy
USER haproxy
STOPSIGNAL SIGUSR1
LABEL org.opencontainers.image.description="Solar Circuit test stand-in, built from Debian packages"
CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]
