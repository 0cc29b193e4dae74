//! A release the embedded data lacks: `requirements` reads its PyPI metadata from the index
//! (here a PEP 691 index served on 127.0.0.1, named by `PIP_INDEX_URL` as pip users do), answers
//! from the pins and says so; `--offline` never touches the network and says unknown with the
//! newest known release and the command that would answer.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use sha2::{Digest as _, Sha256};

const METADATA: &str = "Metadata-Version: 2.1\nName: jax-cuda12-plugin\nVersion: 0.99.0\nRequires-Python: >=3.13\nRequires-Dist: jax-cuda12-pjrt==0.99.0\nRequires-Dist: nvidia-cuda-runtime-cu12>=12.8.90; sys_platform == \"linux\" and extra == \"with-cuda\"\nRequires-Dist: nvidia-cudnn-cu12<10.0,>=9.12.0.46; sys_platform == \"linux\" and extra == \"with-cuda\"\n\n";

/// Serves `jax-cuda12-plugin` 0.99.0 (a PEP 691 page and the wheel's PEP 658 metadata) and 404
/// for everything else; returns the index URL and the paths requested.
fn serve() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (base_url, log) = (base.clone(), Arc::clone(&seen));
    std::thread::spawn(move || {
        let meta_sha = hex(&Sha256::digest(METADATA.as_bytes()));
        let wheel = "jax_cuda12_plugin-0.99.0-cp313-cp313-manylinux_2_27_x86_64.whl";
        let page = format!(
            r#"{{"meta":{{"api-version":"1.1"}},"name":"jax-cuda12-plugin","files":[{{"filename":"{wheel}","url":"{base_url}/files/{wheel}","hashes":{{"sha256":"{}"}},"requires-python":">=3.13","core-metadata":{{"sha256":"{meta_sha}"}}}}]}}"#,
            "ab".repeat(32)
        );
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            log.lock().unwrap().push(path.clone());
            let (status, ctype, body) = if path == "/simple/jax-cuda12-plugin/" {
                (
                    "200 OK",
                    "application/vnd.pypi.simple.v1+json",
                    page.clone(),
                )
            } else if path == format!("/files/{wheel}.metadata") {
                ("200 OK", "application/octet-stream", METADATA.to_owned())
            } else {
                ("404 Not Found", "text/plain", "not found".to_owned())
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = reader.read(&mut [0u8; 0]);
        }
    });
    (format!("{base}/simple/"), seen)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, x| {
        let _ = write!(out, "{x:02x}");
        out
    })
}

#[test]
fn requirements_of_a_release_newer_than_the_data_come_from_its_pypi_metadata() {
    let (index, seen) = serve();
    let cache = tempfile::tempdir().unwrap();
    let mut c = common::cudoctor_cmd();
    c.args(["requirements", "jax==0.99.0", "--format", "json"])
        .env_remove("CUDOCTOR_OFFLINE")
        .env("PIP_INDEX_URL", &index)
        .env("XDG_CACHE_HOME", cache.path());
    let r = common::run(&mut c);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    let d = &v["variants"][0];
    assert_eq!(d["name"], "cuda12");
    assert_eq!(d["cuda_min"], "12.8");
    assert_eq!(common::strings(&d["python"]), [">=3.13"]);
    assert_eq!(
        d["cudnn_accepted"],
        ">=9.12.0.46, <10.0 (nvidia-cudnn-cu12 pin)"
    );
    // CUDA 12.x through minor-version compatibility: derived, and said so.
    assert_eq!(d["driver_min_compat"], "525.60.13");
    let notes = common::strings(&d["notes"]).join("\n");
    assert!(
        notes.contains("from the PyPI metadata of jax-cuda12-plugin 0.99.0")
            && notes.contains("is derived"),
        "{notes}"
    );
    assert!(
        common::strings(&d["unknown"]).contains(&"the documented minimum driver"),
        "{d:#}"
    );
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|p| p.ends_with(".whl.metadata")),
        "the PEP 658 metadata was read"
    );

    // The answer was cached: offline now answers the same, with no request.
    let before = seen.lock().unwrap().len();
    let mut c = common::cudoctor_cmd();
    c.args([
        "requirements",
        "jax==0.99.0",
        "--offline",
        "--format",
        "json",
    ])
    .env_remove("CUDOCTOR_OFFLINE")
    .env("PIP_INDEX_URL", &index)
    .env("XDG_CACHE_HOME", cache.path());
    let r = common::run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json()["variants"][0]["cudnn_accepted"],
        d["cudnn_accepted"]
    );
    assert_eq!(seen.lock().unwrap().len(), before, "offline made a request");
}

