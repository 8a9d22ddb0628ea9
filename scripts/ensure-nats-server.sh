#!/usr/bin/env bash
# Finds a nats-server binary for the tests and the demo, installing Debian's package when we can.
# Prints the binary's path on stdout; everything else goes to stderr.
set -euo pipefail

find_bin() {
  if [[ -n "${NATS_SERVER_BIN:-}" ]]; then
    if [[ -x "$NATS_SERVER_BIN" ]]; then echo "$NATS_SERVER_BIN"; return 0; fi
    echo "NATS_SERVER_BIN=$NATS_SERVER_BIN is not an executable file" >&2
    return 2
  fi
  local p
  p=$(PATH="$PATH:/usr/sbin:/usr/local/sbin:/sbin" command -v nats-server 2>/dev/null || true)
  if [[ -n "$p" ]]; then echo "$p"; return 0; fi
  return 1
}

set +e
bin=$(find_bin)
rc=$?
set -e
if [[ $rc -eq 0 ]]; then echo "$bin"; exit 0; fi
if [[ $rc -eq 2 ]]; then exit 1; fi

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "nats-server not found; installing Debian's nats-server package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq nats-server >&2
  bin=$(find_bin) || { echo "apt-get installed nats-server but no binary was found on PATH or in /usr/sbin" >&2; exit 1; }
  echo "$bin"
  exit 0
fi

cat >&2 <<'MSG'
nats-server is required but was not found (looked at $NATS_SERVER_BIN, then PATH and /usr/sbin).
Install it, then run the command again:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y nats-server
  elsewhere:      https://github.com/nats-io/nats-server/releases (put the binary on PATH,
                  or point NATS_SERVER_BIN at it)
MSG
exit 1
