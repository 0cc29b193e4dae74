//! `/etc/ld.so.cache`, parsed from its binary layout (glibc `sysdeps/generic/dl-cache.h`).
//!
//! Two layouts exist and a file may hold both (ldconfig's `compat` format, the default before
//! glibc 2.32):
//!
//! * old: `"ld.so-1.7.0"`, `u32 nlibs`, then `nlibs` entries `{i32 flags, u32 key, u32 value}`;
//!   string offsets count from the end of the entries.
//! * new: `"glibc-ld.so.cache"` `"1.1"`, `u32 nlibs`, `u32 len_strings`, `u8 flags`, 3 padding
//!   bytes, `u32 extension_offset`, `u32 unused[3]`, then entries `{i32 flags, u32 key, u32 value,
//!   u32 osversion, u64 hwcap}`; string offsets count from the start of this header. When it
//!   follows an old table it starts at the next 8-byte boundary.
//!
//! glibc uses the new table when present, and so do we.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::root::Root;

const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";

/// One cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// The soname (`libcudart.so.11.0`).
    pub soname: String,
    /// The path the cache points to.
    pub path: String,
    /// glibc's flags (`0x0303` = libc6 x86-64).
    pub flags: i32,
    /// hwcap bits (new format; 0 otherwise).
    pub hwcap: u64,
}

impl CacheEntry {
    /// The ELF class and machine this entry is for, as `(class, e_machine)`, when known.
    pub fn arch(&self) -> Option<(u8, u16)> {
        if self.flags & 0x00ff != 0x0003 {
            return None; // not FLAG_ELF_LIBC6
        }
        match self.flags & 0xff00 {
            0x0300 => Some((64, 62)),  // FLAG_X8664_LIB64
            0x0a00 => Some((64, 183)), // FLAG_AARCH64_LIB64
            0x0000 => Some((32, 3)),   // plain libc6 on x86: i386
            _ => None,
        }
    }

    /// `ldconfig -p`'s description (`libc6,x86-64`).
    pub fn describe_flags(&self) -> String {
        match self.flags & 0xff00 {
            0x0300 => "libc6,x86-64".to_owned(),
            0x0a00 => "libc6,AArch64".to_owned(),
            0x0000 => "libc6".to_owned(),
            other => format!("libc6,0x{other:04x}"),
        }
    }
}

/// Which layout a cache used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheFormat {
    /// `ld.so-1.7.0` only.
    Old,
    /// `glibc-ld.so.cache1.1` only.
    New,
    /// Both (entries taken from the new table).
    Compat,
}

/// A parsed cache.
#[derive(Debug, Clone)]
pub struct LdCache {
    /// The layout.
    pub format: CacheFormat,
    /// Entries in file order (ldconfig writes them sorted, most preferred first). Set once:
    /// [`LdCache::lookup`] indexes them on first use.
    pub entries: Vec<CacheEntry>,
    index: std::sync::OnceLock<std::collections::HashMap<String, Vec<usize>>>,
}

impl PartialEq for LdCache {
    fn eq(&self, other: &Self) -> bool {
        self.format == other.format && self.entries == other.entries
    }
}
impl Eq for LdCache {}

impl LdCache {
    /// Entries for a soname, in file order. Uses an index built once per cache (so looking up
    /// every soname of a probe is linear, not entries x sonames).
    pub fn lookup<'a>(&'a self, soname: &'a str) -> impl Iterator<Item = &'a CacheEntry> + 'a {
        let index = self.index();
        let hits: &[usize] = index.get(soname).map_or(&[], Vec::as_slice);
        crate::work::add(1 + hits.len() as u64);
        hits.iter().filter_map(move |&i| self.entries.get(i))
    }

    fn index(&self) -> &std::collections::HashMap<String, Vec<usize>> {
        self.index.get_or_init(|| {
            let mut m: std::collections::HashMap<String, Vec<usize>> =
                std::collections::HashMap::new();
            for (i, e) in self.entries.iter().enumerate() {
                m.entry(e.soname.clone()).or_default().push(i);
            }
            m
        })
    }

    /// A cache of these entries (the lookup index is built on first use).
    pub fn new(format: CacheFormat, entries: Vec<CacheEntry>) -> Self {
        Self {
            format,
            entries,
            index: std::sync::OnceLock::new(),
        }
    }
}

