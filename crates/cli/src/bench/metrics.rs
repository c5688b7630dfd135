//! Measurements around the run: the node's `/metrics` counters, a process's resident memory and
//! CPU time.
use super::*;

/// Counter values from the node's `/metrics`.
pub(super) async fn node_counters(http: &mut Http) -> Option<BTreeMap<String, u64>> {
    let (status, body) = http.exchange("GET", "/metrics", b"").await.ok()?;
    if status != 200 {
        return None;
    }
    let text = String::from_utf8_lossy(&body);
    Some(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, value) = l.split_once(' ')?;
                Some((name.to_string(), value.trim().parse().ok()?))
            })
            .collect(),
    )
}

pub(super) fn counter_delta(
    before: &Option<BTreeMap<String, u64>>,
    after: &Option<BTreeMap<String, u64>>,
    name: &str,
) -> Option<u64> {
    let b = before.as_ref()?.get(name)?;
    let a = after.as_ref()?.get(name)?;
    a.checked_sub(*b)
}

/// `VmRSS` and `VmHWM` (peak) of a process, in KiB.
pub(super) fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// CPU time (user + system) of a process so far, from `/proc/PID/stat`, in clock ticks of
/// 1/100 s (Linux's `USER_HZ`).
pub(super) fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    utime.checked_add(stime)
}
