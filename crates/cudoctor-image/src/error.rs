//! Why an image could not be read.

use std::io;

/// Why an image could not be read. Every message names the archive (or layout directory, or
/// blob digest) in backticks and says what is wrong; an I/O cause sits in `#[source]`.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A registry or engine reference: read by another crate, not here.
    #[error("`{reference}` is not a local image (registries and engines are read elsewhere)")]
    NotLocal {
        /// The reference.
        reference: String,
    },
    /// An operating-system error on a file of the image.
    #[error("cannot {op} `{path}`")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file (the archive, a blob).
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Neither `manifest.json` nor `index.json` (nor `oci-layout` for a directory).
    #[error("`{archive}` is not an image: {why}")]
    NotAnImage {
        /// The archive or directory.
        archive: String,
        /// What was looked for.
        why: String,
    },
    /// A document names a member or blob the archive lacks.
    #[error("`{archive}`: {what}, which the archive lacks")]
    Missing {
        /// The archive or directory.
        archive: String,
        /// What names what (``manifest.json names layer `abc/layer.tar` ``).
        what: String,
    },
    /// A blob's bytes do not hash to the digest that names it.
    #[error("`{archive}`: {what} has digest `{actual}`, not `{expected}` as its descriptor says")]
    DigestMismatch {
        /// The archive or directory.
        archive: String,
        /// Which blob (`layer 2`, `config`).
        what: String,
        /// The digest named.
        expected: String,
        /// The digest computed.
        actual: String,
    },
    /// A member or blob ends before its stated size.
    #[error("`{archive}` is truncated: {what}")]
    Truncated {
        /// The archive (or `layer N (digest)` of it).
        archive: String,
        /// What ends early.
        what: String,
    },
    /// A tar stream that cannot be read (bad header checksum, garbage size, bad encoding).
    #[error("`{archive}`: {what} is not a readable tar archive")]
    Tar {
        /// The archive.
        archive: String,
        /// Which part (`the archive`, `layer 2 (sha256:...)`).
        what: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A compressed stream that cannot be decompressed.
    #[error("`{archive}`: {what} cannot be decompressed ({detail})")]
    Decompress {
        /// The archive.
        archive: String,
        /// Which layer.
        what: String,
        /// The decoder's message.
        detail: String,
    },
    /// A JSON document that does not parse as what it should be.
    #[error("`{archive}`: {what} is not valid: {detail}")]
    Json {
        /// The archive or directory.
        archive: String,
        /// Which document (`manifest.json`, `config sha256:...`).
        what: String,
        /// The parser's message, with the field path.
        detail: String,
    },
    /// A document or stream beyond a cap of [`crate::limits`].
    #[error("`{archive}`: {what} is beyond the {cap} cap ({limit})")]
    TooLarge {
        /// The archive or directory.
        archive: String,
        /// What is too large.
        what: String,
        /// The cap's name in [`crate::limits`].
        cap: &'static str,
        /// The cap's value.
        limit: u64,
    },
    /// A compressed layer expanding beyond [`crate::limits::DECOMPRESSION_RATIO`] times its size.
    #[error(
        "`{archive}`: layer `{digest}` is a decompression bomb: {compressed} bytes expand past {limit} bytes (DECOMPRESSION_RATIO {ratio}x, at least DECOMPRESSION_FLOOR)"
    )]
    Bomb {
        /// The archive or directory.
        archive: String,
        /// The layer's digest.
        digest: String,
        /// Its compressed size.
        compressed: u64,
        /// The bytes it was allowed to expand to.
        limit: u64,
        /// The ratio cap.
        ratio: u64,
    },
    /// A descriptor of a media type this reader does not know.
    #[error("`{archive}`: {what} has media type `{media_type}`, which is not supported")]
    UnknownMediaType {
        /// The archive or directory.
        archive: String,
        /// Which descriptor.
        what: String,
        /// The media type.
        media_type: String,
    },
    /// Nothing in the index matches the platform or the reference asked for.
    #[error("`{archive}`: no image for {wanted}; the index has {available}")]
    NoMatch {
        /// The archive or directory.
        archive: String,
        /// What was asked (`platform linux/amd64`, ``reference `test:1` ``).
        wanted: String,
        /// What there is.
        available: String,
    },
    /// A document that parses but makes no sense (layers and diff_ids disagree, a bad digest).
    #[error("`{archive}`: {what}")]
    Invalid {
        /// The archive or directory.
        archive: String,
        /// What is wrong.
        what: String,
    },
}

impl ImageError {
    pub(crate) fn io(op: &'static str, path: impl std::fmt::Display, source: io::Error) -> Self {
        ImageError::Io {
            op,
            path: path.to_string(),
            source,
        }
    }
}
