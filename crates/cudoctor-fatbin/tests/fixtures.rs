//! Exact counts on small fixtures carved from a real CUDA 11.8 library, and a randomized
//! mutation test (no panic on any input) that runs in the default suite.
//!
//! `tests/fixtures/cusparse11.*` holds containers 0, 1, 21 and 27 of `.nv_fatbin` in Debian's
//! `libcusparse.so.11.7.5.86` (CUDA 11.8), entry headers byte for byte, payloads cut to 8 bytes;
//! `cusparse11-full.*` holds container 1 whole. Both were made by `tests/fixtures/carve.py`. The
//! expected counts were printed by `carve.py` (an independent Python walker) and, for the
//! `-full` files, also by CUDA 11.8 `cuobjdump --list-elf` / `--list-ptx` (which crashes on the
//! cut payloads of `cusparse11.*`).
//!
//! `tests/fixtures/archs13-{plain,lz4,size}.elf64` (and `archs13-plain.fatbin`) hold both
//! containers of `.nv_fatbin` in three libraries nvcc 13.0 (V13.0.88) built on an H200 from one
//! 2-kernel `.cu` file with `-gencode` for sm_75, sm_90, sm_90a, sm_100a, sm_100f, sm_120a and
//! PTX compute_90, compute_120a: plain, with `-Xfatbin=-compress-all`, and with
//! `--compress-mode=size` (the `.cache/cuda13/libarchs_*.so` files), carved the same way. The
//! expected counts are CUDA 13.0 `cuobjdump --list-elf` / `--list-ptx` on the whole libraries
//! (`.cache/cuda13/listing.txt`, also checked against the libraries in `tests/oracle.rs`),
//! which `carve.py` printed again from the carved headers.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::cuobjdump_names;
use cudoctor_fatbin::{
    ArchsReport, Compression, EntryKind, FileArchs, FileReport, KernelSource, SmArch, read_bytes,
    read_file,
};
use cudoctor_kb::version::{ArchVariant, ComputeCapability, PtxIsaVersion};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn counts(map: &BTreeMap<SmArch, u64>) -> Vec<(u32, u64)> {
    map.iter().map(|(a, n)| (a.number, *n)).collect()
}

fn check_carved(archs: &FileArchs) {
    assert_eq!(
        counts(&archs.sass),
        vec![
            (35, 3),
            (37, 3),
            (50, 3),
            (52, 3),
            (60, 3),
            (61, 3),
            (70, 3),
            (75, 3),
            (80, 4),
            (86, 3),
            (89, 3),
            (90, 3)
        ]
    );
    assert_eq!(counts(&archs.ptx), vec![(80, 1), (90, 2)]);
    assert_eq!(archs.ptx_isa[&SmArch::new(80)], PtxIsaVersion::new(7, 8));
    assert_eq!(archs.ptx_isa[&SmArch::new(90)], PtxIsaVersion::new(7, 8));
    assert_eq!(archs.compressed_entries, 28);
    assert_eq!(archs.containers, 4);
    assert!(archs.warnings.is_empty(), "{:?}", archs.warnings);
    assert!(archs.relocatable.is_none());
}

#[test]
fn carved_cusparse_elf64_elf32_and_bare_fatbin() {
    for name in ["cusparse11.elf64", "cusparse11.elf32", "cusparse11.fatbin"] {
        let archs = read_file(fixture(name)).unwrap();
        check_carved(&archs);
    }
}

#[test]
fn whole_cusparse_container_matches_cuobjdump() {
    // cuobjdump --list-elf: sm_35 sm_37 sm_50 sm_52 sm_60 sm_61 sm_70 sm_75 sm_80 sm_86 sm_89
    // sm_90 (one each); --list-ptx: sm_90 (one).
    for name in [
        "cusparse11-full.elf64",
        "cusparse11-full.elf32",
        "cusparse11-full.fatbin",
    ] {
        let archs = read_file(fixture(name)).unwrap();
        let expected: Vec<(u32, u64)> = [35, 37, 50, 52, 60, 61, 70, 75, 80, 86, 89, 90]
            .into_iter()
            .map(|a| (a, 1))
            .collect();
        assert_eq!(counts(&archs.sass), expected, "{name}");
        assert_eq!(counts(&archs.ptx), vec![(90, 1)], "{name}");
        assert_eq!(archs.compressed_entries, 13, "{name}");
        // Entry headers as carve.py printed them: 12 compressed cubins, then the PTX (72-byte
        // header, PTX ISA 7.8), then the sm_90 cubin.
        assert_eq!(archs.entries.len(), 13);
        let ptx = archs.entries[11];
        assert_eq!(ptx.kind, EntryKind::Ptx);
        assert_eq!(ptx.arch, SmArch::new(90));
        assert_eq!(ptx.ptx_isa, Some(PtxIsaVersion::new(7, 8)));
        assert_eq!(
            (ptx.header_size, ptx.payload_size, ptx.flags),
            (72, 56, 0x2011)
        );
        assert_eq!(ptx.compression, Compression::Lz4);
        let first = archs.entries[0];
        assert_eq!(
            (first.kind, first.arch, first.version),
            (EntryKind::Elf, SmArch::new(35), (1, 7))
        );
        assert_eq!(first.offset, archs.sections[0].offset + 16);
        assert_eq!(archs.entries[12].arch, SmArch::new(90));
    }
}

