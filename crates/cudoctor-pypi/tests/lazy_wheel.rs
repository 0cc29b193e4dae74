//! The lazy-wheel path against an HTTP server on 127.0.0.1 serving a real PyPI wheel:
//! METADATA and a member read with `Range` requests when `.metadata` answers 404; a server
//! that ignores `Range`; one that answers garbage. No test touches the network beyond
//! 127.0.0.1.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use cudoctor_pypi::{Client, Config, Error};

const WHEEL: &[u8] = include_bytes!("fixtures/certifi-2026.7.22-py3-none-any.whl");
const WHEEL_NAME: &str = "certifi-2026.7.22-py3-none-any.whl";
const WHEEL_SHA: &str = "62f22742b58a1a33014a2b6b706588a8d7e2a88ae7bd1a6ebe8c992928483775";
const METADATA: &str = include_str!("fixtures/certifi-2026.7.22.METADATA");
const INIT_PY: &str = include_str!("fixtures/certifi-2026.7.22.__init__.py");

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Honours `Range`; `.metadata` is 404.
    Range,
    /// Honours `Range`; `.metadata` served (right bytes).
    Pep658,
    /// Ignores `Range`: 200 with the whole file.
    IgnoreRange,
    /// 206 with a bogus Content-Range and junk bytes.
    Garbage,
    /// 206 with a consistent Content-Range over junk bytes (not a zip).
    NotAZip,
}

/// Every request seen: (path, Range header).
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Server {
    base: String,
    log: Log,
}

fn page(base: &str, core: &str) -> String {
    format!(
        r#"{{"meta":{{"api-version":"1.1"}},"name":"certifi","files":[{{"filename":"{WHEEL_NAME}","url":"{base}/files/{WHEEL_NAME}","hashes":{{"sha256":"{WHEEL_SHA}"}},"requires-python":">=3.7","core-metadata":{core},"yanked":false}}]}}"#
    )
}

fn serve(mode: Mode, core: &'static str, metadata_body: &'static [u8]) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let (b, l) = (base.clone(), Arc::clone(&log));
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let (b, l) = (b.clone(), Arc::clone(&l));
            thread::spawn(move || handle(stream, mode, &b, core, metadata_body, &l));
        }
    });
    Server { base, log }
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(String, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn handle(
    mut s: TcpStream,
    mode: Mode,
    base: &str,
    core: &str,
    metadata_body: &[u8],
    log: &Mutex<Vec<(String, Option<String>)>>,
) {
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut range = None;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("range") {
                range = Some(v.trim().to_owned());
            }
        }
    }
    log.lock().expect("log").push((path.clone(), range.clone()));
    if path == "/simple/certifi/" {
        let ct = vec![(
            "Content-Type".to_owned(),
            "application/vnd.pypi.simple.v1+json".to_owned(),
        )];
        respond(&mut s, "200 OK", &ct, page(base, core).as_bytes());
        return;
    }
    if path == format!("/files/{WHEEL_NAME}.metadata") {
        if mode == Mode::Pep658 {
            respond(&mut s, "200 OK", &[], metadata_body);
        } else {
            respond(&mut s, "404 Not Found", &[], b"not here");
        }
        return;
    }
    if path != format!("/files/{WHEEL_NAME}") {
        respond(&mut s, "404 Not Found", &[], b"");
        return;
    }
    let total = WHEEL.len();
    let (start, end) = match range.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
        Some(spec) => match spec.split_once('-') {
            Some(("", n)) => (total.saturating_sub(n.parse().unwrap_or(0)), total - 1),
            Some((a, "")) => (a.parse().unwrap_or(0), total - 1),
            Some((a, b)) => (
                a.parse().unwrap_or(0),
                b.parse::<usize>().unwrap_or(0).min(total - 1),
            ),
            None => (0, total - 1),
        },
        None => (0, total - 1),
    };
    match mode {
        Mode::IgnoreRange => respond(&mut s, "200 OK", &[], WHEEL),
        Mode::Garbage => {
            let h = vec![("Content-Range".to_owned(), "bytes zzz".to_owned())];
            respond(&mut s, "206 Partial Content", &h, &[0x50, 0x4b, 0xff, 0x00]);
        }
        Mode::NotAZip => {
            let junk: Vec<u8> = (start..=end).map(|i| (i * 7 % 251) as u8).collect();
            let h = vec![(
                "Content-Range".to_owned(),
                format!("bytes {start}-{end}/{total}"),
            )];
            respond(&mut s, "206 Partial Content", &h, &junk);
        }
        Mode::Range | Mode::Pep658 => {
            let h = vec![(
                "Content-Range".to_owned(),
                format!("bytes {start}-{end}/{total}"),
            )];
            respond(&mut s, "206 Partial Content", &h, &WHEEL[start..=end]);
        }
    }
    let _ = r.read(&mut [0u8; 0]);
}

