#!/usr/bin/env bash
# Makes the README's screenshots (docs/home-*.png) from the lived-in demo, so they show the
# app as it is: builds the site, serves it on a fresh demo database, photographs each role's
# home page at 390×844 in Debian's Chromium.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh" --browser
cd "$ROOT"
say "building the site"
timeout 1800 cargo leptos build --split
cd end2end
say "photographing the demo"
timeout 600 npx playwright test --config screenshots.config.ts
ls -l "$ROOT"/docs/home-*.png
