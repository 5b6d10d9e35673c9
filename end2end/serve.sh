#!/usr/bin/env bash
# Starts the built server for the browser tests on a fresh database with demo data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/zhibu-target}"
DATA="$ROOT/end2end/.data"
rm -rf "$DATA"
mkdir -p "$DATA"
export ZHIBU_DATA_DIR="$DATA"
export ZHIBU_ADDRESS="127.0.0.1:${E2E_PORT:-3100}"
export LEPTOS_SITE_ROOT="$ROOT/target/site"
# The demo's organisation and people only: each test makes the records it looks at.
export ZHIBU_SEED_DEMO="${ZHIBU_SEED_DEMO:-base}"
export ZHIBU_SERVICE_WORKER=1
export RUST_LOG="${RUST_LOG:-warn}"
exec "$TARGET/${ZHIBU_PROFILE:-debug}/zhibu" serve
