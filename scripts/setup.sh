#!/usr/bin/env bash
# Installs what building and testing Zhibu needs, skipping whatever is already there.
# Sourced by scripts/run.sh and scripts/test.sh; `--browser` also brings Chromium and Playwright,
# `--test` those, the PostgreSQL the tests start a throwaway cluster of and moto's S3 server.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhibu-target}"
export PATH="$HOME/.cargo/bin:$PATH"
# Incremental caches of this workspace grow by gigabytes per build and buy little here.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
CARGO_LEPTOS_VERSION="0.3.10"
BINARYEN_VERSION="132"
ESBUILD_VERSION="0.24.2"

say() { printf '\033[1;31m==>\033[0m %s\n' "$*"; }

# Every rebuild leaves the previous test binaries and dependency artifacts in the shared
# cache; over a day of work it reached 66 GB. Past the limit, start the debug build afresh
# (a cold build is ~10 minutes) rather than fill the disk in the middle of a run.
TARGET_LIMIT_GB="${ZHIBU_TARGET_LIMIT_GB:-30}"
if [ -d "$CARGO_TARGET_DIR/debug" ]; then
  used_gb=$(du -s --block-size=1G "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)
  if [ "${used_gb:-0}" -gt "$TARGET_LIMIT_GB" ]; then
    say "build cache is ${used_gb} GB (limit ${TARGET_LIMIT_GB} GB): clearing its debug builds"
    rm -rf "$CARGO_TARGET_DIR/debug"
  fi
fi

# The wasm-bindgen CLI must match the library in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

install_rust_tools() {
  if ! rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! (cd "$ROOT" && rustup component list --installed 2>/dev/null | grep -q '^rust-src'); then
    say "adding the standard library's source (the release wasm rebuilds it)"
    (cd "$ROOT" && rustup component add rust-src)
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (takes a while, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  local wbg
  wbg="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg"; then
    say "installing wasm-bindgen-cli $wbg"
    cargo install wasm-bindgen-cli --version "=$wbg"
  fi
  if ! command -v wasm-opt >/dev/null 2>&1; then
    say "installing wasm-opt (binaryen@$BINARYEN_VERSION from npm)"
    npm install -g "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
  if ! esbuild --version 2>/dev/null | grep -qx "$ESBUILD_VERSION"; then
    say "installing esbuild@$ESBUILD_VERSION from npm (minifies the site's own scripts)"
    npm install -g "esbuild@$ESBUILD_VERSION" >/dev/null
  fi
}

# For the release build: the wasm a phone downloads is built with its own copy of the
# standard library (build-std), so that panics abort at once instead of carrying their
# messages and formatting code, and Debug output and panic locations are left out. 27 KB
# less on the wire (brotli). These are unstable options of the compiler pinned in
# rust-toolchain.toml, allowed with RUSTC_BOOTSTRAP as the Linux kernel's build does; a
# compiler upgrade must re-check them. Only the wasm target gets the flags; the server is
# built as usual. Without this a release build still works, only bigger.
release_wasm_env() {
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=shallow -Zlocation-detail=none"
}

# After a release build: cargo-leptos minifies the wasm-bindgen glue but copies the other
# scripts of a phone's first load as they are, comments and all: the outbox (offline.js),
# the split routes' loader, and the offline check-in page's script. Minified, and their
# precompressed copies made again, they are 5 KB less on the wire (brotli). Top-level
# names stay: the app and the service worker call them. The minifier writes no syntax newer
# than the scripts' own: the outbox queues a check-in from a QR before the app loads, also
# in old WebViews (ES2017); the loader is a module (import.meta), which they cannot run.
minify_site() {
  local site="$1" file target
  for file in "$site/offline.js" "$site/checkin-shell.js" "$site"/pkg/__wasm_split.*.js; do
    case "$file" in */pkg/*) target=chrome64 ;; *) target=es2017 ;; esac
    esbuild "$file" --minify --target="$target" --log-level=warning --allow-overwrite --outfile="$file"
    node -e '
      const fs = require("fs"), zlib = require("zlib");
      const file = process.argv[1], body = fs.readFileSync(file);
      const quality = { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 };
      fs.writeFileSync(file + ".br", zlib.brotliCompressSync(body, { params: quality }));
      fs.writeFileSync(file + ".gz", zlib.gzipSync(body, { level: 9 }));
    ' "$file"
  done
}

# The release build as phones get it (the binary and target/site): every release build goes
# through here, so none ships the larger wasm or the unminified scripts.
build_release() {
  (release_wasm_env && timeout 2400 cargo leptos build --release --split --precompress)
  minify_site "$ROOT/target/site"
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    say "installing ${missing[*]} from Debian"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_browser_tools() {
  apt_install chromium sqlite3 zbar-tools
  if [[ ! -d "$ROOT/end2end/node_modules/@playwright/test" ]]; then
    say "installing Playwright (without its browser download; Debian's Chromium is used)"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
}

install_rust_tools
if [[ "${1:-}" == "--browser" || "${1:-}" == "--test" ]]; then
  install_browser_tools
fi
# moto's S3 server, the tests' object storage, in a virtualenv of its own (Debian's Python
# refuses packages installed beside its own).
MOTO_ENV="${ZHIBU_MOTO_ENV:-$HOME/.cache/zhibu-moto}"
install_test_services() {
  apt_install postgresql curl python3-venv
  if [[ ! -x "$MOTO_ENV/bin/moto_server" ]]; then
    say "installing moto's S3 server (PyPI moto[server] 5) into $MOTO_ENV"
    python3 -m venv "$MOTO_ENV"
    "$MOTO_ENV/bin/pip" install --quiet 'moto[server]>=5,<6'
  fi
}

if [[ "${1:-}" == "--test" ]]; then
  install_test_services
fi
