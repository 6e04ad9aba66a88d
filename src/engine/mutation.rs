//! Deliberate errors, for testing the tests.
//!
//! A statistical test that passes proves little until it is shown to fail on a wrong engine. A
//! [`Mutation`] makes one draw of the counting method wrong by a small relative amount, so that
//! `tests/fast_path.rs` can show that its comparison with the per-threat reference catches an
//! error that small (and says which check caught it). Nothing outside the tests sets one: the CLI
//! has no way to, and a campaign without one runs exactly as before.

/// One draw of the counting method, made wrong on purpose. `bias` is relative: 0.01 is 1 %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mutation {
    /// EW's defeat probability × (1 + bias).
    Ew { bias: f64 },
    /// The decoy recognition probability × (1 + bias).
    Recognition { bias: f64 },
    /// Layer `layer`'s opportunity probability × (1 + bias), at every warning level.
    Opportunity { layer: usize, bias: f64 },
    /// Layer `layer`'s probability of a kill within `max_shots` × (1 + bias), where kills are drawn
    /// as a count (stock cannot run out tonight).
    Kill { layer: usize, bias: f64 },
    /// P(a shoot-look-shoot kill came at the first round) × (1 + bias) at layer `layer`: the rounds
    /// fired per kill (no change at a layer of one shot).
    KillingRound { layer: usize, bias: f64 },
    /// The threats capacity-limited layer `layer` may still engage tonight × (1 + bias), on average.
    Capacity { layer: usize, bias: f64 },
    /// A binding capacity's split among the classes of a priority group: the first class's share
    /// × (1 + bias), on average.
    GroupSplit { bias: f64 },
    /// EW's defeat probability on each night and type is p × (1 + bias) or p × (1 − bias), either
    /// with probability ½: right on average, wrong in spread.
    EwSpread { bias: f64 },
}
