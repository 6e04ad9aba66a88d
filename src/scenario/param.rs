//! Number fields that may be uncertain: a plain number or one distribution.
//!
//! [`ParamSpec`] is what the file says (parsed, not yet checked); [`Param`] is a validated,
//! ready-to-sample distribution. Validation happens in [`Param::new`], against the [`Kind`] of the
//! field, so a `Param` that exists can always be sampled.

use rand::Rng;
use rand_distr::{Distribution, LogNormal, Normal, Pert, Poisson, Triangular, Uniform};
use serde::Deserialize;

use super::beta_table::BetaTable;

/// z of the 90th percentile of the standard normal.
const Z90: f64 = 1.281_551_565_544_600_4;

/// The largest count a field may hold or draw (raid sizes, stocks): keeps every count exact in
/// f64 and u64 arithmetic.
pub const MAX_COUNT: f64 = 1e12;

/// The largest raid of one night: far above any raid seen (810 in 2025), and small enough that a
/// night always finishes in well under a second.
pub const MAX_RAID: f64 = 1e6;

/// The largest `per` ratio: a night's riders stay within ten times the threats they ride with.
pub const MAX_RATIO: f64 = 10.0;

/// The largest cost in USD a field may hold or draw (10¹⁵, ten times the world's yearly output): far
/// above any price or damage, and small
/// enough that a campaign's spend (shots × cost × nights) and its square stay finite.
pub const MAX_USD: f64 = 1e15;

/// The largest share weight and the largest `warning_sensitivity` exponent: sums and powers of
/// them stay finite.
pub const MAX_SHARE: f64 = 1e12;
pub const MAX_EXPONENT: f64 = 100.0;

/// The largest `max_shots`.
pub const MAX_SHOTS: f64 = 10_000.0;

/// A number field as written, before validation.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamSpec {
    Fixed(f64),
    Uniform { lo: f64, hi: f64 },
    Triangular { lo: f64, mode: f64, hi: f64 },
    Pert { lo: f64, mode: f64, hi: f64 },
    LogNormal { median: f64, p90: f64 },
    Normal { mean: f64, sd: f64 },
    Poisson { lambda: f64 },
}

/// What a field means, and so which values it allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 0..=1; normal and lognormal draws are clamped into it.
    Probability,
    /// USD, 0..=10^15.
    Money,
    /// A whole number >= 0 (rounded after the draw).
    Count,
    /// Threats launched in one night: a whole number in 0..=1,000,000.
    Raid,
    /// Rounds per engagement: a whole number in 1..=10,000.
    Shots,
    /// A weight in 0..=10^12 (threat shares; each mix needs one that can be > 0).
    Share,
    /// An exponent in 0..=100 (`warning_sensitivity`).
    NonNegative,
    /// Engagements per threat launched, 0..=1 (`surge_per_threat`).
    PerThreat,
    /// A mean number of threats a night, 0..=1,000,000 (`nightly_mean`).
    NightlyMean,
    /// Threats of one type per threat of another, 0..=10 (`per`).
    Ratio,
}

impl Kind {
    fn bounds(self) -> (f64, f64) {
        match self {
            Kind::Probability | Kind::PerThreat => (0.0, 1.0),
            Kind::Money => (0.0, MAX_USD),
            Kind::Share => (0.0, MAX_SHARE),
            Kind::NonNegative => (0.0, MAX_EXPONENT),
            Kind::Count => (0.0, MAX_COUNT),
            Kind::Raid | Kind::NightlyMean => (0.0, MAX_RAID),
            Kind::Ratio => (0.0, MAX_RATIO),
            Kind::Shots => (1.0, MAX_SHOTS),
        }
    }

    fn is_integer(self) -> bool {
        matches!(self, Kind::Count | Kind::Raid | Kind::Shots)
    }

    /// What the field allows, for error messages.
    pub fn allowed(self) -> &'static str {
        match self {
            Kind::Probability => "a probability in 0..1",
            Kind::Money => "a cost in USD >= 0 and at most 10^15",
            Kind::Count => "a whole number in 0..=10^12",
            Kind::Raid => "a whole number of threats in 0..=1000000 a night",
            Kind::Shots => "a whole number in 1..=10000",
            Kind::Share => "a share >= 0 and at most 10^12",
            Kind::NonNegative => "a number >= 0 and at most 100",
            Kind::PerThreat => "engagements per threat launched, in 0..1",
            Kind::NightlyMean => "a mean number of threats a night in 0..=1000000",
            Kind::Ratio => "threats per threat of the other type, in 0..=10",
        }
    }
}

#[derive(Clone, Debug)]
enum Dist {
    Fixed(f64),
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    Pert(Pert<f64>),
    /// A PERT drawn by [`BetaTable`] (see [`Param::drawn_per_event`]).
    PertTable(PertTable),
    LogNormal(LogNormal<f64>),
    Normal(Normal<f64>),
    Poisson(Poisson<f64>),
    /// Draws from the distribution (so a trial's later draws are unchanged) and returns the value.
    Pinned(Box<Dist>, f64),
}

