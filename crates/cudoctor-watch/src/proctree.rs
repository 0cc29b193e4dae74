//! A command's process tree, from `/proc`: the command, its children, their children; and the
//! CPU time they used. Used to attribute GPU processes to `cudoctor watch -- COMMAND` and to say
//! `not-using-gpu` when the tree works on the CPU only.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The fields of `/proc/PID/stat` we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: u32,
    pub ppid: u32,
    /// `utime + stime + cutime + cstime`, in clock ticks: the process's CPU time and that of
    /// its children already waited for.
    pub cpu_ticks: u64,
}

/// Clock ticks per second of `/proc/PID/stat` (`USER_HZ`, which the kernel keeps at 100 for
/// user space on every architecture Linux supports; `getconf CLK_TCK`).
pub const TICKS_PER_SECOND: f64 = 100.0;

/// Parses `/proc/PID/stat`, e.g. (a real line from a shell, fields after the 17th cut)
/// `1234 (bash) S 1200 1234 1234 34816 1240 4194304 1377 2451 0 1 3 1 5 2 20 0 1 0 ...`.
/// The command name may hold spaces and parentheses, so the fields are counted after the last
/// `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // rest[0] is the state (field 3); ppid is field 4, utime..cstime fields 14..17.
    let num = |i: usize| rest.get(i).and_then(|v| v.parse::<u64>().ok());
    let ppid = num(1)? as u32;
    let cpu_ticks = num(11)? + num(12)? + num(13)? + num(14)?;
    Some(ProcStat {
        pid,
        ppid,
        cpu_ticks,
    })
}

/// Every process `proc_dir` (`/proc`) lists, skipping those that vanish while read.
pub fn scan(proc_dir: &Path) -> Vec<ProcStat> {
    let Ok(dir) = std::fs::read_dir(proc_dir) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|t| parse_stat(&t))
        .collect()
}

/// The tree under `root` (included) and its CPU time in seconds.
pub fn tree(stats: &[ProcStat], root: u32) -> (BTreeSet<u32>, f64) {
    let mut children: HashMap<u32, Vec<&ProcStat>> = HashMap::new();
    for s in stats {
        children.entry(s.ppid).or_default().push(s);
    }
    let mut pids = BTreeSet::new();
    let mut ticks = 0u64;
    let mut todo = vec![root];
    if let Some(r) = stats.iter().find(|s| s.pid == root) {
        ticks += r.cpu_ticks;
    }
    pids.insert(root);
    while let Some(p) = todo.pop() {
        for c in children.get(&p).into_iter().flatten() {
            if pids.insert(c.pid) {
                ticks += c.cpu_ticks;
                todo.push(c.pid);
            }
        }
    }
    (pids, ticks as f64 / TICKS_PER_SECOND)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_odd_names() {
        let s = parse_stat(
            "1234 (bash) S 1200 1234 1234 34816 1240 4194304 1377 2451 0 1 3 1 5 2 20 0 1 0 9 0 0",
        )
        .unwrap();
        assert_eq!((s.pid, s.ppid, s.cpu_ticks), (1234, 1200, 3 + 1 + 5 + 2));
        let s = parse_stat("77 (a) b (c)) R 5 77 77 0 -1 0 0 0 0 0 100 50 0 0 20 0").unwrap();
        assert_eq!((s.pid, s.ppid, s.cpu_ticks), (77, 5, 150));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn follows_children_of_children() {
        let p = |pid, ppid, cpu_ticks| ProcStat {
            pid,
            ppid,
            cpu_ticks,
        };
        let stats = [
            p(1, 0, 0),
            p(10, 1, 100),
            p(11, 10, 50),
            p(12, 11, 25),
            p(20, 1, 999),
        ];
        let (pids, cpu) = tree(&stats, 10);
        assert_eq!(pids.into_iter().collect::<Vec<_>>(), vec![10, 11, 12]);
        assert!((cpu - 1.75).abs() < 1e-9);
    }

    #[test]
    fn finds_this_process() {
        let me = std::process::id();
        let stats = scan(Path::new("/proc"));
        assert!(stats.iter().any(|s| s.pid == me));
    }
}