#[test]
fn offline_without_a_cached_answer_says_unknown_and_how_to_answer() {
    let (index, seen) = serve();
    let cache = tempfile::tempdir().unwrap();
    let mut c = common::cudoctor_cmd();
    c.args(["requirements", "jax==0.99.0", "--offline"])
        .env_remove("CUDOCTOR_OFFLINE")
        .env("PIP_INDEX_URL", &index)
        .env("XDG_CACHE_HOME", cache.path());
    let r = common::run(&mut c);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(
        r.stderr.contains("JAX 0.99.0 is unknown")
            && r.stderr.contains("newest known: 0.12.0.1")
            && r.stderr
                .contains("`cudoctor requirements jax==0.99.0` without --offline"),
        "{}",
        r.stderr
    );
    assert!(seen.lock().unwrap().is_empty(), "offline touched the index");
    // CUDOCTOR_OFFLINE=1 is the same switch.
    let mut c = common::cudoctor_cmd();
    c.args(["requirements", "jax==0.99.0"])
        .env("CUDOCTOR_OFFLINE", "1")
        .env("PIP_INDEX_URL", &index)
        .env("XDG_CACHE_HOME", cache.path());
    assert_eq!(common::run(&mut c).code, 2);
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn a_release_the_index_does_not_have_is_unknown_never_a_guess() {
    let (index, _seen) = serve();
    let mut c = common::cudoctor_cmd();
    c.args(["requirements", "torch==9.9.9"])
        .env_remove("CUDOCTOR_OFFLINE")
        .env("PIP_INDEX_URL", &index);
    let r = common::run(&mut c);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("PyTorch 9.9.9 is unknown")
            && r.stderr.contains("pip index versions torch"),
        "{}",
        r.stderr
    );
}

/// `check --for` a release the tables lack: what its PyPI metadata says is judged (here its
/// Requires-Python against the machine's Python 3.9), sourced to the metadata; offline it is not.
#[test]
fn check_for_a_release_newer_than_the_data_judges_its_pypi_metadata() {
    let (index, _seen) = serve();
    let f = common::tf29_host("535.104.05", "8.1.1");
    let root = f.path().display().to_string();
    let check = |offline: bool| {
        let mut c = common::cudoctor_cmd();
        c.args([
            "check",
            "--for",
            "jax[cuda12]==0.99.0",
            "--root",
            &root,
            "--format",
            "json",
        ])
        .env("PIP_INDEX_URL", &index);
        if !offline {
            c.env_remove("CUDOCTOR_OFFLINE");
        }
        common::run(&mut c).json()
    };
    let py = |v: &serde_json::Value| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "python-version-unsupported")
            .cloned()
    };
    let online = check(false);
    let f = py(&online).unwrap_or_else(|| panic!("{online:#}"));
    assert!(
        f.to_string()
            .contains("PyPI metadata of jax-cuda12-plugin 0.99.0"),
        "{f:#}"
    );
    assert!(py(&check(true)).is_none(), "offline reads nothing");
}

/// `plan` weighs the releases newer than the embedded data that the index has, each with a caveat
/// naming where it was read; offline it plans the embedded releases only, and says nothing new.
#[test]
fn plan_weighs_releases_newer_than_the_data_from_the_index() {
    let (index, seen) = serve();
    let plan = |offline: bool| {
        let mut c = common::cudoctor_cmd();
        c.args([
            "plan",
            "--no-probe",
            "--framework",
            "jax",
            "--python",
            "3.13",
            "--format",
            "json",
        ])
        .env("PIP_INDEX_URL", &index);
        if !offline {
            c.env_remove("CUDOCTOR_OFFLINE");
        }
        let r = common::run(&mut c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.json()
    };
    let v = plan(false);
    let jax = &v["frameworks"][0];
    let c = jax["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["version"] == "0.99.0")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(c["variant"], "cuda12");
    // The lowest CUDA its nvidia-cuda-runtime pin (>=12.8.90) allows.
    assert_eq!(c["cuda"], "12.8");
    assert_eq!(c["status"], "compatible_with_caveats");
    assert!(
        common::strings(&c["caveats"])[0].starts_with(
            "not in the embedded tables: read from the PyPI metadata of jax-cuda12-plugin 0.99.0"
        ),
        "{c:#}"
    );
    assert!(
        common::strings(&v["constraints"]["notes"])
            .iter()
            .any(|n| n.contains("JAX 0.99.0 newer than the embedded data")),
        "{v:#}"
    );
    let before = seen.lock().unwrap().len();
    let v = plan(true);
    assert!(
        !v["frameworks"][0]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["version"] == "0.99.0")
    );
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "offline touched the index"
    );
}