/// lo + range × Beta(α, β), the Beta drawn from its table.
#[derive(Clone, Debug)]
struct PertTable {
    lo: f64,
    range: f64,
    beta: BetaTable,
}

impl PertTable {
    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.lo + self.range * self.beta.sample(rng)
    }
}

/// `x.round()`, kept out of line: inlined, LLVM evaluates the rounding for every draw (it counts
/// rounding as cheap enough to do speculatively, but a generic x86-64 build has no rounding
/// instruction and calls libm), which made every damage draw a third slower.
#[inline(never)]
fn round(x: f64) -> f64 {
    x.round()
}

/// A validated number field: a constant or a distribution, with its bounds and rounding.
#[derive(Clone, Debug)]
pub struct Param {
    dist: Dist,
    /// The form as written, for quantiles.
    spec: ParamSpec,
    lo: f64,
    hi: f64,
    integer: bool,
}

impl Param {
    /// Checks `spec` against `kind`. Bounded distributions must lie inside the field's range;
    /// unbounded ones (normal, lognormal, poisson) are clamped into it when drawn.
    pub fn new(spec: &ParamSpec, kind: Kind) -> Result<Param, String> {
        let (lo, hi) = kind.bounds();
        let inside = |x: f64| x.is_finite() && x >= lo && x <= hi;
        let need = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_string()) };
        let range_msg = format!("must be {}", kind.allowed());
        let dist = match *spec {
            ParamSpec::Fixed(x) => {
                need(inside(x), &range_msg)?;
                Dist::Fixed(x)
            }
            ParamSpec::Uniform { lo: a, hi: b } => {
                need(inside(a) && inside(b), &format!("both ends {range_msg}"))?;
                need(a <= b, "uniform needs lo <= hi")?;
                Dist::Uniform(Uniform::new_inclusive(a, b).map_err(|e| e.to_string())?)
            }
            ParamSpec::Triangular { lo: a, mode, hi: b } | ParamSpec::Pert { lo: a, mode, hi: b } => {
                need(inside(a) && inside(b), &format!("both ends {range_msg}"))?;
                need(a <= mode && mode <= b, "needs lo <= mode <= hi")?;
                if a == b {
                    Dist::Fixed(a)
                } else if matches!(spec, ParamSpec::Pert { .. }) {
                    Dist::Pert(Pert::new(a, b).with_mode(mode).map_err(|e| e.to_string())?)
                } else {
                    Dist::Triangular(Triangular::new(a, b, mode).map_err(|e| e.to_string())?)
                }
            }
            ParamSpec::LogNormal { median, p90 } => {
                need(median.is_finite() && p90.is_finite(), "median and p90 must be finite")?;
                need(median > 0.0 && p90 > median, "lognormal needs 0 < median < p90")?;
                need(lo >= 0.0, &range_msg)?;
                let mu = median.ln();
                let sigma = (p90.ln() - mu) / Z90;
                Dist::LogNormal(LogNormal::new(mu, sigma).map_err(|e| e.to_string())?)
            }
            ParamSpec::Normal { mean, sd } => {
                need(mean.is_finite() && sd.is_finite(), "mean and sd must be finite")?;
                need(sd >= 0.0, "normal needs sd >= 0")?;
                Dist::Normal(Normal::new(mean, sd).map_err(|e| e.to_string())?)
            }
            ParamSpec::Poisson { lambda } => {
                need(matches!(kind, Kind::Count | Kind::Raid), "poisson is only for whole-number counts")?;
                need(
                    lambda.is_finite() && lambda > 0.0 && lambda <= hi,
                    &format!("poisson needs 0 < λ and λ {range_msg}"),
                )?;
                Dist::Poisson(Poisson::new(lambda).map_err(|e| e.to_string())?)
            }
        };
        let mut param = Param { dist, spec: spec.clone(), lo, hi, integer: kind.is_integer() };
        if let Dist::Fixed(x) = param.dist {
            // Rounded and clamped once here, not on every draw.
            param.dist = Dist::Fixed(param.finish(x));
        }
        Ok(param)
    }

    /// A constant, already validated for `kind`.
    pub fn constant(value: f64, kind: Kind) -> Param {
        Param::new(&ParamSpec::Fixed(value), kind).expect("constant default inside its kind")
    }

    /// One draw, clamped into the field's range and rounded for whole-number fields.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sample_with_draw(rng).0
    }

    /// One draw as [`Param::sample`] makes it, and the draw before it was clamped and rounded.
    /// That has the closed-form mean [`Param::mean`] whatever the range, so it can serve as a
    /// control variate where the value itself has none (a rounded raid size).
    pub fn sample_with_draw<R: Rng + ?Sized>(&self, rng: &mut R) -> (f64, f64) {
        let x = match &self.dist {
            Dist::Fixed(x) => return (*x, *x),
            Dist::Pinned(inner, value) => return (*value, draw(inner, rng)),
            other => draw(other, rng),
        };
        (self.finish(x), x)
    }

    /// The value at quantile `q` (in 0..1) of the distribution as written, clamped and rounded as
    /// a draw is; `None` for a constant.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let x = match self.spec {
            ParamSpec::Fixed(_) => return None,
            ParamSpec::Uniform { lo, hi } => lo + q * (hi - lo),
            ParamSpec::Triangular { lo, mode, hi } => {
                if hi == lo {
                    lo
                } else if q < (mode - lo) / (hi - lo) {
                    lo + (q * (hi - lo) * (mode - lo)).sqrt()
                } else {
                    hi - ((1.0 - q) * (hi - lo) * (hi - mode)).sqrt()
                }
            }
            ParamSpec::Pert { lo, mode, hi } if hi > lo => {
                let (alpha, beta) = pert_shapes(lo, mode, hi);
                lo + (hi - lo) * beta_quantile(alpha, beta, q)
            }
            ParamSpec::Pert { lo, .. } => lo,
            ParamSpec::LogNormal { median, p90 } => median * ((p90 / median).ln() / Z90 * normal_quantile(q)).exp(),
            ParamSpec::Normal { mean, sd } => mean + sd * normal_quantile(q),
            ParamSpec::Poisson { lambda } => poisson_quantile(lambda, q),
        };
        Some(self.finish(x))
    }

    /// The mean of the field as written (a pinned field's pin), before clamping into its range.
    pub fn mean(&self) -> f64 {
        if let Dist::Pinned(_, value) | Dist::Fixed(value) = self.dist {
            return value;
        }
        match self.spec {
            ParamSpec::Fixed(x) => x,
            ParamSpec::Uniform { lo, hi } => (lo + hi) / 2.0,
            ParamSpec::Triangular { lo, mode, hi } => (lo + mode + hi) / 3.0,
            ParamSpec::Pert { lo, mode, hi } => (lo + 4.0 * mode + hi) / 6.0,
            ParamSpec::LogNormal { median, p90 } => {
                let sigma = (p90 / median).ln() / Z90;
                median * (0.5 * sigma * sigma).exp()
            }
            ParamSpec::Normal { mean, .. } => mean,
            ParamSpec::Poisson { lambda } => lambda,
        }
    }

    /// The mean of the values this field draws — clamped into its range and rounded — where that
    /// has a closed form: a constant or pin; a uniform, triangular or PERT inside the range; a
    /// lognormal whose mass above its range's top is negligible; a Poisson far below its range's top (its draws are whole
    /// already). `None` for a normal (always clamped somewhere), a rounded continuous draw,
    /// or a form that reaches past its range.
    pub fn exact_mean(&self) -> Option<f64> {
        if let Dist::Pinned(_, value) | Dist::Fixed(value) = self.dist {
            return Some(value);
        }
        let inside = |lo: f64, hi: f64| self.lo <= lo && hi <= self.hi;
        let exact = match self.spec {
            ParamSpec::Fixed(_) => true,
            ParamSpec::Uniform { lo, hi } | ParamSpec::Triangular { lo, hi, .. } | ParamSpec::Pert { lo, hi, .. } => {
                !self.integer && inside(lo, hi)
            }
            // The draws clamped at the range's top carry a share Φ(σ − (ln hi − μ)/σ) of the mean:
            // below 10⁻⁹ past six standard deviations (the baseline's widest damage: 9.3), a thousandth
            // of the relative standard error of even 10¹² trials.
            ParamSpec::LogNormal { median, p90 } => {
                let (mu, sigma) = (median.ln(), (p90 / median).ln() / Z90);
                !self.integer && self.lo <= 0.0 && (self.hi.ln() - mu) / sigma - sigma > 6.0
            }
            // Past λ + 40√λ + 40 the Poisson's tail is below 10⁻³⁰⁰: never drawn.
            ParamSpec::Poisson { lambda } => self.lo <= 0.0 && lambda + 40.0 * lambda.sqrt() + 40.0 < self.hi,
            ParamSpec::Normal { .. } => false,
        };
        exact.then(|| self.mean())
    }

    /// This field with every draw's value replaced by `value` (clamped and rounded as a draw is).
    /// It still draws from its distribution, so that the trial's later draws — and so every other
    /// input — are the same as without the pin: common random numbers.
    pub fn pinned(&self, value: f64) -> Param {
        let dist = match &self.dist {
            Dist::Pinned(inner, _) => inner.clone(),
            other => Box::new(other.clone()),
        };
        Param { dist: Dist::Pinned(dist, self.finish(value)), ..self.clone() }
    }

    /// This field, for drawing many times a trial (damage per leaking drone): a PERT is drawn by
    /// an exact table-driven sampler (`BetaTable`, in `beta_table.rs`) that costs a table of a few
    /// kilobytes to set up but no logarithm or exponential per draw. Every other form is
    /// unchanged. The draws follow the same distribution as rand_distr's PERT, not the same
    /// stream, so a field keeps one sampler for good: per-trial fields stay with rand_distr's, and
    /// so their published figures.
    pub fn drawn_per_event(self) -> Param {
        let to_table = |dist: &Dist| match (dist, &self.spec) {
            (Dist::Pert(_), &ParamSpec::Pert { lo, mode, hi }) => {
                let (alpha, beta) = pert_shapes(lo, mode, hi);
                let beta = BetaTable::new(alpha, beta).expect("PERT's shapes lie in [1, 5]");
                Some(Dist::PertTable(PertTable { lo, range: hi - lo, beta }))
            }
            _ => None,
        };
        let dist = match &self.dist {
            Dist::Pinned(inner, value) => to_table(inner).map(|table| Dist::Pinned(Box::new(table), *value)),
            other => to_table(other),
        };
        match dist {
            Some(dist) => Param { dist, ..self },
            None => self,
        }
    }

    /// Adds `n` draws to `total` one by one: the same sum, bit for bit, as `n` calls of
    /// [`Param::sample`], with the form looked up once for a field drawn per event.
    pub fn add_draws<R: Rng + ?Sized>(&self, n: u64, total: &mut f64, rng: &mut R) {
        match &self.dist {
            Dist::PertTable(pert) => {
                for _ in 0..n {
                    *total += self.finish(pert.sample(rng));
                }
            }
            _ => {
                for _ in 0..n {
                    *total += self.sample(rng);
                }
            }
        }
    }

    /// A whole-number draw (for count fields).
    pub fn sample_count<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        debug_assert!(self.integer);
        self.sample(rng) as u64
    }

    fn finish(&self, x: f64) -> f64 {
        let x = if self.integer { round(x) } else { x };
        // max/min also map NaN (impossible from validated distributions) to the lower bound.
        x.max(self.lo).min(self.hi)
    }

    /// Whether `value` is inside the field's range (before rounding).
    pub fn allows(&self, value: f64) -> bool {
        value.is_finite() && value >= self.lo && value <= self.hi
    }

    /// Whether the field holds whole numbers (its draws are rounded).
    pub fn is_whole(&self) -> bool {
        self.integer
    }

    /// Whether the field, as written, is a distribution rather than a constant.
    pub fn is_distribution(&self) -> bool {
        !matches!(self.spec, ParamSpec::Fixed(_))
    }

    /// The most spread a lognormal may have (its σ; p90 = 3.6 × the median) and still serve as a
    /// control variate: past it the draws' sample mean and spread converge too slowly for a linear
    /// correction fitted on a few thousand trials to be trusted (kurtosis above 110).
    pub const CONTROL_SIGMA_MAX: f64 = 1.0;

    /// Whether the field's draws are too heavy-tailed to serve as a control variate (see
    /// [`Param::CONTROL_SIGMA_MAX`]).
    pub fn heavy_tailed(&self) -> bool {
        match self.spec {
            ParamSpec::LogNormal { median, p90 } => (p90 / median).ln() / Z90 > Self::CONTROL_SIGMA_MAX,
            _ => false,
        }
    }

    /// Whether draws of the field differ from trial to trial: not a constant, not pinned.
    pub fn varies(&self) -> bool {
        !matches!(self.dist, Dist::Fixed(_) | Dist::Pinned(..))
    }

    /// The value if the field is a constant.
    pub fn as_constant(&self) -> Option<f64> {
        match self.dist {
            Dist::Fixed(x) => Some(x),
            _ => None,
        }
    }
}

