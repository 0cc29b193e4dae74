//! Unit tests of the ELF reader's header and dynamic-segment parts, over files built field by
//! field (the section finder is tested through the whole reader in `tests.rs`).

#![allow(clippy::unwrap_used)]

use super::*;

const LIMITS: DynamicLimits = DynamicLimits {
    region_bytes: 4 << 20,
    entries: 4096,
    string_bytes: 4096,
};

/// What to put in a test ELF's dynamic segment.
#[derive(Default)]
struct Spec<'a> {
    is_64: bool,
    big_endian: bool,
    machine: u16,
    soname: Option<&'a str>,
    rpath: Option<&'a str>,
    runpath: Option<&'a str>,
    needed: Vec<&'a str>,
    /// Where the PT_LOAD segment maps the file (its `p_vaddr` for offset 0).
    load_vaddr: u64,
}

/// A shared object: header, two program headers (PT_LOAD of the whole file, PT_DYNAMIC), the
/// dynamic entries, then the string table.
fn make_elf(spec: &Spec<'_>) -> Vec<u8> {
    let (ehsize, phentsize, word) = if spec.is_64 {
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
    dyns.push((5, spec.load_vaddr + str_off as u64));
    dyns.push((10, strtab.len() as u64));
    dyns.push((0, 0));
    let total = str_off + strtab.len();
    let mut out = vec![0u8; total];
    let big = spec.big_endian;
    let put = |out: &mut Vec<u8>, off: usize, v: u64, w: usize| {
        if big {
            out[off..off + w].copy_from_slice(&v.to_be_bytes()[8 - w..]);
        } else {
            out[off..off + w].copy_from_slice(&v.to_le_bytes()[..w]);
        }
    };
    out[..4].copy_from_slice(MAGIC);
    out[4] = if spec.is_64 { 2 } else { 1 };
    out[5] = if big { 2 } else { 1 };
    out[6] = 1;
    put(&mut out, 16, 3, 2); // ET_DYN
    put(&mut out, 18, u64::from(spec.machine), 2);
    put(&mut out, 20, 1, 4);
    if spec.is_64 {
        put(&mut out, 32, phoff as u64, 8);
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
    let phdr = |out: &mut Vec<u8>, at: usize, ptype: u64, off: u64, vaddr: u64, size: u64| {
        if spec.is_64 {
            put(out, at, ptype, 4);
            put(out, at + 4, 4, 4);
            put(out, at + 8, off, 8);
            put(out, at + 16, vaddr, 8);
            put(out, at + 24, vaddr, 8);
            put(out, at + 32, size, 8);
            put(out, at + 40, size, 8);
            put(out, at + 48, 0x1000, 8);
        } else {
            put(out, at, ptype, 4);
            put(out, at + 4, off, 4);
            put(out, at + 8, vaddr, 4);
            put(out, at + 12, vaddr, 4);
            put(out, at + 16, size, 4);
            put(out, at + 20, size, 4);
            put(out, at + 24, 4, 4);
            put(out, at + 28, 0x1000, 4);
        }
    };
    let dyn_size = (n_dyn * 2 * word) as u64;
    phdr(&mut out, phoff, 1, 0, spec.load_vaddr, total as u64);
    phdr(
        &mut out,
        phoff + phentsize,
        2,
        dyn_off as u64,
        spec.load_vaddr + dyn_off as u64,
        dyn_size,
    );
    for (i, (tag, val)) in dyns.iter().enumerate() {
        let at = dyn_off + i * 2 * word;
        put(&mut out, at, *tag, word);
        put(&mut out, at + word, *val, word);
    }
    out[str_off..].copy_from_slice(&strtab);
    out
}

fn read(bytes: &[u8]) -> Result<(Header, Dynamic), String> {
    let header = Header::read(bytes).map_err(|e| format!("header: {e}"))?;
    let dynamic =
        read_dynamic(bytes, bytes.len() as u64, &header, &LIMITS).map_err(|e| e.to_string())?;
    Ok((header, dynamic))
}

fn full_spec(is_64: bool, big_endian: bool) -> Spec<'static> {
    Spec {
        is_64,
        big_endian,
        machine: if is_64 { 62 } else { 3 },
        soname: Some("libfoo.so.1"),
        rpath: Some("/opt/a::/opt/b"),
        runpath: Some("$ORIGIN/../lib"),
        needed: vec!["libc.so.6", "libm.so.6"],
        load_vaddr: 0x40_0000,
    }
}

#[test]
fn reads_the_dynamic_segment_of_a_64_bit_elf() {
    let (header, dynamic) = read(&make_elf(&full_spec(true, false))).unwrap();
    assert_eq!(header.class(), 64);
    assert!(!header.big_endian);
    assert_eq!(header.machine, 62);
    assert_eq!(header.phnum, 2);
    assert_eq!(dynamic.soname.as_deref(), Some("libfoo.so.1"));
    assert_eq!(dynamic.rpath, ["/opt/a", "/opt/b"]);
    assert_eq!(dynamic.runpath, ["$ORIGIN/../lib"]);
    assert_eq!(dynamic.needed, ["libc.so.6", "libm.so.6"]);
}

#[test]
fn reads_the_dynamic_segment_of_a_32_bit_elf() {
    let (header, dynamic) = read(&make_elf(&full_spec(false, false))).unwrap();
    assert_eq!(header.class(), 32);
    assert_eq!(header.machine, 3);
    assert_eq!(dynamic.soname.as_deref(), Some("libfoo.so.1"));
    assert_eq!(dynamic.rpath, ["/opt/a", "/opt/b"]);
    assert_eq!(dynamic.runpath, ["$ORIGIN/../lib"]);
    assert_eq!(dynamic.needed, ["libc.so.6", "libm.so.6"]);
}

#[test]
fn reads_big_endian_files_of_both_classes() {
    for is_64 in [false, true] {
        let (header, dynamic) = read(&make_elf(&full_spec(is_64, true))).unwrap();
        assert!(header.big_endian);
        assert_eq!(header.class(), if is_64 { 64 } else { 32 });
        assert_eq!(dynamic.soname.as_deref(), Some("libfoo.so.1"));
        assert_eq!(dynamic.needed, ["libc.so.6", "libm.so.6"]);
    }
}

#[test]
fn a_file_without_dynamic_strings_has_none() {
    let bytes = make_elf(&Spec {
        is_64: true,
        ..Spec::default()
    });
    let (_, dynamic) = read(&bytes).unwrap();
    assert_eq!(dynamic, Dynamic::default());
    // No program headers at all (e_phnum = 0).
    let mut bytes = bytes;
    bytes[56..58].copy_from_slice(&0u16.to_le_bytes());
    assert_eq!(read(&bytes).unwrap().1, Dynamic::default());
}

#[test]
fn reads_through_an_open_file() {
    let bytes = make_elf(&full_spec(true, false));
    let path = std::env::temp_dir().join(format!("cudoctor-fatbin-elf-{}", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let header = Header::read(&file).unwrap();
    let dynamic = read_dynamic(&file, bytes.len() as u64, &header, &LIMITS).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(dynamic.soname.as_deref(), Some("libfoo.so.1"));
    assert_eq!(dynamic.needed, ["libc.so.6", "libm.so.6"]);
}

#[test]
fn every_truncation_and_garbage_is_an_error_or_nothing_never_a_panic() {
    for spec in [full_spec(true, false), full_spec(false, true)] {
        let bytes = make_elf(&spec);
        for cut in 0..bytes.len() {
            let part = &bytes[..cut];
            // A cut inside the string table leaves a valid file whose strings cannot be found;
            // any other cut is an error.
            if let Ok((_, dynamic)) = read(part) {
                assert!(dynamic.soname.is_none() || cut == bytes.len(), "cut {cut}");
            }
        }
        // Each byte flipped in turn: whatever it says, it must not panic.
        for at in 0..bytes.len() {
            for value in [0x00, 0xFF, 0x80] {
                let mut bad = bytes.clone();
                bad[at] = value;
                let _ = read(&bad);
            }
        }
    }
    assert_eq!(
        read(b"\x7fELF\x02\x01\x01 too short to be a header").unwrap_err(),
        "header: the file is 32 bytes long, shorter than the 64-byte ELF header"
    );
    assert_eq!(
        read(b"\x7fELF").unwrap_err(),
        "header: the file is shorter than the 16-byte ELF identification"
    );
    let mut bad_class = make_elf(&full_spec(true, false));
    bad_class[4] = 3;
    assert_eq!(
        read(&bad_class).unwrap_err(),
        "header: unknown ELF class 3 (expected 1 for ELF32 or 2 for ELF64)"
    );
}

#[test]
fn hostile_sizes_and_addresses_are_errors() {
    let good = make_elf(&full_spec(true, false));
    // A program header table claimed at the end of the address space.
    let mut h = good.clone();
    h[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        read(&h).unwrap_err(),
        "program headers extend past the end of the file"
    );
    // 0xFFFF program headers: past the file and the region cap.
    let mut h = good.clone();
    h[56..58].copy_from_slice(&0xFFFFu16.to_le_bytes());
    assert_eq!(
        read(&h).unwrap_err(),
        "program headers extend past the end of the file"
    );
    // An entry size smaller than a program header.
    let mut h = good.clone();
    h[54..56].copy_from_slice(&8u16.to_le_bytes());
    assert!(read(&h).unwrap_err().contains("entry size 8"), "{h:?}");
    // PT_DYNAMIC's size runs past the end (p_filesz of the second program header).
    let mut h = good.clone();
    h[64 + 56 + 32..64 + 56 + 40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        read(&h).unwrap_err(),
        "dynamic segment extends past the end of the file"
    );
    // The PT_LOAD segment moved away from DT_STRTAB's address.
    let mut h = good.clone();
    h[64 + 16..64 + 24].copy_from_slice(&0x1000_0000u64.to_le_bytes());
    assert_eq!(
        read(&h).unwrap_err(),
        "string table address is not in any loaded segment"
    );
    // PT_LOAD maps its address to an offset that overflows.
    let mut h = good;
    h[64 + 8..64 + 16].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(read(&h).is_err());
}

#[test]
fn the_entry_and_string_caps_hold() {
    let names: Vec<String> = (0..5).map(|i| format!("lib{i}.so")).collect();
    let bytes = make_elf(&Spec {
        is_64: true,
        needed: names.iter().map(String::as_str).collect(),
        soname: Some("libtoolong.so"),
        ..Spec::default()
    });
    let header = Header::read(&bytes[..]).unwrap();
    let len = bytes.len() as u64;
    let small = DynamicLimits {
        entries: 4,
        ..LIMITS
    };
    assert_eq!(
        read_dynamic(&bytes[..], len, &header, &small),
        Err(DynamicError::TooManyEntries { count: 5, limit: 4 })
    );
    let exact = DynamicLimits {
        entries: 5,
        string_bytes: 8,
        ..LIMITS
    };
    let dynamic = read_dynamic(&bytes[..], len, &header, &exact).unwrap();
    assert_eq!(dynamic.needed.len(), 5);
    // 13 bytes is over the 8-byte string cap: no name rather than a cut one.
    assert_eq!(dynamic.soname, None);
}

#[test]
fn a_string_table_without_nuls_costs_linear_work() {
    let mut bytes = make_elf(&Spec {
        is_64: true,
        needed: vec!["a"; 200],
        ..Spec::default()
    });
    let header = Header::read(&bytes[..]).unwrap();
    // Overwrite the string table (the last 1 + 200 * 2 bytes) with no NULs.
    let n = bytes.len();
    bytes[n - 401..].fill(b'x');
    crate::work::take();
    let dynamic = read_dynamic(&bytes[..], n as u64, &header, &LIMITS).unwrap();
    assert!(dynamic.needed.is_empty());
    assert!(crate::work::take() <= 200 * 64);
}
