//! Exact counts on small fixtures carved from a real CUDA 11.8 library, and a randomized
//! mutation test (no panic on any input) that runs in the default suite.
//!
//! `tests/fixtures/cusparse11.*` holds containers 0, 1, 21 and 27 of `.nv_fatbin` in Debian's
//! `libcusparse.so.11.7.5.86` (CUDA 11.8), entry headers byte for byte, payloads cut to 8 bytes;
//! `cusparse11-full.*` holds container 1 whole. Both were made by `tests/fixtures/carve.py`. The
//! expected counts were printed by `carve.py` (an independent Python walker) and, for the
//! `-full` files, also by CUDA 11.8 `cuobjdump --list-elf` / `--list-ptx` (which crashes on the
//! cut payloads of `cusparse11.*`).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use cudoctor_fatbin::{
    ArchsReport, Compression, EntryKind, FileArchs, FileReport, SmArch, read_bytes, read_file,
};
use cudoctor_kb::version::PtxIsaVersion;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn counts(map: &BTreeMap<SmArch, u64>) -> Vec<(u32, u64)> {
    map.iter().map(|(a, n)| (a.0, *n)).collect()
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
    assert_eq!(archs.ptx_isa[&SmArch(80)], PtxIsaVersion::new(7, 8));
    assert_eq!(archs.ptx_isa[&SmArch(90)], PtxIsaVersion::new(7, 8));
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
        assert_eq!(ptx.arch, SmArch(90));
        assert_eq!(ptx.ptx_isa, Some(PtxIsaVersion::new(7, 8)));
        assert_eq!(
            (ptx.header_size, ptx.payload_size, ptx.flags),
            (72, 56, 0x2011)
        );
        assert_eq!(ptx.compression, Compression::Lz4);
        let first = archs.entries[0];
        assert_eq!(
            (first.kind, first.arch, first.version),
            (EntryKind::Elf, SmArch(35), (1, 7))
        );
        assert_eq!(first.offset, archs.sections[0].offset + 16);
        assert_eq!(archs.entries[12].arch, SmArch(90));
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
