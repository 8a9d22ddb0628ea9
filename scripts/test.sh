#!/usr/bin/env bash
# `npm test`: lint, typecheck, build, then every unit, simulation and integration test in one
# Jest run (integration tests start their own nats-server on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false}

NATS_SERVER_BIN=$(bash scripts/ensure-nats-server.sh)
export NATS_SERVER_BIN
echo "nats-server: $NATS_SERVER_BIN ($("$NATS_SERVER_BIN" --version 2>&1))"

npx eslint .
npx prettier --check . >/dev/null || { echo "formatting: run npm run format" >&2; exit 1; }
npx nx run-many -t build typecheck --outputStyle=static
mkdir -p .test-results
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --json --outputFile=.test-results/jest.json "$@"
