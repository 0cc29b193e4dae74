//! A 10 GiB image stays small in memory: uncompressed layers are indexed by seeking, and a
//! node costs its name and a few words. Its own test binary, so the peak RSS measured is this
//! test's alone.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use common::raw_header;
use cudoctor_image::{OpenOptions, Reference, open};

/// Peak resident set size of this process, in KiB (`VmHWM`).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_ten_gigabyte_image_with_many_files_stays_under_100_mb() {
    const FILES: usize = 200_000;
    const BIG: u64 = 1 << 30;
    let t = tempfile::tempdir().unwrap();
    // One docker-archive written by hand, sparse, the layer in place inside it: ten 1 GiB
    // files (holes) and 200,000 small ones in 2,000 directories (a CUDA + PyTorch image holds
    // ~150,000 paths).
    let img = t.path().join("img.tar");
    {
        let mut f = BufWriter::new(std::fs::File::create(&img).unwrap());
        let member = |f: &mut BufWriter<std::fs::File>, name: &str, data: &[u8]| {
            let h = raw_header(
                name.as_bytes(),
                tar::EntryType::Regular,
                data.len() as u64,
                b"",
            );
            f.write_all(h.as_bytes()).unwrap();
            f.write_all(data).unwrap();
            let pad = (512 - data.len() % 512) % 512;
            f.write_all(&vec![0u8; pad]).unwrap();
        };
        let cfg = common::config_json(&[], &[]);
        member(
            &mut f,
            "manifest.json",
            br#"[{"Config":"c.json","Layers":["l/layer.tar"]}]"#,
        );
        member(&mut f, "c.json", &cfg);
        let layer_len = 10 * (512 + BIG) + FILES as u64 * 512 + 1024;
        let h = raw_header(b"l/layer.tar", tar::EntryType::Regular, layer_len, b"");
        f.write_all(h.as_bytes()).unwrap();
        for i in 0..10 {
            let h = raw_header(
                format!("big/{i}.bin").as_bytes(),
                tar::EntryType::Regular,
                BIG,
                b"",
            );
            f.write_all(h.as_bytes()).unwrap();
            f.seek(SeekFrom::Current(i64::try_from(BIG).unwrap()))
                .unwrap();
        }
        for i in 0..FILES {
            let name = format!(
                "usr/lib/python3/site-packages/pkg{}/module_{i}.py",
                i % 2000
            );
            let h = raw_header(name.as_bytes(), tar::EntryType::Regular, 0, b"");
            f.write_all(h.as_bytes()).unwrap();
        }
        f.write_all(&[0u8; 1024]).unwrap(); // the layer's end
        f.write_all(&[0u8; 1024]).unwrap(); // the archive's end
        f.flush().unwrap();
    }
    let before = peak_rss_kib().unwrap_or(0);
    let start = std::time::Instant::now();
    let image = open(&Reference::Auto(img), &OpenOptions::default()).unwrap();
    let took = start.elapsed();
    let after = peak_rss_kib().unwrap_or(0);
    eprintln!(
        "{} nodes, opened in {took:?}, peak RSS {before} KiB before, {after} KiB after",
        image.tree.len()
    );
    assert_eq!(image.tree.len(), 1 + 1 + 10 + 4 + 2000 + FILES);
    let big = image.tree.lookup(Path::new("/big/9.bin"), true).unwrap();
    assert_eq!(image.tree.stat(big).size, BIG);
    assert!(after < 100 * 1024, "peak RSS {after} KiB");
}
