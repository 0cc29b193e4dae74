//! Just enough of an ELF file: class, machine, and the dynamic section's SONAME, RPATH, RUNPATH
//! and NEEDED entries. Reads only the header, the program headers, the dynamic segment and the
//! string table with bounded reads, so a 1 GB library or a huge sparse file costs a few pages.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::program_header::{PT_DYNAMIC, PT_LOAD, ProgramHeader};

use crate::root::{Root, RootError};

/// Upper bound on bytes read for program headers, the dynamic segment and the string table.
const MAX_READ: u64 = crate::limits::ELF_REGION_BYTES;

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
pub fn parse_elf_file(file: &File, len: u64, name: &str) -> Result<ElfInfo, ElfError> {
    let malformed = |reason: String| ElfError::Malformed {
        path: name.to_owned(),
        reason,
    };
    let mut head = [0u8; 64];
    let got = read_at_most(file, &mut head, 0);
    if got < 16 || &head[..4] != b"\x7fELF" {
        return Err(ElfError::NotElf {
            path: name.to_owned(),
        });
    }
    let header = goblin::elf::Elf::parse_header(&head[..got])
        .map_err(|e| malformed(format!("header: {e}")))?;
    let container = header
        .container()
        .map_err(|e| malformed(format!("class: {e}")))?;
    let endian = header
        .endianness()
        .map_err(|e| malformed(format!("byte order: {e}")))?;
    let ctx = Ctx::new(container, endian);
    let class = if container == Container::Big { 64 } else { 32 };
    let mut info = ElfInfo {
        class,
        machine: header.e_machine,
        soname: None,
        rpath: Vec::new(),
        runpath: Vec::new(),
        needed: Vec::new(),
    };
    let ph_size = u64::from(header.e_phnum) * u64::from(header.e_phentsize);
    if header.e_phnum == 0 {
        return Ok(info);
    }
    if header.e_phoff.saturating_add(ph_size) > len || ph_size > MAX_READ {
        return Err(malformed(
            "program headers extend past the end of the file".into(),
        ));
    }
    let ph_bytes = read_exact_region(file, header.e_phoff, ph_size)
        .ok_or_else(|| malformed("cannot read program headers".into()))?;
    let phdrs = ProgramHeader::parse(&ph_bytes, 0, header.e_phnum as usize, ctx)
        .map_err(|e| malformed(format!("program headers: {e}")))?;
    let Some(dynamic) = phdrs.iter().find(|p| p.p_type == PT_DYNAMIC) else {
        return Ok(info);
    };
    if dynamic.p_offset.saturating_add(dynamic.p_filesz) > len {
        return Err(malformed(
            "dynamic segment extends past the end of the file".into(),
        ));
    }
    let dyn_bytes = read_exact_region(file, dynamic.p_offset, dynamic.p_filesz.min(MAX_READ))
        .ok_or_else(|| malformed("cannot read the dynamic segment".into()))?;
    let entries = parse_dyn_entries(&dyn_bytes, class, endian);
    let get = |tag: u64| entries.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
    let (Some(strtab_addr), Some(strsz)) = (get(DT_STRTAB), get(DT_STRSZ)) else {
        return Ok(info);
    };
    let strtab_off = vaddr_to_offset(&phdrs, strtab_addr)
        .ok_or_else(|| malformed("string table address is not in any loaded segment".into()))?;
    if strtab_off.saturating_add(strsz) > len {
        return Err(malformed(
            "string table extends past the end of the file".into(),
        ));
    }
    let strtab = read_exact_region(file, strtab_off, strsz.min(MAX_READ))
        .ok_or_else(|| malformed("cannot read the string table".into()))?;
    // A name longer than PATH_MAX is no name: the scan for its NUL stops there, so a string
    // table without NULs cannot make every entry scan (and copy) the whole table.
    let string_at = |off: u64| -> Option<String> {
        let start = usize::try_from(off).ok()?;
        let rest = strtab.get(start..)?;
        let rest = &rest[..rest.len().min(crate::limits::ELF_STRING_BYTES + 1)];
        crate::work::add(rest.len().min(64) as u64);
        let end = memchr::memchr(0, rest)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    };
    let counted = entries
        .iter()
        .filter(|(t, _)| matches!(*t, DT_NEEDED | DT_RPATH | DT_RUNPATH))
        .count();
    if counted > crate::limits::ELF_DT_ENTRIES {
        return Err(malformed(format!(
            "{counted} DT_NEEDED/DT_RPATH/DT_RUNPATH entries, more than the ELF_DT_ENTRIES cap of {}",
            crate::limits::ELF_DT_ENTRIES
        )));
    }
    for (tag, val) in &entries {
        match *tag {
            DT_SONAME => info.soname = string_at(*val),
            DT_RPATH => info.rpath = split_path_list(string_at(*val).as_deref()),
            DT_RUNPATH => info.runpath = split_path_list(string_at(*val).as_deref()),
            DT_NEEDED => info.needed.extend(string_at(*val)),
            _ => {}
        }
    }
    Ok(info)
}

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;

fn split_path_list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(':')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// Decodes `(d_tag, d_val)` pairs up to DT_NULL.
fn parse_dyn_entries(bytes: &[u8], class: u8, endian: Endian) -> Vec<(u64, u64)> {
    let word = if class == 64 { 8 } else { 4 };
    let mut out = Vec::new();
    for chunk in bytes.chunks_exact(word * 2) {
        let read = |b: &[u8]| -> u64 {
            let mut buf = [0u8; 8];
            if endian == Endian::Little {
                buf[..word].copy_from_slice(b);
                u64::from_le_bytes(buf)
            } else {
                buf[8 - word..].copy_from_slice(b);
                u64::from_be_bytes(buf)
            }
        };
        let tag = read(&chunk[..word]);
        if tag == DT_NULL {
            break;
        }
        out.push((tag, read(&chunk[word..])));
    }
    out
}

fn vaddr_to_offset(phdrs: &[ProgramHeader], vaddr: u64) -> Option<u64> {
    phdrs
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .find(|p| vaddr >= p.p_vaddr && vaddr < p.p_vaddr.saturating_add(p.p_filesz))
        .map(|p| vaddr - p.p_vaddr + p.p_offset)
}

fn read_at_most(file: &File, buf: &mut [u8], offset: u64) -> usize {
    let mut done = 0;
    while done < buf.len() {
        match file.read_at(&mut buf[done..], offset + done as u64) {
            Ok(0) | Err(_) => break,
            Ok(n) => done += n,
        }
    }
    done
}

fn read_exact_region(file: &File, offset: u64, len: u64) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; usize::try_from(len).ok()?];
    (read_at_most(file, &mut buf, offset) == buf.len()).then_some(buf)
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
