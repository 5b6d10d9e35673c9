#!/usr/bin/env bash
# Installs what is missing, then runs every check: formatting, clippy for both features,
# unit and integration tests (on SQLite, then again on a throwaway PostgreSQL cluster), and
# the Playwright tests in Debian's Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh" --test
cd "$ROOT"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

say "cargo fmt --check"
cargo fmt --all -- --check

say "clippy (ssr and hydrate)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p app --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

say "unit tests of the outbox rules (node)"
timeout 120 node --test end2end/unit/ | tee -a "$LOG"

say "unit and integration tests"
timeout 1200 cargo test --workspace 2>&1 | tee -a "$LOG"

say "integration tests on PostgreSQL (a throwaway cluster on loopback, dropped after)"
# Each test makes a database of its own on the cluster; durability is not what is tested.
timeout 1200 pg_virtualenv -t -i '--locale=C.UTF-8' -o 'fsync=off' -o 'max_connections=400' \
  bash -c 'ZHIBU_TEST_POSTGRES="postgres://$PGUSER:$PGPASSWORD@$PGHOST:${PGPORT:-5432}" \
           cargo test -p server --tests' 2>&1 | tee -a "$LOG"

say "building the site for the browser tests"
timeout 1800 cargo leptos build

say "Playwright (phone viewport, Debian Chromium)"
(cd end2end && timeout 1200 npx playwright test) 2>&1 | tee -a "$LOG"

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
