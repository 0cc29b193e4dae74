//! The HTTP agent that `cudoctor-pypi` and `cudoctor-registry` share, built in one place so
//! that both read proxies, trust roots and timeouts the same way.
//!
//! ```
//! use std::time::Duration;
//! use cudoctor_http::{Timeout, agent};
//!
//! // A whole request (connect, send, receive) within 5 s; no proxy from the environment.
//! let _agent = agent(Timeout::Whole(Duration::from_secs(5)), false);
//! ```

use std::time::Duration;

/// The proxy environment variables the agent reads when asked to (`ureq::Proxy::try_from_env`):
/// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and their lower-case forms), with `NO_PROXY` /
/// `no_proxy`, in the order they are read.
pub const PROXY_ENV_VARS: &[&str] = &[
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// How long a request may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// The whole request, connect to the last byte of the body: for small answers (an index
    /// page, a METADATA file).
    Whole(Duration),
    /// Each phase (connect, send, receive the response head) on its own, and no bound on how
    /// long the body takes: for large downloads (image layers) that stream for minutes.
    EachPhase(Duration),
}

/// The user agent every request sends: `cudoctor/<version>`.
pub const USER_AGENT: &str = concat!("cudoctor/", env!("CARGO_PKG_VERSION"));

/// An agent with `timeout`, the proxies of [`PROXY_ENV_VARS`] when `proxy_from_env` is set, the
/// system's trust store (so an index, registry or proxy with a locally installed CA works as it
/// does for pip, docker and curl), and HTTP error statuses returned as responses, not errors
/// (the caller names what a 404 or a 401 means).
pub fn agent(timeout: Timeout, proxy_from_env: bool) -> ureq::Agent {
    let proxy = if proxy_from_env {
        ureq::Proxy::try_from_env()
    } else {
        None
    };
    let builder = ureq::Agent::config_builder();
    let builder = match timeout {
        Timeout::Whole(t) => builder.timeout_global(Some(t)),
        Timeout::EachPhase(t) => builder
            .timeout_connect(Some(t))
            .timeout_send_request(Some(t))
            .timeout_recv_response(Some(t)),
    };
    builder
        .http_status_as_error(false)
        .proxy(proxy)
        .user_agent(USER_AGENT)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

/// Why [`read_capped`] gave no body.
#[derive(Debug)]
pub enum CappedError {
    /// Reading the body failed (the connection broke, the timeout passed).
    Io(std::io::Error),
    /// The body is longer than the cap (it was read no further than one byte past it).
    TooLarge,
}

/// The whole body of `resp`, at most `limit` bytes: a longer body is [`CappedError::TooLarge`],
/// never its first `limit` bytes taken for the whole.
pub fn read_capped(
    resp: &mut ureq::http::Response<ureq::Body>,
    limit: u64,
) -> Result<Vec<u8>, CappedError> {
    read_capped_from(resp.body_mut().as_reader(), limit)
}

fn read_capped_from(reader: impl std::io::Read, limit: u64) -> Result<Vec<u8>, CappedError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(CappedError::Io)?;
    if out.len() as u64 > limit {
        return Err(CappedError::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A one-request server on 127.0.0.1: answers `answer` (or nothing when `None`) and hands
    /// back the request head it read.
    fn serve_once(answer: Option<&'static str>) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/simple/", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            match answer {
                Some(a) => (&stream).write_all(a.as_bytes()).unwrap(),
                // Silent until the client gives up.
                None => {
                    let _ = reader.read_line(&mut String::new());
                }
            }
            head
        });
        (url, handle)
    }

    #[test]
    fn requests_name_cudoctor_and_an_error_status_is_a_response() {
        let (url, server) = serve_once(Some("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        let a = agent(Timeout::Whole(Duration::from_secs(5)), false);
        let r = a.get(&url).call().unwrap();
        assert_eq!(r.status(), 404);
        let head = server.join().unwrap().to_ascii_lowercase();
        assert!(
            head.contains(&format!(
                "user-agent: cudoctor/{}\r\n",
                env!("CARGO_PKG_VERSION")
            )),
            "{head}"
        );
    }

    #[test]
    fn a_silent_server_ends_with_a_timeout() {
        let (url, server) = serve_once(None);
        let a = agent(Timeout::Whole(Duration::from_millis(300)), false);
        let e = a.get(&url).call().unwrap_err();
        assert!(matches!(e, ureq::Error::Timeout(_)), "{e:?}");
        server.join().unwrap();
    }

    #[test]
    fn the_timeout_is_the_one_asked_for() {
        let t = Duration::from_millis(1234);
        let whole = agent(Timeout::Whole(t), false);
        let timeouts = whole.config().timeouts();
        assert_eq!(timeouts.global, Some(t));
        let each = agent(Timeout::EachPhase(t), false);
        let timeouts = each.config().timeouts();
        assert_eq!(timeouts.global, None);
        assert_eq!(timeouts.recv_body, None, "a layer's body is not bounded");
        assert_eq!(
            (
                timeouts.connect,
                timeouts.send_request,
                timeouts.recv_response
            ),
            (Some(t), Some(t), Some(t))
        );
    }

    #[test]
    fn no_proxy_unless_asked() {
        let a = agent(Timeout::Whole(Duration::from_secs(1)), false);
        assert!(a.config().proxy().is_none());
    }

    #[test]
    fn a_body_is_read_whole_up_to_its_cap_and_refused_past_it() {
        assert_eq!(read_capped_from(&b"abcd"[..], 4).unwrap(), b"abcd");
        assert_eq!(read_capped_from(&b""[..], 0).unwrap(), b"");
        assert!(matches!(
            read_capped_from(&b"abcde"[..], 4),
            Err(CappedError::TooLarge)
        ));
        assert!(matches!(
            read_capped_from(&b"a"[..], 0),
            Err(CappedError::TooLarge)
        ));
        assert_eq!(read_capped_from(&b"ab"[..], u64::MAX).unwrap(), b"ab");
    }
}
