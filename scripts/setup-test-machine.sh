#!/usr/bin/env bash
# The one step that changes this machine for the tests, run on purpose (`.ci/run` runs it first):
# installs Debian's chromium and poppler-utils (tests/report.rs, scripts/figures.sh) and slurmctld,
# slurmd, slurm-client and munge (tests/slurm.rs). Packages only: no configuration is written and
# no daemon is left running (tests/slurm.rs starts a private cluster in a temporary folder and
# stops it). Needs root and apt; idempotent. Without it those tests skip, saying so (and fail
# under CI).
# Exit 3: this machine cannot have them (not root, no apt, packages unavailable); 1: it failed.
set -euo pipefail

packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v pdftoppm >/dev/null || packages+=(poppler-utils)
command -v slurmctld >/dev/null || packages+=(slurmctld)
command -v slurmd >/dev/null || packages+=(slurmd)
command -v sbatch >/dev/null || packages+=(slurm-client)
command -v munged >/dev/null || packages+=(munge)
[ ${#packages[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "setup-test-machine.sh: needs root to install ${packages[*]}" >&2; exit 3; fi
command -v apt-get >/dev/null || { echo "setup-test-machine.sh: no apt-get to install ${packages[*]}" >&2; exit 3; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || { echo "setup-test-machine.sh: apt-get update failed" >&2; exit 3; }
# Debian starts a packaged daemon on installation where it can; policy-rc.d says not to.
policy=/usr/sbin/policy-rc.d
cleanup() { if [ -n "${made_policy:-}" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1; fi
apt-get install -y -qq "${packages[@]}" >/dev/null \
  || { echo "setup-test-machine.sh: cannot install ${packages[*]} from Debian's packages" >&2; exit 3; }
echo "setup-test-machine.sh: installed ${packages[*]}"
