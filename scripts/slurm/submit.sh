#!/usr/bin/env bash
# Submits a salvosim run to Slurm as a job array of N shards plus a merge job that starts once
# every shard has succeeded. Prints the two job ids.
#
#   scripts/slurm/submit.sh -n 40 -o results/baseline scenarios/baseline.toml --trials 10000000 --seed 7
#
#   -n N      number of shards (array tasks 0..N-1)
#   -o DIR    results folder for the merged run (default output/<scenario>-slurm)
#   -s DIR    folder for the shard files (default DIR.shards)
#   -b PATH   salvosim binary (default target/release/salvosim)
#   -c CPUS   CPUs per array task (default 1; each shard uses all CPUs it is given)
# Further arguments after SCENARIO go to `salvosim run` in every shard (use the same ones you would
# give an unsharded run: --trials, --seed, --set ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shards=""; out=""; shard_dir=""; bin="target/release/salvosim"; cpus=1
while getopts "n:o:s:b:c:" opt; do
  case "$opt" in
    n) shards=$OPTARG ;; o) out=$OPTARG ;; s) shard_dir=$OPTARG ;; b) bin=$OPTARG ;; c) cpus=$OPTARG ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$shards" ] && [ "$#" -ge 1 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
scenario=$1; shift
out=${out:-output/$(basename "$scenario" .toml)-slurm}
shard_dir=${shard_dir:-$out.shards}
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
export SALVOSIM=$(abs "$bin") SCENARIO=$(abs "$scenario") SHARDS=$shards SHARD_DIR=$(abs "$shard_dir") OUT=$(abs "$out")
mkdir -p "$SHARD_DIR"
rm -f "$SHARD_DIR"/shard-*-of-*.json

array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="$cpus" --export=ALL "$here/shard.sbatch" "$@")
merge=$(sbatch --parsable --dependency="afterok:${array}" --export=ALL "$here/merge.sbatch")
echo "$array $merge"
