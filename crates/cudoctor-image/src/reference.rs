//! Where an image comes from, written in skopeo's transport conventions.

use std::fmt;
use std::path::{Path, PathBuf};

/// The registry that a reference without a host names (Docker Hub).
pub const DOCKER_HUB: &str = "registry-1.docker.io";

/// Where an image comes from, in skopeo's conventions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `--image PATH`: a docker-archive, an OCI archive or an OCI layout directory, detected.
    Auto(PathBuf),
    /// `docker-archive:PATH`.
    DockerArchive(PathBuf),
    /// `oci-archive:PATH[:REF]`.
    OciArchive {
        /// The archive.
        path: PathBuf,
        /// The `org.opencontainers.image.ref.name` to pick from its index.
        reference: Option<String>,
    },
    /// `oci:DIR[:REF]`.
    OciLayout {
        /// The layout directory.
        dir: PathBuf,
        /// The `org.opencontainers.image.ref.name` to pick from its index.
        reference: Option<String>,
    },
    /// `-`: a `docker save` stream on stdin.
    Stdin,
    /// `docker://HOST/REPO:TAG` or `docker://HOST/REPO@DIGEST` (parsed here, fetched elsewhere).
    Registry {
        /// The registry host (and port); Docker Hub is [`DOCKER_HUB`].
        host: String,
        /// The repository (`library/ubuntu` for Docker Hub's official images).
        repository: String,
        /// The tag, if given.
        tag: Option<String>,
        /// The manifest digest (`sha256:...`), if given.
        digest: Option<String>,
    },
    /// A bare `NAME[:TAG]` that is not an existing path, or `docker-daemon:NAME[:TAG]`: an image
    /// of a local engine (parsed here, looked up elsewhere).
    Engine {
        /// The name as given.
        name: String,
    },
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// Nothing was given.
    #[error("empty image reference")]
    Empty,
    /// A transport prefix with nothing after it.
    #[error("image reference `{0}` names no path or image")]
    Incomplete(String),
    /// A path-like reference that does not exist.
    #[error("image `{0}`: no such file or directory (and not a valid image name)")]
    NoSuchPath(String),
    /// A malformed registry reference.
    #[error("registry reference `{reference}`: {why}")]
    BadRegistry {
        /// The reference as given.
        reference: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A malformed engine image name.
    #[error("`{0}` is neither an existing path nor a valid image name")]
    BadName(String),
}

impl Reference {
    /// Parses a reference: `-`, `docker-archive:`, `oci-archive:`, `oci:`, `docker://`,
    /// `docker-daemon:`, else a path that exists on disk ([`Reference::Auto`]), else an image
    /// name such as `name:tag`, `name` or `host:port/name:tag` ([`Reference::Engine`]).
    pub fn parse(s: &str) -> Result<Reference, ReferenceError> {
        if s.is_empty() {
            return Err(ReferenceError::Empty);
        }
        if s == "-" {
            return Ok(Reference::Stdin);
        }
        if let Some(rest) = s.strip_prefix("docker://") {
            return parse_registry(s, rest);
        }
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            let (path, _) = split_path_ref(s, rest)?;
            return Ok(Reference::DockerArchive(path));
        }
        if let Some(rest) = s.strip_prefix("oci-archive:") {
            let (path, reference) = split_path_ref(s, rest)?;
            return Ok(Reference::OciArchive { path, reference });
        }
        if let Some(rest) = s.strip_prefix("oci:") {
            let (dir, reference) = split_path_ref(s, rest)?;
            return Ok(Reference::OciLayout { dir, reference });
        }
        if let Some(rest) = s.strip_prefix("docker-daemon:") {
            if rest.is_empty() {
                return Err(ReferenceError::Incomplete(s.to_owned()));
            }
            return Ok(Reference::Engine {
                name: rest.to_owned(),
            });
        }
        if Path::new(s).symlink_metadata().is_ok() {
            return Ok(Reference::Auto(PathBuf::from(s)));
        }
        if s.starts_with('/') || s.starts_with('.') || s.ends_with('/') {
            return Err(ReferenceError::NoSuchPath(s.to_owned()));
        }
        if is_image_name(s) {
            return Ok(Reference::Engine { name: s.to_owned() });
        }
        Err(ReferenceError::BadName(s.to_owned()))
    }

    /// Whether [`crate::open`] reads this form itself (everything but registries and engines).
    pub fn is_local(&self) -> bool {
        !matches!(self, Reference::Registry { .. } | Reference::Engine { .. })
    }
}

/// `PATH[:REF]`: the whole string when it exists as a path, else split at the first `:`
/// (skopeo's rule).
fn split_path_ref(whole: &str, rest: &str) -> Result<(PathBuf, Option<String>), ReferenceError> {
    if rest.is_empty() {
        return Err(ReferenceError::Incomplete(whole.to_owned()));
    }
    if Path::new(rest).symlink_metadata().is_ok() {
        return Ok((PathBuf::from(rest), None));
    }
    match rest.split_once(':') {
        Some((p, r)) if !p.is_empty() => {
            Ok((PathBuf::from(p), (!r.is_empty()).then(|| r.to_owned())))
        }
        _ => Ok((PathBuf::from(rest), None)),
    }
}