#[test]
fn json_of_a_fixture() {
    let path = "tests/fixtures/cusparse11-full.elf64";
    let archs = read_file(fixture("cusparse11-full.elf64")).unwrap();
    let json = serde_json::to_string(&ArchsReport::new(vec![FileReport {
        path: path.into(),
        archs,
    }]))
    .unwrap();
    assert_eq!(
        json,
        r#"{"schema_version":1,"files":[{"path":"tests/fixtures/cusparse11-full.elf64","sass":{"sm_35":1,"sm_37":1,"sm_50":1,"sm_52":1,"sm_60":1,"sm_61":1,"sm_70":1,"sm_75":1,"sm_80":1,"sm_86":1,"sm_89":1,"sm_90":1},"ptx":{"sm_90":1},"ptx_isa":{"sm_90":"7.8"},"compressed_entries":13}]}"#
    );
}

/// Counts keyed by our names (`sm_90a`, `sm_100f`).
fn named(map: &BTreeMap<SmArch, u64>) -> Vec<(String, u64)> {
    map.iter().map(|(a, n)| (a.to_string(), *n)).collect()
}

/// What CUDA 13.0 `cuobjdump --list-elf` printed for each of the three libraries
/// (`listing.txt`): twelve cubins, two each of sm_75, sm_90, sm_90a, sm_100a, sm_100, sm_120a,
/// where its `sm_100` is the `sm_100f` cubin (flag `0x200000`; cuobjdump 13.0 names only `a`).
const CUOBJDUMP13_ELF: [(&str, u64); 6] = [
    ("sm_75", 2),
    ("sm_90", 2),
    ("sm_90a", 2),
    ("sm_100a", 2),
    ("sm_100", 2),
    ("sm_120a", 2),
];
/// `--list-ptx` for each: `sm_90` and `sm_120a`, one each.
const CUOBJDUMP13_PTX: [(&str, u64); 2] = [("sm_90", 1), ("sm_120a", 1)];

fn cuobjdump13(list: &[(&str, u64)]) -> BTreeMap<String, u64> {
    list.iter().map(|(a, n)| ((*a).to_owned(), *n)).collect()
}

#[test]
fn cuda13_variants_are_kept_and_match_cuobjdump13() {
    for (name, compressed) in [
        // Plain build: only the two PTX entries are compressed (zstd, flags 0x8011 / 0x108011).
        ("archs13-plain.elf64", 2),
        ("archs13-plain.fatbin", 2),
        // -Xfatbin=-compress-all and --compress-mode=size: all 14 entries, zstd.
        ("archs13-lz4.elf64", 14),
        ("archs13-size.elf64", 14),
    ] {
        let archs = read_file(fixture(name)).unwrap();
        assert_eq!(
            cuobjdump_names(&archs.sass),
            cuobjdump13(&CUOBJDUMP13_ELF),
            "{name}"
        );
        assert_eq!(
            cuobjdump_names(&archs.ptx),
            cuobjdump13(&CUOBJDUMP13_PTX),
            "{name}"
        );
        // Our own names keep `f`, in numeric then plain < a < f order.
        assert_eq!(
            named(&archs.sass),
            [
                ("sm_75", 2),
                ("sm_90", 2),
                ("sm_90a", 2),
                ("sm_100a", 2),
                ("sm_100f", 2),
                ("sm_120a", 2)
            ]
            .map(|(a, n)| (a.to_owned(), n))
            .to_vec(),
            "{name}"
        );
        assert_eq!(
            named(&archs.ptx),
            vec![("sm_90".to_owned(), 1), ("sm_120a".to_owned(), 1)],
            "{name}"
        );
        let isa90 = PtxIsaVersion::new(9, 0);
        assert_eq!(archs.ptx_isa[&SmArch::new(90)], isa90, "{name}");
        assert_eq!(archs.ptx_isa[&"sm_120a".parse().unwrap()], isa90, "{name}");
        assert_eq!(archs.compressed_entries, compressed, "{name}");
        assert_eq!(archs.compression.get(&Compression::Lz4), None, "{name}");
        assert_eq!(archs.compression[&Compression::Zstd], compressed, "{name}");
        assert_eq!(archs.containers, 2, "{name}");
        assert!(archs.warnings.is_empty(), "{name}: {:?}", archs.warnings);
        // The raw flags the variants come from, as nvcc 13.0 wrote them (plus 0x8000 when
        // compressed).
        let flags: Vec<(String, u64)> = archs
            .entries
            .iter()
            .take(6)
            .map(|e| (e.arch.to_string(), e.flags & !0x8000))
            .collect();
        assert_eq!(
            flags,
            [
                ("sm_75", 0x11),
                ("sm_90", 0x11),
                ("sm_90a", 0x10_0011),
                ("sm_100a", 0x110_0011),
                ("sm_100f", 0x120_0011),
                ("sm_120a", 0x110_0011)
            ]
            .map(|(a, f)| (a.to_owned(), f))
            .to_vec(),
            "{name}"
        );
    }
}

