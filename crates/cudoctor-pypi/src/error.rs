//! The one error type of the crate: every variant names the URL (or cache file) and what went
//! wrong.

use std::path::PathBuf;

/// Something a request, a response or the cache could not deliver.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request did not complete (DNS, connection, TLS, timeout, proxy).
    #[error("requesting `{url}`")]
    Request {
        /// The URL asked for.
        url: String,
        /// What the HTTP client reported.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The server answered with a status other than the one expected.
    #[error("`{url}` answered HTTP {status}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// Offline mode and the answer is not in the cache.
    #[error("offline: `{url}` is not in the cache `{}`", cache.as_ref().map_or_else(|| "(no cache directory)".into(), |p| p.display().to_string()))]
    Offline {
        /// The URL that would have been asked for.
        url: String,
        /// The cache directory that was looked in.
        cache: Option<PathBuf>,
    },
    /// The response arrived but is not what the protocol says it should be.
    #[error("reading the response of `{url}`: {reason}")]
    BadResponse {
        /// The URL asked for.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server ignored a `Range` request and started sending the whole file.
    #[error(
        "`{url}` ignored the HTTP Range request (answered 200 with the whole file); reading a member without downloading the wheel needs an index that honours Range"
    )]
    RangeIgnored {
        /// The URL asked for.
        url: String,
    },
    /// The remote file is not a zip archive cudoctor can read.
    #[error("reading the zip archive `{url}`: {reason}")]
    Zip {
        /// The wheel's URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The wheel has no member with that path suffix.
    #[error("the wheel `{url}` has no member whose path ends in `{suffix}`")]
    MemberNotFound {
        /// The wheel's URL.
        url: String,
        /// The suffix looked for.
        suffix: String,
    },
    /// A file's sha256 is not the one the index states.
    #[error("the sha256 of `{url}` is {actual}, but the index states {expected}")]
    HashMismatch {
        /// The file's URL.
        url: String,
        /// What the index said.
        expected: String,
        /// What the bytes hash to.
        actual: String,
    },
    /// The project page lists no such release, or no wheel of it cudoctor can read.
    #[error("`{url}` lists {what}")]
    NoSuchRelease {
        /// The project page.
        url: String,
        /// What is missing (`no release 0.12.0.2 of jax-cuda12-plugin`).
        what: String,
    },
    /// Reading or writing a cache file failed.
    #[error("using the cache file `{}`", path.display())]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A cache file exists but does not parse (a partial write is impossible: writes are atomic).
    #[error("reading the cache file `{}`: {reason}", path.display())]
    CacheCorrupt {
        /// The cache file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A text (METADATA, build_info.py, version.py, the index JSON) did not parse.
    #[error("parsing {what} from `{url}`: {reason}")]
    Parse {
        /// Which kind of text.
        what: &'static str,
        /// Where it came from.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
