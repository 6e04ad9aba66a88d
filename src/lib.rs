//! salvosim: a Monte Carlo simulator of the drone-versus-interceptor cost war.
//!
//! The library is the engine: [`scenario`] reads and validates campaign descriptions, [`engine`]
//! runs trials and aggregates them, [`stats`] holds the streaming tallies, and [`output`] turns a
//! finished run into files and text. The `salvosim` binary (`src/cli/`) is one consumer of it;
//! benches and tests are others.

pub mod charts;
pub mod engine;
pub mod output;
pub mod scenario;
pub mod sensitivity;
pub mod shard;
pub mod stats;
pub mod sweep;