#[test]
fn cuda13_kernel_source_applies_a_and_f_rules() {
    let archs = read_file(fixture("archs13-plain.elf64")).unwrap();
    let cc = ComputeCapability::new;
    let a = |major, minor| cc(major, minor).with_variant(ArchVariant::ArchSpecific);
    let f = |major, minor| cc(major, minor).with_variant(ArchVariant::FamilySpecific);
    let isa90 = Some(PtxIsaVersion::new(9, 0));
    // 9.0: sm_90 and sm_90a both run; the most specific, sm_90a, is named.
    assert_eq!(archs.kernel_source(cc(9, 0)), KernelSource::Sass(a(9, 0)));
    // 10.0: sm_100a and sm_100f both run; sm_100a (exactly this GPU) is named.
    assert_eq!(archs.kernel_source(cc(10, 0)), KernelSource::Sass(a(10, 0)));
    // 10.3: sm_100a does not run (a: exactly 10.0), sm_100f does (f: 10.x with minor >= 0).
    assert_eq!(archs.kernel_source(cc(10, 3)), KernelSource::Sass(f(10, 0)));
    // 12.0: sm_120a.
    assert_eq!(archs.kernel_source(cc(12, 0)), KernelSource::Sass(a(12, 0)));
    // 12.1: sm_120a does not run and compute_120a does not JIT (a: exactly 12.0); plain
    // compute_90 PTX JITs for any later capability.
    assert_eq!(
        archs.kernel_source(cc(12, 1)),
        KernelSource::PtxJit {
            ptx: cc(9, 0),
            isa: isa90
        }
    );
    // 9.2 (hypothetical later 9.x): plain sm_90 runs, sm_90a does not.
    assert_eq!(archs.kernel_source(cc(9, 2)), KernelSource::Sass(cc(9, 0)));
    // 11.0 (another major, none of its SASS): compute_90 PTX.
    assert_eq!(
        archs.kernel_source(cc(11, 0)),
        KernelSource::PtxJit {
            ptx: cc(9, 0),
            isa: isa90
        }
    );
    // 8.6: sm_75 is another major, all PTX is above 8.6.
    assert_eq!(archs.kernel_source(cc(8, 6)), KernelSource::NoKernelImage);
    // 7.5 and 7.8: plain sm_75 SASS.
    assert_eq!(archs.kernel_source(cc(7, 5)), KernelSource::Sass(cc(7, 5)));
    // A GPU given with a qualifier is judged as the plain capability.
    assert_eq!(
        archs.kernel_source(f(10, 3)),
        archs.kernel_source(cc(10, 3))
    );
    let s = archs.summary();
    assert!(s.sass.contains(&a(9, 0)) && s.sass.contains(&cc(9, 0)));
    assert!(!s.sass.contains(&cc(10, 0)));
    assert_eq!(s.ptx_isa[&a(12, 0)], PtxIsaVersion::new(9, 0));
}

#[test]
fn cuda13_json_names_variants() {
    let archs = read_file(fixture("archs13-lz4.elf64")).unwrap();
    let json = serde_json::to_string(&archs).unwrap();
    assert_eq!(
        json,
        r#"{"sass":{"sm_75":2,"sm_90":2,"sm_90a":2,"sm_100a":2,"sm_100f":2,"sm_120a":2},"ptx":{"sm_90":1,"sm_120a":1},"ptx_isa":{"sm_90":"9.0","sm_120a":"9.0"},"compressed_entries":14}"#
    );
}

