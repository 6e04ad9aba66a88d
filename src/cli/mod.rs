//! The `salvosim` command line, the binary's own: [`args`] is its grammar, [`commands`] what each
//! command does, [`progress`] the progress bar. This file maps every outcome to an exit code:
//! 0 success, 2 bad input or usage, 1 a failure while running, 3 an optimisation with no feasible
//! candidate (its files written), 130 interrupted by Ctrl-C.

mod args;
mod commands;
mod compare;
mod contest;
mod fit;
mod optimise;
mod progress;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{CommandFactory, Parser};
use salvosim::engine;
use salvosim::output;
use salvosim::scenario::InputError;

use args::{Cli, Command};

/// A failure and the exit code it maps to.
pub(super) enum Failure {
    /// Bad input or usage: exit 2.
    Input(InputError),
    /// A failure while running: exit 1.
    Run(anyhow::Error),
    /// Ctrl-C: exit 130.
    Interrupted(engine::Cancelled),
    /// The optimiser found no candidate that meets the constraints (its files are written): exit 3.
    Infeasible(String),
}

impl From<engine::Cancelled> for Failure {
    fn from(e: engine::Cancelled) -> Self {
        Failure::Interrupted(e)
    }
}

impl From<output::UnusableFolder> for Failure {
    fn from(e: output::UnusableFolder) -> Self {
        Failure::Input(InputError::argument(e.path.display().to_string(), e.problem))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Run(e.into())
    }
}

/// Set by Ctrl-C; the engine checks it between blocks of trials.
pub(super) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Run(e)
    }
}

/// The first argument holding a control character (a newline, a tab, an escape), refused at the
/// edge: an argument is echoed into messages, reports and file headers, where a newline would start
/// a line of its own.
fn control_character() -> Option<InputError> {
    std::env::args_os().skip(1).enumerate().find_map(|(i, arg)| {
        let text = arg.to_string_lossy();
        let c = text.chars().find(|c| c.is_control())?;
        let problem = format!(
            "argument {} holds the control character U+{:04X}: salvosim's arguments take none",
            i + 1,
            c as u32
        );
        Some(InputError::argument(format!("{text:?}"), problem))
    })
}

/// `salvosim man [COMMAND]`: the page of salvosim or of one command, roff on stdout.
fn manual(command: Option<&str>) -> Result<(), Failure> {
    let top = Cli::command();
    let page = match command {
        None => clap_mangen::Man::new(top),
        Some(name) => {
            let names: Vec<String> = top.get_subcommands().map(|c| c.get_name().to_string()).collect();
            let Some(sub) = top.find_subcommand(name).cloned() else {
                let problem = format!("no such command; salvosim's commands: {}", names.join(", "));
                return Err(InputError::argument(format!("man {name}"), problem).into());
            };
            let full = format!("salvosim-{name}");
            let sub = sub.name(full.clone()).bin_name(format!("salvosim {name}")).version(env!("CARGO_PKG_VERSION"));
            clap_mangen::Man::new(sub).title(full)
        }
    };
    page.render(&mut std::io::stdout())?;
    Ok(())
}

pub fn main() -> ExitCode {
    // Output piped into `head` ends quietly, as other command-line tools do, instead of panicking
    // on the broken pipe: the default disposition of SIGPIPE, which Rust's runtime ignores.
    #[cfg(unix)]
    // SAFETY: called before any thread starts; SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Some(e) = control_character() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse();
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    let result = match cli.command {
        Command::Run(args) => commands::run_campaign(&args),
        Command::Sweep(args) => commands::run_sweep(&args),
        Command::Calibrate(args) => fit::calibrate(&args),
        Command::Backtest(args) => fit::backtest(&args),
        Command::Optimise(args) => optimise::optimise(&args),
        Command::Contest(args) => contest::contest(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Merge(args) => commands::merge_shards(&args),
        Command::Sensitivity(args) => commands::run_sensitivity(&args),
        Command::Validate(args) => commands::validate_file(&args),
        Command::Report(args) => commands::write_report(&args),
        Command::Plot { dir } => commands::redraw_charts(&dir),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "salvosim", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { command } => manual(command.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
        Err(Failure::Infeasible(message)) => {
            eprintln!("infeasible: {message}");
            ExitCode::from(3)
        }
        Err(Failure::Interrupted(e)) => {
            eprintln!("interrupted: {e}; nothing was written");
            ExitCode::from(130)
        }
    }
}
