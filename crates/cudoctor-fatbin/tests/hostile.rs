//! Hostile ELF files (issue 11), generated here: a section-name table with no NUL, tens of
//! thousands of sections naming the same fatbinary bytes, too many distinct fatbinary sections.
//! The work (a step counter, never a clock) must grow at most linearly with the input.
#![allow(clippy::unwrap_used)]

use cudoctor_fatbin::{ArchsError, FormatError, read_bytes, work};

/// One fatbinary container with one SASS entry for `sm_80` (88 bytes).
fn container() -> Vec<u8> {
    let mut c = Vec::new();
    c.extend(0xBA55_ED50u32.to_le_bytes());
    c.extend(1u16.to_le_bytes());
    c.extend(16u16.to_le_bytes());
    c.extend(72u64.to_le_bytes());
    let mut e = vec![0u8; 64];
    e[0..2].copy_from_slice(&2u16.to_le_bytes());
    e[4..8].copy_from_slice(&64u32.to_le_bytes());
    e[8..16].copy_from_slice(&8u64.to_le_bytes());
    e[0x1C..0x20].copy_from_slice(&80u32.to_le_bytes());
    e[0x28..0x30].copy_from_slice(&0x11u64.to_le_bytes());
    c.extend(e);
    c.extend([0u8; 8]);
    c
}

/// An ELF64 with `n` section headers after a name table and a fatbinary. `name_of(i)` gives
/// section `i`'s name offset and `data_of(i)` its (offset, size); section 1 is the name table.
fn elf(
    names: &[u8],
    fatbins: &[Vec<u8>],
    n: usize,
    name_of: impl Fn(usize) -> u32,
    data_of: impl Fn(usize, u64, u64) -> (u64, u64),
) -> Vec<u8> {
    let mut b = vec![0u8; 64];
    b[0..4].copy_from_slice(b"\x7fELF");
    b[4] = 2;
    b[5] = 1;
    b[6] = 1;
    b[16..18].copy_from_slice(&3u16.to_le_bytes());
    b[18..20].copy_from_slice(&62u16.to_le_bytes());
    b[20..24].copy_from_slice(&1u32.to_le_bytes());
    let names_off = b.len() as u64;
    b.extend(names);
    let fat_off = b.len() as u64;
    for f in fatbins {
        b.extend(f);
    }
    while b.len() % 8 != 0 {
        b.push(0);
    }
    let shoff = b.len() as u64;
    b[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
    b[0x34..0x36].copy_from_slice(&64u16.to_le_bytes());
    b[0x3A..0x3C].copy_from_slice(&64u16.to_le_bytes());
    b[0x3C..0x3E].copy_from_slice(&(n as u16).to_le_bytes());
    b[0x3E..0x40].copy_from_slice(&1u16.to_le_bytes());
    for i in 0..n {
        let mut h = vec![0u8; 64];
        h[0..4].copy_from_slice(&name_of(i).to_le_bytes());
        h[4..8].copy_from_slice(&1u32.to_le_bytes());
        let (off, size) = if i == 1 {
            (names_off, names.len() as u64)
        } else {
            data_of(i, fat_off, fatbins.first().map_or(0, |f| f.len() as u64))
        };
        h[0x18..0x20].copy_from_slice(&off.to_le_bytes());
        h[0x20..0x28].copy_from_slice(&size.to_le_bytes());
        b.extend(h);
    }
    b
}

fn steps(bytes: &[u8]) -> (u64, Result<cudoctor_fatbin::FileArchs, ArchsError>) {
    work::take();
    let r = read_bytes(bytes);
    (work::take(), r)
}

/// At most linear: 4x the input costs at most 5x the steps (a quadratic walk costs ~16x).
fn assert_linear(small: u64, big: u64, what: &str) {
    assert!(small > 0, "{what}: nothing counted");
    assert!(
        big <= small * 5,
        "{what}: {small} steps for n, {big} for 4n: not linear"
    );
}

/// A section-name table of `n` bytes with no NUL, named by `n` sections at offsets 0..n: each
/// name lookup used to scan to the end of the table.
#[test]
fn section_name_table_without_nul_is_linear() {
    let run = |n: usize| {
        let names = vec![b'A'; n];
        let bytes = elf(&names, &[], n, |i| i as u32, |_, off, _| (off, 0));
        let (s, r) = steps(&bytes);
        let archs = r.unwrap();
        assert!(archs.sass.is_empty());
        s
    };
    assert_linear(run(4000), run(16_000), "no-NUL name table");
}

/// Tens of thousands of `.nv_fatbin` sections naming the same bytes are read once.
#[test]
fn many_sections_over_the_same_fatbinary_are_read_once() {
    let mut names = b"\0.shstrtab\0".to_vec();
    let fat_name = names.len() as u32;
    names.extend(b".nv_fatbin\0");
    let c = container();
    let run = |n: usize| {
        let bytes = elf(
            &names,
            std::slice::from_ref(&c),
            n,
            |i| if i == 1 { 1 } else { fat_name },
            |_, off, len| (off, len),
        );
        let (s, r) = steps(&bytes);
        let archs = r.unwrap();
        // Counted once, not once per section header.
        assert_eq!(archs.sass.values().sum::<u64>(), 1, "{n}");
        s
    };
    assert_linear(run(5000), run(20_000), "duplicate fatbinary sections");
}

/// More distinct fatbinary sections than the cap: an error naming the cap, not partial counts.
#[test]
fn too_many_distinct_fatbinary_sections_is_an_error_naming_the_cap() {
    let mut names = b"\0.shstrtab\0".to_vec();
    let fat_name = names.len() as u32;
    names.extend(b".nv_fatbin\0");
    let n = cudoctor_fatbin::limits::FATBIN_SECTIONS + 10;
    let fatbins: Vec<Vec<u8>> = (0..n).map(|_| container()).collect();
    let bytes = elf(
        &names,
        &fatbins,
        n,
        |i| if i == 1 { 1 } else { fat_name },
        |i, off, len| (off + i as u64 * len, len),
    );
    let err = read_bytes(&bytes).unwrap_err();
    let ArchsError::Elf {
        source: FormatError::CapExceeded { cap, .. },
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*cap, "FATBIN_SECTIONS");
    assert!(
        std::error::Error::source(&err)
            .unwrap()
            .to_string()
            .contains("FATBIN_SECTIONS")
    );
}

/// A zero-size file that holds bytes (`/proc/version`) is read, not called empty.
#[test]
fn proc_files_are_not_called_empty() {
    let Ok(f) = std::fs::File::open("/proc/version") else {
        return;
    };
    let err = cudoctor_fatbin::read_open_file(&f, "/proc/version").unwrap_err();
    let msg = err.to_string();
    assert!(!msg.contains("empty"), "{msg}");
    assert!(msg.contains("not an ELF file"), "{msg}");
}
