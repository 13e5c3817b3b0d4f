//! The `bgassets` binary: parses the command line and hands over to [`bgassets::cli`].

fn main() -> std::process::ExitCode {
    bgassets::cli::main()
}
