//! Registry authentication: `WWW-Authenticate` challenges (RFC 7235, as the Distribution
//! token spec uses them) and credentials from Docker's `config.json`.
//!
//! Only `auths.<key>.auth` (base64 `user:password`) is read; credential helpers
//! (`credsStore`, `credHelpers`) and `identitytoken` are not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use crate::error::RegistryError;
use crate::reference::{DOCKER_HUB, DOCKER_HUB_CONFIG_KEY, bare_host};

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Bearer realm="…",service="…",scope="…"`.
    Bearer {
        /// The token endpoint.
        realm: String,
        /// `service`, when given.
        service: Option<String>,
        /// `scope`, when given.
        scope: Option<String>,
    },
    /// `Basic realm="…"`.
    Basic,
    /// Another scheme, or one that does not parse.
    Other,
}

/// Parses one challenge. Sample (Docker Hub):
/// `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"`
pub fn parse_challenge(header: &str) -> Challenge {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Challenge::Basic;
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Challenge::Other;
    }
    let params = parse_params(rest);
    match params.get("realm") {
        Some(realm) if !realm.is_empty() => Challenge::Bearer {
            realm: realm.clone(),
            service: params.get("service").cloned(),
            scope: params.get("scope").cloned(),
        },
        _ => Challenge::Other,
    }
}

/// `k="v",k2=v2` -> map (keys lower-cased; quoted values may hold `,` and `\"`).
fn parse_params(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.is_empty() {
            break;
        }
        if chars.next() != Some('=') {
            continue;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            let raw: String = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
            raw.trim().clone_into(&mut value);
        }
        out.insert(key.trim().to_ascii_lowercase(), value);
    }
    out
}

/// A user name and password, from `auths.<key>.auth`. Its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

impl Credentials {
    /// Credentials from a user name and password.
    pub fn new(username: &str, password: &str) -> Self {
        Self {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    /// The `Authorization: Basic …` value.
    pub(crate) fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
}

/// The credentials `config.json` at `path` holds for `host`, `None` when the file is absent or
/// has none. Keys are matched as Docker does: `host`, `https://host`, `http://host`, with any
/// path (`https://host/v1/`); Docker Hub's are under [`DOCKER_HUB_CONFIG_KEY`]. An error names
/// the file and what is wrong, never a credential.
pub fn credentials_for(path: &Path, host: &str) -> Result<Option<Credentials>, RegistryError> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(RegistryError::DockerConfig {
                path: path.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let config: DockerConfig = crate::manifest::from_json(&text).map_err(|(field, reason)| {
        RegistryError::DockerConfig {
            path: path.to_owned(),
            reason: format!("at `{field}`: {reason}"),
        }
    })?;
    let host = bare_host(host);
    let hub = host == DOCKER_HUB;
    let key_host = |k: &str| -> String {
        let k = bare_host(k);
        k.split('/').next().unwrap_or(k).to_ascii_lowercase()
    };
    let entry = config.auths.iter().find_map(|(k, v)| {
        let kh = key_host(k);
        let matches = kh == host.to_ascii_lowercase()
            || (hub
                && (k == DOCKER_HUB_CONFIG_KEY || kh == "index.docker.io" || kh == "docker.io"));
        matches.then_some(v)
    });
    let Some(auth) = entry
        .and_then(|e| e.auth.as_deref())
        .filter(|a| !a.is_empty())
    else {
        return Ok(None);
    };
    let bad = |what: &str| RegistryError::DockerConfig {
        path: path.to_owned(),
        reason: format!("the `auth` of `{host}` {what}"),
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| bad("is not base64"))?;
    let raw = String::from_utf8(raw).map_err(|_| bad("is not UTF-8"))?;
    let (user, pass) = raw
        .split_once(':')
        .ok_or_else(|| bad("is not `user:password`"))?;
    Ok(Some(Credentials::new(user, pass)))
}

/// Docker's config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn default_docker_config(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let non_empty = |k: &str| env(k).filter(|v| !v.is_empty());
    non_empty(crate::env_vars::DOCKER_CONFIG)
        .map(|d| PathBuf::from(d).join("config.json"))
        .or_else(|| {
            non_empty(crate::env_vars::HOME).map(|h| PathBuf::from(h).join(".docker/config.json"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#
            ),
            Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/ubuntu:pull".into()),
            }
        );
        // nvcr.io's (scope with a comma list, unquoted keys spaced).
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://nvcr.io/proxy_auth", scope="repository:nvidia/cuda:pull,push""#
            ),
            Challenge::Bearer {
                realm: "https://nvcr.io/proxy_auth".into(),
                service: None,
                scope: Some("repository:nvidia/cuda:pull,push".into()),
            }
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Challenge::Basic
        );
        assert_eq!(parse_challenge("Bearer service=x"), Challenge::Other);
        assert_eq!(parse_challenge("Negotiate"), Challenge::Other);
    }

    #[test]
    fn docker_config_keys() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("config.json");
        let b = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        std::fs::write(
            &p,
            format!(
                r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}},"reg.lan:5000":{{"auth":"{}"}},"https://other.lan/v2/":{{"auth":"{}"}}}},"credsStore":"desktop"}}"#,
                b("hub:pw1"),
                b("lan:pw:2"),
                b("o:p")
            ),
        )
        .expect("write");
        let c = |h: &str| credentials_for(&p, h).expect("reads");
        assert_eq!(c(DOCKER_HUB), Some(Credentials::new("hub", "pw1")));
        assert_eq!(c("reg.lan:5000"), Some(Credentials::new("lan", "pw:2")));
        assert_eq!(c("other.lan"), Some(Credentials::new("o", "p")));
        assert_eq!(c("nvcr.io"), None);
        assert_eq!(
            credentials_for(&dir.path().join("absent.json"), "x").expect("absent"),
            None
        );
        assert!(!format!("{:?}", c(DOCKER_HUB)).contains("pw1"));
        std::fs::write(&p, r#"{"auths":{"x.io":{"auth":"!!"}}}"#).expect("write");
        let err = credentials_for(&p, "x.io")
            .expect_err("bad base64")
            .to_string();
        assert!(err.contains("not base64") && !err.contains("!!"), "{err}");
    }

    #[test]
    fn default_config_path() {
        let env = |k: &str| match k {
            "DOCKER_CONFIG" => Some("/etc/dc".to_owned()),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        };
        assert_eq!(
            default_docker_config(&env),
            Some(PathBuf::from("/etc/dc/config.json"))
        );
        let env = |k: &str| (k == "HOME").then(|| "/home/u".to_owned());
        assert_eq!(
            default_docker_config(&env),
            Some(PathBuf::from("/home/u/.docker/config.json"))
        );
    }
}
