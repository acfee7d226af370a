//! Facts about a running process, for `/metrics` and the benchmark.

/// Resident memory of process `pid` ("self" for this one), from /proc; 0
/// where there is no /proc.
pub fn resident_bytes(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
