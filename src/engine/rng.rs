//! Per-trial random streams. Randomness belongs to the trial, not to the thread: trial `t` of a run
//! with master seed `s` always draws from the same Xoshiro256++ stream, whichever thread runs it.

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
    }

    const PINNED_TRIAL_0: [u64; 3] = [8476230359001557027, 12340137763252820039, 12996285916741521050];
    const PINNED_TRIAL_1: u64 = 8281987738704249302;

    #[test]
    fn streams_differ_between_trials_and_seeds() {
        let first = |seed, trial| trial_rng(seed, trial).random::<u64>();
        assert_ne!(first(1, 0), first(1, 1));
        assert_ne!(first(1, 0), first(2, 0));
        assert_eq!(first(1, 5), first(1, 5));
    }
}
