//! The one-screen human summary printed after a run.

use std::fmt::Write;

use super::RunInfo;
use crate::engine::Aggregate;
use crate::format::{chance, count, thousands, usd, usd_finer};
use crate::scenario::Scenario;
use crate::stats::{Stats, Tally};

/// "95% CI a – b", or why there is none: an interval from one trial has no width to mean anything.
fn interval(s: &Stats, show: impl Fn(f64) -> String) -> String {
    if s.n < 2 {
        format!("{:<27}", "95% CI needs 2+ trials")
    } else {
        format!("95% CI {:>9} – {:<9}", show(s.ci95[0]), show(s.ci95[1]))
    }
}

fn money_line(label: &str, stats: Option<Stats>) -> String {
    match stats {
        Some(s) if s.n < 2 => format!(
            "  {label:<28} {:>9}   {}  p5–p95 {:>9} – {}",
            usd(s.mean),
            interval(&s, usd),
            usd(s.p5),
            usd(s.p95)
        ),
        Some(s) => {
            // As for the ratios: digits enough (up to three more) for the interval's ends to read
            // apart, the mean with them; "$219M – $219M" says nothing about how narrow it is.
            let show = |x: f64, more: usize| usd_finer(x, more);
            let tight = (0..=3).find(|&m| show(s.ci95[0], m) != show(s.ci95[1], m)).unwrap_or(0);
            format!(
                "  {label:<28} {:>9}   95% CI {:>9} – {:<9}  p5–p95 {:>9} – {}",
                show(s.mean, tight),
                show(s.ci95[0], tight),
                show(s.ci95[1], tight),
                usd(s.p5),
                usd(s.p95)
            )
        }
        None => format!("  {label:<28} {:>9}", "n/a"),
    }
}

fn ratio_line(label: &str, stats: Option<Stats>, percent: bool) -> String {
    let show = |x: f64, decimals: usize| {
        if percent { format!("{:.decimals$}%", 100.0 * x) } else { format!("{x:.decimals$}") }
    };
    let plain = if percent { 1 } else { 2 };
    match stats {
        Some(s) => {
            // The interval gets as many more decimals (up to four) as it takes for its two ends to
            // read apart: "0.29 – 0.29" says nothing about how narrow it is.
            let tight = (plain..=plain + 4).find(|&d| show(s.ci95[0], d) != show(s.ci95[1], d)).unwrap_or(plain);
            format!(
                "  {label:<28} {:>9}   {}  p5–p95 {:>9} – {}",
                show(s.mean, tight),
                interval(&s, |x| show(x, tight)),
                show(s.p5, plain),
                show(s.p95, plain)
            )
        }
        None => format!("  {label:<28} {:>9}", "n/a"),
    }
}

pub fn summary(info: &RunInfo, scenario: &Scenario, aggregate: &Aggregate) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "salvosim {} — {}: {} trials × {} nights, seed {}, scenario {}",
        info.version,
        scenario.name,
        thousands(aggregate.trials),
        scenario.nights,
        info.seed,
        &info.scenario_hash[..12]
    );
    if let Some(precision) = &info.precision {
        let achieved = precision.achieved(aggregate);
        let verdict = if precision.reached(aggregate) { "reached" } else { "not reached within the cap" };
        let _ = writeln!(
            out,
            "  precision ±{:.2}% of the mean ({}) {verdict}: ±{:.2}% after {} of at most {} trials",
            100.0 * precision.relative,
            precision.metrics.join(", "),
            100.0 * achieved,
            thousands(aggregate.trials),
            thousands(info.trials)
        );
    }
    let [defender, attacker, damage, ratio, with_damage, leak_rate] = aggregate.headline().map(|(_, stats)| stats);
    let lines = [
        money_line("defender spend", defender),
        money_line("attacker spend", attacker),
        money_line("damage from leakers", damage),
        ratio_line("cost-exchange ratio", ratio, false),
        ratio_line("  incl. damage", with_damage, false),
        ratio_line("strike leak rate", leak_rate, true),
    ];
    lines.iter().for_each(|l| {
        let _ = writeln!(out, "{l}");
    });
    let _ = writeln!(
        out,
        "\n  {:<20} {:>10} {:>10} {:>10} {:>11} {:>13} {:>12}",
        "layer (means)", "rounds", "kills", "spend", "cost/kill", "P(exhausted)", "exh. night"
    );
    for (layer, l) in scenario.layers.iter().zip(&aggregate.layers) {
        let mean = |t: &Tally| t.stats().map_or(f64::NAN, |s| s.mean);
        let per_kill = l.cost_per_kill_usd.stats().map_or("–".into(), |s| usd(s.mean));
        let (p_exhausted, night) = match layer.stock {
            None => ("unlimited".to_string(), "–".to_string()),
            Some(_) => (
                // "<0.1%" for a rare run-dry, not "0.0%" beside an exhaustion night.
                chance(l.exhausted_trials as f64 / aggregate.trials as f64),
                l.exhaustion_night.stats().map_or("never".into(), |s| format!("{:.0} (p50)", s.p50)),
            ),
        };
        let _ = writeln!(
            out,
            "  {:<20} {:>10} {:>10} {:>10} {:>11} {:>13} {:>12}",
            layer.label,
            count(mean(&l.rounds)),
            count(mean(&l.kills)),
            usd(mean(&l.spend_usd)),
            per_kill,
            p_exhausted,
            night
        );
    }
    out
}

