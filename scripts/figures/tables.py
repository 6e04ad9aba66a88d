#!/usr/bin/env python3
"""Writes the number tables of docs/findings.md from the runs' JSON.

Each table sits between `<!-- figures:NAME -->` and `<!-- /figures:NAME -->` markers and is
replaced whole; everything outside the markers is left as it is. Usage:

    tables.py RUNS_DIR FINDINGS_MD

RUNS_DIR is the folder scripts/figures.sh ran into (one sub-folder a study).
Only the standard library: the script must run wherever the figures script runs.
"""
import json
import re
import sys
from pathlib import Path


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pct(x, digits=1):
    return f"{100 * x:.{digits}f} %"


def money(x):
    for unit, scale in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"${x / scale:.3g}{unit}"
    return f"${x:.3g}"


def num(x):
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def stamp(doc):
    return (f"*{doc['scenario']} · {doc['trials']:,} trials · seed {doc['seed']} · "
            f"scenario {doc['scenario_hash'][:12]} · salvosim {doc['version']}*")


HEADLINE = [
    ("defender_spend_usd", "defender spend", money),
    ("attacker_spend_usd", "attacker spend", money),
    ("damage_usd", "damage from leakers", money),
    ("cost_exchange_ratio", "cost-exchange ratio", lambda x: f"{x:.3f}"),
    ("cost_exchange_ratio_with_damage", "… including damage", lambda x: f"{x:.3f}"),
    ("leak_rate", "strike leak rate", pct),
]


def baseline(runs):
    s = load(runs / "baseline" / "summary.json")
    rows = ["| figure | mean | 95 % CI of the mean | p5 – p95 |", "|---|---|---|---|"]
    for key, label, fmt in HEADLINE:
        m = s[key]
        rows.append(f"| {label} | {fmt(m['mean'])} | {fmt(m['ci95'][0])} – {fmt(m['ci95'][1])} "
                    f"| {fmt(m['p5'])} – {fmt(m['p95'])} |")
    return "\n".join(rows + ["", stamp(s)])


def sweep(runs, name):
    doc = load(runs / name / "sweep.json")
    path = doc["vary"][0]["path"]
    rows = [f"| `{path}` | cost-exchange ratio | … with damage | strike leak rate | defender spend |",
            "|---|---|---|---|---|"]
    for p in doc["points"]:
        m = p["metrics"]
        rows.append(f"| {num(p['values'][path])} | {m['cost_exchange_ratio']['mean']:.3f} "
                    f"| {m['cost_exchange_ratio_with_damage']['mean']:.3f} "
                    f"| {pct(m['leak_rate']['mean'])} | {money(m['defender_spend_usd']['mean'])} |")
    return "\n".join(rows + ["", stamp(doc)])


def fitted_text(doc):
    parts = []
    for path, f in doc.get("fitted", {}).items():
        lo, hi = f["ci95"]
        parts.append(f"`{path}` {num(f['value'])} ({num(lo)}–{num(hi)})")
    return "; ".join(parts) or "nothing"


def backtests(runs, names):
    rows = ["| run | split | fitted (95 % interval) | train: model / pooled / persistence "
            "| **test: model / pooled / persistence** |", "|---|---|---|---|---|"]
    docs = []
    for name in names:
        doc = load(runs / name / "backtest.json")
        docs.append(doc)
        w = doc["windows"]
        def trio(win):
            e = w[win]["mae"]
            return " / ".join(f"{100 * e[k]:.1f}" for k in ("model", "pooled", "persistence"))
        rows.append(f"| {name} | train {w['train']['window']}, test {w['test']['window']} "
                    f"({w['train']['split']}) | {fitted_text(doc)} | {trio('train')} | **{trio('test')}** |")
    d = docs[0]
    rows += ["", f"*mean absolute error of the monthly shares, percentage points · {d['trials']:,} "
             f"trials a month and candidate · seed {d['seed']} · salvosim {d['version']}*"]
    return "\n".join(rows)


