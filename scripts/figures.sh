#!/usr/bin/env bash
# Regenerates every image in docs/img/ and every number table of docs/findings.md from runs.
#
#   scripts/figures.sh           full trials, writes docs/img/ and docs/findings.md (about half an hour on 2 cores)
#   scripts/figures.sh --quick   few trials, into a temporary folder; the docs are not touched.
#                                CI runs this so that the script cannot rot.
#   scripts/figures.sh --console only the README's console sample (a few seconds), for a change
#                                to the console's format alone.
#
# Needs the release binary's build (done here), python3 (standard library only) for the tables,
# the Air Force record in ../shared/data/ua-air-defence/ for the backtests, and Chromium for the
# report screenshot (installed on purpose by scripts/setup-test-machine.sh; this script installs nothing).
# Where the record or Chromium cannot be had, the script says so and fails under CI.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0; console_only=0
case "${1:-}" in
  --quick) quick=1 ;;
  --console) console_only=1 ;;
  "") ;;
  *) echo "usage: scripts/figures.sh [--quick | --console]" >&2; exit 2 ;;
esac

cargo build --release --quiet
B="$PWD/target/release/salvosim"
DATA=../shared/data/ua-air-defence/missile_attacks_daily.csv
T_RUN_FULL=10000  # trials of the published runs (the README's console sample among them)
# The README's "What a run says": the console summary of the baseline at the full run's trials.
console_run() {  # RUNS TRIALS
  "$B" run scenarios/baseline.toml --trials "$2" --out "$1/baseline-console" --no-charts > "$1/baseline-console.txt"
}
if [ "$console_only" = 1 ]; then
  runs=$(mktemp -d); trap 'rm -rf "$runs"' EXIT
  console_run "$runs" "$T_RUN_FULL"
  python3 scripts/figures/tables.py --console "$runs" README.md
  echo "figures.sh: README.md's console sample rewritten" >&2
  exit 0
fi

