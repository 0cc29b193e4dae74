//! Image references (`host/repository:tag@digest`), the scheme a host is reached by, and digest
//! checks.

use std::fmt;
use std::net::IpAddr;

use sha2::{Digest, Sha256};

use crate::error::RegistryError;

/// Docker Hub's registry host (what `docker.io` and `index.docker.io` mean).
pub const DOCKER_HUB: &str = "registry-1.docker.io";

/// The key Docker Hub's credentials have in `~/.docker/config.json`.
pub const DOCKER_HUB_CONFIG_KEY: &str = "https://index.docker.io/v1/";

/// One image in one registry: `host/repository` with a tag, a digest, or both (the digest wins).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistryRef {
    /// The registry host, with its port when it has one (`127.0.0.1:5000`, `nvcr.io`). A
    /// leading `http://` asks for plain HTTP, which is refused unless the host is loopback or
    /// listed in [`crate::Options::insecure`].
    pub host: String,
    /// The repository (`nvidia/cuda`, `library/ubuntu`).
    pub repository: String,
    /// The tag (`12.4.1-runtime-ubuntu22.04`); `latest` when neither tag nor digest is given.
    pub tag: Option<String>,
    /// The manifest digest (`sha256:…`).
    pub digest: Option<String>,
}

impl RegistryRef {
    /// Parses `[host/]repository[:tag][@digest]` the way Docker does: the first component is a
    /// host when it has a `.` or `:` or is `localhost`; otherwise the host is Docker Hub, where a
    /// one-component repository is under `library/`. `docker.io` and `index.docker.io` become
    /// [`DOCKER_HUB`]. A leading `docker://` is dropped.
    pub fn parse(reference: &str) -> Result<Self, RegistryError> {
        let bad = |reason: &str| RegistryError::InvalidReference {
            reference: reference.to_owned(),
            reason: reason.to_owned(),
        };
        let mut rest = reference.trim();
        rest = rest.strip_prefix("docker://").unwrap_or(rest);
        let mut scheme = "";
        if let Some(r) = rest.strip_prefix("http://") {
            scheme = "http://";
            rest = r;
        } else if let Some(r) = rest.strip_prefix("https://") {
            rest = r;
        }
        if rest.is_empty() {
            return Err(bad("it is empty"));
        }
        let (rest, digest) = match rest.split_once('@') {
            Some((r, d)) => {
                check_digest(d)
                    .map_err(|()| bad("the digest is not `sha256:` and 64 hex digits"))?;
                (r, Some(d.to_owned()))
            }
            None => (rest, None),
        };
        let (host, path) = match rest.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), path)
            }
            _ => (DOCKER_HUB.to_owned(), rest),
        };
        // The tag is after the last `:` of the last path component.
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repo, tag) = match path[last_slash..].rfind(':') {
            Some(i) => {
                let i = last_slash + i;
                (&path[..i], Some(path[i + 1..].to_owned()))
            }
            None => (path, None),
        };
        if let Some(reason) =
            repository_problem(repo).or_else(|| tag.as_deref().and_then(tag_problem))
        {
            return Err(bad(reason));
        }
        let host = match host.as_str() {
            "docker.io" | "index.docker.io" => DOCKER_HUB.to_owned(),
            _ => host,
        };
        let repository = if host == DOCKER_HUB && !repo.contains('/') {
            format!("library/{repo}")
        } else {
            repo.to_owned()
        };
        Ok(Self {
            host: format!("{scheme}{host}"),
            repository,
            tag,
            digest,
        })
    }

    /// `Ok` when the repository, tag and digest are well-formed (as [`RegistryRef::parse`]
    /// makes them); a hand-built reference is checked before it goes into a URL.
    pub fn validate(&self) -> Result<(), RegistryError> {
        let problem = repository_problem(&self.repository)
            .or_else(|| self.tag.as_deref().and_then(tag_problem))
            .or_else(|| {
                self.digest.as_deref().and_then(|d| {
                    check_digest(d)
                        .err()
                        .map(|()| "the digest is not `sha256:` and 64 hex digits")
                })
            })
            .or_else(|| {
                let h = self.bare_host();
                (h.is_empty() || h.contains(['/', '?', '#', '@', ' ']))
                    .then_some("the host is not `name[:port]`")
            });
        match problem {
            Some(reason) => Err(RegistryError::InvalidReference {
                reference: self.to_string(),
                reason: reason.to_owned(),
            }),
            None => Ok(()),
        }
    }

    /// The host without a `http://` or `https://` prefix.
    pub fn bare_host(&self) -> &str {
        bare_host(&self.host)
    }

    /// What the manifest is asked for by: the digest, else the tag, else `latest`.
    pub fn manifest_reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

impl fmt::Display for RegistryRef {
    /// `docker://host/repository:tag`, with `@digest` when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "docker://{}/{}", self.bare_host(), self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        } else if self.tag.is_none() {
            f.write_str(":latest")?;
        }
        Ok(())
    }
}

