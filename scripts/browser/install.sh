#!/usr/bin/env bash
# Installs Debian's Chromium (headless browser) and poppler-utils (pdftoppm), for tests/report.rs
# and for looking at a report by hand. Needs root and Debian's packages; idempotent.
# Exit 3: this machine cannot have them (not root, no apt, packages unavailable); 1: it failed.
set -euo pipefail

if command -v chromium >/dev/null && command -v pdftoppm >/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "install.sh: needs root to install chromium and poppler-utils" >&2; exit 3; fi
command -v apt-get >/dev/null || { echo "install.sh: no apt-get to install chromium" >&2; exit 3; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "install.sh: apt-get update failed" >&2; exit 3; }
apt-get install -y -qq chromium poppler-utils >/dev/null \
  || { echo "install.sh: cannot install chromium and poppler-utils from Debian's packages" >&2; exit 3; }