/// One line per point: its values, cost-exchange ratio and leak rate.
pub fn sweep_table(axes: &[crate::sweep::Axis], table: &[crate::sweep::PointMetrics]) -> String {
    let mut out = format!("{:>5}  ", "point");
    for axis in axes {
        out += &format!("{:>24}  ", axis.path);
    }
    out += &format!("{:>22}  {:>10}\n", "cost-exchange (95% CI)", "leak rate");
    for (index, (values, metrics)) in table.iter().enumerate() {
        let find = |name: &str| metrics.iter().find(|(n, _)| n == name).and_then(|(_, s)| *s);
        out += &format!("{index:>5}  ");
        for v in values {
            out += &format!("{:>24}  ", crate::sweep::spell(*v));
        }
        let ratio = find("cost_exchange_ratio")
            .map_or("n/a".into(), |s| format!("{:.2} [{:.2}, {:.2}]", s.mean, s.ci95[0], s.ci95[1]));
        let leak = find("leak_rate").map_or("n/a".into(), |s| format!("{:.1}%", 100.0 * s.mean));
        out += &format!("{ratio:>22}  {leak:>10}\n");
    }
    out
}

/// Per charted metric, the five inputs with the largest swing.
pub fn sensitivity_table(rows: &[crate::sensitivity::Row], metrics: &[String]) -> String {
    let mut out = String::new();
    for metric in metrics {
        let mut of_metric: Vec<_> = rows.iter().filter(|r| &r.metric == metric).collect();
        of_metric.sort_by(|a, b| b.swing().abs().total_cmp(&a.swing().abs()));
        let Some(first) = of_metric.first() else { continue };
        let _ = writeln!(out, "{metric} (base {:.4}): largest swings, input at its low → high pin", first.base.mean);
        for row in of_metric.iter().take(5) {
            let _ = writeln!(
                out,
                "  {:<44} {:>12.4} → {:<12.4} swing {:+.4}",
                row.input.path,
                row.at_low.mean,
                row.at_high.mean,
                row.swing()
            );
        }
    }
    out
}

