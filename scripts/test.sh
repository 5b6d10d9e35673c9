#!/usr/bin/env bash
# Installs what is missing, then runs every check: formatting, clippy for both features,
# unit and integration tests (on SQLite and local photos, then the integration tests again
# on a throwaway PostgreSQL cluster with photos on moto's S3 server), and the Playwright
# tests in Debian's Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh" --test
cd "$ROOT"
LOG="$(mktemp)"
MOTO_PID=""
trap 'rm -f "$LOG" "${MOTO_LOG:-}"; [[ -n "$MOTO_PID" ]] && kill "$MOTO_PID" 2>/dev/null; true' EXIT

say "cargo fmt --check"
cargo fmt --all -- --check

say "clippy (ssr and hydrate)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

say "unit tests of the outbox rules (node)"
timeout 120 node --test end2end/unit/ | tee -a "$LOG"

say "unit and integration tests"
timeout 1200 cargo test --workspace 2>&1 | tee -a "$LOG"

say "integration tests on PostgreSQL and S3 (a throwaway cluster and moto, on loopback)"
# Photos go to moto's S3 server (it does not check signatures), one prefix per test.
MOTO_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
MOTO_LOG="$(mktemp)"
"$MOTO_ENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 150); do
  curl -sf -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && break
  sleep 0.2
done
if ! curl -sf -o /dev/null -X PUT "http://127.0.0.1:$MOTO_PORT/zhibu-test"; then
  say "moto's S3 server did not start on port $MOTO_PORT:"
  cat "$MOTO_LOG"
  exit 1
fi
# Each test makes a database of its own on the cluster; durability is not what is tested.
# The integration tests only, built as the workspace run above built them (no rebuild).
ZHIBU_TEST_S3="http://127.0.0.1:$MOTO_PORT" \
timeout 1200 pg_virtualenv -t -i '--locale=C.UTF-8' -o 'fsync=off' -o 'max_connections=400' \
  bash -c 'ZHIBU_TEST_POSTGRES="postgres://$PGUSER:$PGPASSWORD@$PGHOST:${PGPORT:-5432}" \
           cargo test --workspace --test "*"' 2>&1 | tee -a "$LOG"
kill "$MOTO_PID" 2>/dev/null || true
MOTO_PID=""

say "building the site for the browser tests"
timeout 1800 cargo leptos build --split

say "Playwright (phone viewport, Debian Chromium)"
(cd end2end && timeout 1200 npx playwright test) 2>&1 | tee -a "$LOG"

say "release build (split routes, precompressed) for the first-load byte budget"
build_release
(cd end2end && timeout 600 npx playwright test --config budget.config.ts) 2>&1 | tee -a "$LOG"

# One closing line over every runner above.
awk '
  /^test result: ok\./ { passed += $4; failed += $6 }
  /^# pass / { passed += $3 }
  /^# fail / { failed += $3 }
  /^ *[0-9]+ passed \(/ { passed += $1 }
  /^ *[0-9]+ failed$/ { failed += $1 }
  /^ *[0-9]+ flaky$/ { passed += $1 }
  END { printf "%d passed, %d failed\n", passed, failed }
' "$LOG"
