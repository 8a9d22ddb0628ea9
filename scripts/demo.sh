#!/usr/bin/env bash
# `npm run demo`: provision nats-server, build, run the replicated-ledger demo (apps/ledger).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
NATS_SERVER_BIN=$(bash scripts/ensure-nats-server.sh)
export NATS_SERVER_BIN
npx nx run @cohort/ledger:build --outputStyle=static >/dev/null
exec node apps/ledger/dist/demo/main.js "$@"