fn client(server: &Server, cache: Option<&std::path::Path>) -> Client {
    let mut c = Config::new(&format!("{}/simple/", server.base));
    c.cache_dir = cache.map(std::path::Path::to_path_buf);
    Client::new(c)
}

fn headers_only(text: &str) -> String {
    cudoctor_pypi::metadata::headers_only(text)
}

#[test]
fn reads_metadata_and_a_member_by_range_when_metadata_is_404() {
    let server = serve(Mode::Range, "true", b"");
    let cache = tempfile::tempdir().expect("tempdir");
    let c = client(&server, Some(cache.path()));
    let page = c.project("certifi").expect("page");
    let file = &page.files[0];
    assert_eq!(file.sha256.as_deref(), Some(WHEEL_SHA));

    let m = c.metadata(file).expect("METADATA by range");
    assert_eq!(m.provenance.via, "zip");
    assert_eq!(m.text, headers_only(METADATA));
    assert_eq!(m.metadata.name, "certifi");
    assert_eq!(m.metadata.version, "2026.7.22");
    assert_eq!(m.metadata.requires_python.as_deref(), Some(">=3.7"));

    let init = c
        .member(file, "certifi/__init__.py")
        .expect("member by range");
    assert_eq!(init.path, "certifi/__init__.py");
    assert_eq!(init.text, INIT_PY);
    let missing = c
        .member(file, "torch/version.py")
        .expect_err("absent member");
    assert!(matches!(missing, Error::MemberNotFound { .. }), "{missing}");

    {
        let log = server.log.lock().expect("log");
        let wheel_gets: Vec<_> = log.iter().filter(|(p, _)| p.ends_with(".whl")).collect();
        assert!(!wheel_gets.is_empty());
        // Never the whole wheel: every request for it carries a Range.
        assert!(
            wheel_gets.iter().all(|(_, r)| r.is_some()),
            "{wheel_gets:?}"
        );
        // __init__.py sits at offset 0, outside the tail: it took a range from byte 0.
        assert!(
            wheel_gets
                .iter()
                .any(|(_, r)| r.as_deref().is_some_and(|r| r.starts_with("bytes=0-"))),
            "{wheel_gets:?}"
        );
        assert!(
            log.iter().any(|(p, _)| p.ends_with(".whl.metadata")),
            "the .metadata file was tried first"
        );
    }

    // The cache answers offline now, with no request.
    let before = server.log.lock().expect("log").len();
    let mut off = Config::new(&format!("{}/simple/", server.base));
    off.offline = true;
    off.cache_dir = Some(cache.path().to_path_buf());
    let off = Client::new(off);
    let page = off.project("certifi").expect("cached page");
    assert_eq!(off.metadata(&page.files[0]).expect("cached").text, m.text);
    assert_eq!(
        off.member(&page.files[0], "certifi/__init__.py")
            .expect("cached")
            .text,
        INIT_PY
    );
    assert!(matches!(
        off.member(&page.files[0], "torch/version.py"),
        Err(Error::MemberNotFound { .. })
    ));
    assert_eq!(
        server.log.lock().expect("log").len(),
        before,
        "offline made a request"
    );
}