/// The console report of a fit or backtest: fitted values, then each window's errors.
pub fn fit_table(estimates: &[crate::backtest::fit::Estimate], windows: &[&crate::backtest::WindowResult]) -> String {
    let mut out = String::new();
    for e in estimates {
        let _ = writeln!(
            out,
            "{:<40} {:>10}  95 % {}..{}",
            e.path,
            crate::format::plain(e.value),
            crate::format::plain(e.ci95[0]),
            crate::format::plain(e.ci95[1])
        );
    }
    let _ = writeln!(
        out,
        "\n{:<6} {:<17} {:<22} {:>8} {:>8} {:>12}",
        "window", "months", "split", "model", "pooled", "persistence"
    );
    for w in windows {
        let e = w.errors;
        let pts = |x: f64| format!("{:.1} pts", 100.0 * x);
        let _ = writeln!(
            out,
            "{:<6} {:<17} {:<22} {:>8} {:>8} {:>12}",
            w.name,
            w.window.to_string(),
            w.split.name(),
            pts(e.model),
            pts(e.pooled),
            pts(e.persistence)
        );
    }
    let _ = writeln!(out, "(mean absolute error of the monthly shares, in percentage points)");
    let _ = writeln!(out, "\nreached share by drones launched a night (observed / model / pooled):");
    let share = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{:.1}%", 100.0 * x));
    for w in windows {
        let groups: Vec<String> = w
            .raid_response
            .groups
            .iter()
            .map(|g| format!("{} {} / {} / {}", g.label, share(g.observed), share(g.model), share(g.pooled)))
            .collect();
        let mae = w
            .raid_response
            .mae
            .map_or("–".to_string(), |e| format!("MAE {:.1} / {:.1} pts", 100.0 * e.model, 100.0 * e.pooled));
        let _ = writeln!(out, "{:<6} {}; {mae}", w.name, groups.join(", "));
    }
    let _ = writeln!(out, "(data: {})", crate::record::ATTRIBUTION);
    out
}

/// The console report of an optimisation: the confirmed winner, its objective and constraints.
pub fn optimise_table(asked: &super::optimise::Asked, solution: &crate::optimise::Solution, trials: u64) -> String {
    let mut out = String::new();
    let winner = &solution.confirmed;
    let verdict = if winner.feasible { "meets every constraint" } else { "INFEASIBLE: the closest candidate" };
    let _ = writeln!(
        out,
        "{} candidates at {} trials; the winner, confirmed at {} trials, {verdict}:",
        solution.search.evaluations.len(),
        crate::format::thousands(trials),
        crate::format::thousands(solution.confirm_trials)
    );
    for (decision, value) in asked.decisions.iter().zip(&winner.values) {
        let _ = writeln!(out, "  {:<44} {:>12}", decision.path, crate::format::plain(*value));
    }
    let objective = format!("{} ({})", asked.objective.metric, asked.objective.verb());
    let _ = writeln!(out, "  {objective:<44} {:>12}", crate::format::plain(winner.objective));
    for (constraint, (estimate, judged)) in asked.constraints.iter().zip(&winner.constraints) {
        let _ = writeln!(
            out,
            "  {:<44} {:>12}  (judged at {})",
            constraint.to_string(),
            crate::format::plain(*estimate),
            crate::format::plain(*judged)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(mean: f64, ci95: [f64; 2]) -> Stats {
        Stats { n: 10_000, mean, se: (ci95[1] - ci95[0]) / 3.92, ci95, p5: 0.21, p50: mean, p95: 0.38 }
    }

    #[test]
    fn an_interval_shows_the_digits_that_tell_its_ends_apart() {
        let narrow = ratio_line("ratio", Some(stats(0.2884, [0.2871, 0.2897])), false);
        assert!(narrow.contains("0.288 ") && narrow.contains("0.287 – 0.290"), "{narrow}");
        assert!(narrow.contains("0.21 – 0.38"), "percentiles keep two decimals: {narrow}");
        let wide = ratio_line("ratio", Some(stats(0.29, [0.25, 0.33])), false);
        assert!(wide.contains("0.25 – 0.33"), "{wide}");
        let leak = ratio_line("leak", Some(stats(0.105, [0.10491, 0.10509])), true);
        assert!(leak.contains("10.49% – 10.51%"), "{leak}");
        let spend = money_line("spend", Some(stats(219.2e6, [218.8e6, 219.4e6])));
        assert!(spend.contains("$219.2M") && spend.contains("$218.8M – $219.4M"), "{spend}");
        let apart = money_line("spend", Some(stats(219.2e6, [218.0e6, 221.0e6])));
        assert!(apart.contains("$218M – $221M"), "three digits where they suffice: {apart}");
        let point = ratio_line("ratio", Some(stats(0.5, [0.5, 0.5])), false);
        assert!(point.contains("0.50 – 0.50"), "a zero-width interval keeps the plain digits: {point}");
    }
}
