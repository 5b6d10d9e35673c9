#!/usr/bin/env bash
# Benchmarks (not part of the tests): the check-in crowd, the first load of the member's home
# and of a scanned check-in page (bytes before interactive, Lighthouse's mobile preset, median
# of 3), and the time for queued offline ops to sync after reconnecting, measured against the
# release build in Debian's Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh" --browser
cd "$ROOT"
# The whole run with the release build's settings: the server benches and the release build
# then share one build of the server's dependencies (RUSTC_BOOTSTRAP is part of it).
release_wasm_env
say "check-in crowd benchmark"
timeout 2400 cargo bench -p server --bench checkin
say "release build"
build_release
LIGHTHOUSE_DIR="$HOME/.cache/zhibu-lighthouse"
if [[ ! -x "$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse" ]]; then
  say "installing Lighthouse 12 (benchmarks only)"
  mkdir -p "$LIGHTHOUSE_DIR"
  timeout 600 npm --prefix "$LIGHTHOUSE_DIR" install --no-audit --no-fund lighthouse@12
fi
cd end2end
say "first-load and outbox sync benchmarks"
timeout 1800 npx playwright test --config bench.config.ts
cat first-load-results.json bench-results.json
