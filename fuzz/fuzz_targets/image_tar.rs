//! The image reader on arbitrary bytes: as a whole `docker save` archive, and as a single layer
//! (uncompressed, or gzip/zstd when the bytes start with their magic). Nothing may panic; what
//! opens is walked, its links resolved and its content regions read.
#![no_main]

use std::io::Write;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use cudoctor_image::{Blob, Image, OpenOptions, Parts, from_parts, open_docker_archive_file};
use libfuzzer_sys::fuzz_target;

fn file_of(data: &[u8]) -> std::fs::File {
    let mut f = tempfile::tempfile().expect("temp file");
    f.write_all(data).expect("write");
    f
}

fn exercise(img: &Image) {
    let tree = &img.tree;
    for id in tree.walk(tree.root()) {
        let path = tree.path_of(id);
        let _ = tree.lookup(&path, true);
        let _ = tree.lookup(&path, false);
        if let Some(c) = tree.content(id) {
            let mut buf = vec![0u8; c.len.min(4096) as usize];
            let _ = c.file.read_at(&mut buf, c.offset);
        }
        let _ = tree.children(id);
        let _ = tree.stat(id);
    }
}

fuzz_target!(|data: &[u8]| {
    let opts = OpenOptions::default();
    if let Ok(img) = open_docker_archive_file(file_of(data), "fuzz.tar", &opts) {
        exercise(&img);
    }
    let parts = Parts {
        reference: "fuzz-layer".to_owned(),
        transport: "docker".to_owned(),
        manifest_digest: None,
        config: b"{}".to_vec(),
        config_digest: None,
        tags: Vec::new(),
        layers: vec![Blob {
            file: Arc::new(file_of(data)),
            offset: 0,
            len: data.len() as u64,
            digest: None,
            media_type: None,
        }],
    };
    if let Ok(img) = from_parts(parts, &opts) {
        exercise(&img);
    }
});
