//! The blocking client: one HTTP agent, the response cache, offline mode, and the reads the
//! rest of cudoctor asks for (a project's files, a wheel's METADATA, one member of a wheel).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use pep440_rs::Version;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::lazyzip::{self, RangeSource, ZipError};
use crate::metadata::{Metadata, headers_only, parse_metadata};
use crate::pins::Provenance;
use crate::simple::{
    IndexFile, ProjectPage, SIMPLE_JSON, WheelName, normalize_name, parse_project_page,
};

/// The largest project page read (64 MiB; PyPI's tensorflow page is under 1 MiB).
pub const MAX_PAGE: u64 = 64 << 20;

/// A cached response: what was asked, the sha256 it was checked against, and the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// `index`, `metadata` or `member`.
    pub kind: String,
    /// The URL (for members: `WHEEL_URL#SUFFIX`).
    pub url: String,
    /// The sha256 the answer was verified against or keyed by (the wheel's for members and
    /// METADATA read from the zip, the `.metadata` file's for PEP 658).
    pub sha256: Option<String>,
    /// How the text was obtained (`pep658`, `zip`, `index`) and what was kept (`headers only`).
    pub note: String,
    /// For members: the member's path in the wheel.
    pub member: Option<String>,
    /// The text.
    pub body: String,
}

/// The cache file of an entry: `DIR/KIND/HEX.json`, HEX from the kind, URL and sha256.
pub fn cache_path(dir: &Path, kind: &str, url: &str, sha256: Option<&str>) -> PathBuf {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update(b"\n");
    h.update(url.as_bytes());
    h.update(b"\n");
    h.update(sha256.unwrap_or("").as_bytes());
    let hex = hex(&h.finalize());
    dir.join(kind).join(format!("{}.json", &hex[..32]))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The sha256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Writes a cache entry atomically (temp file in the same directory, then rename).
pub fn write_cache(dir: &Path, entry: &CacheEntry) -> Result<PathBuf> {
    let path = cache_path(dir, &entry.kind, &entry.url, entry.sha256.as_deref());
    let parent = path.parent().unwrap_or(dir).to_path_buf();
    let io = |source| Error::Cache {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&parent).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&parent).map_err(io)?;
    let text = serde_json::to_string_pretty(entry).map_err(|e| io(std::io::Error::other(e)))?;
    tmp.write_all(text.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(&path).map_err(|e| io(e.error))?;
    Ok(path)
}

/// Reads a cache entry (`None` when absent).
pub fn read_cache(
    dir: &Path,
    kind: &str,
    url: &str,
    sha256: Option<&str>,
) -> Result<Option<CacheEntry>> {
    let path = cache_path(dir, kind, url, sha256);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Cache { path, source }),
    };
    let entry: CacheEntry = serde_json::from_str(&text).map_err(|e| Error::CacheCorrupt {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    if entry.url != url || entry.kind != kind {
        return Err(Error::CacheCorrupt {
            path,
            reason: format!(
                "it holds `{}` ({}), not `{url}` ({kind})",
                entry.url, entry.kind
            ),
        });
    }
    Ok(Some(entry))
}

/// METADATA as read, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataRead {
    /// Parsed.
    pub metadata: Metadata,
    /// The header text (the description body is not kept).
    pub text: String,
    /// Where and how it was read.
    pub provenance: Provenance,
}

/// One member of a remote wheel, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRead {
    /// Its path in the wheel.
    pub path: String,
    /// Its text (UTF-8).
    pub text: String,
    /// The wheel's URL.
    pub wheel_url: String,
    /// The wheel's sha256 as the index states it.
    pub wheel_sha256: Option<String>,
}

/// Releases of a project: version -> its wheels (sdists and unparsable names left out).
pub fn wheels_by_version(page: &ProjectPage) -> BTreeMap<Version, Vec<(WheelName, IndexFile)>> {
    let mut out: BTreeMap<Version, Vec<(WheelName, IndexFile)>> = BTreeMap::new();
    for f in &page.files {
        if let Ok(w) = f.filename.parse::<WheelName>() {
            out.entry(w.version.clone())
                .or_default()
                .push((w, f.clone()));
        }
    }
    out
}

