//! The token flow, Basic auth, plain-HTTP refusal, blob redirects and the registry's bad
//! answers, against a tiny in-test HTTP server on 127.0.0.1 (no tools needed).
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use cudoctor_registry::{Client, Options, RegistryError, RegistryRef};

/// One request the server saw.
#[derive(Debug, Clone)]
struct Req {
    /// `/v2/test/img/manifests/t1`, with the query.
    target: String,
    /// The `Authorization` header.
    auth: Option<String>,
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// A server answering each request with `handler(request, "127.0.0.1:PORT")`, then closing.
struct Server {
    host: String,
    seen: Arc<Mutex<Vec<Req>>>,
}

fn serve(handler: impl Fn(&Req, &str) -> Answer + Send + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (h, s) = (host.clone(), Arc::clone(&seen));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or("").to_owned();
            let mut auth = None;
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    if k.eq_ignore_ascii_case("authorization") {
                        auth = Some(v.trim().to_owned());
                    }
                }
            }
            let req = Req { target, auth };
            s.lock().unwrap().push(req.clone());
            let (status, headers, body) = handler(&req, &h);
            let mut out = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                let _ = write!(out, "{k}: {v}\r\n");
            }
            out.push_str("\r\n");
            let _ = stream.write_all(out.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    Server { host, seen }
}

impl Server {
    fn seen(&self) -> Vec<Req> {
        self.seen.lock().unwrap().clone()
    }
}

const CONFIG: &[u8] = br#"{"architecture":"amd64","os":"linux","config":{"Env":["NVIDIA_REQUIRE_CUDA=cuda>=12.1"]},"rootfs":{"type":"layers","diff_ids":[]}}"#;

fn manifest() -> Vec<u8> {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[]}}"#,
        common::sha256(CONFIG),
        CONFIG.len()
    )
    .into_bytes()
}

fn ok(content_type: &str, body: Vec<u8>) -> Answer {
    (
        200,
        vec![("Content-Type".into(), content_type.into())],
        body,
    )
}

/// A registry that wants `Bearer tok123`, issued by its `/token` endpoint.
fn bearer_registry(realm_host: Option<&'static str>) -> Server {
    serve(move |req, host| {
        let realm = format!("http://{}/token", realm_host.unwrap_or(host));
        if req.target.starts_with("/token?") {
            return ok(
                "application/json",
                br#"{"token":"tok123","expires_in":300}"#.to_vec(),
            );
        }
        if req.auth.as_deref() != Some("Bearer tok123") {
            let challenge = format!(
                r#"Bearer realm="{realm}",service="test-registry",scope="repository:test/img:pull""#
            );
            return (
                401,
                vec![("WWW-Authenticate".into(), challenge)],
                b"{}".to_vec(),
            );
        }
        if req.target == "/v2/test/img/manifests/t1" {
            return ok("application/vnd.oci.image.manifest.v1+json", manifest());
        }
        if req.target == format!("/v2/test/img/blobs/{}", common::sha256(CONFIG)) {
            return ok("application/octet-stream", CONFIG.to_vec());
        }
        (
            404,
            vec![],
            br#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown"}]}"#.to_vec(),
        )
    })
}

fn opts(t: &Path) -> Options {
    Options {
        cache_dir: Some(t.join("cache")),
        docker_config: Some(t.join("config.json")),
        timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

/// A client that reads none of the process's environment (`CUDOCTOR_OFFLINE`, `HOME`, proxies).
fn client(opts: Options) -> Client {
    Client::with_env(opts, &|_| None)
}

fn write_docker_config(t: &Path, host: &str, user_pass: &str) {
    let auth = base64::engine::general_purpose::STANDARD.encode(user_pass);
    std::fs::write(
        t.join("config.json"),
        format!(r#"{{"auths":{{"{host}":{{"auth":"{auth}"}}}}}}"#),
    )
    .unwrap();
}

#[test]
fn bearer_token_flow_sends_docker_config_credentials_to_the_realm() {
    let dir = tempfile::tempdir().unwrap();
    let server = bearer_registry(None);
    write_docker_config(dir.path(), &server.host, "alice:s3cret");
    let r = RegistryRef::parse(&format!("{}/test/img:t1", server.host)).unwrap();
    let client = client(opts(dir.path()));
    let fetched = client.fetch_config(&r).unwrap();
    assert_eq!(fetched.config, CONFIG);

    let seen = server.seen();
    let targets: Vec<&str> = seen.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        targets,
        [
            "/v2/test/img/manifests/t1",
            "/token?service=test-registry&scope=repository%3Atest%2Fimg%3Apull",
            "/v2/test/img/manifests/t1",
            &format!("/v2/test/img/blobs/{}", common::sha256(CONFIG)),
        ]
    );
    assert_eq!(seen[0].auth, None);
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("alice:s3cret")
    );
    assert_eq!(
        seen[1].auth.as_deref(),
        Some(basic.as_str()),
        "credentials go to the realm"
    );
    assert_eq!(seen[2].auth.as_deref(), Some("Bearer tok123"));
    // The token is reused for the blob: no second token request.
    assert_eq!(seen[3].auth.as_deref(), Some("Bearer tok123"));
}

#[test]
fn anonymous_token_without_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let server = bearer_registry(None);
    let r = RegistryRef::parse(&format!("{}/test/img:t1", server.host)).unwrap();
    client(opts(dir.path())).fetch_config(&r).unwrap();
    let seen = server.seen();
    assert!(seen[1].target.starts_with("/token?"));
    assert_eq!(seen[1].auth, None, "no credentials: an anonymous token");
}

