//! The operating system, C library, kernel, CPU and host name: what a bug report's
//! `collect_env` shows, read from files (nothing is run; glibc's version is read from inside
//! `libc.so.6`, not asked of it).

use std::io::Read as _;
use std::path::Path;

use super::{Ctx, show};
use crate::env_vars;
use crate::snapshot::{Fact, SystemFacts};

/// Where `libc.so.6` lives on the distributions seen (Debian/Ubuntu multiarch, Fedora/RHEL
/// `lib64`, others `lib`), in the order searched.
const LIBC_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/powerpc64le-linux-gnu",
    "/usr/lib/powerpc64le-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// Collects the system facts.
pub fn collect(ctx: &mut Ctx<'_>) -> SystemFacts {
    let mut s = SystemFacts::default();
    os_release(ctx, &mut s);
    s.glibc_version = glibc(ctx);
    let not_running = |what: &str| {
        Fact::unknown(format!(
            "not the running {what}: the files of a directory or image do not say which machine runs them"
        ))
    };
    if ctx.root.is_host() {
        s.kernel_release = proc_line(ctx, "/proc/sys/kernel/osrelease");
        cpu(ctx, &mut s);
    } else {
        s.kernel_release = not_running("kernel");
        s.cpu_model = not_running("CPU");
    }
    s.hostname = hostname(ctx);
    s
}

/// The first line of a small file, trimmed, as a fact.
fn proc_line(ctx: &mut Ctx<'_>, path: &str) -> Fact<String> {
    match ctx.read_optional("system", Path::new(path)) {
        Ok(Some(t)) => match t.lines().next().map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => Fact::known(l.to_owned(), path),
            None => Fact::unknown(format!("`{path}` is empty")),
        },
        Ok(None) => Fact::unknown(format!("no `{path}`")),
        Err(e) => Fact::unknown(e),
    }
}

/// Parses an os-release file: `KEY=value` lines, values optionally quoted (`"..."`, `'...'`,
/// backslash escapes inside double quotes).
///
/// Real sample (Debian 12):
/// ```text
/// PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
/// NAME="Debian GNU/Linux"
/// VERSION_ID="12"
/// ID=debian
/// ```
pub fn parse_os_release(text: &str) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let value = if let Some(inner) = v.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
            let mut s = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        s.push(n);
                    }
                } else {
                    s.push(c);
                }
            }
            s
        } else if let Some(inner) = v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
            inner.to_owned()
        } else {
            v.to_owned()
        };
        out.insert(k.trim().to_owned(), value);
    }
    out
}

fn os_release(ctx: &mut Ctx<'_>, s: &mut SystemFacts) {
    let mut problems = Vec::new();
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match ctx.read_optional("system", Path::new(path)) {
            Ok(Some(text)) => {
                let kv = parse_os_release(&text);
                let pretty = kv.get("PRETTY_NAME").cloned().or_else(|| {
                    let name = kv.get("NAME")?;
                    Some(match kv.get("VERSION").or(kv.get("VERSION_ID")) {
                        Some(v) => format!("{name} {v}"),
                        None => name.clone(),
                    })
                });
                s.os = match pretty {
                    Some(p) => Fact::known(p, path),
                    None => Fact::unknown(format!("`{path}` has no PRETTY_NAME or NAME")),
                };
                s.os_id = kv.get("ID").cloned();
                s.os_version_id = kv.get("VERSION_ID").cloned();
                return;
            }
            Ok(None) => {}
            Err(e) => problems.push(e),
        }
    }
    s.os = Fact::unknown(if problems.is_empty() {
        "no /etc/os-release or /usr/lib/os-release".to_owned()
    } else {
        problems.join("; ")
    });
}

/// `libc-2.31.so` -> `2.31` (the file name glibc before 2.34 installed `libc.so.6` as a link to).
pub fn glibc_from_file_name(name: &str) -> Option<String> {
    super::dotted_version(name.strip_prefix("libc-")?.strip_suffix(".so")?)
}