def raid_response(runs, names):
    rows = ["| run | window | <100 | 100–199 | 200–399 | ≥400 | MAE: model / pooled |",
            "|---|---|---|---|---|---|---|"]
    for name in names:
        doc = load(runs / name / "backtest.json")
        for window in ("train", "test"):
            r = doc["windows"][window]["raid_response"]
            cells = []
            for g in r["groups"]:
                x = g["reached"]
                cells.append("–" if x["observed"] is None else
                             f"{pct(x['observed'])} / {pct(x['model'])} ({g['nights']})")
            mae = r["mae"]
            rows.append(f"| {name} | {window} {doc['windows'][window]['window']} | " + " | ".join(cells)
                        + f" | {100 * mae['model']:.1f} / {100 * mae['pooled']:.1f} |")
    rows += ["", "*each cell: reached share observed / predicted by the model (nights); drones launched a "
             "night in the column heads; MAE over the groups in percentage points*"]
    return "\n".join(rows)


def mechanisms(runs):
    rows = ["| split | routine part | surge | leaked decoys scored as | fit scores | test months: model / pooled / persistence "
            "| test raid-size MAE: model / pooled | predicted reached share by raid size (<100, 100–199, 200–399, ≥400) | falls? |",
            "|---|---|---|---|---|---|---|---|---|"]
    for tag in ("A", "B"):
        for variant in ("none", "routine", "surge", "both", "lost"):
            for likelihood in ("months", "nights"):
                doc = load(runs / f"mech-{tag}-{variant}-{likelihood}" / "backtest.json")
                test = doc["windows"]["test"]
                e, r = test["mae"], test["raid_response"]
                shares = [g["reached"]["model"] for g in r["groups"] if g["reached"]["model"] is not None]
                falls = all(a > b for a, b in zip(shares, shares[1:]))
                split = f"{tag}: train {doc['windows']['train']['window']}, test {test['window']}"
                per_night = doc["fitted"].get("phase.interceptors.set.threat.routine.per_night")
                part = f"yes ({num(per_night['value'])} a night)" if per_night else "no"
                surge = doc["fitted"].get("layer.mobile-fire-group.surge_per_threat")
                grows = f"yes ({surge['value']:.3f} a threat)" if surge else "no"
                scored = "lost" if variant == "lost" else "reached"
                rows.append(f"| {split} | {part} | {grows} | {scored} | {likelihood} | "
                            + " / ".join(f"{100 * e[k]:.1f}" for k in ("model", "pooled", "persistence"))
                            + f" | {100 * r['mae']['model']:.1f} / {100 * r['mae']['pooled']:.1f} | "
                            + ", ".join(pct(x) for x in shares) + f" | {'yes' if falls else 'no'} |")
    d = load(runs / "mech-A-lost-months" / "backtest.json")
    rows += ["", f"*scenarios/record/whole-war.toml: with both, its declared fit set (the last row of each split: the file "
             f"as shipped, leaked decoys reported lost; the others score them as reached); without the routine part, "
             f"its routine part at 0 and its two fields not fitted; without the surge, the mobile fire groups' "
             f"surge at 0, their capacity at 120 and the surge not fitted · {d['trials']:,} trials a month and "
             f"candidate · seed {d['seed']} · salvosim {d['version']} · errors in percentage points*"]
    return "\n".join(rows)


def calibration(runs, name):
    doc = load(runs / name / "calibrate.json")
    rows = ["| field | fitted | 95 % interval |", "|---|---|---|"]
    for path, f in doc["fitted"].items():
        rows.append(f"| `{path}` | {num(f['value'])} | {num(f['ci95'][0])} – {num(f['ci95'][1])} |")
    e = doc["windows"]["fit"]["mae"]
    rows += ["", f"In-sample error (points): model {100 * e['model']:.1f}, pooled "
             f"{100 * e['pooled']:.1f}, persistence {100 * e['persistence']:.1f}.", "", stamp(doc)]
    return "\n".join(rows)


