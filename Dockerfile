# One build, two images: `docker build --target orchestrator .` and `--target worker .` (docker-compose.yml
# builds both). Node 22 in the images; the repository's code runs on Node >= 20.19. No `# syntax=` line: the
# Dockerfile frontend built into the engine reads this file, and nothing is fetched from Docker Hub for it.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript, then keep what the processes run, production dependencies only ------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native addon when no prebuilt binary matches, against the image's own Node headers
# (node-gyp would otherwise download them).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# Manifests first: the `npm ci` layer is reused until a dependency changes.
COPY package.json package-lock.json ./
COPY libs/schemas/package.json libs/schemas/
COPY libs/infrastructure/package.json libs/infrastructure/
COPY libs/plugin-sdk/package.json libs/plugin-sdk/
COPY libs/runner/package.json libs/runner/
RUN npm ci --no-audit --no-fund
COPY . .
# --omit=optional too: typescript and ts-node are optional peers of TypeORM, which --omit=dev alone keeps. The
# other optional packages it drops have JavaScript fallbacks (msgpackr-extract) or serve other runtimes.
RUN npm run build && npm prune --omit=dev --omit=optional
# The libs are npm workspaces: node_modules/@sc/* link to libs/<lib>, whose package.json points at dist/.
RUN mkdir /out && cp -a --parents package.json node_modules dist libs/*/package.json libs/*/dist \
    libs/schemas/schemas libs/runner/assets /out

# ---- runtime: what both processes share --------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SC_DATA_DIR=/var/lib/sc \
    SC_LOG_DIR=/var/log/sc
# tini as PID 1: it forwards the stop signal to node and reaps every orphan (an agent's exited children), which
# node as PID 1 leaves as zombies, so that a cancel or a stop does not wait out the kill timeouts.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["/usr/bin/tini", "--"]
WORKDIR /app
# Owned by the image's `node` user (uid 1000): named volumes mounted here start with this ownership.
RUN mkdir -p /var/lib/sc /var/log/sc && chown node:node /var/lib/sc /var/log/sc

# ---- orchestrator: REST API, Round state machine, migrations at start --------------------------------
FROM runtime AS orchestrator
COPY --from=build /out/ ./
USER node
EXPOSE 3000
CMD ["node", "dist/apps/orchestrator/src/main.js"]

# ---- worker: runs Rounds, agents included: git, bubblewrap to sandbox each agent (see deploy/README.md), and
# the agent CLIs at the versions the test suites prove (scripts/agent-cli-pins.json), from the npm registry.
# Before the application: these layers are rebuilt only when a pin changes.
FROM runtime AS worker
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/agent-cli-pins.json /tmp/
RUN npm install --global --no-audit --no-fund --loglevel=error \
      $(node -p "Object.entries(require('/tmp/agent-cli-pins.json')).map(([name, version]) => name + '@' + version).join(' ')") \
 && npm cache clean --force && rm /tmp/agent-cli-pins.json
COPY --from=build /out/ ./
USER node
EXPOSE 9464
CMD ["node", "dist/apps/worker/src/main.js"]