/// The version in glibc's banner inside `libc.so.6`: `GNU C Library (Debian GLIBC 2.36-9+deb12u14)
/// stable release version 2.36.` -> `2.36` (and `development release version 2.39.9000`).
pub fn glibc_from_banner(bytes: &[u8]) -> Option<String> {
    banner(bytes).map(|(v, _)| v)
}

/// The banner's version, and whether its line ends within `bytes` (a banner cut at the end of
/// a buffer may read short).
fn banner(bytes: &[u8]) -> Option<(String, bool)> {
    const BANNER: &[u8] = b"GNU C Library";
    const VERSION: &[u8] = b"release version ";
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&bytes[from..], BANNER) {
        let start = from + i;
        // The banner is one line: the version follows within it.
        let end = bytes[start..]
            .iter()
            .position(|b| *b == b'\n' || *b == 0)
            .map(|e| start + e);
        let line = &bytes[start..end.unwrap_or(bytes.len())];
        if let Some(j) = memchr::memmem::find(line, VERSION) {
            let rest = &line[j + VERSION.len()..];
            let stop = rest
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b'.'))
                .unwrap_or(rest.len());
            let v = std::str::from_utf8(&rest[..stop])
                .ok()?
                .trim_end_matches('.');
            if v.contains('.') && v.split('.').all(|p| !p.is_empty()) {
                return Some((v.to_owned(), end.is_some()));
            }
        }
        from = start + BANNER.len();
    }
    None
}

fn glibc(ctx: &mut Ctx<'_>) -> Fact<String> {
    let mut problems = Vec::new();
    for dir in LIBC_DIRS {
        let path = Path::new(dir).join("libc.so.6");
        let Ok(meta) = ctx.root.symlink_metadata(&path) else {
            continue;
        };
        // The link's name says the version only when it leads to a file (a dangling link in a
        // partial image says nothing).
        if meta.is_symlink() && ctx.root.is_file(&path) {
            if let Ok(target) = ctx.root.read_link(&path) {
                let name = target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if let Some(v) = glibc_from_file_name(&name) {
                    return Fact::known(
                        v,
                        format!("link `{}` -> `{}`", show(&path), target.display()),
                    );
                }
            }
        }
        match scan_banner(ctx, &path) {
            Ok(Some(v)) => {
                return Fact::known(v, format!("release banner inside `{}`", show(&path)));
            }
            Ok(None) => problems.push(format!("no GNU C Library banner in `{}`", show(&path))),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        let musl = ["/lib", "/usr/lib"].iter().any(|d| {
            ctx.root
                .read_dir_or_empty(Path::new(d))
                .iter()
                .any(|e| e.name_str().starts_with("ld-musl-"))
        });
        return Fact::unknown(if musl {
            "no libc.so.6: the C library is musl, not GNU".to_owned()
        } else {
            format!("no libc.so.6 in {}", LIBC_DIRS.join(", "))
        });
    }
    Fact::unknown(problems.join("; "))
}

/// Streams `path` (at most [`crate::limits::LIBC_BYTES`]) looking for glibc's banner.
fn scan_banner(ctx: &Ctx<'_>, path: &Path) -> Result<Option<String>, String> {
    const CHUNK: usize = 1 << 16;
    const KEEP: usize = 256;
    let (file, _) = ctx.root.open_file(path).map_err(|e| e.reason())?;
    let mut file = file.take(crate::limits::LIBC_BYTES as u64);
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + KEEP);
    let mut chunk = vec![0u8; CHUNK];
    let mut total = 0usize;
    loop {
        let n = file
            .read(&mut chunk)
            .map_err(|e| format!("cannot read `{}`: {e}", show(path)))?;
        if n == 0 {
            return match glibc_from_banner(&buf) {
                None if total >= crate::limits::LIBC_BYTES => Err(format!(
                    "no GNU C Library banner in the first {} bytes of `{}` (the LIBC_BYTES cap)",
                    crate::limits::LIBC_BYTES,
                    show(path)
                )),
                v => Ok(v),
            };
        }
        total += n;
        buf.extend_from_slice(&chunk[..n]);
        crate::work::add(1);
        if let Some((v, true)) = banner(&buf) {
            return Ok(Some(v));
        }
        if buf.len() > KEEP {
            buf.drain(..buf.len() - KEEP);
        }
    }
}