/// What is wrong with a repository name (the Distribution spec's
/// `[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*`, loosely: the characters, and no
/// empty or dot-only component).
fn repository_problem(repo: &str) -> Option<&'static str> {
    if repo.is_empty() {
        return Some("it names no repository");
    }
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c);
    if !repo.chars().all(valid) {
        return Some(
            "the repository may hold only lower-case letters, digits, `.`, `_`, `-` and `/`",
        );
    }
    if repo
        .split('/')
        .any(|c| c.is_empty() || c.chars().all(|ch| ch == '.'))
    {
        return Some("the repository has an empty or dot-only path component");
    }
    None
}

/// What is wrong with a tag (the spec's `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`).
fn tag_problem(tag: &str) -> Option<&'static str> {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    (!(first_ok && rest_ok && tag.len() <= 128)).then_some(
        "the tag is not 1 to 128 of letters, digits, `_`, `.`, `-` (not starting with `.` or `-`)",
    )
}

/// `host` without a leading `http://` or `https://`.
pub(crate) fn bare_host(host: &str) -> &str {
    host.strip_prefix("http://")
        .or_else(|| host.strip_prefix("https://"))
        .unwrap_or(host)
}

/// The host name of `host[:port]` (`[::1]:5000` -> `::1`).
pub(crate) fn host_name(host: &str) -> &str {
    let host = bare_host(host);
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// Whether a host is loopback as Docker counts it: `localhost`, 127.0.0.0/8, `::1`.
pub fn is_loopback(host: &str) -> bool {
    let name = host_name(host);
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether plain HTTP is allowed to `host`: loopback, or `host[:port]` or its name is in `insecure`.
pub fn allows_http(host: &str, insecure: &[String]) -> bool {
    let bare = bare_host(host);
    is_loopback(host)
        || insecure.iter().any(|i| {
            let i = bare_host(i.trim());
            i.eq_ignore_ascii_case(bare) || i.eq_ignore_ascii_case(host_name(host))
        })
}

/// `Ok` when `d` is `sha256:` and 64 lower-case hex digits (also what keeps it safe as a path).
pub(crate) fn check_digest(d: &str) -> Result<&str, ()> {
    let hex = d.strip_prefix("sha256:").ok_or(())?;
    if hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(hex)
    } else {
        Err(())
    }
}

/// `sha256:HEX` of bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> RegistryRef {
        RegistryRef::parse(s).expect("parses")
    }

    #[test]
    fn parses_like_docker() {
        let x = r("nvcr.io/nvidia/pytorch:24.01-py3");
        assert_eq!(
            (x.host.as_str(), x.repository.as_str(), x.tag.as_deref()),
            ("nvcr.io", "nvidia/pytorch", Some("24.01-py3"))
        );
        let x = r("ubuntu");
        assert_eq!(
            (x.host.as_str(), x.repository.as_str()),
            (DOCKER_HUB, "library/ubuntu")
        );
        assert_eq!(x.manifest_reference(), "latest");
        assert_eq!(
            x.to_string(),
            "docker://registry-1.docker.io/library/ubuntu:latest"
        );
        let x = r("docker.io/nvidia/cuda:12.4.1-base-ubuntu22.04");
        assert_eq!(
            (x.host.as_str(), x.repository.as_str()),
            (DOCKER_HUB, "nvidia/cuda")
        );
        let x = r("localhost:5000/a/b");
        assert_eq!((x.host.as_str(), x.tag), ("localhost:5000", None));
        let d = format!("sha256:{}", "a".repeat(64));
        let x = r(&format!("docker://127.0.0.1:5000/test/img:t1@{d}"));
        assert_eq!(x.manifest_reference(), d);
        assert_eq!(
            x.to_string(),
            format!("docker://127.0.0.1:5000/test/img:t1@{d}")
        );
        assert_eq!(r("http://example.com/a:1").host, "http://example.com");
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "a/B",
            "x.io/",
            "a:",
            "a@sha256:12",
            "x.io/a//b",
            "x.io/../b",
            "a:-x",
            "a:x?y",
        ] {
            assert!(RegistryRef::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn validates_hand_built_references() {
        let ok = r("x.io/a/b:c");
        assert!(ok.validate().is_ok());
        for bad in [
            RegistryRef {
                tag: Some("a#b".into()),
                ..ok.clone()
            },
            RegistryRef {
                repository: "a/../b".into(),
                ..ok.clone()
            },
            RegistryRef {
                digest: Some("sha256:/etc".into()),
                ..ok.clone()
            },
            RegistryRef {
                host: "x.io/evil".into(),
                ..ok.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn loopback_and_insecure() {
        for h in [
            "127.0.0.1:5000",
            "127.1.2.3",
            "localhost",
            "LOCALHOST:1",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1:5000",
            "128.0.0.1",
            "localhost.example.com",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
        let insecure = vec!["reg.lan:5000".to_owned(), "other.lan".to_owned()];
        assert!(allows_http("reg.lan:5000", &insecure));
        assert!(!allows_http("reg.lan:6000", &insecure));
        assert!(allows_http("other.lan:6000", &insecure));
        assert!(!allows_http("example.com", &insecure));
    }

    #[test]
    fn digests() {
        assert!(check_digest(&sha256_digest(b"x")).is_ok());
        assert!(check_digest("sha256:../../etc/passwd").is_err());
        assert!(check_digest(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(check_digest(&format!("sha512:{}", "a".repeat(64))).is_err());
    }
}