impl ParamSpec {
    fn from_value(value: &toml::Value) -> Result<ParamSpec, String> {
        const FORMS: &str = "a number, { fixed = x }, { uniform = [lo, hi] }, { triangular = [lo, mode, hi] }, \
             { pert = [lo, mode, hi] }, { lognormal = { median = m, p90 = x } }, \
             { normal = { mean = m, sd = s } } or { poisson = λ }";
        if let Some(x) = number(value) {
            return Ok(ParamSpec::Fixed(x));
        }
        let Some(table) = value.as_table() else {
            return Err(format!("expected {FORMS}, found {}", value.type_str()));
        };
        let mut entries = table.iter();
        let (Some((form, arg)), None) = (entries.next(), entries.next()) else {
            return Err(format!("expected exactly one distribution: {FORMS}"));
        };
        match form.as_str() {
            "fixed" => number(arg).map(ParamSpec::Fixed).ok_or_else(|| "fixed takes a number".into()),
            "uniform" => numbers::<2>(arg, "uniform = [lo, hi]").map(|[lo, hi]| ParamSpec::Uniform { lo, hi }),
            "triangular" => numbers::<3>(arg, "triangular = [lo, mode, hi]")
                .map(|[lo, mode, hi]| ParamSpec::Triangular { lo, mode, hi }),
            "pert" => numbers::<3>(arg, "pert = [lo, mode, hi]").map(|[lo, mode, hi]| ParamSpec::Pert { lo, mode, hi }),
            "lognormal" => named(arg, ["median", "p90"], "lognormal = { median = m, p90 = x }")
                .map(|[median, p90]| ParamSpec::LogNormal { median, p90 }),
            "normal" => named(arg, ["mean", "sd"], "normal = { mean = m, sd = s }")
                .map(|[mean, sd]| ParamSpec::Normal { mean, sd }),
            "poisson" => {
                number(arg).map(|lambda| ParamSpec::Poisson { lambda }).ok_or_else(|| "poisson takes a number λ".into())
            }
            other => {
                Err(format!("unknown distribution `{other}`{}; expected {FORMS}", did_you_mean(other, DISTRIBUTIONS)))
            }
        }
    }
}

