# syntax=docker/dockerfile:1
# One build, two images: `docker build --target orchestrator .` and `--target worker .` (docker-compose.yml
# builds both). Node 22 in the images; the repository's code runs on Node >= 20.19.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript, then keep production dependencies only -------------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native addon when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first: the `npm ci` layer is reused until a dependency changes.
COPY package.json package-lock.json ./
COPY libs/schemas/package.json libs/schemas/
COPY libs/infrastructure/package.json libs/infrastructure/
COPY libs/plugin-sdk/package.json libs/plugin-sdk/
COPY libs/runner/package.json libs/runner/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

# ---- runtime: what both processes share --------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    SC_DATA_DIR=/var/lib/sc \
    SC_LOG_DIR=/var/log/sc
WORKDIR /app
# The libs are npm workspaces: node_modules/@sc/* link to libs/<lib>, whose package.json points at dist/.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/libs/schemas/package.json ./libs/schemas/
COPY --from=build /app/libs/schemas/schemas ./libs/schemas/schemas
COPY --from=build /app/libs/schemas/dist ./libs/schemas/dist
COPY --from=build /app/libs/infrastructure/package.json ./libs/infrastructure/
COPY --from=build /app/libs/infrastructure/dist ./libs/infrastructure/dist
COPY --from=build /app/libs/plugin-sdk/package.json ./libs/plugin-sdk/
COPY --from=build /app/libs/plugin-sdk/dist ./libs/plugin-sdk/dist
COPY --from=build /app/libs/runner/package.json ./libs/runner/
COPY --from=build /app/libs/runner/dist ./libs/runner/dist
COPY --from=build /app/libs/runner/assets ./libs/runner/assets
# Owned by the image's `node` user (uid 1000): named volumes mounted here start with this ownership.
RUN mkdir -p /var/lib/sc /var/log/sc && chown node:node /var/lib/sc /var/log/sc

# ---- orchestrator: REST API, Round state machine, migrations at start --------------------------------
FROM runtime AS orchestrator
USER node
EXPOSE 3000
CMD ["node", "dist/apps/orchestrator/src/main.js"]

# ---- worker: runs Rounds; plugins such as agent-cli need git, and bubblewrap to sandbox each agent (add agent
# CLIs in an image built FROM this). bubblewrap needs user namespaces in the container: see deploy/README.md.
FROM runtime AS worker
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/*
USER node
EXPOSE 9464
CMD ["node", "dist/apps/worker/src/main.js"]
