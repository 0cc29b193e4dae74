//! Just enough of an ELF file: class, machine, and the dynamic section's SONAME, RPATH, RUNPATH
//! and NEEDED entries. Reads only the header, the program headers, the dynamic segment and the
//! string table with bounded reads, so a 1 GB library or a huge sparse file costs a few pages.
//! The reading is `cudoctor_fatbin::elf`'s (the workspace's one ELF reader); this module names
//! the probe's caps and shapes its errors.

use std::path::Path;

use cudoctor_fatbin::elf;

use crate::limits::{ELF_DT_ENTRIES, ELF_REGION_BYTES, ELF_STRING_BYTES};
use crate::root::{Root, RootError};

/// The bounds of the reads: bytes of the program headers, the dynamic segment and the string
/// table; DT_NEEDED/DT_RPATH/DT_RUNPATH entries; bytes of one string.
const LIMITS: elf::DynamicLimits = elf::DynamicLimits {
    region_bytes: ELF_REGION_BYTES,
    entries: ELF_DT_ENTRIES,
    string_bytes: ELF_STRING_BYTES,
};

/// What an ELF file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    /// 32 or 64.
    pub class: u8,
    /// `e_machine` (62 = x86-64, 183 = aarch64, 3 = i386).
    pub machine: u16,
    /// DT_SONAME.
    pub soname: Option<String>,
    /// DT_RPATH, split on `:`.
    pub rpath: Vec<String>,
    /// DT_RUNPATH, split on `:`.
    pub runpath: Vec<String>,
    /// DT_NEEDED.
    pub needed: Vec<String>,
}

impl ElfInfo {
    /// `elf64-x86_64`, `elf32-i386`, ...
    pub fn describe(&self) -> String {
        format!("elf{}-{}", self.class, machine_name(self.machine))
    }
}

/// The name of an ELF machine number.
pub fn machine_name(machine: u16) -> String {
    match machine {
        3 => "i386".to_owned(),
        62 => "x86_64".to_owned(),
        183 => "aarch64".to_owned(),
        40 => "arm".to_owned(),
        21 => "ppc64".to_owned(),
        other => format!("machine{other}"),
    }
}

/// Why a file is not a usable ELF object.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// Not readable through the root.
    #[error(transparent)]
    Root(#[from] RootError),
    /// Too short or no ELF magic.
    #[error("`{path}` is not an ELF file")]
    NotElf {
        /// The path.
        path: String,
    },
    /// ELF magic but malformed or truncated.
    #[error("`{path}` is a malformed ELF file: {reason}")]
    Malformed {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// Reads the ELF facts of a file inside a root.
pub fn read_elf(root: &Root, path: &Path) -> Result<ElfInfo, ElfError> {
    let (file, meta) = root.open_file(path)?;
    parse_elf_file(&file, meta.len(), &path.display().to_string())
}

/// Reads the ELF facts of an open file of `len` bytes; `name` is used in errors.
pub fn parse_elf_file<R: elf::ReadAt + ?Sized>(
    file: &R,
    len: u64,
    name: &str,
) -> Result<ElfInfo, ElfError> {
    let malformed = |reason: String| ElfError::Malformed {
        path: name.to_owned(),
        reason,
    };
    let mut head = [0u8; elf::HEADER_BYTES];
    let got = elf::read_at_most(file, &mut head, 0);
    if got < 16 || !elf::is_elf(&head[..got]) {
        return Err(ElfError::NotElf {
            path: name.to_owned(),
        });
    }
    let header = elf::Header::parse(&head[..got]).map_err(|e| malformed(format!("header: {e}")))?;
    let dynamic = elf::read_dynamic(file, len, &header, &LIMITS).map_err(|e| match e {
        elf::DynamicError::TooManyEntries { count, limit } => malformed(format!(
            "{count} DT_NEEDED/DT_RPATH/DT_RUNPATH entries, more than the ELF_DT_ENTRIES cap of {limit}"
        )),
        other => malformed(other.to_string()),
    })?;
    Ok(ElfInfo {
        class: header.class(),
        machine: header.machine,
        soname: dynamic.soname,
        rpath: dynamic.rpath,
        runpath: dynamic.runpath,
        needed: dynamic.needed,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::print_stderr)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_system_library() {
        // libc is on every Linux test machine; its SONAME is libc.so.6.
        let root = Root::host();
        let candidates = [
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/usr/lib64/libc.so.6",
            "/lib64/libc.so.6",
            "/usr/lib/aarch64-linux-gnu/libc.so.6",
        ];
        let Some(path) = candidates.iter().find(|p| Path::new(p).exists()) else {
            eprintln!("skipped: no libc.so.6 in the usual places");
            return;
        };
        let info = read_elf(&root, Path::new(path)).unwrap();
        assert_eq!(info.class, 64);
        assert_eq!(info.soname.as_deref(), Some("libc.so.6"));
    }

    #[test]
    fn garbage_and_truncation_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::dir(dir.path()).unwrap();
        std::fs::write(dir.path().join("garbage.so"), b"hello world, not an elf").unwrap();
        assert!(matches!(
            read_elf(&root, Path::new("/garbage.so")),
            Err(ElfError::NotElf { .. })
        ));
        let libc = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib64/libc.so.6"]
            .iter()
            .find(|p| Path::new(p).exists())
            .map(|p| std::fs::read(p).unwrap());
        if let Some(bytes) = libc {
            for cut in [17, 40, 64, 100, 1000, 5000] {
                std::fs::write(dir.path().join("t.so"), &bytes[..cut]).unwrap();
                let r = read_elf(&root, Path::new("/t.so"));
                assert!(r.is_err() || r.unwrap().soname.is_none(), "cut {cut}");
            }
        }
        // Header claiming 64-bit with a huge program-header table.
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[6] = 1;
        h[32..40].copy_from_slice(&u64::MAX.to_le_bytes()); // e_phoff
        h[54..56].copy_from_slice(&56u16.to_le_bytes());
        h[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
        std::fs::write(dir.path().join("h.so"), &h).unwrap();
        assert!(read_elf(&root, Path::new("/h.so")).is_err());
    }
}