#[test]
fn refused_token_names_the_registry_and_never_the_password() {
    let dir = tempfile::tempdir().unwrap();
    // A registry whose token never satisfies it.
    let server = serve(|req, host| {
        if req.target.starts_with("/token?") {
            return ok("application/json", br#"{"access_token":"wrong"}"#.to_vec());
        }
        let challenge = format!(r#"Bearer realm="http://{host}/token",service="s""#);
        (401, vec![("WWW-Authenticate".into(), challenge)], vec![])
    });
    write_docker_config(dir.path(), &server.host, "alice:s3cret");
    let r = RegistryRef::parse(&format!("{}/test/img:t1", server.host)).unwrap();
    let err = client(opts(dir.path())).fetch_config(&r).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, RegistryError::Unauthorized { status: 401, .. }),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("`{}/test/img`", server.host)),
        "{msg}"
    );
    assert!(
        msg.contains("HTTP 401") && msg.contains("Bearer realm="),
        "{msg}"
    );
    assert!(
        !msg.contains("s3cret") && !format!("{err:?}").contains("s3cret"),
        "{msg}"
    );
    // The default scope is the repository's pull.
    assert!(
        server.seen()[1]
            .target
            .ends_with("&scope=repository%3Atest%2Fimg%3Apull")
    );
}

