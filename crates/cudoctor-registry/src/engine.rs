//! A local Docker or Podman engine over its API socket (the Docker Engine API, which Podman
//! serves too): where the socket is, `docker save` of one image into an unnamed temp file, and
//! `docker image inspect`.
//!
//! ureq reaches Unix sockets only through its `unversioned` transport API, which its authors
//! exempt from semver (it may break in a minor release that `ureq = "3"` accepts), so the few
//! requests here are written by hand over [`UnixStream`]: one `GET` with `Host` and
//! `Connection: close`; the answer's status line and headers (at most [`MAX_HEADER`] bytes);
//! a body by `Content-Length`, by chunked transfer encoding, or to the end of the stream.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::env_vars;
use crate::error::EngineError;

/// The most bytes of status line and headers read from the engine.
pub const MAX_HEADER: u64 = 64 << 10;
/// The largest `inspect` answer read (4 MiB).
pub const MAX_INSPECT: u64 = 4 << 20;
/// How long a read or write on the socket may wait (an engine writing a large save can pause).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// The engine sockets to try, in order: `DOCKER_HOST` when it is `unix://PATH` (other schemes
/// are not supported and skipped), `/var/run/docker.sock`, `$XDG_RUNTIME_DIR/podman/podman.sock`
/// (rootless Podman), `/run/podman/podman.sock` (rootful Podman). Duplicates are dropped.
pub fn engine_socket(env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    if let Some(p) = env(env_vars::DOCKER_HOST)
        .as_deref()
        .and_then(|h| h.trim().strip_prefix("unix://"))
        .filter(|p| !p.is_empty())
    {
        out.push(PathBuf::from(p));
    }
    out.push(PathBuf::from("/var/run/docker.sock"));
    if let Some(x) = env(env_vars::XDG_RUNTIME_DIR).filter(|x| !x.is_empty()) {
        out.push(Path::new(&x).join("podman/podman.sock"));
    }
    out.push(PathBuf::from("/run/podman/podman.sock"));
    let mut seen = Vec::new();
    out.retain(|p| {
        let fresh = !seen.contains(p);
        seen.push(p.clone());
        fresh
    });
    out
}

/// The first of `candidates` that accepts a connection; [`EngineError::NoEngine`] listing them
/// all when none does.
pub fn first_engine(candidates: &[PathBuf]) -> Result<PathBuf, EngineError> {
    candidates
        .iter()
        .find(|p| UnixStream::connect(p).is_ok())
        .cloned()
        .ok_or_else(|| EngineError::NoEngine {
            tried: candidates.to_vec(),
        })
}

/// `docker save NAME` through the engine: `GET /images/{name}/get`, spooled into an unnamed
/// temp file ([`tempfile::tempfile`], gone when closed), returned rewound to its start. The tar
/// is not read here. `progress` gets the bytes so far and the total when the engine states it.
pub fn engine_save(
    socket: &Path,
    name: &str,
    progress: Option<&dyn Fn(u64, Option<u64>)>,
) -> Result<File, EngineError> {
    let operation = format!("saving the image `{name}`");
    let path = format!("/images/{}/get", path_escape(name));
    let (status, mut body) = request(socket, &operation, &path)?;
    match status {
        200 => {}
        404 => {
            return Err(EngineError::NoSuchImage {
                name: name.to_owned(),
            });
        }
        _ => return Err(status_error(socket, &operation, status, &mut body)),
    }
    let io = |source| EngineError::Io {
        operation: operation.clone(),
        socket: socket.to_owned(),
        source,
    };
    let mut file = tempfile::tempfile().map_err(io)?;
    let total = body.len;
    let mut buf = vec![0u8; 256 << 10];
    let mut done = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        file.write_all(&buf[..n]).map_err(io)?;
        done += n as u64;
        if let Some(p) = progress {
            p(done, total);
        }
    }
    file.rewind().map_err(io)?;
    Ok(file)
}

/// `docker image inspect NAME` through the engine: `GET /images/{name}/json`; `None` when the
/// engine has no such image (404), which is when a caller falls back to a registry.
pub fn engine_inspect(socket: &Path, name: &str) -> Result<Option<serde_json::Value>, EngineError> {
    let operation = format!("inspecting the image `{name}`");
    let path = format!("/images/{}/json", path_escape(name));
    let (status, mut body) = request(socket, &operation, &path)?;
    match status {
        200 => {}
        404 => return Ok(None),
        _ => return Err(status_error(socket, &operation, status, &mut body)),
    }
    let mut bytes = Vec::new();
    (&mut body)
        .take(MAX_INSPECT + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| EngineError::Io {
            operation: operation.clone(),
            socket: socket.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > MAX_INSPECT {
        return Err(EngineError::BadResponse {
            operation,
            socket: socket.to_owned(),
            reason: format!("the answer is over the {MAX_INSPECT}-byte limit"),
        });
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| EngineError::BadResponse {
            operation,
            socket: socket.to_owned(),
            reason: format!("the answer is not JSON: {e}"),
        })
}

fn status_error(socket: &Path, operation: &str, status: u16, body: &mut Body) -> EngineError {
    let mut bytes = Vec::new();
    let _ = body.take(64 << 10).read_to_end(&mut bytes);
    let message = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_owned));
    EngineError::Status {
        operation: operation.to_owned(),
        socket: socket.to_owned(),
        status,
        message,
    }
}