#[test]
fn sm_arch_order_names_and_capabilities() {
    let names = [
        "sm_100f", "sm_90a", "sm_100", "sm_90", "sm_100a", "sm_121a", "sm_86",
    ];
    let mut archs: Vec<SmArch> = names.iter().map(|n| n.parse().unwrap()).collect();
    archs.sort();
    let sorted: Vec<String> = archs.iter().map(ToString::to_string).collect();
    assert_eq!(
        sorted,
        [
            "sm_86", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_100f", "sm_121a"
        ]
    );
    for name in names {
        let arch: SmArch = name.parse().unwrap();
        assert_eq!(arch.capability().sm_name(), name);
    }
    assert_eq!(
        SmArch::with_variant(103, ArchVariant::ArchSpecific).capability(),
        ComputeCapability::new(10, 3).with_variant(ArchVariant::ArchSpecific)
    );
}

/// A small deterministic generator (xorshift64*), so failures replay exactly.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutates real fixture bytes thousands of times (byte flips, boundary values written over
/// header fields, truncation, duplication) and reads each result: any outcome but a panic is
/// fine, and a success never counts more entries than 64-byte headers fit in the input.
#[test]
fn randomized_mutations_never_panic() {
    let seeds: Vec<Vec<u8>> = [
        "cusparse11.elf64",
        "cusparse11.elf32",
        "cusparse11.fatbin",
        "cusparse11-full.elf64",
        "archs13-plain.elf64",
        "archs13-lz4.elf64",
    ]
    .iter()
    .map(|n| std::fs::read(fixture(n)).unwrap())
    .collect();
    let boundary: [u64; 9] = [0, 1, 7, 8, 15, 16, 63, 64, u64::MAX];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut ok, mut err) = (0u32, 0u32);
    for round in 0..20_000 {
        let mut bytes = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(4) {
            match rng.below(5) {
                0 => {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
                1 | 2 => {
                    let i = rng.below(bytes.len() / 4) * 4;
                    let v = boundary[rng.below(boundary.len())].wrapping_add(rng.next() % 3);
                    let width = if rng.below(2) == 0 { 4 } else { 8 };
                    let end = (i + width).min(bytes.len());
                    bytes[i..end].copy_from_slice(&v.to_le_bytes()[..end - i]);
                }
                3 => {
                    let keep = rng.below(bytes.len() + 1);
                    bytes.truncate(keep);
                    if bytes.is_empty() {
                        bytes.push(0x7f);
                    }
                }
                _ => {
                    let i = rng.below(bytes.len());
                    let j = rng.below(bytes.len());
                    let chunk: Vec<u8> = bytes[i.min(j)..i.max(j)].to_vec();
                    bytes.extend_from_slice(&chunk);
                }
            }
        }
        match read_bytes(&bytes) {
            Ok(archs) => {
                ok += 1;
                let total: u64 = archs.sass.values().sum::<u64>()
                    + archs.ptx.values().sum::<u64>()
                    + archs.other_kinds.values().sum::<u64>();
                assert!(total <= bytes.len() as u64 / 64, "round {round}");
            }
            Err(e) => {
                err += 1;
                assert!(!e.to_string().is_empty());
            }
        }
    }
    assert!(
        ok > 0 && err > 0,
        "mutations should give both outcomes: {ok} ok, {err} errors"
    );
}

/// A file read in place inside a larger one (an uncompressed image layer) gives what the file
/// itself gives, and a region past the end is an error, not a short read.
#[test]
fn a_region_reads_like_the_file() {
    use std::io::Write;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    for name in ["archs13-plain.elf64", "cusparse11.elf64"] {
        let path = std::path::Path::new(dir).join(name);
        let bytes = std::fs::read(&path).unwrap();
        let whole = cudoctor_fatbin::read_file(&path).unwrap();
        let mut f = tempfile::tempfile().unwrap();
        // An odd offset: not page-aligned, as a tar member's data seldom is.
        f.write_all(&vec![0u8; 4096 + 513]).unwrap();
        f.write_all(&bytes).unwrap();
        f.write_all(&[7u8; 100]).unwrap();
        let region =
            cudoctor_fatbin::read_file_region(&f, 4096 + 513, bytes.len() as u64, &path).unwrap();
        assert!(!whole.gpu_code().is_empty(), "{name}");
        assert_eq!(region.gpu_code(), whole.gpu_code(), "{name}");
        assert!(
            cudoctor_fatbin::read_file_region(&f, 4096 + 513, bytes.len() as u64 + 101, &path)
                .is_err()
        );
    }
}
