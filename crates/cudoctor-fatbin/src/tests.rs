//! Unit tests over synthetic files built field by field, the layout taken from the real headers
//! in `tests/fixtures/` (carved from CUDA 11.8 `libcusparse.so.11.7.5.86`).

#![allow(clippy::unwrap_used)]

use super::*;
use cudoctor_kb::version::{ComputeCapability, GpuCode, PtxIsaVersion};

/// One entry header: `kind`, `arch`, payload length, flags, PTX ISA `(major, minor)`, and
/// `header_size` (64 plus an extension of zeros).
#[derive(Clone, Copy)]
struct E {
    kind: u16,
    arch: u32,
    payload: u64,
    flags: u64,
    isa: (u16, u16),
    header_size: u32,
    compressed: u32,
}

fn sass(arch: u32) -> E {
    E {
        kind: 2,
        arch,
        payload: 16,
        flags: 0x11,
        isa: (1, 7),
        header_size: 64,
        compressed: 0,
    }
}

fn ptx(arch: u32, isa: (u16, u16)) -> E {
    E {
        kind: 1,
        arch,
        payload: 24,
        flags: 0x2011,
        isa,
        header_size: 72,
        compressed: 20,
    }
}

fn entry_bytes(e: E) -> Vec<u8> {
    let mut h = vec![0u8; e.header_size as usize];
    h[0..2].copy_from_slice(&e.kind.to_le_bytes());
    h[2..4].copy_from_slice(&0x0101u16.to_le_bytes());
    h[4..8].copy_from_slice(&e.header_size.to_le_bytes());
    h[8..16].copy_from_slice(&e.payload.to_le_bytes());
    h[16..20].copy_from_slice(&e.compressed.to_le_bytes());
    h[0x18..0x1A].copy_from_slice(&e.isa.1.to_le_bytes());
    h[0x1A..0x1C].copy_from_slice(&e.isa.0.to_le_bytes());
    h[0x1C..0x20].copy_from_slice(&e.arch.to_le_bytes());
    h[0x28..0x30].copy_from_slice(&e.flags.to_le_bytes());
    h.extend(std::iter::repeat_n(
        0xAB,
        usize::try_from(e.payload).unwrap(),
    ));
    h
}

fn container(entries: &[E]) -> Vec<u8> {
    let body: Vec<u8> = entries.iter().flat_map(|e| entry_bytes(*e)).collect();
    container_raw(16, body.len() as u64, &body)
}

fn container_raw(header_size: u16, fat_size: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xBA55_ED50u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&header_size.to_le_bytes());
    out.extend_from_slice(&fat_size.to_le_bytes());
    out.resize(usize::from(header_size.max(16)), 0);
    out.extend_from_slice(body);
    out
}