/// Escapes a name for one path segment as Go's `url.PathEscape` does (the Docker CLI's way):
/// `localhost/test/img:t1` -> `localhost%2Ftest%2Fimg:t1`.
fn path_escape(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@&=+$".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One `GET` over the socket: the status and the body.
fn request(socket: &Path, operation: &str, path: &str) -> Result<(u16, Body), EngineError> {
    let io = |source| EngineError::Io {
        operation: operation.to_owned(),
        socket: socket.to_owned(),
        source,
    };
    let mut stream = match UnixStream::connect(socket) {
        Ok(s) => s,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(EngineError::NoEngine {
                tried: vec![socket.to_owned()],
            });
        }
        Err(e) => return Err(io(e)),
    };
    stream.set_read_timeout(Some(IDLE_TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(IDLE_TIMEOUT)).map_err(io)?;
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: cudoctor/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(head.as_bytes()).map_err(io)?;
    let mut reader = BufReader::new(stream);
    let (status, headers) = read_head(&mut reader).map_err(|reason| match reason {
        HeadError::Io(e) => io(e),
        HeadError::Bad(reason) => EngineError::BadResponse {
            operation: operation.to_owned(),
            socket: socket.to_owned(),
            reason,
        },
    })?;
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let chunked =
        get("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let len = if chunked {
        None
    } else {
        match get("content-length") {
            Some(v) => Some(
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| EngineError::BadResponse {
                        operation: operation.to_owned(),
                        socket: socket.to_owned(),
                        reason: format!("the Content-Length `{v}` is not a number"),
                    })?,
            ),
            None => None,
        }
    };
    let kind = if chunked {
        BodyKind::Chunked {
            left: 0,
            done: false,
        }
    } else if let Some(n) = len {
        BodyKind::Length { left: n }
    } else {
        BodyKind::ToEof
    };
    Ok((
        status,
        Body {
            inner: Box::new(reader),
            kind,
            len,
        },
    ))
}

enum HeadError {
    Io(std::io::Error),
    Bad(String),
}

/// The status code and headers, reading at most [`MAX_HEADER`] bytes.
/// Sample: `HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n`.
fn read_head(r: &mut impl BufRead) -> Result<(u16, Vec<(String, String)>), HeadError> {
    let mut left = MAX_HEADER;
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = r
            .take(left)
            .read_until(b'\n', &mut line)
            .map_err(HeadError::Io)?;
        if !line.ends_with(b"\n") {
            return Err(HeadError::Bad(if n as u64 == left {
                format!("the headers are over {MAX_HEADER} bytes")
            } else {
                "the connection closed inside the headers".to_owned()
            }));
        }
        left -= n as u64;
        let text = String::from_utf8_lossy(&line).trim_end().to_owned();
        if text.is_empty() {
            if lines.is_empty() {
                continue; // tolerate a stray blank line before the status line
            }
            break;
        }
        lines.push(text);
    }
    let status_line = &lines[0];
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| version.starts_with("HTTP/1."))
        .ok_or_else(|| HeadError::Bad(format!("`{status_line}` is not an HTTP/1.x status line")))?;
    let headers = lines[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok((status, headers))
}

enum BodyKind {
    Length { left: u64 },
    Chunked { left: u64, done: bool },
    ToEof,
}

/// A response body: by length, chunked, or to the end of the stream.
struct Body {
    inner: Box<dyn BufRead>,
    kind: BodyKind,
    /// The stated length, when there is one.
    len: Option<u64>,
}

fn bad_data(msg: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.to_owned())
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match &mut self.kind {
            BodyKind::ToEof => self.inner.read(buf),
            BodyKind::Length { left } => {
                if *left == 0 {
                    return Ok(0);
                }
                read_at_most(
                    &mut self.inner,
                    buf,
                    left,
                    "the connection closed before Content-Length bytes arrived",
                )
            }
            BodyKind::Chunked { left, done } => {
                if *done {
                    return Ok(0);
                }
                if *left == 0 {
                    let size = read_chunk_size(&mut self.inner)?;
                    if size == 0 {
                        // Trailers, up to the blank line.
                        loop {
                            let line = read_crlf_line(&mut self.inner)?;
                            if line.is_empty() {
                                break;
                            }
                        }
                        *done = true;
                        return Ok(0);
                    }
                    *left = size;
                }
                let n = read_at_most(
                    &mut self.inner,
                    buf,
                    left,
                    "the connection closed inside a chunk",
                )?;
                if *left == 0 && !read_crlf_line(&mut self.inner)?.is_empty() {
                    return Err(bad_data("a chunk does not end with CRLF"));
                }
                Ok(n)
            }
        }
    }
}

