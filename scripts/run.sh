#!/usr/bin/env bash
# Installs what is missing, then runs Zhibu on http://127.0.0.1:3000 on embedded SQLite
# (./data/zhibu.db) with the demo organisation; the demo passwords are printed once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
export ZHIBU_SEED_DEMO="${ZHIBU_SEED_DEMO:-1}"
say "building and starting Zhibu on http://127.0.0.1:3000"
build_release
exec "$CARGO_TARGET_DIR/release/zhibu" serve