if [ "$quick" = 1 ]; then
  work=${FIGURES_KEEP:-$(mktemp -d)}; [ -n "${FIGURES_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
  mkdir -p "$work"; runs="$work/runs"; img="$work/img"; findings="$work/findings.md"
  cp docs/findings.md "$findings"; readme="$work/README.md"; cp README.md "$readme"
  # Trials at every level are cut so that the whole script runs in a few minutes.
  T_RUN=400; T_SWEEP=200; T_SENS=200; T_OPT=200; T_BT=20; BOOT=2
else
  # output/figures is this script's own, rebuilt whole (a run refuses to replace a folder holding
  # a report unasked).
  runs=output/figures; rm -rf "$runs"; img=docs/img; findings=docs/findings.md; readme=README.md
  T_RUN=$T_RUN_FULL; T_SWEEP=""; T_SENS=4000; T_OPT=2000; T_BT=500; BOOT=20
fi
mkdir -p "$runs" "$img"
q=(--quiet)
say() { echo "figures.sh: $*" >&2; }
need() {  # a prerequisite that is missing: fail under CI, else say so and stop
  say "$1"; if [ -n "${CI:-}" ]; then exit 1; fi; exit 3
}
[ -f "$DATA" ] || need "no Air Force record at $DATA (the backtests need it)"

# Runs: the README's and the guide's charts, and the findings' baseline table.
say "runs"
"$B" run scenarios/baseline.toml --trials "$T_RUN" --out "$runs/baseline" --report "${q[@]}"
console_run "$runs" "$T_RUN"
"$B" run scenarios/combined-raid.toml --trials "$T_RUN" --out "$runs/combined-raid" "${q[@]}"
"$B" run scenarios/intel-pause.toml --trials "$T_RUN" --out "$runs/intel-pause" "${q[@]}"
"$B" run scenarios/record/whole-war.toml --trials $((T_RUN / 5)) --out "$runs/whole-war" "${q[@]}"
cp "$runs/baseline/charts/cost-per-kill.png" "$img/cost-per-kill.png"
cp "$runs/combined-raid/charts/stock-depletion.png" "$img/combined-raid-stock-depletion.png"
cp "$runs/intel-pause/charts/nightly-outcome.png" "$img/intel-pause-nightly-outcome.png"
cp "$runs/whole-war/charts/cumulative-spend.png" "$img/whole-war-spend.png"
cp "$runs/whole-war/charts/nightly-outcome.png" "$img/whole-war-outcome.png"

# Sweeps (docs/findings.md#sweeps). Trials as in the findings: 2,000 or 4,000 a point.
say "sweeps"
sweep() {  # NAME DEFAULT_TRIALS ARGS... (SCENARIO, default the baseline)
  local name=$1 trials=${T_SWEEP:-$2}; shift 2
  "$B" sweep "${SCENARIO:-scenarios/baseline.toml}" "$@" --trials "$trials" --out "$runs/$name" "${q[@]}"
}
# Decoys per Shahed, with the Shaheds and missiles held (scenarios/decoy-ratio.toml).
SCENARIO=scenarios/decoy-ratio.toml sweep sweep-decoys 4000 --vary threat.decoy.per.shahed=0:4:8
sweep sweep-raid-size 2000 --vary raid.size=50:800:15
sweep sweep-nasams-price 4000 --vary layer.nasams.cost_per_shot=250000:2000000:7
sweep sweep-early-warning 4000 --vary defence.early_warning=0.3:1:7
sweep sweep-heatmap 2000 --set threat.cruise.nightly_mean=0 --set threat.ballistic.nightly_mean=0 \
  --vary raid.size=100:700:6 --vary defence.early_warning=0.4:1:6
cp "$runs/sweep-decoys/charts/cost-exchange-curve.png" "$img/sweep-decoys.png"
cp "$runs/sweep-raid-size/charts/cost-exchange-curve.png" "$img/sweep-raid-size.png"
cp "$runs/sweep-nasams-price/charts/cost-exchange-curve.png" "$img/sweep-nasams-price.png"
cp "$runs/sweep-early-warning/charts/leak-rate-curve.png" "$img/sweep-early-warning.png"
cp "$runs/sweep-heatmap/charts/cost-exchange-heatmap.png" "$img/sweep-raid-warning-heatmap.png"

say "sensitivity"
"$B" sensitivity scenarios/baseline.toml --trials "$T_SENS" --out "$runs/sensitivity" "${q[@]}"
cp "$runs/sensitivity/charts/tornado-cost_exchange_ratio.png" "$img/tornado-cost-exchange.png"

say "optimiser"
"$B" optimise scenarios/baseline.toml --trials "$T_OPT" --out "$runs/optimise" "${q[@]}" \
  --decide layer.interceptor-drones.capacity=0:400 --decide layer.gepard.capacity=0:120 \
  --decide layer.nasams.stock=40:300 --minimise defence_cost_usd --subject-to 'leak_rate<=0.10' \
  --subject-to 'layers.shorad-missile.p_exhausted<=0.05' --subject-to 'layers.nasams.p_exhausted<=0.05' \
  --subject-to 'layers.patriot.p_exhausted<=0.05' --pareto leak_rate=0.095:0.125:6
cp "$runs/optimise/charts/optimise-frontier.png" "$img/optimise-frontier.png"

# The attacker's side (docs/findings.md#the-attackers-side), on the baseline month with its decoys
# flying per Shahed: the decoy share that maximises the cost-exchange ratio against today's
# defence, and the cheapest capacity that holds Shahed leaks against every decoy share the
# attacker can field for at most 5 % more money.
say "attacker"
"$B" optimise scenarios/decoy-ratio.toml --trials "$T_OPT" --out "$runs/attacker-decoys" "${q[@]}" \
  --decide threat.decoy.per.shahed=0:10 --maximise cost_exchange_ratio
"$B" contest scenarios/decoy-ratio.toml --trials $((T_OPT / 2)) --out "$runs/contest" "${q[@]}" \
  --decide layer.mobile-fire-group.capacity=40:300 --decide layer.interceptor-drones.capacity=40:300 \
  --minimise defence_cost_usd --subject-to 'threats.shahed.leaked<=250' \
  --attacker threat.decoy.per.shahed=0:8 --attacker-maximises threats.shahed.leaked \
  --attacker-subject-to 'attacker_spend_usd<=8e8'
cp "$runs/contest/charts/contest-response.png" "$img/contest-response.png"

say "backtests"
backtest() {  # NAME SCENARIO TRIALS ARGS...; BT_BOOT overrides the bootstrap records
  local name=$1 scenario=$2 trials=$3; shift 3
  "$B" backtest "$scenario" --data "$DATA" --trials "$trials" --bootstrap "${BT_BOOT:-$BOOT}" --out "$runs/$name" "${q[@]}" "$@"
}
backtest backtest-a scenarios/baseline.toml "$T_BT" --train 2024-10..2025-03 --test 2025-04..2025-07 \
  --fit defence.ew_defeat=0.1:0.6 --fit layer.mobile-fire-group.coverage=0.1:1
backtest backtest-b scenarios/baseline.toml "$T_BT" --train 2025-08..2026-01 --test 2026-02..2026-05 \
  --fit layer.interceptor-drones.coverage=0.1:1 --fit layer.interceptor-drones.capacity=40:2000 \
  --fit layer.interceptor-drones.resupply_per_night=40:2000
cp "$runs/backtest-b/charts/backtest.png" "$img/backtest.png"
# The whole war is fitted on the fit set its scenario declares ([[fit]]): no --fit. Its file holds
# values calibrated on every month, test months included, and a fit starts from the file's values:
# so a backtest starts instead from values that saw no test month (the baseline's, fitted to months
# up to May 2025, and neutral guesses for the routine part), or the test months would leak in.
WW_START=(--set layer.mobile-fire-group.max_shots=3 --set phase.before-decoys.set.layer.mobile-fire-group.coverage=0.8
          --set defence.ew_defeat=0.33 --set phase.interceptors.set.layer.interceptor-drones.capacity=80
          --set phase.interceptors.set.threat.routine.per_night=30 --set layer.mobile-fire-group.coverage_vs.routine=0.5
          --set layer.mobile-fire-group.surge_per_threat=0.225)
BT_BOOT=$((BOOT < 5 ? BOOT : 5)) backtest whole-war-backtest scenarios/record/whole-war.toml $((T_BT * 2 / 5)) \
  --train 2022-09..2025-07 --test 2025-08..2026-05 --likelihood nights "${WW_START[@]}"
cp "$runs/whole-war-backtest/charts/backtest.png" "$img/whole-war-backtest.png"
cp "$runs/whole-war-backtest/charts/raid-response.png" "$img/whole-war-raid-response.png"
"$B" calibrate scenarios/record/whole-war.toml --data "$DATA" --window 2022-09..2026-05 --likelihood nights \
  --trials $((T_BT * 2 / 5)) --bootstrap $((BOOT < 5 ? BOOT : 5)) --out "$runs/whole-war-calibrate" "${q[@]}"

# The raid-size response, mechanism by mechanism (docs/findings.md): the whole war with neither,
# either or both of its routine part and its surge, leaked decoys scored as reached, then as
# shipped (leaked decoys reported lost); each fitted by month totals and by nights, on two splits.
# Without the surge the mobile fire groups have the capacity they had before it (120).
say "mechanisms"
NO_ROUTINE=(--set phase.interceptors.set.threat.routine.per_night=0)
NO_SURGE=(--set layer.mobile-fire-group.surge_per_threat=0 --set layer.mobile-fire-group.capacity=120)
FIT4=(--fit layer.mobile-fire-group.max_shots=1:12 --fit phase.before-decoys.set.layer.mobile-fire-group.coverage=0.1:1
      --fit defence.ew_defeat=0.1:0.6 --fit phase.interceptors.set.layer.interceptor-drones.capacity=0:1000)
FIT_ROUTINE=(--fit phase.interceptors.set.threat.routine.per_night=0:300 --fit layer.mobile-fire-group.coverage_vs.routine=0.01:1)
FIT_SURGE=(--fit layer.mobile-fire-group.surge_per_threat=0:1)
AS_REACHED=(--set threat.decoy.leak_reported_as=reached)
for split in "A 2022-09..2025-07 2025-08..2026-05" "B 2025-08..2026-01 2026-02..2026-05"; do
  read -r tag train test <<<"$split"
  for likelihood in months nights; do
    mech() {  # VARIANT ARGS...: fitted values and errors only, no bootstrap
      local variant=$1; shift
      BT_BOOT=0 backtest "mech-$tag-$variant-$likelihood" scenarios/record/whole-war.toml $((T_BT * 2 / 5)) \
        --train "$train" --test "$test" --likelihood "$likelihood" --no-charts "${WW_START[@]}" "$@"
    }
    mech none "${NO_ROUTINE[@]}" "${NO_SURGE[@]}" "${FIT4[@]}" "${AS_REACHED[@]}"
    mech routine "${NO_SURGE[@]}" "${FIT4[@]}" "${FIT_ROUTINE[@]}" "${AS_REACHED[@]}"
    mech surge "${NO_ROUTINE[@]}" "${FIT4[@]}" "${FIT_SURGE[@]}" "${AS_REACHED[@]}"
    mech both "${AS_REACHED[@]}"
    mech lost  # the file as shipped: its declared fit set, leaked decoys reported lost
  done
done

say "report screenshot"
command -v chromium >/dev/null || need "no Chromium (scripts/setup-test-machine.sh installs it): cannot screenshot the report"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
  --window-size=1280,1100 --screenshot="$img/report.png" "file://$(realpath "$runs/baseline/report.html")" 2>/dev/null
[ -s "$img/report.png" ] || { say "Chromium wrote no screenshot"; exit 1; }

say "tables"
python3 scripts/figures/tables.py "$runs" "$findings" "$readme"
n=$(ls "$img"/*.png | wc -l)
say "done: $n images in $img, tables in $findings"