/// Why a cache could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed ld.so.cache: {0}")]
pub struct LdCacheError(pub String);

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(off..off + 8)?.try_into().ok()?))
}
/// The NUL-terminated string at `off`; `None` when out of range or longer than
/// [`crate::limits::ELF_STRING_BYTES`] (the scan stops there).
fn cstr_at(b: &[u8], off: usize) -> Option<String> {
    let rest = b.get(off..)?;
    let rest = &rest[..rest.len().min(crate::limits::ELF_STRING_BYTES + 1)];
    crate::work::add(1 + rest.len() as u64 / 64);
    let end = memchr::memchr(0, rest)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Drops repeated `(flags, key, value, hwcap)` entries (a real cache has none; a hostile one
/// can repeat one entry millions of times) and enforces the entry and string caps.
struct Guard {
    seen: std::collections::HashSet<(u32, usize, usize, u64)>,
    strings: usize,
}

impl Guard {
    fn new(nlibs: usize) -> Result<Self, LdCacheError> {
        if nlibs > crate::limits::LD_SO_CACHE_ENTRIES {
            return Err(LdCacheError(format!(
                "{nlibs} entries, more than the LD_SO_CACHE_ENTRIES cap of {}",
                crate::limits::LD_SO_CACHE_ENTRIES
            )));
        }
        Ok(Self {
            seen: std::collections::HashSet::new(),
            strings: 0,
        })
    }
    /// Whether this entry is new.
    fn first(&mut self, raw: (u32, usize, usize, u64)) -> bool {
        self.seen.insert(raw)
    }
    fn take(&mut self, e: &CacheEntry) -> Result<(), LdCacheError> {
        self.strings += e.soname.len() + e.path.len();
        if self.strings > crate::limits::LD_SO_CACHE_STRING_TOTAL_BYTES {
            return Err(LdCacheError(format!(
                "its strings exceed the LD_SO_CACHE_STRING_TOTAL_BYTES cap of {} bytes",
                crate::limits::LD_SO_CACHE_STRING_TOTAL_BYTES
            )));
        }
        Ok(())
    }
}

/// Parses the bytes of an `ld.so.cache` (either layout, little-endian).
///
/// The start of a real new-format file (`od -c /etc/ld.so.cache`, Debian bookworm):
/// ```text
/// 0000000   g   l   i   b   c   -   l   d   .   s   o   .   c   a   c   h
/// 0000020   e   1   .   1  \v 002  \0  \0  \r   R  \0  \0 002  \0  \0  \0
/// ```
/// (523 entries, 0x520d bytes of strings, flags 2 = little-endian).
pub fn parse_ld_so_cache(bytes: &[u8]) -> Result<LdCache, LdCacheError> {
    let err = |m: &str| LdCacheError(m.to_owned());
    if bytes.starts_with(NEW_MAGIC) {
        return parse_new(bytes, 0).map(|entries| LdCache::new(CacheFormat::New, entries));
    }
    if !bytes.starts_with(OLD_MAGIC) {
        return Err(err("no `ld.so-1.7.0` or `glibc-ld.so.cache1.1` magic"));
    }
    let nlibs = u32_at(bytes, 12).ok_or_else(|| err("truncated old header"))? as usize;
    let entries_end = nlibs
        .checked_mul(12)
        .and_then(|n| n.checked_add(16))
        .ok_or_else(|| err("entry count overflows"))?;
    if entries_end > bytes.len() {
        return Err(err(&format!(
            "old table claims {nlibs} entries but the file has {} bytes",
            bytes.len()
        )));
    }
    let new_start = entries_end.div_ceil(8) * 8;
    if bytes.len() > new_start && bytes[new_start..].starts_with(NEW_MAGIC) {
        return parse_new(bytes, new_start)
            .map(|entries| LdCache::new(CacheFormat::Compat, entries));
    }
    let mut guard = Guard::new(nlibs)?;
    let mut entries = Vec::new();
    for i in 0..nlibs {
        let off = 16 + i * 12;
        let raw_flags = u32_at(bytes, off).ok_or_else(|| err("truncated entry"))?;
        let flags = raw_flags as i32;
        let key = u32_at(bytes, off + 4).ok_or_else(|| err("truncated entry"))? as usize;
        let value = u32_at(bytes, off + 8).ok_or_else(|| err("truncated entry"))? as usize;
        if !guard.first((raw_flags, key, value, 0)) {
            continue;
        }
        let soname = cstr_at(bytes, entries_end.saturating_add(key))
            .ok_or_else(|| err(&format!("entry {i}: key string out of range")))?;
        let path = cstr_at(bytes, entries_end.saturating_add(value))
            .ok_or_else(|| err(&format!("entry {i}: value string out of range")))?;
        let e = CacheEntry {
            soname,
            path,
            flags,
            hwcap: 0,
        };
        guard.take(&e)?;
        entries.push(e);
    }
    Ok(LdCache::new(CacheFormat::Old, entries))
}

fn parse_new(bytes: &[u8], start: usize) -> Result<Vec<CacheEntry>, LdCacheError> {
    let err = |m: String| LdCacheError(m);
    let b = &bytes[start..];
    let nlibs = u32_at(b, 20).ok_or_else(|| err("truncated new header".into()))? as usize;
    let flags = *b
        .get(28)
        .ok_or_else(|| err("truncated new header".into()))?;
    if flags == 3 {
        return Err(err("big-endian cache is not supported".into()));
    }
    let end = nlibs
        .checked_mul(24)
        .and_then(|n| n.checked_add(48))
        .ok_or_else(|| err("entry count overflows".into()))?;
    if end > b.len() {
        return Err(err(format!(
            "new table claims {nlibs} entries but only {} bytes follow its header",
            b.len()
        )));
    }
    let mut guard = Guard::new(nlibs)?;
    let mut entries = Vec::new();
    for i in 0..nlibs {
        let off = 48 + i * 24;
        let trunc = || err(format!("entry {i} truncated"));
        let raw_flags = u32_at(b, off).ok_or_else(trunc)?;
        let flags = raw_flags as i32;
        let key = u32_at(b, off + 4).ok_or_else(trunc)? as usize;
        let value = u32_at(b, off + 8).ok_or_else(trunc)? as usize;
        let hwcap = u64_at(b, off + 16).ok_or_else(trunc)?;
        if !guard.first((raw_flags, key, value, hwcap)) {
            continue;
        }
        let soname = cstr_at(b, key).ok_or_else(|| err(format!("entry {i}: key out of range")))?;
        let path =
            cstr_at(b, value).ok_or_else(|| err(format!("entry {i}: value out of range")))?;
        let e = CacheEntry {
            soname,
            path,
            flags,
            hwcap,
        };
        guard.take(&e)?;
        entries.push(e);
    }
    Ok(entries)
}

/// Where `/etc/ld.so.cache` is.
pub const LD_SO_CACHE: &str = "/etc/ld.so.cache";

/// `/etc/ld.so.cache` read and parsed once for several lookups (`Err` holds a note).
pub fn load_cache(root: &Root) -> Result<LdCache, String> {
    match root.read_whole(
        Path::new(LD_SO_CACHE),
        crate::limits::LD_SO_CACHE_BYTES,
        "LD_SO_CACHE_BYTES",
    ) {
        Ok(bytes) => parse_ld_so_cache(&bytes).map_err(|e| format!("`{LD_SO_CACHE}`: {e}")),
        Err(e) if e.is_not_found() => Err(format!("no `{LD_SO_CACHE}`")),
        Err(e) => Err(e.reason()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::print_stderr)]
mod tests {
    use super::*;

    #[test]
    fn parses_this_machines_cache_like_ldconfig_p() {
        let Ok(bytes) = std::fs::read("/etc/ld.so.cache") else {
            eprintln!("skipped: no /etc/ld.so.cache");
            return;
        };
        let cache = parse_ld_so_cache(&bytes).unwrap();
        assert!(!cache.entries.is_empty());
        let Ok(out) = std::process::Command::new("ldconfig").arg("-p").output() else {
            eprintln!("skipped comparison: no ldconfig");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("{} libs found", cache.entries.len())),
            "{first}"
        );
        for (line, e) in text.lines().skip(1).zip(&cache.entries) {
            let expect = format!("\t{} ({}", e.soname, e.describe_flags());
            assert!(line.starts_with(&expect), "{line:?} vs {expect:?}");
            assert!(line.ends_with(&format!("=> {}", e.path)), "{line}");
        }
    }

    #[test]
    fn truncation_and_garbage_do_not_panic() {
        assert!(parse_ld_so_cache(b"").is_err());
        assert!(parse_ld_so_cache(b"garbage garbage garbage").is_err());
        if let Ok(bytes) = std::fs::read("/etc/ld.so.cache") {
            for cut in (0..bytes.len().min(4096)).step_by(7) {
                let _ = parse_ld_so_cache(&bytes[..cut]);
            }
            let mut huge = bytes[..48].to_vec();
            huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
            assert!(parse_ld_so_cache(&huge).is_err());
        }
        let mut old = b"ld.so-1.7.0\0".to_vec();
        old.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse_ld_so_cache(&old).is_err());
    }
}
