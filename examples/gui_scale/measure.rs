//! What the benchmark reads of its own process from `/proc` (Linux): a thread's CPU time in
//! nanoseconds (`schedstat`), the CPU time and run count of threads by name, the whole
//! process's CPU ticks (`stat`, dead threads included); and percentiles.

/// The calling thread's CPU time so far, in nanoseconds.
pub fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU time (ns, `schedstat`) of the live threads whose name starts with `prefix` (every
/// thread for "").
pub fn threads(prefix: &str) -> (u64, u64) {
    let all = per_thread(prefix);
    all.values().fold((0, 0), |(cpu, switches), (c, s)| {
        (cpu.saturating_add(*c), switches.saturating_add(*s))
    })
}

/// Context switches (`status`: each time a thread slept and was woken, or was preempted)
/// between `before` and now of the threads alive at both times.
pub fn switches_since(before: &std::collections::HashMap<String, (u64, u64)>) -> u64 {
    per_thread("")
        .iter()
        .filter_map(|(tid, (_, now))| Some(now.saturating_sub(before.get(tid)?.1)))
        .sum()
}

/// CPU ns and context switches of each live thread whose name starts with `prefix`, by id.
pub fn per_thread(prefix: &str) -> std::collections::HashMap<String, (u64, u64)> {
    let mut all = std::collections::HashMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return all;
    };
    for task in tasks.filter_map(Result::ok) {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if !name.starts_with(prefix) {
            continue;
        }
        let text = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
        let cpu = text
            .split_whitespace()
            .next()
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0);
        let status = std::fs::read_to_string(path.join("status")).unwrap_or_default();
        let switches: u64 = status
            .lines()
            .filter(|l| l.contains("ctxt_switches:"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        all.insert(
            task.file_name().to_string_lossy().into_owned(),
            (cpu, switches),
        );
    }
    all
}

/// The whole process's user + system CPU time in clock ticks (every thread, dead ones too).
pub fn process_ticks() -> u64 {
    let text = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let Some(after_name) = text.rfind(')').and_then(|at| text.get(at + 2..)) else {
        return 0;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// The user + system CPU ticks of another process.
pub fn ticks_of(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = text.get(text.rfind(')')? + 2..)?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// p50, p95 and max of `values`.
pub fn percentiles(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
        sorted.get(i).copied().unwrap_or(f64::NAN)
    };
    (at(0.5), at(0.95), at(1.0))
}

/// "PASS" or "MISS".
pub fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}
