//! Tests that need a process of their own: all tests share one process in this binary, so a
//! test that measures the process (its peak memory) runs itself again in a fresh process of
//! this same binary, alone, and the outer run checks that it passed.

use std::process::Command;

/// The variable that tells a child process which test it runs alone.
const ALONE: &str = "BGASSETS_TEST_ALONE";

/// `true` in the fresh process, where the test's body runs; in the shared process, runs the
/// test `name` of module `module` (pass `module_path!()`) alone in a fresh process, asserts it
/// passed there, and returns `false`.
pub fn in_own_process(module: &str, name: &str) -> bool {
    in_own_process_with(module, name, &[])
}

/// Whether this process is the fresh one running the test `name` of `module` alone.
pub fn running_alone(module: &str, name: &str) -> bool {
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    std::env::var_os(ALONE).is_some_and(|running| running == format!("{module}::{name}").as_str())
}

/// [`in_own_process`], with `env` added to the fresh process's environment (a private D-Bus
/// session bus's address, for code that reads it only from there).
pub fn in_own_process_with(module: &str, name: &str, env: &[(&str, &str)]) -> bool {
    // `module_path!()` starts with the crate's name, which test names leave out.
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    let test = format!("{module}::{name}");
    if std::env::var_os(ALONE).is_some_and(|running| running == test.as_str()) {
        return true;
    }
    let binary = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(binary)
        .args(["--exact", &test, "--test-threads=1", "--nocapture"])
        .env(ALONE, &test)
        .envs(env.iter().copied())
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test}, run alone in its own process, did not pass:\n{stdout}\n{stderr}"
    );
    false
}

/// The command that runs the test `name` of `module` (pass `module_path!()`) alone in a fresh
/// process of this binary, under `wrapper` (a tracer and its arguments, the binary after them)
/// when it is not empty; the caller runs it and reads what it left. The fresh process sees
/// [`running_alone`] true.
pub fn alone_command(module: &str, name: &str, wrapper: &[&str]) -> Command {
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    let test = format!("{module}::{name}");
    let binary = std::env::current_exe().expect("the test binary's path");
    let mut command = match wrapper.split_first() {
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(binary);
            command
        }
        None => Command::new(binary),
    };
    command
        .args(["--exact", &test, "--test-threads=1", "--nocapture"])
        .env(ALONE, &test);
    command
}