fn parse_registry(whole: &str, rest: &str) -> Result<Reference, ReferenceError> {
    let bad = |why| ReferenceError::BadRegistry {
        reference: whole.to_owned(),
        why,
    };
    if rest.is_empty() {
        return Err(bad("no repository"));
    }
    let (name, digest) = match rest.split_once('@') {
        Some((n, d)) => {
            let Some((alg, hex)) = d.split_once(':') else {
                return Err(bad("the digest is not `ALGORITHM:HEX`"));
            };
            if alg.is_empty()
                || hex.is_empty()
                || !hex.bytes().all(|b| b.is_ascii_hexdigit())
                || !alg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+._-".contains(&b))
            {
                return Err(bad("the digest is not `ALGORITHM:HEX`"));
            }
            (n, Some(d.to_owned()))
        }
        None => (rest, None),
    };
    // The host is the first component when it looks like one (docker's rule).
    let (host, path) = match name.split_once('/') {
        Some((h, p)) if h.contains('.') || h.contains(':') || h == "localhost" => {
            (h.to_owned(), p.to_owned())
        }
        _ => (DOCKER_HUB.to_owned(), name.to_owned()),
    };
    let host = if host == "docker.io" || host == "index.docker.io" {
        DOCKER_HUB.to_owned()
    } else {
        host
    };
    let (repository, tag) = match path.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_owned(), Some(t.to_owned())),
        _ => (path.clone(), None),
    };
    if repository.is_empty() || !is_image_name(&repository) {
        return Err(bad("the repository is not a valid name"));
    }
    if tag.as_deref().is_some_and(|t| {
        t.is_empty()
            || t.len() > 128
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    }) {
        return Err(bad("the tag is not valid"));
    }
    let repository = if host == DOCKER_HUB && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    Ok(Reference::Registry {
        host,
        repository,
        tag,
        digest,
    })
}

/// `[host[:port]/]path[:tag][@digest]` with docker's characters.
fn is_image_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 4096
        && !s.starts_with(['/', '.', '-', ':', '@'])
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:@+".contains(&b))
        && !s.contains("//")
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Auto(p) => write!(f, "{}", p.display()),
            Reference::DockerArchive(p) => write!(f, "docker-archive:{}", p.display()),
            Reference::OciArchive { path, reference } => {
                write!(f, "oci-archive:{}", path.display())?;
                if let Some(r) = reference {
                    write!(f, ":{r}")?;
                }
                Ok(())
            }
            Reference::OciLayout { dir, reference } => {
                write!(f, "oci:{}", dir.display())?;
                if let Some(r) = reference {
                    write!(f, ":{r}")?;
                }
                Ok(())
            }
            Reference::Stdin => f.write_str("-"),
            Reference::Registry {
                host,
                repository,
                tag,
                digest,
            } => {
                write!(f, "docker://{host}/{repository}")?;
                if let Some(t) = tag {
                    write!(f, ":{t}")?;
                }
                if let Some(d) = digest {
                    write!(f, "@{d}")?;
                }
                Ok(())
            }
            Reference::Engine { name } => write!(f, "docker-daemon:{name}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn transports() {
        assert_eq!(Reference::parse("-"), Ok(Reference::Stdin));
        assert_eq!(
            Reference::parse("docker-archive:/no/such.tar"),
            Ok(Reference::DockerArchive("/no/such.tar".into()))
        );
        assert_eq!(
            Reference::parse("oci-archive:/no/x.tar:test:1"),
            Ok(Reference::OciArchive {
                path: "/no/x.tar".into(),
                reference: Some("test:1".into())
            })
        );
        assert_eq!(
            Reference::parse("oci:/no/layout"),
            Ok(Reference::OciLayout {
                dir: "/no/layout".into(),
                reference: None
            })
        );
        assert_eq!(
            Reference::parse("/").map(|r| r.to_string()),
            Ok("/".to_owned())
        );
        assert_eq!(
            Reference::parse("/no/such/file.tar"),
            Err(ReferenceError::NoSuchPath("/no/such/file.tar".into()))
        );
        assert_eq!(Reference::parse(""), Err(ReferenceError::Empty));
        assert!(Reference::parse("oci:").is_err());
    }

    #[test]
    fn registry_defaults_to_docker_hub() {
        let r = Reference::parse("docker://ubuntu:22.04").unwrap();
        assert_eq!(
            r,
            Reference::Registry {
                host: DOCKER_HUB.into(),
                repository: "library/ubuntu".into(),
                tag: Some("22.04".into()),
                digest: None
            }
        );
        assert_eq!(
            r.to_string(),
            "docker://registry-1.docker.io/library/ubuntu:22.04"
        );
        let r = Reference::parse("docker://nvcr.io:5000/nvidia/cuda@sha256:abcd").unwrap();
        assert_eq!(
            r,
            Reference::Registry {
                host: "nvcr.io:5000".into(),
                repository: "nvidia/cuda".into(),
                tag: None,
                digest: Some("sha256:abcd".into())
            }
        );
        assert_eq!(Reference::parse(&r.to_string()), Ok(r));
        assert!(Reference::parse("docker://ubuntu@sha256:xyz").is_err());
        assert!(Reference::parse("docker://").is_err());
    }

    #[test]
    fn bare_names_are_engine_images() {
        for n in ["ubuntu", "ubuntu:22.04", "localhost:5000/team/img:1"] {
            assert_eq!(
                Reference::parse(n),
                Ok(Reference::Engine { name: n.into() }),
                "{n}"
            );
        }
        let r = Reference::parse("docker-daemon:nvidia/cuda:12.4.1").unwrap();
        assert_eq!(r.to_string(), "docker-daemon:nvidia/cuda:12.4.1");
        assert_eq!(Reference::parse(&r.to_string()), Ok(r));
        assert!(Reference::parse("not a name").is_err());
    }
}
