//! Where to ask and where to cache: [`Config`] and [`Config::from_env`].

use std::path::PathBuf;
use std::time::Duration;

/// The default index: PyPI's simple API.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple/";

/// The default timeout of one request (connect, send and receive together).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Environment variables this crate reads, in the order it reads them.
pub mod env_vars {
    /// pip's index URL (the first one read).
    pub const PIP_INDEX_URL: &str = "PIP_INDEX_URL";
    /// uv's index URL (read when `PIP_INDEX_URL` is unset).
    pub const UV_INDEX_URL: &str = "UV_INDEX_URL";
    /// The XDG cache root; the cache is `$XDG_CACHE_HOME/cudoctor/pypi`.
    pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
    /// The home directory; the cache falls back to `~/.cache/cudoctor/pypi`.
    pub const HOME: &str = "HOME";
    /// Proxies, read by the HTTP client (`ureq::Proxy::try_from_env`): `ALL_PROXY`,
    /// `HTTPS_PROXY`, `HTTP_PROXY` (and their lower-case forms), with `NO_PROXY` / `no_proxy`.
    pub const PROXIES: &[&str] = cudoctor_http::PROXY_ENV_VARS;
}

/// How a [`crate::Client`] reaches the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The PEP 503/691 simple index root, ending in `/` (`https://pypi.org/simple/`).
    pub index_url: String,
    /// Never touch the network: answer from the cache or fail with [`crate::Error::Offline`].
    pub offline: bool,
    /// Where responses are cached; `None` = no cache.
    pub cache_dir: Option<PathBuf>,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Whether to use the proxy environment variables ([`env_vars::PROXIES`]).
    pub proxy_from_env: bool,
}

impl Config {
    /// The configuration a user's environment implies: index from `PIP_INDEX_URL`, then
    /// `UV_INDEX_URL`, else PyPI; cache in `$XDG_CACHE_HOME/cudoctor/pypi`, else
    /// `~/.cache/cudoctor/pypi`; 5 s timeout; proxies from the environment; online.
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`Config::from_env`] over any variable lookup (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let index_url = non_empty(env_vars::PIP_INDEX_URL)
            .or_else(|| non_empty(env_vars::UV_INDEX_URL))
            .map_or_else(|| PYPI_SIMPLE.to_owned(), |u| normalize_index(&u));
        let cache_dir = non_empty(env_vars::XDG_CACHE_HOME)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| non_empty(env_vars::HOME).map(|h| PathBuf::from(h).join(".cache")))
            .map(|root| root.join("cudoctor").join("pypi"));
        Self {
            index_url,
            offline: false,
            cache_dir,
            timeout: DEFAULT_TIMEOUT,
            proxy_from_env: true,
        }
    }

    /// A configuration for `index_url` with no cache, online, the default timeout and no proxy.
    pub fn new(index_url: &str) -> Self {
        Self {
            index_url: normalize_index(index_url),
            offline: false,
            cache_dir: None,
            timeout: DEFAULT_TIMEOUT,
            proxy_from_env: false,
        }
    }
}

/// An index URL with exactly one trailing `/`.
fn normalize_index(url: &str) -> String {
    format!("{}/", url.trim().trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn index_precedence_pip_then_uv_then_pypi() {
        let c = Config::from_lookup(lookup(&[
            ("PIP_INDEX_URL", "https://mirror.example/simple"),
            ("UV_INDEX_URL", "https://uv.example/simple/"),
        ]));
        assert_eq!(c.index_url, "https://mirror.example/simple/");
        let c = Config::from_lookup(lookup(&[("UV_INDEX_URL", "https://uv.example/simple/")]));
        assert_eq!(c.index_url, "https://uv.example/simple/");
        let c = Config::from_lookup(lookup(&[]));
        assert_eq!(c.index_url, PYPI_SIMPLE);
        assert_eq!(c.timeout, Duration::from_secs(5));
        assert!(!c.offline);
    }

    #[test]
    fn cache_dir_xdg_then_home() {
        let c = Config::from_lookup(lookup(&[
            ("XDG_CACHE_HOME", "/x/cache"),
            ("HOME", "/home/u"),
        ]));
        assert_eq!(c.cache_dir, Some(PathBuf::from("/x/cache/cudoctor/pypi")));
        // A relative XDG_CACHE_HOME is invalid per the XDG spec and ignored.
        let c = Config::from_lookup(lookup(&[("XDG_CACHE_HOME", "rel"), ("HOME", "/home/u")]));
        assert_eq!(
            c.cache_dir,
            Some(PathBuf::from("/home/u/.cache/cudoctor/pypi"))
        );
        assert_eq!(Config::from_lookup(lookup(&[])).cache_dir, None);
    }
}