#[test]
fn pep658_metadata_is_used_and_its_hash_checked() {
    let body = METADATA.as_bytes();
    // sha256 of the METADATA fixture, computed by the crate's helper over the same bytes the
    // server sends; a wrong hash must fail.
    let good = cudoctor_pypi::client::sha256_hex(body);
    let core: &'static str = Box::leak(format!(r#"{{"sha256":"{good}"}}"#).into_boxed_str());
    let server = serve(
        Mode::Pep658,
        core,
        Box::leak(body.to_vec().into_boxed_slice()),
    );
    let c = client(&server, None);
    let page = c.project("certifi").expect("page");
    let m = c.metadata(&page.files[0]).expect("pep658");
    assert_eq!(m.provenance.via, "pep658");
    assert!(m.provenance.url.ends_with(".whl.metadata"));
    assert_eq!(m.text, headers_only(METADATA));

    let bad = serve(
        Mode::Pep658,
        r#"{"sha256":"00"}"#,
        Box::leak(body.to_vec().into_boxed_slice()),
    );
    let c = client(&bad, None);
    let page = c.project("certifi").expect("page");
    let err = c.metadata(&page.files[0]).expect_err("hash mismatch");
    assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
    assert!(err.to_string().contains(".whl.metadata"), "{err}");
}

#[test]
fn a_server_that_ignores_range_is_a_clear_error() {
    let server = serve(Mode::IgnoreRange, "false", b"");
    let c = client(&server, None);
    let page = c.project("certifi").expect("page");
    let err = c
        .member(&page.files[0], "certifi/__init__.py")
        .expect_err("no range support");
    assert!(matches!(err, Error::RangeIgnored { .. }), "{err}");
    assert!(
        err.to_string().contains("ignored the HTTP Range request"),
        "{err}"
    );
    assert!(err.to_string().contains(WHEEL_NAME), "{err}");
}

#[test]
fn garbage_answers_are_errors_not_panics() {
    for mode in [Mode::Garbage, Mode::NotAZip] {
        let server = serve(mode, "false", b"");
        let c = client(&server, None);
        let page = c.project("certifi").expect("page");
        let err = c.metadata(&page.files[0]).expect_err("garbage");
        let text = err.to_string();
        assert!(text.contains(WHEEL_NAME), "{text}");
        match mode {
            Mode::Garbage => assert!(text.contains("Content-Range"), "{text}"),
            _ => assert!(matches!(err, Error::Zip { .. }), "{text}"),
        }
    }
    // A page that is not PEP 691 JSON.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let mut s = s;
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            respond(&mut s, "200 OK", &[], b"<html>simple</html>");
        }
    });
    let c = Client::new(Config::new(&format!("{base}/simple/")));
    let err = c.project("certifi").expect_err("html");
    assert!(matches!(err, Error::Parse { .. }), "{err}");
}

#[test]
fn one_release_by_name_and_version() {
    let server = serve(Mode::Range, "true", b"");
    let c = client(&server, None);
    let r = c.release("Certifi", "2026.07.22").expect("release");
    assert_eq!(r.file.filename, WHEEL_NAME);
    assert_eq!(r.facts.version, "2026.7.22");
    assert_eq!(r.facts.python_min.as_deref(), Some("3.7"));
    assert!(r.facts.pins.is_empty());
    assert!(
        r.facts.source.starts_with(&format!(
            "PyPI metadata of certifi 2026.7.22 ({}/files/{WHEEL_NAME}, sha256 {WHEEL_SHA})",
            server.base
        )),
        "{}",
        r.facts.source
    );
    let err = c.release("certifi", "1.0").expect_err("no such release");
    assert!(matches!(err, Error::NoSuchRelease { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("no wheel of release 1.0 of certifi"),
        "{err}"
    );
    let err = c
        .release("certifi", "not a version")
        .expect_err("bad version");
    assert!(matches!(err, Error::Parse { .. }), "{err}");
}