/// A minimal ELF64 (or ELF32) file with the given sections (name, data).
fn elf(is_64: bool, big_endian: bool, sections: &[(&str, &[u8])]) -> Vec<u8> {
    let mut names = vec![0u8];
    let mut name_offsets = Vec::new();
    for (name, _) in sections {
        name_offsets.push(names.len() as u32);
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    let shstrtab_name = names.len() as u32;
    names.extend_from_slice(b".shstrtab\0");
    let (ehsize, shentsize) = if is_64 { (64usize, 64usize) } else { (52, 40) };
    let mut out = vec![0u8; ehsize];
    let mut placed = Vec::new();
    for (_, data) in sections {
        while out.len() % 8 != 0 {
            out.push(0);
        }
        placed.push((out.len() as u64, data.len() as u64));
        out.extend_from_slice(data);
    }
    let names_off = out.len() as u64;
    out.extend_from_slice(&names);
    while out.len() % 8 != 0 {
        out.push(0);
    }
    let shoff = out.len() as u64;
    let count = sections.len() + 2;
    let w16 = |v: u16| {
        if big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    };
    let w32 = |v: u32| {
        if big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    };
    let w64 = |v: u64| {
        if big_endian {
            v.to_be_bytes().to_vec()
        } else {
            v.to_le_bytes().to_vec()
        }
    };
    let waddr = |v: u64| if is_64 { w64(v) } else { w32(v as u32) };
    let header = |name: u32, kind: u32, offset: u64, size: u64| {
        let mut h = Vec::new();
        h.extend(w32(name));
        h.extend(w32(kind));
        h.extend(waddr(0)); // flags
        h.extend(waddr(0)); // addr
        h.extend(waddr(offset));
        h.extend(waddr(size));
        h.extend(w32(0)); // link
        h.extend(w32(0)); // info
        h.extend(waddr(8)); // addralign
        h.extend(waddr(0)); // entsize
        assert_eq!(h.len(), shentsize);
        h
    };
    out.extend(vec![0u8; shentsize]);
    for (i, (off, size)) in placed.iter().enumerate() {
        out.extend(header(name_offsets[i], 1, *off, *size));
    }
    out.extend(header(shstrtab_name, 3, names_off, names.len() as u64));
    // ELF header
    out[0..4].copy_from_slice(b"\x7fELF");
    out[4] = if is_64 { 2 } else { 1 };
    out[5] = if big_endian { 2 } else { 1 };
    out[6] = 1;
    let mut put = |at: usize, bytes: Vec<u8>| out[at..at + bytes.len()].copy_from_slice(&bytes);
    put(16, w16(3));
    put(18, w16(62));
    if is_64 {
        put(0x28, w64(shoff));
        put(0x3A, w16(shentsize as u16));
        put(0x3C, w16(count as u16));
        put(0x3E, w16((count - 1) as u16));
    } else {
        put(0x20, w32(shoff as u32));
        put(0x2E, w16(shentsize as u16));
        put(0x30, w16(count as u16));
        put(0x32, w16((count - 1) as u16));
    }
    out
}

fn elf64(sections: &[(&str, &[u8])]) -> Vec<u8> {
    elf(true, false, sections)
}

fn fatbin_error(bytes: &[u8]) -> (FormatError, String) {
    match read_bytes_named(bytes, "/x/libbad.so") {
        Err(err @ ArchsError::Fatbin { .. }) => {
            let msg = err.to_string();
            let ArchsError::Fatbin { source, .. } = err else {
                unreachable!()
            };
            (source, msg)
        }
        other => panic!("expected a fatbin error, got {other:?}"),
    }
}

#[test]
fn counts_sass_and_ptx_per_arch_in_numeric_order() {
    let c1 = container(&[sass(90), sass(100), sass(80), ptx(80, (7, 2))]);
    let c2 = container(&[sass(80), ptx(80, (7, 0)), ptx(120, (8, 8))]);
    let mut data = c1.clone();
    data.extend_from_slice(&c2);
    let bytes = elf64(&[(".nv_fatbin", &data)]);
    let archs = read_bytes(&bytes).unwrap();
    assert_eq!(
        archs
            .sass
            .iter()
            .map(|(a, n)| (a.number, *n))
            .collect::<Vec<_>>(),
        vec![(80, 2), (90, 1), (100, 1)]
    );
    assert_eq!(
        archs
            .ptx
            .iter()
            .map(|(a, n)| (a.number, *n))
            .collect::<Vec<_>>(),
        vec![(80, 2), (120, 1)]
    );
    assert_eq!(archs.ptx_isa[&SmArch::new(80)], PtxIsaVersion::new(7, 2));
    assert_eq!(archs.ptx_isa_all[&SmArch::new(80)].len(), 2);
    assert_eq!(archs.compressed_entries, 3);
    assert_eq!(archs.containers, 2);
    assert!(archs.warnings.is_empty(), "{:?}", archs.warnings);
    let json = serde_json::to_string(&ArchsReport::new(vec![FileReport {
        path: "lib.so".into(),
        archs,
    }]))
    .unwrap();
    assert_eq!(
        json,
        r#"{"schema_version":1,"files":[{"path":"lib.so","sass":{"sm_80":2,"sm_90":1,"sm_100":1},"ptx":{"sm_80":2,"sm_120":1},"ptx_isa":{"sm_80":"7.2","sm_120":"8.8"},"compressed_entries":3}]}"#
    );
}

#[test]
fn reads_elf32_and_big_endian_headers_and_relfatbin() {
    let data = container(&[sass(75), ptx(75, (7, 8))]);
    for (is_64, be) in [(false, false), (true, true), (false, true)] {
        let bytes = elf(is_64, be, &[("__nv_relfatbin", &data)]);
        let archs = read_bytes(&bytes).unwrap();
        assert_eq!(archs.sass[&SmArch::new(75)], 1, "is_64={is_64} be={be}");
        assert_eq!(archs.ptx[&SmArch::new(75)], 1);
        assert_eq!(archs.sections[0].name, "__nv_relfatbin");
        assert!(archs.sections[0].counted && archs.relocatable.is_none());
    }
}

#[test]
fn both_sections_are_read_and_other_sections_ignored() {
    let a = container(&[sass(80)]);
    let b = container(&[sass(80), sass(86)]);
    let bytes = elf64(&[
        (".text", b"\x50\xed\x55\xba not a fatbin"),
        (".nv_fatbin", &a),
        (".nvFatBinSegment", &[0u8; 24]),
        ("__nv_relfatbin", &b),
    ]);
    let archs = read_bytes(&bytes).unwrap();
    // As `cuobjdump` does by default: the executable fatbin only, when there is one.
    assert_eq!(archs.sass.len(), 1);
    assert_eq!(archs.sass[&SmArch::new(80)], 1);
    assert_eq!(archs.containers, 1);
    assert_eq!(archs.sections.len(), 2);
    assert!(archs.sections[0].counted && !archs.sections[1].counted);
    let rel = archs.relocatable.as_ref().unwrap();
    assert_eq!(rel.sass[&SmArch::new(80)], 1);
    assert_eq!(rel.sass[&SmArch::new(86)], 1);
    assert_eq!(rel.containers, 1);
}

#[test]
fn host_binary_without_gpu_code_is_empty_not_an_error() {
    let bytes = elf64(&[(".text", &[0x90; 32])]);
    let archs = read_bytes(&bytes).unwrap();
    assert!(!archs.has_gpu_code());
    assert!(archs.warnings.is_empty());
    assert_eq!(
        archs.kernel_source(ComputeCapability::new(8, 6)),
        KernelSource::NoKernelImage
    );
}

#[test]
fn bare_fatbin_file_is_read() {
    let data = container(&[sass(61), ptx(61, (6, 4))]);
    let archs = read_bytes(&data).unwrap();
    assert_eq!(archs.sass[&SmArch::new(61)], 1);
    assert_eq!(archs.sections[0].name, "(whole file)");
}

#[test]
fn padding_between_containers_is_skipped_and_junk_is_warned() {
    let mut data = container(&[sass(80)]);
    data.extend_from_slice(&[0u8; 24]);
    data.extend_from_slice(&container(&[sass(86)]));
    let archs = read_bytes(&elf64(&[(".nv_fatbin", &data)])).unwrap();
    assert_eq!(archs.sass.len(), 2);
    assert!(archs.warnings.is_empty());

    let mut data = container(&[sass(80)]);
    data.extend_from_slice(b"garbage!garbage!");
    data.extend_from_slice(&container(&[sass(86)]));
    data.extend_from_slice(b"xy");
    let archs = read_bytes(&elf64(&[(".nv_fatbin", &data)])).unwrap();
    assert_eq!(archs.sass.len(), 2);
    assert_eq!(archs.warnings.len(), 2, "{:?}", archs.warnings);
    assert!(
        archs.warnings[0].contains("skipped 16 bytes at offset 0x60"),
        "{:?}",
        archs.warnings
    );
}

#[test]
fn section_without_containers_is_warned() {
    let archs = read_bytes(&elf64(&[(".nv_fatbin", b"hello, world....")])).unwrap();
    assert!(!archs.has_gpu_code());
    assert!(
        archs
            .warnings
            .iter()
            .any(|w| w.contains("holds no fatbinary container"))
    );
}

#[test]
fn unknown_kind_is_skipped_with_a_warning() {
    let mut lto = sass(90);
    lto.kind = 8;
    let data = container(&[sass(90), lto, lto, ptx(90, (8, 0))]);
    let archs = read_bytes(&elf64(&[(".nv_fatbin", &data)])).unwrap();
    assert_eq!(archs.sass[&SmArch::new(90)], 1);
    assert_eq!(archs.ptx[&SmArch::new(90)], 1);
    assert_eq!(archs.other_kinds[&8], 2);
    assert_eq!(archs.warnings.len(), 1);
    assert!(
        archs.warnings[0].contains("has kind 8"),
        "{}",
        archs.warnings[0]
    );
}

#[test]
fn compression_modes_are_counted() {
    let mut z = sass(100);
    z.flags = 0x8011;
    z.compressed = 10;
    let mut old = sass(90);
    old.flags = 0x1011;
    let data = container(&[z, old, sass(80), ptx(80, (7, 0))]);
    let archs = read_bytes(&elf64(&[(".nv_fatbin", &data)])).unwrap();
    assert_eq!(archs.compressed_entries, 3);
    assert_eq!(archs.compression[&Compression::Zstd], 1);
    assert_eq!(archs.compression[&Compression::Lz4], 2);
    assert_eq!(archs.compression[&Compression::None], 1);
}

#[test]
fn kernel_source_follows_compatibility_rules() {
    let data = container(&[sass(70), sass(80), ptx(80, (7, 2))]);
    let archs = read_bytes(&elf64(&[(".nv_fatbin", &data)])).unwrap();
    let cc = ComputeCapability::new;
    assert_eq!(archs.kernel_source(cc(8, 6)), KernelSource::Sass(cc(8, 0)));
    assert_eq!(archs.kernel_source(cc(7, 5)), KernelSource::Sass(cc(7, 0)));
    assert_eq!(
        archs.kernel_source(cc(9, 0)),
        KernelSource::PtxJit {
            ptx: cc(8, 0),
            isa: Some(PtxIsaVersion::new(7, 2))
        }
    );
    assert_eq!(archs.kernel_source(cc(6, 1)), KernelSource::NoKernelImage);
    assert_eq!(
        archs.gpu_code(),
        vec![
            GpuCode::Sass(cc(7, 0)),
            GpuCode::Sass(cc(8, 0)),
            GpuCode::Ptx(cc(8, 0))
        ]
    );
    let s = archs.summary();
    assert_eq!(s.sass.len(), 2);
    assert_eq!(s.ptx_isa[&cc(8, 0)], PtxIsaVersion::new(7, 2));
}

// ---- bad input: every case is an error naming the file and the problem, never a panic ----

#[test]
fn non_elf_file_is_rejected_with_its_first_bytes() {
    let err = read_bytes_named(b"#!/bin/sh\necho hi\n", "/x/script.sh").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`/x/script.sh`"), "{msg}");
    assert!(msg.contains("not an ELF file"), "{msg}");
    assert!(msg.contains("23 21 2f 62"), "{msg}");
    let err = read_bytes(b"").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}

#[test]
fn truncated_elf_header_is_an_error() {
    let bytes = elf64(&[(".nv_fatbin", &container(&[sass(80)]))]);
    for cut in [4, 16, 40, 63] {
        let err = read_bytes_named(&bytes[..cut], "/x/lib.so").unwrap_err();
        assert!(matches!(err, ArchsError::Elf { .. }), "cut {cut}: {err:?}");
        assert!(err.to_string().contains("`/x/lib.so`"));
    }
    let mut bad_class = bytes.clone();
    bad_class[4] = 7;
    let err = read_bytes(&bad_class).unwrap_err();
    let ArchsError::Elf { source, .. } = err else {
        panic!()
    };
    assert!(source.to_string().contains("unknown ELF class 7"));
}

#[test]
fn truncated_file_cutting_the_section_or_headers_is_an_error() {
    let data = container(&[sass(80), ptx(80, (7, 0))]);
    let bytes = elf64(&[(".nv_fatbin", &data)]);
    // The section header table sits at the end: cutting anything loses it.
    let err = read_bytes(&bytes[..bytes.len() - 1]).unwrap_err();
    let ArchsError::Elf { source, .. } = err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(source, FormatError::SectionHeaderTablePastEnd { .. }),
        "{source}"
    );

    // A section whose data runs past the end of the file.
    let mut bytes = bytes;
    let shoff = u64::from_le_bytes(bytes[0x28..0x30].try_into().unwrap()) as usize;
    let size_at = shoff + 64 + 0x20;
    bytes[size_at..size_at + 8].copy_from_slice(&0x10_0000u64.to_le_bytes());
    let err = read_bytes_named(&bytes, "/x/lib.so").unwrap_err();
    let msg = format!("{err}: {}", std::error::Error::source(&err).unwrap());
    assert!(
        msg.contains("section `.nv_fatbin`") && msg.contains("truncated"),
        "{msg}"
    );
}

