//! The crate's two error types: [`RegistryError`] (a registry over HTTP) and [`EngineError`]
//! (a local engine over its socket). Every variant names what was being done and where
//! (`host/repository`, the URL or the socket) and what was wrong; credentials never appear.

use std::path::PathBuf;

/// Something fetching from a registry (or its blob cache) could not deliver.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The reference does not parse.
    #[error("parsing the image reference `{reference}`: {reason}")]
    InvalidReference {
        /// The text given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A digest is not `sha256:` and 64 lower-case hex digits.
    #[error(
        "{what} has the digest `{digest}`, which is not `sha256:` and 64 lower-case hex digits"
    )]
    InvalidDigest {
        /// Whose digest (`the manifest of `host/repo:tag``).
        what: String,
        /// The digest given.
        digest: String,
    },
    /// Offline (`CUDOCTOR_OFFLINE=1` or [`crate::Options::offline`]) and the answer needs the network.
    #[error(
        "offline (CUDOCTOR_OFFLINE): {operation} of `{host}/{repository}` needs the network{}",
        cache.as_ref().map_or_else(String::new, |p| format!(" (not in the cache `{}`)", p.display()))
    )]
    Offline {
        /// What would have been fetched (`fetching the manifest`).
        operation: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The blob cache file that was looked for, when there is one.
        cache: Option<PathBuf>,
    },
    /// Plain HTTP was asked for (a `http://` host or token realm) where only HTTPS is allowed.
    #[error(
        "refusing plain HTTP to `{url}` for `{host}/{repository}`: only loopback hosts and hosts listed as insecure are reached without TLS"
    )]
    PlainHttpRefused {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The `http://` URL that would have been asked.
        url: String,
    },
    /// The request did not complete (DNS, connection, TLS, timeout, proxy).
    #[error("{operation} of `{host}/{repository}`: requesting `{url}`")]
    Request {
        /// What was being fetched.
        operation: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The URL asked.
        url: String,
        /// What the HTTP client reported.
        #[source]
        source: Box<ureq::Error>,
    },
    /// The registry refused the request (401 or 403), after the token flow where one was offered.
    #[error(
        "{operation} of `{host}/{repository}`: the registry answered HTTP {status} (challenge: {})",
        challenge.as_deref().unwrap_or("none")
    )]
    Unauthorized {
        /// What was being fetched.
        operation: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// 401 or 403.
        status: u16,
        /// The `WWW-Authenticate` header, when there was one.
        challenge: Option<String>,
    },
    /// The registry answered with a status other than the one expected (404 `manifest unknown`).
    #[error("{operation} of `{host}/{repository}`: the registry answered HTTP {status}{}", detail.as_ref().map_or_else(String::new, |d| format!(" ({d})")))]
    Status {
        /// What was being fetched.
        operation: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The HTTP status code.
        status: u16,
        /// The registry's error code and message (`MANIFEST_UNKNOWN: manifest unknown`).
        detail: Option<String>,
    },
    /// The token endpoint did not give a token.
    #[error("getting a token for `{host}/{repository}` from `{realm}`: {reason}")]
    Token {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The realm URL (without credentials).
        realm: String,
        /// What went wrong.
        reason: String,
    },
    /// Bytes do not hash to the digest that names them.
    #[error("{what} of `{host}/{repository}` has the digest {actual}, but {expected} was expected")]
    DigestMismatch {
        /// Which bytes (`the manifest`, `the config blob`, `the layer blob`).
        what: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The digest asked for or announced.
        expected: String,
        /// What the bytes hash to.
        actual: String,
    },
    /// A blob is not the size its descriptor states.
    #[error(
        "{what} of `{host}/{repository}` is {actual} bytes, but its descriptor states {expected}"
    )]
    SizeMismatch {
        /// Which blob.
        what: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The descriptor's size.
        expected: u64,
        /// The bytes received (or more than `expected`, when the body ran over).
        actual: u64,
    },
    /// A manifest or config is over the size cap.
    #[error("{what} of `{host}/{repository}` is over the {limit}-byte limit")]
    TooLarge {
        /// Which document.
        what: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// A JSON document does not parse, or lacks a field.
    #[error("parsing {what} of `{host}/{repository}`: at `{path}`: {reason}")]
    BadJson {
        /// Which document.
        what: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The field path (`layers[0].digest`; `.` for the document itself).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The manifest's media type is not one this crate reads.
    #[error(
        "the manifest of `{host}/{repository}` has the media type `{media_type}`, which is not an OCI or Docker v2 manifest or index"
    )]
    UnsupportedMediaType {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The media type.
        media_type: String,
    },
    /// An index (manifest list) has no manifest for the wanted platform.
    #[error("the index of `{host}/{repository}` has no manifest for {wanted}; it has: {}", if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    NoMatchingPlatform {
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The platform asked for (`linux/amd64`).
        wanted: String,
        /// The platforms the index lists.
        available: Vec<String>,
    },
    /// The platform given in [`crate::Options::platform`] is not `os/arch[/variant]`.
    #[error("the platform `{0}` is not `os/arch` or `os/arch/variant`")]
    InvalidPlatform(String),
    /// The Docker config file exists but does not parse.
    #[error("reading the Docker config `{}`: {reason}", path.display())]
    DockerConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its credentials).
        reason: String,
    },
    /// Reading or writing the blob cache failed.
    #[error("using the blob cache file `{}`", path.display())]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A cached blob is not what its name says; it has been removed, so the next fetch downloads it.
    #[error("the cached blob `{}` {reason}; it was removed, and fetching it again downloads it afresh", path.display())]
    CacheCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong (`is 10 bytes, not 12`, `hashes to sha256:…`).
        reason: String,
    },
    /// No cache directory: neither [`crate::Options::cache_dir`] nor `XDG_CACHE_HOME` nor `HOME`.
    #[error("no blob cache directory: set Options::cache_dir, XDG_CACHE_HOME or HOME")]
    NoCacheDir,
    /// Reading a response body failed midway.
    #[error("{operation} of `{host}/{repository}`: reading the response of `{url}`")]
    Body {
        /// What was being fetched.
        operation: String,
        /// The registry host.
        host: String,
        /// The repository.
        repository: String,
        /// The URL.
        url: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Something a local Docker or Podman engine could not deliver.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// None of the sockets tried accepts connections.
    #[error("no Docker or Podman engine socket answers; tried: {}", if tried.is_empty() { "none".to_owned() } else { tried.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ") })]
    NoEngine {
        /// The sockets tried, in order.
        tried: Vec<PathBuf>,
    },
    /// The engine has no image of that name (HTTP 404).
    #[error("the engine has no image `{name}`")]
    NoSuchImage {
        /// The name asked for.
        name: String,
    },
    /// Talking to the socket failed.
    #[error("{operation} over `{}`", socket.display())]
    Io {
        /// What was being done (`saving the image `x``).
        operation: String,
        /// The socket.
        socket: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The engine answered with an unexpected status.
    #[error("{operation} over `{}`: the engine answered HTTP {status}{}", socket.display(), message.as_ref().map_or_else(String::new, |m| format!(" ({m})")))]
    Status {
        /// What was being done.
        operation: String,
        /// The socket.
        socket: PathBuf,
        /// The HTTP status code.
        status: u16,
        /// The engine's `message`, when it sent one.
        message: Option<String>,
    },
    /// The engine's answer is not well-formed HTTP or JSON.
    #[error("{operation} over `{}`: {reason}", socket.display())]
    BadResponse {
        /// What was being done.
        operation: String,
        /// The socket.
        socket: PathBuf,
        /// What is wrong.
        reason: String,
    },
}
