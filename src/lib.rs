//! salvosim: a Monte Carlo simulator of the drone-versus-interceptor cost war.
//!
//! The library is the engine and what surrounds it, with data flowing one way: [`scenario`] reads
//! and validates campaign descriptions; [`engine`] runs trials and aggregates them into [`stats`]
//! tallies; [`output`] writes a finished run's files, whose names and read-back live in
//! [`results`]; [`charts`] draws from what [`results`] reads; [`sweep`], [`sensitivity`] and
//! [`shard`] run many scenarios or pieces of one; [`optimise`] searches decided fields and
//! [`contest`] pits the defender's search against the attacker's; [`mod@format`] spells numbers for
//! people. The `salvosim` binary (`src/cli/`) is one consumer of it; benches and tests are others.

pub mod backtest;
pub mod charts;
pub mod compare;
pub mod contest;
pub mod engine;
pub mod format;
pub mod input_file;
pub mod optimise;
pub mod output;
pub mod record;
pub mod replay;
pub mod report;
pub mod results;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod sweep;
