//! The `salvosim` binary: the command line in [`cli`], over the salvosim library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
