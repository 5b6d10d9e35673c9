#!/usr/bin/env bash
# Benchmarks (not part of the tests): the time for queued offline ops to sync after
# reconnecting, measured against the release build in Debian's Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh" --browser
cd "$ROOT"
say "check-in crowd benchmark"
timeout 2400 cargo bench -p server --bench checkin
say "release build"
timeout 2400 cargo leptos build --release --split --precompress
cd end2end
say "outbox sync benchmark"
timeout 900 npx playwright test --config bench.config.ts
cat bench-results.json
