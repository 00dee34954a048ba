#!/usr/bin/env bash
# Runs the commands of docker-compose.yml's orchestrator and worker, with their compose environment, against
# this machine's Redis (REDIS_URL), Postgres (PG_TEST_URL, else SQLite) and an s3rver in place of MinIO, then
# submits examples/echo.json and expects a successful Report. For machines without a Docker engine (CI).
# Usage: scripts/compose-smoke.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-build" ]; then npm run build --silent; fi
exec node -r ts-node/register/transpile-only scripts/compose-smoke.ts
