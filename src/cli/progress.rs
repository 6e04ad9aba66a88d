//! The terminal progress bar: the engine's [`Progress`] sink for the CLI, which also carries
//! Ctrl-C into the engine.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;

use indicatif::{ProgressBar, ProgressStyle};
use salvosim::engine::Progress;

use super::INTERRUPTED;

/// The terminal progress bar; hidden when stderr is not a terminal or with --quiet.
pub(super) struct Bar(pub(super) ProgressBar);

impl Progress for Bar {
    fn advance(&self, trials: u64) {
        self.0.inc(trials);
    }

    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }
}

pub(super) fn progress_bar(trials: u64, quiet: bool) -> Bar {
    if quiet || !std::io::stderr().is_terminal() {
        return Bar(ProgressBar::hidden());
    }
    let bar = ProgressBar::new(trials);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {human_pos}/{human_len} trials  {per_sec}  eta {eta}")
            .expect("valid template"),
    );
    Bar(bar)
}
