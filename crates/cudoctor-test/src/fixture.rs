//! Fixture roots in temporary directories and minimal ELF shared objects to put in them.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

/// A fixture root in a temporary directory.
pub struct Fixture {
    dir: tempfile::TempDir,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    fn host(&self, p: &str) -> PathBuf {
        self.dir.path().join(p.trim_start_matches('/'))
    }
    pub fn file(&self, p: &str, contents: impl AsRef<[u8]>) -> &Self {
        let h = self.host(p);
        std::fs::create_dir_all(h.parent().unwrap()).unwrap();
        std::fs::write(h, contents).unwrap();
        self
    }
    pub fn dir(&self, p: &str) -> &Self {
        std::fs::create_dir_all(self.host(p)).unwrap();
        self
    }
    pub fn link(&self, p: &str, target: &str) -> &Self {
        let h = self.host(p);
        std::fs::create_dir_all(h.parent().unwrap()).unwrap();
        symlink(target, h).unwrap();
        self
    }
    pub fn remove(&self, p: &str) -> &Self {
        std::fs::remove_file(self.host(p)).unwrap();
        self
    }
    /// A 64-bit x86-64 shared object with a SONAME.
    pub fn lib(&self, p: &str, soname: &str) -> &Self {
        self.file(p, make_elf(&ElfSpec::lib64(soname)))
    }
    /// `dir/real` (an ELF with `soname`) plus the soname link `dir/soname -> real`, as packages
    /// install them.
    pub fn versioned_lib(&self, dir: &str, real: &str, soname: &str) -> &Self {
        self.lib(&format!("{dir}/{real}"), soname)
            .link(&format!("{dir}/{soname}"), real)
    }
    pub fn host_path(&self, p: &str) -> PathBuf {
        self.host(p)
    }
}

/// What [`make_elf`] writes.
pub struct ElfSpec<'a> {
    pub class64: bool,
    pub machine: u16,
    pub soname: Option<&'a str>,
    pub rpath: Option<&'a str>,
    pub runpath: Option<&'a str>,
    pub needed: Vec<&'a str>,
}

impl<'a> ElfSpec<'a> {
    pub fn lib64(soname: &'a str) -> Self {
        Self {
            class64: true,
            machine: 62,
            soname: Some(soname),
            rpath: None,
            runpath: None,
            needed: Vec::new(),
        }
    }
}

/// A minimal but well-formed ELF shared object: header, PT_LOAD + PT_DYNAMIC, a dynamic section
/// (DT_STRTAB, DT_STRSZ, DT_SONAME, DT_RPATH, DT_RUNPATH, DT_NEEDED) and a string table.
pub fn make_elf(spec: &ElfSpec<'_>) -> Vec<u8> {
    let (ehsize, phentsize, word) = if spec.class64 {
        (64usize, 56usize, 8usize)
    } else {
        (52, 32, 4)
    };
    let phoff = ehsize;
    let dyn_off = phoff + 2 * phentsize;
    let mut strtab = vec![0u8];
    let mut add_str = |s: &str| {
        let off = strtab.len();
        strtab.extend_from_slice(s.as_bytes());
        strtab.push(0);
        off as u64
    };
    let mut dyns: Vec<(u64, u64)> = Vec::new();
    for n in &spec.needed {
        dyns.push((1, add_str(n)));
    }
    if let Some(s) = spec.soname {
        dyns.push((14, add_str(s)));
    }
    if let Some(s) = spec.rpath {
        dyns.push((15, add_str(s)));
    }
    if let Some(s) = spec.runpath {
        dyns.push((29, add_str(s)));
    }
    let n_dyn = dyns.len() + 3; // + STRTAB, STRSZ, NULL
    let str_off = dyn_off + n_dyn * 2 * word;
    dyns.push((5, str_off as u64));
    dyns.push((10, strtab.len() as u64));
    dyns.push((0, 0));
    let total = str_off + strtab.len();
    let mut out = vec![0u8; total];
    let put = |out: &mut Vec<u8>, off: usize, v: u64, w: usize| {
        out[off..off + w].copy_from_slice(&v.to_le_bytes()[..w]);
    };
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = if spec.class64 { 2 } else { 1 };
    out[5] = 1; // little-endian
    out[6] = 1; // EV_CURRENT
    put(&mut out, 16, 3, 2); // ET_DYN
    put(&mut out, 18, u64::from(spec.machine), 2);
    put(&mut out, 20, 1, 4);
    if spec.class64 {
        put(&mut out, 32, phoff as u64, 8); // e_phoff
        put(&mut out, 52, ehsize as u64, 2);
        put(&mut out, 54, phentsize as u64, 2);
        put(&mut out, 56, 2, 2);
        put(&mut out, 58, 64, 2);
    } else {
        put(&mut out, 28, phoff as u64, 4);
        put(&mut out, 40, ehsize as u64, 2);
        put(&mut out, 42, phentsize as u64, 2);
        put(&mut out, 44, 2, 2);
        put(&mut out, 46, 40, 2);
    }
    // Program headers: PT_LOAD (whole file at vaddr 0), PT_DYNAMIC.
    let phdr = |out: &mut Vec<u8>, at: usize, ptype: u64, off: u64, size: u64, flags: u64| {
        if spec.class64 {
            put(out, at, ptype, 4);
            put(out, at + 4, flags, 4);
            put(out, at + 8, off, 8);
            put(out, at + 16, off, 8);
            put(out, at + 24, off, 8);
            put(out, at + 32, size, 8);
            put(out, at + 40, size, 8);
            put(out, at + 48, 0x1000, 8);
        } else {
            put(out, at, ptype, 4);
            put(out, at + 4, off, 4);
            put(out, at + 8, off, 4);
            put(out, at + 12, off, 4);
            put(out, at + 16, size, 4);
            put(out, at + 20, size, 4);
            put(out, at + 24, flags, 4);
            put(out, at + 28, 0x1000, 4);
        }
    };
    phdr(&mut out, phoff, 1, 0, total as u64, 4);
    phdr(
        &mut out,
        phoff + phentsize,
        2,
        dyn_off as u64,
        (n_dyn * 2 * word) as u64,
        6,
    );
    for (i, (tag, val)) in dyns.iter().enumerate() {
        let at = dyn_off + i * 2 * word;
        put(&mut out, at, *tag, word);
        put(&mut out, at + word, *val, word);
    }
    out[str_off..].copy_from_slice(&strtab);
    out
}
