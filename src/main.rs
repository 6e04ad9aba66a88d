//! The `salvosim` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    salvosim::cli::main()
}
