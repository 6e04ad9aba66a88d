//! Per-trial random streams. Randomness belongs to the trial, not to the thread: trial `t` of a run
//! with master seed `s` always draws from the same Xoshiro256++ streams, whichever thread runs it —
//! one for the trial's parameters, and one for each of its nights.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every trial uses: portable, named, and stable across platforms.
pub type TrialRng = Xoshiro256PlusPlus;

/// SplitMix64's output function: a bijection on u64 with good avalanche.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The stream of trial `trial` under master seed `seed`. The key `mix(mix(seed) ^ trial)` is
/// distinct for every trial of a seed (both steps are bijections); `seed_from_u64` expands it
/// with SplitMix64 into the generator's 256-bit state.
pub fn trial_rng(seed: u64, trial: u64) -> TrialRng {
    TrialRng::seed_from_u64(mix(mix(seed) ^ trial))
}

/// The stream of night `night` (0-based) of trial `trial`: every draw of that night comes from it.
/// A change in how many draws one night makes (another coverage at a sweep point, a pinned input)
/// then leaves every other night's draws as they were, so what-if comparisons keep their common
/// random numbers night after night instead of drifting apart after the first difference.
pub fn night_rng(seed: u64, trial: u64, night: u64) -> TrialRng {
    TrialRng::seed_from_u64(mix(mix(mix(seed) ^ trial) ^ mix(night.wrapping_add(1))))
}

/// The stream of trial `trial`'s draws of the fields phase variant `variant` changes: a night
/// stream no campaign reaches (nights are fewer than 10^5), so the trial's own draws are untouched.
pub fn phase_rng(seed: u64, trial: u64, variant: u64) -> TrialRng {
    night_rng(seed, trial, u64::MAX - variant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    /// Pins the first draws: a change here changes every published figure, so it must be deliberate.
    #[test]
    fn value_stability() {
        let mut rng = trial_rng(20250305, 0);
        let first: [u64; 3] = [rng.random(), rng.random(), rng.random()];
        assert_eq!(first, PINNED_TRIAL_0);
        let mut rng = trial_rng(20250305, 1);
        assert_eq!(rng.random::<u64>(), PINNED_TRIAL_1);
        assert_eq!(night_rng(20250305, 0, 0).random::<u64>(), PINNED_TRIAL_0_NIGHT_0);
    }

    const PINNED_TRIAL_0_NIGHT_0: u64 = 15157221983984846706;

    const PINNED_TRIAL_0: [u64; 3] = [8476230359001557027, 12340137763252820039, 12996285916741521050];
    const PINNED_TRIAL_1: u64 = 8281987738704249302;

    #[test]
    fn streams_differ_between_trials_and_seeds() {
        let first = |seed, trial| trial_rng(seed, trial).random::<u64>();
        assert_ne!(first(1, 0), first(1, 1));
        assert_ne!(first(1, 0), first(2, 0));
        assert_eq!(first(1, 5), first(1, 5));
        let night = |trial, night| night_rng(1, trial, night).random::<u64>();
        assert_ne!(night(0, 0), night(0, 1));
        assert_ne!(night(0, 0), night(1, 0));
        assert_ne!(night(0, 0), first(1, 0));
    }
}