fn cpu(ctx: &mut Ctx<'_>, s: &mut SystemFacts) {
    let path = Path::new("/proc/cpuinfo");
    match ctx.read_whole_optional(
        "system",
        path,
        crate::limits::CPUINFO_BYTES,
        "CPUINFO_BYTES",
    ) {
        Ok(Some(text)) => {
            let (model, count) = parse_cpuinfo(&text);
            s.cpu_model = match model {
                Some(m) => Fact::known(m, "/proc/cpuinfo `model name`"),
                None => Fact::unknown("no `model name` line in /proc/cpuinfo"),
            };
            s.cpu_count = (count > 0).then_some(count);
        }
        Ok(None) => s.cpu_model = Fact::unknown("no /proc/cpuinfo"),
        Err(e) => s.cpu_model = Fact::unknown(e),
    }
}

/// `/proc/cpuinfo`'s first `model name` and the number of `processor` entries.
pub fn parse_cpuinfo(text: &str) -> (Option<String>, u32) {
    let mut model = None;
    let mut count = 0u32;
    for line in text.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        match k.trim() {
            "processor" => count = count.saturating_add(1),
            "model name" if model.is_none() => {
                let v = v.trim();
                if !v.is_empty() {
                    model = Some(v.to_owned());
                }
            }
            _ => {}
        }
    }
    (model, count)
}

fn hostname(ctx: &mut Ctx<'_>) -> Fact<String> {
    let files: &[&str] = if ctx.root.is_host() {
        &["/proc/sys/kernel/hostname", "/etc/hostname"]
    } else {
        &["/etc/hostname"]
    };
    for f in files {
        if let Fact::Known { value, source } = proc_line(ctx, f) {
            return Fact::Known { value, source };
        }
    }
    match ctx.env.get_nonempty(env_vars::HOSTNAME) {
        Some(h) => Fact::known(h.to_owned(), "HOSTNAME"),
        None => Fact::Absent,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn os_release_values() {
        let kv = parse_os_release(
            "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n# c\nX='a b'\nY=\"q\\\"t\"\nbroken\n",
        );
        assert_eq!(kv["PRETTY_NAME"], "Ubuntu 22.04.4 LTS");
        assert_eq!(kv["ID"], "ubuntu");
        assert_eq!(kv["VERSION_ID"], "22.04");
        assert_eq!(kv["X"], "a b");
        assert_eq!(kv["Y"], "q\"t");
    }

    #[test]
    fn glibc_versions() {
        assert_eq!(
            glibc_from_file_name("libc-2.31.so").as_deref(),
            Some("2.31")
        );
        assert!(glibc_from_file_name("libc.so.6").is_none());
        assert!(glibc_from_file_name("libc-.so").is_none());
        let banner = b"\x00junk\x00GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36.\nCopyright";
        assert_eq!(glibc_from_banner(banner).as_deref(), Some("2.36"));
        let dev = b"GNU C Library (GNU libc) development release version 2.39.9000.\n";
        assert_eq!(glibc_from_banner(dev).as_deref(), Some("2.39.9000"));
        assert!(glibc_from_banner(b"GNU C Library without a version\n").is_none());
        assert!(glibc_from_banner(b"").is_none());
    }

    #[test]
    fn cpuinfo() {
        let t = "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7763 64-Core Processor\n";
        let (m, n) = parse_cpuinfo(t);
        assert_eq!(m.as_deref(), Some("AMD EPYC 7763 64-Core Processor"));
        assert_eq!(n, 2);
        assert_eq!(
            parse_cpuinfo("processor : 0\nCPU part : 0xd0c\n"),
            (None, 1)
        );
    }
}