#[test]
fn basic_challenge_gets_the_credentials_directly() {
    let dir = tempfile::tempdir().unwrap();
    let want = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("bob:pw")
    );
    let server = serve(move |req, _| {
        if req.auth.as_deref() != Some(want.as_str()) {
            return (
                401,
                vec![("WWW-Authenticate".into(), r#"Basic realm="reg""#.into())],
                vec![],
            );
        }
        if req.target.contains("/manifests/") {
            return ok("application/vnd.oci.image.manifest.v1+json", manifest());
        }
        ok("application/octet-stream", CONFIG.to_vec())
    });
    let r = RegistryRef::parse(&format!("{}/test/img:t1", server.host)).unwrap();
    // Without credentials: refused, naming the challenge.
    let err = client(opts(dir.path())).fetch_config(&r).unwrap_err();
    assert!(
        err.to_string().contains(r#"challenge: Basic realm="reg""#),
        "{err}"
    );
    write_docker_config(dir.path(), &server.host, "bob:pw");
    client(opts(dir.path())).fetch_config(&r).unwrap();
}

#[test]
fn plain_http_is_refused_for_a_non_loopback_host() {
    let dir = tempfile::tempdir().unwrap();
    // No network: refused before connecting (the host does not resolve anyway).
    let r = RegistryRef::parse("http://registry.example.invalid/test/img:t1").unwrap();
    let err = client(opts(dir.path())).fetch_config(&r).unwrap_err();
    assert!(
        matches!(err, RegistryError::PlainHttpRefused { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "refusing plain HTTP to `http://registry.example.invalid/v2/` for `registry.example.invalid/test/img`: only loopback hosts and hosts listed as insecure are reached without TLS"
    );
    // Listed as insecure: allowed (and then it fails to resolve, which is a request error).
    let err = client(Options {
        insecure: vec!["registry.example.invalid".into()],
        ..opts(dir.path())
    })
    .fetch_config(&r)
    .unwrap_err();
    assert!(matches!(err, RegistryError::Request { .. }), "{err}");
}

#[test]
fn plain_http_token_realm_is_refused_for_a_non_loopback_host() {
    let dir = tempfile::tempdir().unwrap();
    let server = bearer_registry(Some("auth.example.invalid"));
    write_docker_config(dir.path(), &server.host, "alice:s3cret");
    let r = RegistryRef::parse(&format!("{}/test/img:t1", server.host)).unwrap();
    let err = client(opts(dir.path())).fetch_config(&r).unwrap_err();
    assert!(
        matches!(err, RegistryError::PlainHttpRefused { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("`http://auth.example.invalid/token`"),
        "{err}"
    );
    assert_eq!(
        server.seen().len(),
        1,
        "the credentials were not sent anywhere"
    );
}

#[test]
fn bad_answers_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![b' '; (4 << 20) + 1];
    let server = serve(move |req, _| {
        match req.target.as_str() {
        "/v2/a/b/manifests/lying" => (
            200,
            vec![
                ("Content-Type".into(), "application/vnd.oci.image.manifest.v1+json".into()),
                ("Docker-Content-Digest".into(), format!("sha256:{}", "0".repeat(64))),
            ],
            manifest(),
        ),
        "/v2/a/b/manifests/big" => ok("application/vnd.oci.image.manifest.v1+json", big.clone()),
        "/v2/a/b/manifests/badjson" => ok(
            "application/vnd.oci.image.manifest.v1+json",
            br#"{"schemaVersion":2,"config":{"digest":"sha256:x","size":1},"layers":[{"digest":"d","mediaType":"m","size":"big"}]}"#.to_vec(),
        ),
        "/v2/a/b/manifests/schema1" => ok("application/vnd.docker.distribution.manifest.v1+prettyjws", b"{}".to_vec()),
        "/v2/a/b/manifests/badconfig" => ok("application/vnd.oci.image.manifest.v1+json", manifest()),
        _ => ok("application/octet-stream", b"not the config".to_vec()),
    }
    });
    let client = client(opts(dir.path()));
    let get = |tag: &str| {
        client
            .fetch_config(&RegistryRef::parse(&format!("{}/a/b:{tag}", server.host)).unwrap())
            .unwrap_err()
    };
    let e = get("lying");
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");
    assert!(e.to_string().starts_with("the manifest of"), "{e}");
    let e = get("big");
    assert!(
        matches!(
            e,
            RegistryError::TooLarge {
                limit: 4_194_304,
                ..
            }
        ),
        "{e}"
    );
    let e = get("badjson");
    assert!(e.to_string().contains("at `layers[0].size`"), "{e}");
    let e = get("schema1");
    assert!(
        matches!(e, RegistryError::UnsupportedMediaType { .. }),
        "{e}"
    );
    let e = get("badconfig");
    assert!(
        matches!(
            e,
            RegistryError::SizeMismatch { .. } | RegistryError::DigestMismatch { .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("the config blob"), "{e}");
}

#[test]
fn layer_blobs_follow_redirects_without_the_token_and_bad_blobs_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = b"a layer's bytes".to_vec();
    let cdn = serve({
        let good = good.clone();
        move |_, _| ok("application/octet-stream", good.clone())
    });
    let cdn_host = cdn.host.clone();
    let (gd, long_d, wrong_d) = (
        common::sha256(&good),
        common::sha256(b"short"),
        common::sha256(b"abcde"),
    );
    let registry = serve({
        let (gd, long_d) = (gd.clone(), long_d.clone());
        move |req, host| {
            if req.target.starts_with("/token?") {
                return ok("application/json", br#"{"token":"tok123"}"#.to_vec());
            }
            if req.auth.as_deref() != Some("Bearer tok123") {
                let challenge = format!(r#"Bearer realm="http://{host}/token",service="s""#);
                return (401, vec![("WWW-Authenticate".into(), challenge)], vec![]);
            }
            if req.target == format!("/v2/a/b/blobs/{gd}") {
                let to = format!("http://{cdn_host}/cdn/blob");
                return (307, vec![("Location".into(), to)], vec![]);
            }
            if req.target == format!("/v2/a/b/blobs/{long_d}") {
                // 12 bytes where the descriptor states 5: refused on the Content-Length.
                return ok("application/octet-stream", b"short, not!!".to_vec());
            }
            ok("application/octet-stream", b"ABCDE".to_vec())
        }
    });
    let r = RegistryRef::parse(&format!("{}/a/b:t", registry.host)).unwrap();
    let layer = |digest: &str, size: u64| cudoctor_registry::LayerDescriptor {
        digest: digest.to_owned(),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
        size,
    };
    let client = client(opts(dir.path()));
    let path = client
        .fetch_layer(&r, &layer(&gd, good.len() as u64))
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), good);
    assert_eq!(cdn.seen().len(), 1);
    assert_eq!(
        cdn.seen()[0].auth,
        None,
        "the token is not sent to the redirect's host"
    );

    let cache = dir.path().join("cache/sha256");
    let e = client.fetch_layer(&r, &layer(&long_d, 5)).unwrap_err();
    assert!(
        matches!(e, RegistryError::SizeMismatch { expected: 5, .. }),
        "{e}"
    );
    let e = client.fetch_layer(&r, &layer(&wrong_d, 5)).unwrap_err();
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e}");
    assert!(e.to_string().starts_with("the layer blob of"), "{e}");
    let left: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        [path.file_name().unwrap()],
        "no partial or bad file is left"
    );
    // A digest that is not sha256 hex is refused before any request (it would be a path).
    let before = registry.seen().len();
    let e = client
        .fetch_layer(&r, &layer("sha256:../../x", 1))
        .unwrap_err();
    assert!(matches!(e, RegistryError::InvalidDigest { .. }), "{e}");
    assert_eq!(registry.seen().len(), before);
}