#[test]
fn container_header_problems_are_errors() {
    // Truncated container header (magic + 4 bytes).
    let mut data = container(&[sass(80)]);
    data.extend_from_slice(&0xBA55_ED50u32.to_le_bytes());
    data.extend_from_slice(&[1, 0, 16, 0]);
    let (e, msg) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
    assert!(
        matches!(
            e,
            FormatError::ContainerHeaderTruncated { available: 8, .. }
        ),
        "{e}"
    );
    assert!(
        msg.contains("`/x/libbad.so`") && msg.contains(".nv_fatbin"),
        "{msg}"
    );

    // Header size below 16.
    let data = container_raw(8, 0, &[]);
    let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
    assert!(
        matches!(e, FormatError::ContainerHeaderSize { header_size: 8, .. }),
        "{e}"
    );

    // fat_size past the section end, including u64 overflow.
    let body = entry_bytes(sass(80));
    for fat in [body.len() as u64 + 8, u64::MAX - 4] {
        let data = container_raw(16, fat, &body);
        let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
        assert!(matches!(e, FormatError::ContainerPastEnd { .. }), "{e}");
        assert!(e.to_string().contains("runs past the end of the section"));
    }
}

#[test]
fn entry_problems_are_errors() {
    // Entry header truncated: the container declares 40 bytes of entries.
    let body = entry_bytes(sass(80));
    let data = container_raw(16, 40, &body[..40]);
    let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
    assert!(
        matches!(
            e,
            FormatError::EntryHeaderTruncated {
                offset: 16,
                available: 40
            }
        ),
        "{e}"
    );

    // Entry header size below 64.
    let mut small = sass(80);
    small.header_size = 64;
    let mut body = entry_bytes(small);
    body[4..8].copy_from_slice(&32u32.to_le_bytes());
    let data = container_raw(16, body.len() as u64, &body);
    let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
    assert!(
        matches!(
            e,
            FormatError::EntryHeaderSize {
                header_size: 32,
                ..
            }
        ),
        "{e}"
    );

    // Zero-size payload.
    let mut zero = sass(80);
    zero.payload = 0;
    let (e, msg) = fatbin_error(&elf64(&[(".nv_fatbin", &container(&[sass(70), zero]))]));
    assert_eq!(e, FormatError::EntryEmpty { offset: 16 + 80 });
    assert!(msg.contains("`/x/libbad.so`"));
    assert!(e.to_string().contains("payload size of zero"));

    // Payload size past the container (overlapping the next container), and overflowing u64.
    for payload in [17u64, u64::MAX - 10] {
        let mut body = entry_bytes(sass(80));
        body[8..16].copy_from_slice(&payload.to_le_bytes());
        let mut data = container_raw(16, body.len() as u64, &body);
        data.extend_from_slice(&container(&[sass(90)]));
        let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
        assert!(matches!(e, FormatError::EntryPastContainer { .. }), "{e}");
    }

    // Header size past the container.
    let mut body = entry_bytes(sass(80));
    body[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    let data = container_raw(16, body.len() as u64, &body);
    let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &data)]));
    assert!(matches!(e, FormatError::EntryPastContainer { .. }), "{e}");

    // Compressed size larger than the payload: overlaps the next entry.
    let mut p = ptx(80, (7, 0));
    p.compressed = 1000;
    let (e, _) = fatbin_error(&elf64(&[(".nv_fatbin", &container(&[p, sass(80)]))]));
    assert!(
        matches!(
            e,
            FormatError::EntryOverlaps {
                compressed_size: 1000,
                payload_size: 24,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn section_header_problems_are_errors() {
    let bytes = elf64(&[(".nv_fatbin", &container(&[sass(80)]))]);
    // Section-name table index out of range.
    let mut b = bytes.clone();
    b[0x3E..0x40].copy_from_slice(&50u16.to_le_bytes());
    let err = read_bytes(&b).unwrap_err();
    assert!(
        std::error::Error::source(&err)
            .unwrap()
            .to_string()
            .contains("section-name table index 50"),
        "{err:?}"
    );
    // Section header entry size too small.
    let mut b = bytes.clone();
    b[0x3A..0x3C].copy_from_slice(&10u16.to_le_bytes());
    assert!(matches!(read_bytes(&b), Err(ArchsError::Elf { .. })));
    // Section header table offset past the end / overflowing.
    for off in [1u64 << 40, u64::MAX - 3] {
        let mut b = bytes.clone();
        b[0x28..0x30].copy_from_slice(&off.to_le_bytes());
        assert!(
            matches!(read_bytes(&b), Err(ArchsError::Elf { .. })),
            "{off}"
        );
    }
    // No section header table: empty result with a warning.
    let mut b = bytes;
    b[0x28..0x30].copy_from_slice(&0u64.to_le_bytes());
    let archs = read_bytes(&b).unwrap();
    assert!(!archs.has_gpu_code());
    assert!(archs.warnings[0].contains("no section header table"));
}

#[test]
fn read_file_reports_missing_files_and_directories() {
    let err = read_file("/nonexistent/cudoctor/libx.so").unwrap_err();
    assert!(matches!(err, ArchsError::Io { .. }));
    assert!(err.to_string().contains("`/nonexistent/cudoctor/libx.so`"));
    let err = read_file(std::env::temp_dir()).unwrap_err();
    assert!(matches!(err, ArchsError::NotAFile { .. }), "{err:?}");
}

/// A FIFO named like a library is refused without opening it (opening would block until a
/// writer came, hanging the probe on a hostile tree).
#[cfg(unix)]
#[test]
fn read_file_refuses_a_fifo_without_blocking() {
    let fifo = std::env::temp_dir().join(format!("cudoctor-fatbin-fifo-{}.so", std::process::id()));
    let _ = std::fs::remove_file(&fifo);
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        other => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipped: `mkfifo` unavailable ({other:?})");
            }
            return;
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || tx.send(read_file(&path).map(|_| ())));
    let answer = rx.recv_timeout(std::time::Duration::from_secs(10));
    let _ = std::fs::remove_file(&fifo);
    let err = answer.expect("read_file blocked on a FIFO").unwrap_err();
    assert!(matches!(err, ArchsError::NotAFile { .. }), "{err:?}");
}

#[test]
fn arch_and_family_flags_qualify_the_architecture() {
    let mut a = sass(90);
    a.flags = 0x10_0011;
    let mut f = sass(100);
    f.flags = 0x120_0011;
    let mut both = sass(120);
    both.flags = 0x130_0011;
    let mut pa = ptx(120, (9, 0));
    pa.flags = 0x10_8011;
    let data = container(&[sass(90), a, f, both, pa, ptx(90, (9, 0))]);
    let archs = read_bytes(&elf64(&[(".nv_fatbin", &data)])).unwrap();
    let names: Vec<String> = archs.sass.keys().map(ToString::to_string).collect();
    assert_eq!(names, ["sm_90", "sm_90a", "sm_100f", "sm_120a"]);
    let names: Vec<String> = archs.ptx.keys().map(ToString::to_string).collect();
    assert_eq!(names, ["sm_90", "sm_120a"]);
    assert_eq!(archs.warnings.len(), 1, "{:?}", archs.warnings);
    assert!(
        archs.warnings[0].contains("both") && archs.warnings[0].contains("sm_120a"),
        "{}",
        archs.warnings[0]
    );
    let gpu_code: Vec<String> = archs
        .gpu_code()
        .iter()
        .map(|c| match c {
            GpuCode::Sass(c) => c.sm_name(),
            GpuCode::Ptx(c) => c.compute_name(),
        })
        .collect();
    assert_eq!(
        gpu_code,
        [
            "sm_90",
            "sm_90a",
            "sm_100f",
            "sm_120a",
            "compute_90",
            "compute_120a"
        ]
    );
}