/// The wheel cudoctor reads for a release: a Linux x86_64 (or pure) wheel, not yanked when one
/// is not, with the highest CPython tag, ties broken by file name (deterministic).
pub fn pick_linux_x86_64(wheels: &[(WheelName, IndexFile)]) -> Option<&IndexFile> {
    wheels
        .iter()
        .filter(|(w, _)| w.is_linux_x86_64())
        .max_by(|(wa, fa), (wb, fb)| {
            (fa.yanked.is_none(), wa.cpython_minor(), &fb.filename).cmp(&(
                fb.yanked.is_none(),
                wb.cpython_minor(),
                &fa.filename,
            ))
        })
        .map(|(_, f)| f)
}

/// One release's facts: the wheel read, its METADATA and what its pins say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRead {
    /// The wheel whose METADATA was read (one Linux x86_64 wheel, see [`pick_linux_x86_64`]).
    pub file: IndexFile,
    /// Its METADATA.
    pub metadata: MetadataRead,
    /// The requirement facts of its pins, with the source string to quote.
    pub facts: crate::pins::PinFacts,
}

/// The client.
#[derive(Debug, Clone)]
pub struct Client {
    config: Config,
    agent: ureq::Agent,
}

impl Client {
    /// A client for `config` (no request is made here).
    pub fn new(config: Config) -> Self {
        // An index answer is small: the timeout bounds the whole request.
        let agent = cudoctor_http::agent(
            cudoctor_http::Timeout::Whole(config.timeout),
            config.proxy_from_env,
        );
        Self { config, agent }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn offline_error(&self, url: &str) -> Error {
        Error::Offline {
            url: url.to_owned(),
            cache: self.config.cache_dir.clone(),
        }
    }

    fn cached(&self, kind: &str, url: &str, sha: Option<&str>) -> Result<Option<CacheEntry>> {
        match &self.config.cache_dir {
            Some(dir) => read_cache(dir, kind, url, sha),
            None => Ok(None),
        }
    }

    fn store(&self, entry: &CacheEntry) -> Result<()> {
        if let Some(dir) = &self.config.cache_dir {
            write_cache(dir, entry)?;
        }
        Ok(())
    }

    fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<ureq::http::Response<ureq::Body>> {
        let mut req = self.agent.get(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.call().map_err(|e| Error::Request {
            url: url.to_owned(),
            source: Box::new(e),
        })
    }

    fn read_body(
        url: &str,
        resp: &mut ureq::http::Response<ureq::Body>,
        limit: u64,
    ) -> Result<Vec<u8>> {
        cudoctor_http::read_capped(resp, limit).map_err(|e| Error::BadResponse {
            url: url.to_owned(),
            reason: match e {
                cudoctor_http::CappedError::Io(e) => format!("reading the body failed: {e}"),
                cudoctor_http::CappedError::TooLarge => {
                    format!("the body is over the {limit}-byte limit")
                }
            },
        })
    }

    /// The URL of a project's page on the index.
    pub fn project_url(&self, name: &str) -> String {
        format!("{}{}/", self.config.index_url, normalize_name(name))
    }

    /// A project's files (PEP 691 JSON). Online, the page is always asked for afresh (and
    /// cached); offline, the cached page answers.
    pub fn project(&self, name: &str) -> Result<ProjectPage> {
        let url = self.project_url(name);
        let text = if self.config.offline {
            self.cached("index", &url, None)?
                .ok_or_else(|| self.offline_error(&url))?
                .body
        } else {
            let mut resp = self.get(&url, &[("Accept", SIMPLE_JSON)])?;
            let status = resp.status().as_u16();
            if status != 200 {
                return Err(Error::Status { url, status });
            }
            let body = Self::read_body(&url, &mut resp, MAX_PAGE)?;
            let text = String::from_utf8(body).map_err(|_| Error::BadResponse {
                url: url.clone(),
                reason: "the page is not UTF-8".into(),
            })?;
            // Parse before caching, so the cache only holds pages that parse.
            parse_project_page(&text, &url).map_err(|reason| Error::Parse {
                what: "the PEP 691 project page",
                url: url.clone(),
                reason,
            })?;
            self.store(&CacheEntry {
                kind: "index".into(),
                url: url.clone(),
                sha256: None,
                note: "index".into(),
                member: None,
                body: text.clone(),
            })?;
            text
        };
        parse_project_page(&text, &url).map_err(|reason| Error::Parse {
            what: "the PEP 691 project page",
            url,
            reason,
        })
    }

    /// The facts of one release of a project (`jax-cuda12-plugin`, `0.12.0.1`): its project
    /// page, one Linux x86_64 wheel of that version, that wheel's METADATA, and
    /// [`crate::pins::pin_facts`] over it. This is what `cudoctor requirements` asks for a
    /// release newer than its data; offline it answers from the cache or fails with
    /// [`Error::Offline`].
    pub fn release(&self, name: &str, version: &str) -> Result<ReleaseRead> {
        let url = self.project_url(name);
        let wanted: Version = version.parse().map_err(|e| Error::Parse {
            what: "the release version",
            url: url.clone(),
            reason: format!("`{version}` is not a PEP 440 version: {e}"),
        })?;
        let page = self.project(name)?;
        let by_version = wheels_by_version(&page);
        let wheels = by_version
            .get(&wanted)
            .ok_or_else(|| Error::NoSuchRelease {
                url: url.clone(),
                what: format!("no wheel of release {version} of {name}"),
            })?;
        let file = pick_linux_x86_64(wheels).ok_or_else(|| Error::NoSuchRelease {
            url: url.clone(),
            what: format!("no Linux x86_64 wheel of {name} {version}"),
        })?;
        let metadata = self.metadata(file)?;
        let facts = crate::pins::pin_facts(&metadata.metadata, &metadata.provenance);
        Ok(ReleaseRead {
            file: file.clone(),
            metadata,
            facts,
        })
    }

    /// A wheel's METADATA: the PEP 658 `.metadata` file when the index says it serves one
    /// (its sha256 checked when stated), else (or when that answers 404) out of the wheel's
    /// zip by range requests. Cached by wheel URL and sha256.
    pub fn metadata(&self, file: &IndexFile) -> Result<MetadataRead> {
        let key_sha = file.sha256.as_deref();
        let (text, via, url) = if let Some(hit) = self.cached("metadata", &file.url, key_sha)? {
            let via = if hit.note.starts_with("pep658") {
                "pep658"
            } else {
                "zip"
            };
            let url = if via == "pep658" {
                format!("{}.metadata", file.url)
            } else {
                file.url.clone()
            };
            (hit.body, via, url)
        } else if self.config.offline {
            return Err(self.offline_error(&file.url));
        } else {
            let mut got = None;
            if file.core_metadata.is_served() {
                let murl = format!("{}.metadata", file.url);
                let mut resp = self.get(&murl, &[])?;
                match resp.status().as_u16() {
                    200 => {
                        let body = Self::read_body(&murl, &mut resp, lazyzip::MAX_MEMBER)?;
                        if let Some(expected) = file.core_metadata.sha256() {
                            let actual = sha256_hex(&body);
                            if actual != expected {
                                return Err(Error::HashMismatch {
                                    url: murl,
                                    expected: expected.to_owned(),
                                    actual,
                                });
                            }
                        }
                        let text = String::from_utf8_lossy(&body).into_owned();
                        got = Some((text, "pep658", murl));
                    }
                    404 => {} // some mirrors: fall back to the zip
                    status => return Err(Error::Status { url: murl, status }),
                }
            }
            let (text, via, url) = if let Some(g) = got {
                g
            } else {
                let mut src = HttpRange::new(self, &file.url);
                let entries = src.run(lazyzip::read_entries)?;
                let entry = lazyzip::find_metadata(&entries)
                    .ok_or_else(|| Error::MemberNotFound {
                        url: file.url.clone(),
                        suffix: ".dist-info/METADATA".into(),
                    })?
                    .clone();
                let data = src.run(|s| lazyzip::read_entry(s, &entry))?;
                (
                    String::from_utf8_lossy(&data).into_owned(),
                    "zip",
                    file.url.clone(),
                )
            };
            let text = headers_only(&text);
            self.store(&CacheEntry {
                kind: "metadata".into(),
                url: file.url.clone(),
                sha256: file.sha256.clone(),
                note: if via == "pep658" {
                    format!(
                        "pep658 {url}{}; headers only",
                        file.core_metadata
                            .sha256()
                            .map(|h| format!(" (sha256 {h} verified)"))
                            .unwrap_or_default()
                    )
                } else {
                    "zip (range reads of the wheel); headers only".into()
                },
                member: None,
                body: text.clone(),
            })?;
            (text, via, url)
        };
        let metadata = parse_metadata(&text).map_err(|reason| Error::Parse {
            what: "METADATA",
            url: url.clone(),
            reason,
        })?;
        Ok(MetadataRead {
            metadata,
            text,
            provenance: Provenance {
                filename: file.filename.clone(),
                url,
                wheel_sha256: file.sha256.clone(),
                via: via.to_owned(),
            },
        })
    }

    /// The member of a remote wheel whose path ends in `suffix`
    /// (`tensorflow/python/platform/build_info.py`), read by range requests on the zip; never
    /// the whole wheel. Cached by wheel URL, suffix and sha256.
    pub fn member(&self, file: &IndexFile, suffix: &str) -> Result<MemberRead> {
        let key = format!("{}#{suffix}", file.url);
        let sha = file.sha256.as_deref();
        let done = |path: String, text: String| MemberRead {
            path,
            text,
            wheel_url: file.url.clone(),
            wheel_sha256: file.sha256.clone(),
        };
        if let Some(hit) = self.cached("member", &key, sha)? {
            // A wheel with a stated sha256 never changes, so "no such member" is cached too.
            return match hit.member {
                Some(path) => Ok(done(path, hit.body)),
                None => Err(Error::MemberNotFound {
                    url: file.url.clone(),
                    suffix: suffix.to_owned(),
                }),
            };
        }
        if self.config.offline {
            return Err(self.offline_error(&key));
        }
        let mut src = HttpRange::new(self, &file.url);
        let entries = src.run(lazyzip::read_entries)?;
        let Some(entry) = lazyzip::find_suffix(&entries, suffix).cloned() else {
            if file.sha256.is_some() {
                self.store(&CacheEntry {
                    kind: "member".into(),
                    url: key,
                    sha256: file.sha256.clone(),
                    note: "zip (range reads of the wheel): no such member".into(),
                    member: None,
                    body: String::new(),
                })?;
            }
            return Err(Error::MemberNotFound {
                url: file.url.clone(),
                suffix: suffix.to_owned(),
            });
        };
        let data = src.run(|s| lazyzip::read_entry(s, &entry))?;
        let text = String::from_utf8(data).map_err(|_| Error::Zip {
            url: file.url.clone(),
            reason: format!("`{}` is not UTF-8 text", entry.name),
        })?;
        self.store(&CacheEntry {
            kind: "member".into(),
            url: key,
            sha256: file.sha256.clone(),
            note: "zip (range reads of the wheel)".into(),
            member: Some(entry.name.clone()),
            body: text.clone(),
        })?;
        Ok(done(entry.name, text))
    }

    /// Downloads a whole file to `dest` (for `--deep`), checking the index's sha256; refuses
    /// offline. Written to a temp file beside `dest`, then renamed.
    pub fn download(&self, file: &IndexFile, dest: &Path) -> Result<()> {
        if self.config.offline {
            return Err(self.offline_error(&file.url));
        }
        let url = file.url.as_str();
        let mut resp = self.get(url, &[])?;
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(Error::Status {
                url: url.to_owned(),
                status,
            });
        }
        let io = |source| Error::Cache {
            path: dest.to_path_buf(),
            source,
        };
        let parent = dest.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io)?;
        let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = reader.read(&mut buf).map_err(|e| Error::BadResponse {
                url: url.to_owned(),
                reason: format!("reading the body failed: {e}"),
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n]).map_err(io)?;
        }
        let actual = hex(&hasher.finalize());
        if let Some(expected) = &file.sha256 {
            if &actual != expected {
                return Err(Error::HashMismatch {
                    url: url.to_owned(),
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        tmp.persist(dest).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// A remote file read by HTTP `Range` requests. The first read asks for the tail (which also
/// tells the length); later reads inside the tail are served from it.
struct HttpRange<'a> {
    client: &'a Client,
    url: String,
    total: Option<u64>,
    tail: Vec<u8>,
    tail_start: u64,
    error: Option<Error>,
}

impl<'a> HttpRange<'a> {
    fn new(client: &'a Client, url: &str) -> Self {
        Self {
            client,
            url: url.to_owned(),
            total: None,
            tail: Vec::new(),
            tail_start: 0,
            error: None,
        }
    }

    /// Runs a zip step, turning its error into the crate's (the transport's own when it failed).
    fn run<T>(&mut self, f: impl FnOnce(&mut dyn RangeSource) -> Result<T, ZipError>) -> Result<T> {
        f(self).map_err(|e| match (self.error.take(), e) {
            (Some(err), _) => err,
            (None, ZipError::NotFound) => Error::MemberNotFound {
                url: self.url.clone(),
                suffix: String::new(),
            },
            (None, ZipError::Invalid(reason) | ZipError::Transport(reason)) => Error::Zip {
                url: self.url.clone(),
                reason,
            },
        })
    }

    fn fail(&mut self, e: Error) -> ZipError {
        let msg = e.to_string();
        self.error = Some(e);
        ZipError::Transport(msg)
    }

    /// One range request: `bytes=SPEC`; returns (first byte, bytes, total length).
    fn request(&mut self, spec: &str, max: u64) -> Result<(u64, Vec<u8>, u64), ZipError> {
        let url = self.url.clone();
        let range = format!("bytes={spec}");
        let mut resp = match self.client.get(&url, &[("Range", &range)]) {
            Ok(r) => r,
            Err(e) => return Err(self.fail(e)),
        };
        match resp.status().as_u16() {
            206 => {}
            200 => return Err(self.fail(Error::RangeIgnored { url })),
            status => return Err(self.fail(Error::Status { url, status })),
        }
        let header = resp
            .headers()
            .get("content-range")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some((start, end, total)) = header.as_deref().and_then(parse_content_range) else {
            let reason = format!("a 206 answer without a valid Content-Range (got {header:?})");
            return Err(self.fail(Error::BadResponse { url, reason }));
        };
        let want = end - start + 1;
        if want > max {
            let reason = format!("the server sent {want} bytes for a request of at most {max}");
            return Err(self.fail(Error::BadResponse { url, reason }));
        }
        let body = match Client::read_body(&url, &mut resp, want) {
            Ok(b) => b,
            Err(e) => return Err(self.fail(e)),
        };
        if body.len() as u64 != want {
            let reason = format!(
                "Content-Range says {want} bytes, the body has {}",
                body.len()
            );
            return Err(self.fail(Error::BadResponse { url, reason }));
        }
        Ok((start, body, total))
    }
}

/// `bytes START-END/TOTAL` -> (START, END, TOTAL), consistent.
fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes")?.trim();
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b, t): (u64, u64, u64) = (
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (a <= b && b < t).then_some((a, b, t))
}

impl RangeSource for HttpRange<'_> {
    fn total_len(&mut self) -> Result<u64, ZipError> {
        if let Some(t) = self.total {
            return Ok(t);
        }
        let (start, body, total) = self.request(&format!("-{}", lazyzip::TAIL), lazyzip::TAIL)?;
        if start + body.len() as u64 != total {
            let reason = "the tail request did not end at the end of the file".to_owned();
            return Err(self.fail(Error::BadResponse {
                url: self.url.clone(),
                reason,
            }));
        }
        self.tail = body;
        self.tail_start = start;
        self.total = Some(total);
        Ok(total)
    }

    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, ZipError> {
        let total = self.total_len()?;
        let end = start
            .checked_add(len)
            .filter(|e| *e <= total)
            .ok_or_else(|| {
                ZipError::Invalid(format!(
                    "range {start}+{len} is past the end of the file ({total} bytes)"
                ))
            })?;
        if start >= self.tail_start {
            let s = (start - self.tail_start) as usize;
            if let Some(b) = self.tail.get(s..s + len as usize) {
                return Ok(b.to_vec());
            }
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let (got, body, t) = self.request(&format!("{start}-{}", end - 1), len)?;
        if got != start || t != total {
            let reason = format!("asked for bytes from {start} of {total}, got from {got} of {t}");
            return Err(self.fail(Error::BadResponse {
                url: self.url.clone(),
                reason,
            }));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range() {
        assert_eq!(
            parse_content_range("bytes 8898372-8898471/8898472"),
            Some((8_898_372, 8_898_471, 8_898_472))
        );
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes 0-10/10"), None);
        assert_eq!(parse_content_range("bytes */10"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }

    #[test]
    fn cache_round_trip_and_keying() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = CacheEntry {
            kind: "member".into(),
            url: "https://x/a.whl#torch/version.py".into(),
            sha256: Some("ab".into()),
            note: "zip".into(),
            member: Some("torch/version.py".into()),
            body: "__version__ = '1'\n".into(),
        };
        write_cache(dir.path(), &e).expect("writes");
        assert_eq!(
            read_cache(dir.path(), "member", &e.url, Some("ab")).expect("reads"),
            Some(e.clone())
        );
        // Another sha256 is another entry.
        assert_eq!(
            read_cache(dir.path(), "member", &e.url, Some("cd")).expect("reads"),
            None
        );
        // A corrupt file is a clear error naming the file.
        let p = cache_path(dir.path(), "member", &e.url, Some("ab"));
        std::fs::write(&p, "{").expect("write");
        let err = read_cache(dir.path(), "member", &e.url, Some("ab")).expect_err("corrupt");
        assert!(err.to_string().contains(&p.display().to_string()), "{err}");
    }

    #[test]
    fn offline_never_asks() {
        let mut c = Config::new("http://127.0.0.1:9/simple");
        c.offline = true;
        let client = Client::new(c);
        let err = client.project("torch").expect_err("offline");
        assert!(matches!(err, Error::Offline { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("offline: `http://127.0.0.1:9/simple/torch/`"),
            "{err}"
        );
    }

    #[test]
    fn picks_one_linux_wheel_deterministically() {
        let f = |name: &str, yanked: bool| {
            let w: WheelName = name.parse().expect("wheel");
            let file = IndexFile {
                filename: name.into(),
                url: format!("https://x/{name}"),
                sha256: None,
                requires_python: None,
                core_metadata: crate::simple::CoreMetadata::Absent,
                upload_time: None,
                yanked: yanked.then(String::new),
                size: None,
            };
            (w, file)
        };
        let wheels = vec![
            f("torch-2.5.1-cp39-cp39-manylinux1_x86_64.whl", false),
            f("torch-2.5.1-cp313-cp313-manylinux1_x86_64.whl", true),
            f("torch-2.5.1-cp312-cp312-manylinux1_x86_64.whl", false),
            f("torch-2.5.1-cp312-none-macosx_11_0_arm64.whl", false),
        ];
        let picked = pick_linux_x86_64(&wheels).expect("one");
        assert_eq!(
            picked.filename,
            "torch-2.5.1-cp312-cp312-manylinux1_x86_64.whl"
        );
    }
}
