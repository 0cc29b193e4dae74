//! The engine socket: a real Podman API service (`podman system service`, which serves the
//! Docker Engine API) with an image pulled from a buildah-built OCI layout, and a fake engine
//! on a Unix socket answering with chunked encoding. The Podman test skips (logged) when a
//! tool is missing, or fails under `CUDOCTOR_REQUIRE_ARTIFACTS=1`.
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::Cell;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use common::{build_image, missing, run, tools};
use cudoctor_registry::{EngineError, engine_inspect, engine_save};
use cudoctor_test::containers::{podman, start_podman};

/// The members of a tar (ustar headers, 512-byte blocks): name and bytes.
fn tar_members(mut r: impl Read) -> Vec<(String, Vec<u8>)> {
    let mut names = Vec::new();
    let mut block = [0u8; 512];
    while r.read_exact(&mut block).is_ok() && block.iter().any(|b| *b != 0) {
        let field = |a: usize, b: usize| {
            let f = &block[a..b];
            let end = f.iter().position(|c| *c == 0).unwrap_or(f.len());
            String::from_utf8_lossy(&f[..end]).trim().to_owned()
        };
        let name = field(0, 100);
        let size = u64::from_str_radix(&field(124, 136), 8).unwrap_or(0);
        let mut data = Vec::new();
        (&mut r)
            .take(size.div_ceil(512) * 512)
            .read_to_end(&mut data)
            .unwrap();
        data.truncate(size as usize);
        names.push((name, data));
    }
    names
}

#[test]
fn podman_engine_save_and_inspect() {
    if tools(&["podman", "buildah", "skopeo"]).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    if let Err(e) = build_image(t) {
        missing::<()>(&format!("buildah cannot build here: {e}"));
        return;
    }
    let socket = t.join("podman.sock");
    let _service = match start_podman(t, &socket) {
        Ok(s) => s,
        Err(e) => {
            missing::<()>(&format!("podman's API service cannot run here: {e}"));
            return;
        }
    };
    // Loaded from a docker-archive (`podman pull oci:DIR` would name the image after the
    // temp dir's path, which may have upper-case letters).
    let archive = t.join("img.tar");
    run(common::skopeo(t)
        .arg("copy")
        .arg(format!("oci:{}:t1", t.join("layout").display()))
        .arg(format!(
            "docker-archive:{}:localhost/test/img:t1",
            archive.display()
        )))
    .unwrap();
    let loaded = run(podman(t).arg("load").arg("-i").arg(&archive)).unwrap();
    assert!(loaded.contains("localhost/test/img:t1"), "{loaded}");
    let id = run(podman(t).args([
        "image",
        "inspect",
        "--format",
        "{{.Id}}",
        "localhost/test/img:t1",
    ]))
    .unwrap()
    .trim()
    .to_owned();

    let inspected = engine_inspect(&socket, "localhost/test/img:t1")
        .unwrap()
        .expect("the engine has it");
    assert!(
        inspected["Id"].as_str().unwrap().ends_with(&id),
        "{inspected}"
    );
    assert_eq!(
        engine_inspect(&socket, "localhost/no/such:image").unwrap(),
        None
    );

    let seen = Cell::new(0u64);
    let progress = |n: u64, _: Option<u64>| seen.set(n);
    let mut file = engine_save(&socket, "localhost/test/img:t1", Some(&progress)).unwrap();
    let len = file.metadata().unwrap().len();
    assert!(len > 1024 && seen.get() == len, "{len} {}", seen.get());
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).unwrap();
    assert_eq!(bytes.len() as u64, len, "returned rewound to 0");
    let members = tar_members(&bytes[..]);
    let names: Vec<&String> = members.iter().map(|m| &m.0).collect();
    let (_, data) = members
        .iter()
        .find(|(n, _)| n == "manifest.json")
        .unwrap_or_else(|| panic!("no manifest.json in {names:?}"));
    let manifest: serde_json::Value = serde_json::from_slice(data).unwrap();
    assert_eq!(
        manifest[0]["RepoTags"][0], "localhost/test/img:t1",
        "{manifest}"
    );
    assert_eq!(
        manifest[0]["Layers"].as_array().unwrap().len(),
        1,
        "{manifest}"
    );

    let err = engine_save(&socket, "localhost/no/such:image", None).unwrap_err();
    assert!(
        matches!(&err, EngineError::NoSuchImage { name } if name == "localhost/no/such:image"),
        "{err}"
    );
}

/// A fake engine: answers `/images/…` like the API, the save chunked.
fn fake_engine(socket: &Path) {
    let listener = UnixListener::bind(socket).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l.trim().is_empty() {
                    break;
                }
                headers.push(l.trim().to_owned());
            }
            assert!(
                headers.iter().any(|h| h == "Connection: close"),
                "{headers:?}"
            );
            let target = line.split(' ').nth(1).unwrap_or("").to_owned();
            let out: Vec<u8> = match target.as_str() {
                "/images/localhost%2Fx:1/get" => {
                    let mut o = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                    for chunk in [&b"first-"[..], &[b'x'; 5000][..], b"-last"] {
                        o.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
                        o.extend(chunk);
                        o.extend(b"\r\n");
                    }
                    o.extend(b"0\r\n\r\n");
                    o
                }
                "/images/y/json" => b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n{\"Id\":\"abc\"}\n".to_vec(),
                "/images/broken/get" => b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 27\r\n\r\n{\"message\":\"disk on fire\"}\n".to_vec(),
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 30\r\n\r\n{\"message\":\"No such image: z\"}".to_vec(),
            };
            let _ = stream.write_all(&out);
        }
    });
}

#[test]
fn fake_engine_chunked_save_inspect_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let socket: PathBuf = dir.path().join("engine.sock");
    fake_engine(&socket);
    let mut file = engine_save(&socket, "localhost/x:1", None).unwrap();
    let mut got = Vec::new();
    file.read_to_end(&mut got).unwrap();
    let mut want = b"first-".to_vec();
    want.extend([b'x'; 5000]);
    want.extend(b"-last");
    assert_eq!(got, want);

    assert_eq!(
        engine_inspect(&socket, "y").unwrap(),
        Some(serde_json::json!({"Id": "abc"}))
    );
    assert_eq!(engine_inspect(&socket, "z").unwrap(), None);
    let err = engine_save(&socket, "z", None).unwrap_err();
    assert!(matches!(err, EngineError::NoSuchImage { .. }), "{err}");
    assert_eq!(err.to_string(), "the engine has no image `z`");
    let err = engine_save(&socket, "broken", None).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the engine answered HTTP 500 (disk on fire)"),
        "{err}"
    );
}