/// PERT's Beta shapes (α, β) for [lo, mode, hi], hi > lo: the mode weighted 4 to the ends' 1.
fn pert_shapes(lo: f64, mode: f64, hi: f64) -> (f64, f64) {
    (1.0 + 4.0 * (mode - lo) / (hi - lo), 1.0 + 4.0 * (hi - mode) / (hi - lo))
}

/// One raw draw of `dist`, before clamping and rounding. A pin holds an unpinned distribution
/// ([`Param::pinned`] unwraps), so this never meets a pin inside a pin.
#[inline(always)]
fn draw<R: Rng + ?Sized>(dist: &Dist, rng: &mut R) -> f64 {
    match dist {
        Dist::Fixed(x) | Dist::Pinned(_, x) => *x,
        Dist::Uniform(d) => d.sample(rng),
        Dist::Triangular(d) => d.sample(rng),
        Dist::Pert(d) => d.sample(rng),
        Dist::PertTable(pert) => pert.sample(rng),
        Dist::LogNormal(d) => d.sample(rng),
        Dist::Normal(d) => d.sample(rng),
        Dist::Poisson(d) => d.sample(rng),
    }
}

/// The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).
fn normal_quantile(q: f64) -> f64 {
    const A: [f64; 6] = [
        -39.696_830_286_653_76,
        220.946_098_424_520_5,
        -275.928_510_446_968_7,
        138.357_751_867_269,
        -30.664_798_066_147_16,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -54.476_098_798_224_06,
        161.585_836_858_040_9,
        -155.698_979_859_886_6,
        66.801_311_887_719_72,
        -13.280_681_552_885_72,
    ];
    const C: [f64; 6] = [
        -0.007_784_894_002_430_293,
        -0.322_396_458_041_136_5,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [0.007_784_695_709_041_462, 0.322_467_129_070_039_8, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let tail = |p: f64| {
        let r = (-2.0 * p.ln()).sqrt();
        (((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    };
    if q < 0.02425 {
        tail(q)
    } else if q > 1.0 - 0.02425 {
        -tail(1.0 - q)
    } else {
        let (x, r) = (q - 0.5, (q - 0.5) * (q - 0.5));
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * x
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The quantile of Beta(α, β), α, β >= 1, by bisection on the CDF, itself Simpson's rule on the
/// (bounded) density over 2,000 intervals: far finer than any use of it here needs.
fn beta_quantile(alpha: f64, beta: f64, q: f64) -> f64 {
    let density = |x: f64| x.powf(alpha - 1.0) * (1.0 - x).powf(beta - 1.0);
    let integral = |to: f64| {
        let steps = 2000;
        let h = to / steps as f64;
        let inner: f64 = (1..steps).map(|i| density(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 }).sum();
        h / 3.0 * (density(0.0) + inner + density(to))
    };
    let whole = integral(1.0);
    let (mut low, mut high) = (0.0, 1.0);
    for _ in 0..50 {
        let middle = (low + high) / 2.0;
        if integral(middle) / whole < q { low = middle } else { high = middle }
    }
    (low + high) / 2.0
}

/// The smallest k with P(Poisson(λ) <= k) >= q.
fn poisson_quantile(lambda: f64, q: f64) -> f64 {
    let (mut k, mut ln_factorial, mut cumulative) = (0.0f64, 0.0, 0.0);
    loop {
        if k > 0.0 {
            ln_factorial += k.ln();
        }
        cumulative += (-lambda + k * lambda.ln() - ln_factorial).exp();
        if cumulative >= q || k > lambda + 40.0 * lambda.sqrt() + 40.0 {
            return k;
        }
        k += 1.0;
    }
}

const DISTRIBUTIONS: &[&str] = &["fixed", "uniform", "triangular", "pert", "lognormal", "normal", "poisson"];

fn number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(x) => Some(*x),
        _ => None,
    }
}

fn numbers<const N: usize>(value: &toml::Value, form: &str) -> Result<[f64; N], String> {
    let err = || format!("expected {form}");
    let items = value.as_array().filter(|a| a.len() == N).ok_or_else(err)?;
    let mut out = [0.0; N];
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = number(item).ok_or_else(err)?;
    }
    Ok(out)
}

fn named<const N: usize>(value: &toml::Value, keys: [&str; N], form: &str) -> Result<[f64; N], String> {
    let err = || format!("expected {form}");
    let table = value.as_table().filter(|t| t.len() == N).ok_or_else(err)?;
    let mut out = [0.0; N];
    for (slot, key) in out.iter_mut().zip(keys) {
        *slot = table.get(key).and_then(number).ok_or_else(err)?;
    }
    Ok(out)
}

impl<'de> Deserialize<'de> for ParamSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        ParamSpec::from_value(&value).map_err(serde::de::Error::custom)
    }
}

/// ` (did you mean `x`?)` for the closest candidate within a few edits, else "".
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= 2.max(word.len() / 3))
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn spec(text: &str) -> Result<ParamSpec, String> {
        let table: toml::Table = toml::from_str(&format!("x = {text}")).unwrap();
        ParamSpec::from_value(&table["x"])
    }

    #[test]
    fn every_form_parses() {
        assert_eq!(spec("3").unwrap(), ParamSpec::Fixed(3.0));
        assert_eq!(spec("{ fixed = 2.5 }").unwrap(), ParamSpec::Fixed(2.5));
        assert_eq!(spec("{ uniform = [1, 2] }").unwrap(), ParamSpec::Uniform { lo: 1.0, hi: 2.0 });
        assert_eq!(spec("{ pert = [1, 2, 3] }").unwrap(), ParamSpec::Pert { lo: 1.0, mode: 2.0, hi: 3.0 });
        assert_eq!(
            spec("{ lognormal = { median = 2, p90 = 5 } }").unwrap(),
            ParamSpec::LogNormal { median: 2.0, p90: 5.0 }
        );
        assert_eq!(spec("{ poisson = 120 }").unwrap(), ParamSpec::Poisson { lambda: 120.0 });
    }

    #[test]
    fn malformed_forms_say_what_is_expected() {
        assert!(spec("{ pert = [1, 2] }").unwrap_err().contains("pert = [lo, mode, hi]"));
        assert!(spec("{ prt = [1, 2, 3] }").unwrap_err().contains("(did you mean `pert`?)"));
        assert!(spec("\"ten\"").unwrap_err().contains("found string"));
        assert!(spec("{ fixed = 1, uniform = [1, 2] }").unwrap_err().contains("exactly one"));
    }

    #[test]
    fn validation_follows_the_kind() {
        assert!(Param::new(&ParamSpec::Fixed(1.5), Kind::Probability).is_err());
        assert!(Param::new(&ParamSpec::Fixed(-1.0), Kind::Money).is_err());
        assert!(Param::new(&ParamSpec::Fixed(0.0), Kind::Shots).is_err());
        assert!(Param::new(&ParamSpec::Fixed(-0.1), Kind::Share).is_err());
        assert!(Param::new(&ParamSpec::Fixed(f64::NAN), Kind::Money).is_err());
        assert!(Param::new(&ParamSpec::Poisson { lambda: 3.0 }, Kind::Money).is_err());
        assert!(Param::new(&ParamSpec::Pert { lo: 0.5, mode: 0.2, hi: 0.9 }, Kind::Probability).is_err());
        assert!(Param::new(&ParamSpec::Uniform { lo: 0.5, hi: 1.2 }, Kind::Probability).is_err());
    }

    #[test]
    fn unbounded_draws_are_clamped_and_counts_rounded() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let p = Param::new(&ParamSpec::Normal { mean: 0.9, sd: 0.5 }, Kind::Probability).unwrap();
        let c = Param::new(&ParamSpec::Uniform { lo: 0.0, hi: 10.0 }, Kind::Count).unwrap();
        for _ in 0..10_000 {
            let x = p.sample(&mut rng);
            assert!((0.0..=1.0).contains(&x));
            let n = c.sample(&mut rng);
            assert_eq!(n, n.round());
        }
    }

    #[test]
    fn quantiles_match_closed_forms() {
        let q = |spec: ParamSpec, kind: Kind, at: f64| Param::new(&spec, kind).unwrap().quantile(at).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1.0);
        assert!(close(q(ParamSpec::Uniform { lo: 2.0, hi: 6.0 }, Kind::Money, 0.1), 2.4));
        assert!(close(q(ParamSpec::Normal { mean: 10.0, sd: 2.0 }, Kind::Money, 0.9), 10.0 + 2.0 * Z90));
        assert!(close(q(ParamSpec::LogNormal { median: 100.0, p90: 400.0 }, Kind::Money, 0.9), 400.0));
        assert!(close(q(ParamSpec::LogNormal { median: 100.0, p90: 400.0 }, Kind::Money, 0.1), 25.0));
        // Triangular [0, 0.5, 1]: P(X <= x) = 2x² below the mode, so the 10th percentile is √0.05.
        assert!(close(q(ParamSpec::Triangular { lo: 0.0, mode: 0.5, hi: 1.0 }, Kind::Money, 0.1), 0.05f64.sqrt()));
        // A symmetric PERT has its median at the mode; PERT [0, 0, 1] is Beta(1, 5): 1 − (1 − q)^(1/5).
        assert!(close(q(ParamSpec::Pert { lo: 2.0, mode: 5.0, hi: 8.0 }, Kind::Money, 0.5), 5.0));
        assert!(close(
            q(ParamSpec::Pert { lo: 0.0, mode: 0.0, hi: 1.0 }, Kind::Probability, 0.1),
            1.0 - 0.9f64.powf(0.2)
        ));
        // Poisson(3): P(X <= 1) = 0.199, P(X <= 2) = 0.423.
        assert_eq!(q(ParamSpec::Poisson { lambda: 3.0 }, Kind::Count, 0.1), 1.0);
        assert_eq!(q(ParamSpec::Poisson { lambda: 3.0 }, Kind::Count, 0.3), 2.0);
        assert_eq!(Param::constant(4.0, Kind::Money).quantile(0.1), None);
    }

    /// `p` pinned at `value` returns it 100 times while drawing what `p` draws: afterwards both
    /// streams are in step. Returns the stream `p` drew from.
    fn assert_pin_draws_as_before(p: &Param, value: f64) -> Xoshiro256PlusPlus {
        let pinned = p.pinned(value);
        let (mut a, mut b) = (Xoshiro256PlusPlus::seed_from_u64(5), Xoshiro256PlusPlus::seed_from_u64(5));
        for _ in 0..100 {
            p.sample(&mut a);
            assert_eq!(pinned.sample(&mut b), value);
        }
        assert_eq!(
            rand::RngExt::random::<u64>(&mut a.clone()),
            rand::RngExt::random::<u64>(&mut b),
            "streams stay in step"
        );
        a
    }

    /// `add_draws` of 1,000 adds, bit for bit, what 1,000 calls of `sample` add, from the same stream.
    fn assert_add_draws_is_the_sum_of_samples(p: &Param) {
        let (mut a, mut b) = (Xoshiro256PlusPlus::seed_from_u64(7), Xoshiro256PlusPlus::seed_from_u64(7));
        let (mut added, mut summed) = (1.5, 1.5);
        p.add_draws(1000, &mut added, &mut a);
        (0..1000).for_each(|_| summed += p.sample(&mut b));
        assert_eq!(added, summed);
    }

    #[test]
    fn a_pinned_field_returns_its_value_and_draws_as_before() {
        let p = Param::new(&ParamSpec::Pert { lo: 1.0, mode: 2.0, hi: 9.0 }, Kind::Money).unwrap();
        let mut a = assert_pin_draws_as_before(&p, 3.0);
        assert_eq!(p.pinned(2.6).pinned(7.0).sample(&mut a), 7.0);
        assert_eq!(
            Param::new(&ParamSpec::Uniform { lo: 0.0, hi: 10.0 }, Kind::Count).unwrap().pinned(2.6).sample(&mut a),
            3.0
        );
    }

    #[test]
    fn a_pert_drawn_per_event_has_pert_moments_and_keeps_its_pin() {
        // PERT [1, 2, 9]: mean (lo + 4 mode + hi) / 6 = 3, variance (mean − lo)(hi − mean) / 7 = 12/7.
        // Over 10⁶ draws on each of three seeds, both within 5 standard errors (the sample
        // variance's is √((μ₄ − σ⁴) / n), μ₄ − σ⁴ = 6.2 for this PERT, by quadrature).
        let p = Param::new(&ParamSpec::Pert { lo: 1.0, mode: 2.0, hi: 9.0 }, Kind::Money).unwrap().drawn_per_event();
        assert!(matches!(p.dist, Dist::PertTable(_)));
        let n = 1_000_000;
        for seed in [1, 2, 3] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let draws: Vec<f64> = (0..n).map(|_| p.sample(&mut rng)).collect();
            assert!(draws.iter().all(|x| (1.0..=9.0).contains(x)));
            let mean = draws.iter().sum::<f64>() / n as f64;
            let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!((mean - 3.0).abs() < 5.0 * (12.0f64 / 7.0 / n as f64).sqrt(), "seed {seed}: mean {mean}");
            assert!(
                (variance - 12.0 / 7.0).abs() < 5.0 * (6.2f64 / n as f64).sqrt(),
                "seed {seed}: variance {variance}"
            );
        }
        assert_pin_draws_as_before(&p, 4.0);
        assert_add_draws_is_the_sum_of_samples(&p);
        let lognormal = ParamSpec::LogNormal { median: 1.0, p90: 2.0 };
        let (plain, per_event) = (
            Param::new(&lognormal, Kind::Money).unwrap(),
            Param::new(&lognormal, Kind::Money).unwrap().drawn_per_event(),
        );
        let (mut a, mut b) = (Xoshiro256PlusPlus::seed_from_u64(6), Xoshiro256PlusPlus::seed_from_u64(6));
        assert!((0..100).all(|_| plain.sample(&mut a) == per_event.sample(&mut b)), "other forms are unchanged");
        assert_add_draws_is_the_sum_of_samples(&per_event);
    }

    #[test]
    fn exact_means_are_the_means_of_the_draws() {
        // Over 10⁶ draws on each of three seeds, within 5 standard errors of the sample mean; the
        // same closed form 1 % too large is further off than that on every seed.
        let forms = [
            (ParamSpec::Uniform { lo: 1.0, hi: 3.0 }, Kind::Money),
            (ParamSpec::Triangular { lo: 0.0, mode: 0.2, hi: 1.0 }, Kind::Probability),
            (ParamSpec::Pert { lo: 1.0, mode: 2.0, hi: 9.0 }, Kind::Money),
            (ParamSpec::LogNormal { median: 1.0, p90: 2.0 }, Kind::Money),
            (ParamSpec::Poisson { lambda: 7.0 }, Kind::Count),
        ];
        let n = 1_000_000;
        for (form, kind) in forms {
            for p in [Param::new(&form, kind).unwrap(), Param::new(&form, kind).unwrap().drawn_per_event()] {
                let exact = p.exact_mean().unwrap_or_else(|| panic!("{form:?} has a closed-form mean"));
                for seed in [1, 2, 3] {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                    let draws: Vec<f64> = (0..n).map(|_| p.sample(&mut rng)).collect();
                    let mean = draws.iter().sum::<f64>() / n as f64;
                    let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
                    let se = (variance / n as f64).sqrt();
                    assert!((mean - exact).abs() < 5.0 * se, "{form:?} seed {seed}: {mean} against {exact}");
                    assert!((mean - 1.01 * exact).abs() > 5.0 * se, "{form:?} seed {seed}: 1 % off not caught");
                }
            }
        }
        let none = [
            (ParamSpec::Normal { mean: 10.0, sd: 2.0 }, Kind::Money),
            (ParamSpec::Uniform { lo: 1.0, hi: 3.0 }, Kind::Count),
            (ParamSpec::LogNormal { median: 0.5, p90: 0.8 }, Kind::Probability),
        ];
        for (form, kind) in none {
            assert_eq!(Param::new(&form, kind).unwrap().exact_mean(), None, "{form:?} as {kind:?}: clamped or rounded");
        }
        let pinned = Param::new(&ParamSpec::Normal { mean: 10.0, sd: 2.0 }, Kind::Money).unwrap().pinned(12.0);
        assert_eq!(pinned.exact_mean(), Some(12.0));
    }

    /// The draw before clamping and rounding has [`Param::mean`] as its mean, even where the value
    /// drawn is clamped (a normal at 0 and 1) or rounded (a lognormal raid size): over 10⁶ draws on three
    /// seeds, within 5 standard errors; 1 % off is further than that. And the value returned beside
    /// it is the one [`Param::sample`] draws, from the same stream.
    #[test]
    fn draws_before_rounding_have_the_written_mean() {
        let forms = [
            (ParamSpec::LogNormal { median: 120.0, p90: 220.0 }, Kind::Raid),
            (ParamSpec::Normal { mean: 0.5, sd: 0.3 }, Kind::Probability),
            (ParamSpec::Pert { lo: 20.0, mode: 60.0, hi: 400.0 }, Kind::Raid),
        ];
        let n = 1_000_000;
        for (form, kind) in forms {
            let p = Param::new(&form, kind).unwrap();
            for seed in [1, 2, 3] {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let mut same = Xoshiro256PlusPlus::seed_from_u64(seed);
                let draws: Vec<f64> = (0..n)
                    .map(|_| {
                        let (value, drawn) = p.sample_with_draw(&mut rng);
                        assert_eq!(value.to_bits(), p.sample(&mut same).to_bits());
                        drawn
                    })
                    .collect();
                let mean = draws.iter().sum::<f64>() / n as f64;
                let sd = (draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
                let se = sd / (n as f64).sqrt();
                assert!((mean - p.mean()).abs() < 5.0 * se, "{form:?} seed {seed}: {mean} vs {}", p.mean());
                assert!((mean - 1.01 * p.mean()).abs() > 5.0 * se, "{form:?} seed {seed}: 1 % off not caught");
            }
        }
    }

    /// Pins the first draws of each distribution: an upgrade of rand or rand_distr that changes the
    /// streams (and so every published figure) fails here and must be taken on purpose.
    #[test]
    fn value_stability() {
        let forms = [
            ParamSpec::Uniform { lo: 0.0, hi: 1.0 },
            ParamSpec::Pert { lo: 20_000.0, mode: 35_000.0, hi: 80_000.0 },
            ParamSpec::Triangular { lo: 0.0, mode: 0.5, hi: 1.0 },
            ParamSpec::LogNormal { median: 1.0, p90: 2.0 },
            ParamSpec::Normal { mean: 10.0, sd: 2.0 },
            ParamSpec::Poisson { lambda: 120.0 },
        ];
        let got: Vec<String> = forms
            .iter()
            .map(|f| {
                let kind = if matches!(f, ParamSpec::Poisson { .. }) { Kind::Count } else { Kind::Money };
                let p = Param::new(f, kind).unwrap();
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
                format!("{:.6}", p.sample(&mut rng))
            })
            .collect();
        assert_eq!(got, PINNED);
    }

    const PINNED: [&str; 6] = ["0.814305", "53608.955234", "0.695291", "1.570348", "11.668795", "129.000000"];
}