/// One read of at most `left` bytes (and at least one: a closed connection is `UnexpectedEof`
/// with `eof`), taken off `left`.
fn read_at_most(
    r: &mut dyn BufRead,
    buf: &mut [u8],
    left: &mut u64,
    eof: &'static str,
) -> std::io::Result<usize> {
    let want = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
    let n = r.read(&mut buf[..want])?;
    if n == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, eof));
    }
    *left -= n as u64;
    Ok(n)
}

/// One line of at most 4 KiB, without its CRLF (or LF).
fn read_crlf_line(r: &mut dyn BufRead) -> std::io::Result<String> {
    let mut line = Vec::new();
    r.take(4096).read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\n") {
        return Err(bad_data(
            "a chunk line is over 4 KiB or the connection closed",
        ));
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| bad_data("a chunk line is not UTF-8"))
}

/// The size of the next chunk: hex digits, optionally followed by `;extensions`.
fn read_chunk_size(r: &mut dyn BufRead) -> std::io::Result<u64> {
    let line = read_crlf_line(r)?;
    let hex = line.split(';').next().unwrap_or("").trim();
    u64::from_str_radix(hex, 16).map_err(|_| bad_data("a chunk size is not hex"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(raw: &'static [u8], kind: BodyKind) -> Body {
        Body {
            inner: Box::new(std::io::Cursor::new(raw)),
            kind,
            len: None,
        }
    }

    #[test]
    fn sockets_in_order() {
        let env = |k: &str| match k {
            "DOCKER_HOST" => Some("unix:///tmp/d.sock".to_owned()),
            "XDG_RUNTIME_DIR" => Some("/run/user/1000".to_owned()),
            _ => None,
        };
        assert_eq!(
            engine_socket(&env),
            [
                "/tmp/d.sock",
                "/var/run/docker.sock",
                "/run/user/1000/podman/podman.sock",
                "/run/podman/podman.sock"
            ]
            .map(PathBuf::from)
        );
        let env = |k: &str| (k == "DOCKER_HOST").then(|| "tcp://1.2.3.4:2375".to_owned());
        assert_eq!(
            engine_socket(&env),
            ["/var/run/docker.sock", "/run/podman/podman.sock"].map(PathBuf::from)
        );
    }

    #[test]
    fn chunked_bodies() {
        let mut out = String::new();
        body(
            b"4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nextra",
            BodyKind::Chunked {
                left: 0,
                done: false,
            },
        )
        .read_to_string(&mut out)
        .expect("reads");
        assert_eq!(out, "Wikipedia in \r\n\r\nchunks.");
        let err = body(
            b"5\r\nab",
            BodyKind::Chunked {
                left: 0,
                done: false,
            },
        )
        .read_to_end(&mut Vec::new())
        .expect_err("truncated");
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        let err = body(
            b"zz\r\n",
            BodyKind::Chunked {
                left: 0,
                done: false,
            },
        )
        .read_to_end(&mut Vec::new())
        .expect_err("bad size");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        let err = body(b"abc", BodyKind::Length { left: 5 })
            .read_to_end(&mut Vec::new())
            .expect_err("short");
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn heads() {
        let mut r = std::io::Cursor::new(
            b"HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\n{}".to_vec(),
        );
        let (status, headers) = read_head(&mut r).ok().expect("parses");
        assert_eq!(status, 404);
        assert_eq!(headers[1], ("Content-Length".to_owned(), "2".to_owned()));
        let mut big = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 70 << 10));
        assert!(
            matches!(read_head(&mut std::io::Cursor::new(big)), Err(HeadError::Bad(m)) if m.contains("over"))
        );
        assert!(matches!(
            read_head(&mut std::io::Cursor::new(b"SSH-2.0\r\n\r\n".to_vec())),
            Err(HeadError::Bad(_))
        ));
    }

    #[test]
    fn escapes_names() {
        assert_eq!(
            path_escape("localhost/test/img:t1"),
            "localhost%2Ftest%2Fimg:t1"
        );
        assert_eq!(path_escape("a b?#"), "a%20b%3F%23");
    }

    #[test]
    fn missing_socket_is_no_engine() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = dir.path().join("none.sock");
        let err = engine_inspect(&s, "x").expect_err("no socket");
        assert!(
            matches!(&err, EngineError::NoEngine { tried } if tried == std::slice::from_ref(&s)),
            "{err}"
        );
        let err = first_engine(std::slice::from_ref(&s)).expect_err("none");
        assert!(err.to_string().contains("none.sock"), "{err}");
    }
}