def attacker(runs):
    opt = load(runs / "attacker-decoys" / "optimise.json")
    c = load(runs / "contest" / "contest.json")
    r = opt["best"]["threat.decoy.per.shahed"]
    cer = opt["metrics"]["cost_exchange_ratio"]
    first, last = c["rounds"][0], c["rounds"][-1]
    path = "threat.decoy.per.shahed"
    rows = [
        "| question | answer |",
        "|---|---|",
        f"| decoys per Shahed that maximise the cost-exchange ratio (0–10) | {r:.2f}: ratio {cer['mean']:.3f} "
        f"({cer['ci95'][0]:.3f}–{cer['ci95'][1]:.3f}), {len(opt['evaluations'])} candidates |",
        f"| nominal defence (round 1, against today's 1.22 decoys per Shahed) | "
        + ", ".join(f"`{k.removeprefix('layer.')}` {v:.0f}" for k, v in first["defence"].items())
        + f": {money(first['defender_objective'])} |",
        f"| the attacker's best reply to it (spend ≤ $800M) | {first['attacker'][path]:.2f} decoys per Shahed: "
        f"{first['attacker_payoff']:.0f} Shaheds leak a month (today's mix: {first['best_in_set']:.0f}) |",
        f"| the defence that holds (round {len(c['rounds'])}, {c['ending'].replace('_', ' ')}) | "
        + ", ".join(f"`{k.removeprefix('layer.')}` {v:.0f}" for k, v in c["final"]["defence"].items())
        + f": {money(last['defender_objective'])}, the best reply leaks {last['attacker_payoff']:.0f} |",
        f"| what holding costs over the nominal optimum | {money(c['robustness_cost'])} |",
    ]
    return "\n".join(rows + ["", f"*decoy-ratio · {opt['trials']:,} trials a candidate (optimise), {c['trials']:,} "
                             f"(contest) · seed {c['seed']} · salvosim {c['version']}*"])


def console(runs):
    lines = (runs / "baseline-console.txt").read_text(encoding="utf-8").splitlines()
    kept = [l for l in lines if not l.startswith(("wrote ", "charts in "))]
    while kept and not kept[-1].strip():
        kept.pop()
    return "```\n" + "\n".join(kept) + "\n```"


def fill(path, tables):
    text = path.read_text(encoding="utf-8")
    for name, make in tables.items():
        pattern = re.compile(rf"(<!-- figures:{name} -->\n)(?:.*?\n)?(<!-- /figures:{name} -->)", re.S)
        if not pattern.search(text):
            sys.exit(f"tables.py: {path}: no <!-- figures:{name} --> block")
        table = make()
        text = pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)
    path.write_text(text, encoding="utf-8")


def main():
    if sys.argv[1] == "--console":
        runs, readme = Path(sys.argv[2]), Path(sys.argv[3])
        fill(readme, {"console": lambda: console(runs)})
        return
    runs, findings, readme = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    tables = {
        "baseline": lambda: baseline(runs),
        "sweep-decoys": lambda: sweep(runs, "sweep-decoys"),
        "sweep-raid-size": lambda: sweep(runs, "sweep-raid-size"),
        "sweep-nasams-price": lambda: sweep(runs, "sweep-nasams-price"),
        "sweep-early-warning": lambda: sweep(runs, "sweep-early-warning"),
        "backtests": lambda: backtests(runs, ["backtest-a", "backtest-b", "whole-war-backtest"]),
        "mechanisms": lambda: mechanisms(runs),
        "raid-response": lambda: raid_response(runs, ["backtest-a", "backtest-b", "whole-war-backtest"]),
        "whole-war-calibration": lambda: calibration(runs, "whole-war-calibrate"),
        "attacker": lambda: attacker(runs),
    }
    fill(findings, tables)
    fill(readme, {"console": lambda: console(runs)})


if __name__ == "__main__":
    main()
