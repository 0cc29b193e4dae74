//! The registry client: one blocking HTTP agent, the token flow, manifest and config fetches
//! (verified by digest), and layer blobs streamed into the content-addressed cache.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::auth::{
    Challenge, Credentials, credentials_for, default_docker_config, parse_challenge,
};
use crate::env_vars;
use crate::error::RegistryError;
use crate::manifest::{
    ImageManifest, Index, Kind, LayerDescriptor, MANIFEST_ACCEPT, Platform, from_json, kind_of,
    pick_platform,
};
use crate::reference::{RegistryRef, allows_http, check_digest, hex, sha256_digest};

/// The largest manifest or index read (4 MiB, as containerd and the Distribution registry cap them).
pub const MAX_MANIFEST: u64 = 4 << 20;
/// The largest config blob read (4 MiB).
pub const MAX_CONFIG: u64 = 4 << 20;
/// The default timeout of one request (connect, send, first response byte; and the whole body of
/// a manifest, config or token).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The platform chosen from an index when none is asked for.
pub const DEFAULT_PLATFORM: &str = "linux/amd64";
/// The slowest a layer body may arrive before it times out: its timeout is
/// [`Options::timeout`] plus one second per this many bytes.
pub const MIN_BLOB_RATE: u64 = 256 << 10;

/// A progress callback: bytes so far, and the total when known.
pub type Progress = Box<dyn Fn(u64, Option<u64>)>;

/// How a [`Client`] reaches registries and where it caches blobs.
pub struct Options {
    /// The platform picked from an index (`os/arch[/variant]`); `None` = [`DEFAULT_PLATFORM`].
    pub platform: Option<String>,
    /// Hosts (`host` or `host:port`) reached over plain HTTP; loopback hosts always are.
    pub insecure: Vec<String>,
    /// Docker's `config.json`; `None` = `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub docker_config: Option<PathBuf>,
    /// The blob cache; `None` = `$XDG_CACHE_HOME/cudoctor/blobs`, else `~/.cache/cudoctor/blobs`.
    pub cache_dir: Option<PathBuf>,
    /// Timeout of one request (see [`DEFAULT_TIMEOUT`] and [`MIN_BLOB_RATE`]).
    pub timeout: Duration,
    /// Called while a layer blob streams in.
    pub progress: Option<Progress>,
    /// Never touch the network (also when `CUDOCTOR_OFFLINE` is set to anything but `0`).
    pub offline: bool,
    /// Whether to use the proxy environment variables ([`env_vars::PROXIES`]).
    pub proxy_from_env: bool,
}

impl Default for Options {
    /// Default platform, no insecure hosts, default config and cache paths, 30 s timeout, no
    /// progress, online (unless `CUDOCTOR_OFFLINE`), no proxy.
    fn default() -> Self {
        Self {
            platform: None,
            insecure: Vec::new(),
            docker_config: None,
            cache_dir: None,
            timeout: DEFAULT_TIMEOUT,
            progress: None,
            offline: false,
            proxy_from_env: false,
        }
    }
}

impl Options {
    /// [`Options::default`] with the proxy environment variables used, as a user's tools do.
    pub fn from_env() -> Self {
        Self {
            proxy_from_env: true,
            ..Self::default()
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("platform", &self.platform)
            .field("insecure", &self.insecure)
            .field("docker_config", &self.docker_config)
            .field("cache_dir", &self.cache_dir)
            .field("timeout", &self.timeout)
            .field("progress", &self.progress.as_ref().map(|_| "Fn"))
            .field("offline", &self.offline)
            .field("proxy_from_env", &self.proxy_from_env)
            .finish()
    }
}

/// An image's manifest and config, fetched and verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// `docker://host/repository:tag` (with `@digest` when asked by digest).
    pub reference: String,
    /// The digest of the image manifest (the platform's, when the reference names an index).
    pub manifest_digest: String,
    /// The digest of the index the manifest was picked from, when there was one.
    pub index_digest: Option<String>,
    /// The image manifest's bytes, as served.
    pub manifest: Vec<u8>,
    /// Its media type (OCI or Docker v2).
    pub media_type: String,
    /// The config blob's bytes (JSON).
    pub config: Vec<u8>,
    /// The config's digest.
    pub config_digest: String,
    /// The layers, bottom first.
    pub layers: Vec<LayerDescriptor>,
}

/// The registry client. Tokens are kept per `host/repository` for the client's life.
pub struct Client {
    opts: Options,
    agent: ureq::Agent,
    platform: Result<Platform, String>,
    offline: bool,
    tokens: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("opts", &self.opts)
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

type Response = ureq::http::Response<ureq::Body>;

/// A token endpoint's answer (Docker's token spec: `token`; OAuth2: `access_token`).
#[derive(serde::Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// What one request is about, for its errors.
struct Ctx<'a> {
    r: &'a RegistryRef,
    operation: &'a str,
}

impl Ctx<'_> {
    fn host(&self) -> String {
        self.r.bare_host().to_owned()
    }
    fn repo(&self) -> String {
        self.r.repository.clone()
    }
}

impl Client {
    /// A client for `opts` (no request is made here). Default paths are resolved from the
    /// environment now; `CUDOCTOR_OFFLINE` (anything but empty or `0`) makes it offline.
    pub fn new(opts: Options) -> Self {
        Self::with_env(opts, &|k| std::env::var(k).ok())
    }

    /// [`Client::new`] over any variable lookup (for tests).
    pub fn with_env(mut opts: Options, env: &dyn Fn(&str) -> Option<String>) -> Self {
        if opts.docker_config.is_none() {
            opts.docker_config = default_docker_config(env);
        }
        if opts.cache_dir.is_none() {
            opts.cache_dir = default_cache_dir(env);
        }
        let offline = opts.offline
            || env(env_vars::CUDOCTOR_OFFLINE).is_some_and(|v| !v.is_empty() && v != "0");
        let wanted = opts.platform.as_deref().unwrap_or(DEFAULT_PLATFORM);
        let platform = Platform::parse(wanted).ok_or_else(|| wanted.to_owned());
        // A layer streams for as long as it takes: each phase is bounded, the body is not.
        let agent = cudoctor_http::agent(
            cudoctor_http::Timeout::EachPhase(opts.timeout),
            opts.proxy_from_env,
        );
        Self {
            opts,
            agent,
            platform,
            offline,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// The options, with default paths resolved.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Whether this client refuses the network.
    pub fn is_offline(&self) -> bool {
        self.offline
    }

    /// Where [`Client::fetch_layer`] keeps a blob: `CACHE/sha256/HEX`.
    pub fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = check_digest(digest).ok()?;
        Some(self.opts.cache_dir.as_ref()?.join("sha256").join(hex))
    }

    /// `scheme://host`: https, or http for loopback and insecure hosts; a `http://` host that
    /// is neither is refused.
    fn base_url(&self, r: &RegistryRef) -> Result<String, RegistryError> {
        r.validate()?;
        let bare = r.bare_host();
        let http_ok = allows_http(bare, &self.opts.insecure);
        if r.host.starts_with("http://") && !http_ok {
            return Err(RegistryError::PlainHttpRefused {
                host: bare.to_owned(),
                repository: r.repository.clone(),
                url: format!("http://{bare}/v2/"),
            });
        }
        let scheme = if http_ok && !r.host.starts_with("https://") {
            "http"
        } else {
            "https"
        };
        Ok(format!("{scheme}://{bare}/v2/{}", r.repository))
    }

    fn offline_error(ctx: &Ctx<'_>, cache: Option<PathBuf>) -> RegistryError {
        RegistryError::Offline {
            operation: ctx.operation.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            cache,
        }
    }

    fn send(
        &self,
        ctx: &Ctx<'_>,
        url: &str,
        accept: Option<&str>,
        auth: Option<&str>,
        body_timeout: Option<Duration>,
    ) -> Result<Response, RegistryError> {
        let mut req = self.agent.get(url);
        if let Some(a) = accept {
            req = req.header("Accept", a);
        }
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let req = req
            .config()
            .timeout_recv_body(body_timeout)
            .https_only(url.starts_with("https://"))
            .build();
        req.call().map_err(|e| RegistryError::Request {
            operation: ctx.operation.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            url: url.to_owned(),
            source: Box::new(e),
        })
    }

    /// GET with the token flow: a 401 with a Bearer challenge gets a token (Basic credentials
    /// from the Docker config sent to the realm when there are some) and one retry; a Basic
    /// challenge gets the credentials directly. Still 401 or 403: [`RegistryError::Unauthorized`].
    fn get(
        &self,
        ctx: &Ctx<'_>,
        url: &str,
        accept: Option<&str>,
        body_timeout: Option<Duration>,
    ) -> Result<Response, RegistryError> {
        if self.offline {
            return Err(Self::offline_error(ctx, None));
        }
        let key = format!("{}/{}", ctx.r.bare_host(), ctx.r.repository);
        let cached = self.tokens.lock().ok().and_then(|t| t.get(&key).cloned());
        let resp = self.send(ctx, url, accept, cached.as_deref(), body_timeout)?;
        let status = resp.status().as_u16();
        if status != 401 {
            return Self::refused(ctx, resp);
        }
        let challenge = header(&resp, "www-authenticate");
        drop(resp);
        let unauthorized = |status: u16, challenge: Option<String>| RegistryError::Unauthorized {
            operation: ctx.operation.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            status,
            challenge,
        };
        let creds = self.credentials(ctx.r.bare_host())?;
        let auth = match challenge.as_deref().map(parse_challenge) {
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => self.token(
                ctx,
                &realm,
                service.as_deref(),
                scope.as_deref(),
                creds.as_ref(),
            )?,
            Some(Challenge::Basic) => match &creds {
                Some(c) => c.basic_header(),
                None => return Err(unauthorized(401, challenge)),
            },
            _ => return Err(unauthorized(401, challenge)),
        };
        let resp = self.send(ctx, url, accept, Some(&auth), body_timeout)?;
        if resp.status().as_u16() == 401 {
            let again = header(&resp, "www-authenticate").or(challenge);
            return Err(unauthorized(401, again));
        }
        if let Ok(mut t) = self.tokens.lock() {
            t.insert(key, auth);
        }
        Self::refused(ctx, resp)
    }

    /// A 403 is an [`RegistryError::Unauthorized`]; anything else passes.
    fn refused(ctx: &Ctx<'_>, resp: Response) -> Result<Response, RegistryError> {
        if resp.status().as_u16() == 403 {
            return Err(RegistryError::Unauthorized {
                operation: ctx.operation.to_owned(),
                host: ctx.host(),
                repository: ctx.repo(),
                status: 403,
                challenge: header(&resp, "www-authenticate"),
            });
        }
        Ok(resp)
    }

    fn credentials(&self, host: &str) -> Result<Option<Credentials>, RegistryError> {
        match &self.opts.docker_config {
            Some(p) => credentials_for(p, host),
            None => Ok(None),
        }
    }

    /// A token from the realm: `GET realm?service=…&scope=…`, JSON `token` or `access_token`.
    fn token(
        &self,
        ctx: &Ctx<'_>,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
        creds: Option<&Credentials>,
    ) -> Result<String, RegistryError> {
        let bad = |reason: String| RegistryError::Token {
            host: ctx.host(),
            repository: ctx.repo(),
            realm: realm.to_owned(),
            reason,
        };
        if let Some(rest) = realm.strip_prefix("http://") {
            let realm_host = rest.split('/').next().unwrap_or(rest);
            if !allows_http(realm_host, &self.opts.insecure) {
                return Err(RegistryError::PlainHttpRefused {
                    host: ctx.host(),
                    repository: ctx.repo(),
                    url: realm.to_owned(),
                });
            }
        } else if !realm.starts_with("https://") {
            return Err(bad("the realm is not an http(s) URL".into()));
        }
        let default_scope = format!("repository:{}:pull", ctx.r.repository);
        let mut url = realm.to_owned();
        let mut sep = if realm.contains('?') { '&' } else { '?' };
        for (k, v) in [
            ("service", service),
            ("scope", Some(scope.unwrap_or(&default_scope))),
        ] {
            if let Some(v) = v {
                url.push(sep);
                url.push_str(k);
                url.push('=');
                url.push_str(&percent_encode(v));
                sep = '&';
            }
        }
        let tctx = Ctx {
            r: ctx.r,
            operation: "getting a token",
        };
        let basic = creds.map(Credentials::basic_header);
        let mut resp = self.send(&tctx, &url, None, basic.as_deref(), Some(self.opts.timeout))?;
        let status = resp.status().as_u16();
        if status != 200 {
            let what = if creds.is_some() && (status == 401 || status == 403) {
                "the Docker config's credentials were refused: "
            } else {
                ""
            };
            return Err(bad(format!("{what}HTTP {status}")));
        }
        let body = read_capped(&tctx, &url, &mut resp, MAX_MANIFEST)?;
        let answer: TokenAnswer = from_json(&body).map_err(|(path, reason)| {
            bad(format!("the answer does not parse at `{path}`: {reason}"))
        })?;
        let token = answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| bad("the answer has no `token` or `access_token`".into()))?;
        Ok(format!("Bearer {token}"))
    }

    /// A manifest's bytes, content type and digest (verified against `reference` when it is a
    /// digest, and against `Docker-Content-Digest` when the registry sends one).
    fn manifest(
        &self,
        r: &RegistryRef,
        base: &str,
        reference: &str,
    ) -> Result<(Vec<u8>, Option<String>, String), RegistryError> {
        let ctx = Ctx {
            r,
            operation: "fetching the manifest",
        };
        let url = format!("{base}/manifests/{reference}");
        let mut resp = self.get(&ctx, &url, Some(MANIFEST_ACCEPT), Some(self.opts.timeout))?;
        expect_200(&ctx, &mut resp)?;
        if content_length(&resp).is_some_and(|n| n > MAX_MANIFEST) {
            return Err(too_large(&ctx, "the manifest", MAX_MANIFEST));
        }
        let content_type = header(&resp, "content-type");
        let announced = header(&resp, "docker-content-digest");
        let bytes = read_capped(&ctx, &url, &mut resp, MAX_MANIFEST)?;
        let actual = sha256_digest(&bytes);
        let expected = if reference.starts_with("sha256:") {
            Some(reference.to_owned())
        } else {
            announced.filter(|d| d.starts_with("sha256:"))
        };
        if let Some(expected) = expected {
            if expected != actual {
                return Err(RegistryError::DigestMismatch {
                    what: "the manifest".into(),
                    host: ctx.host(),
                    repository: ctx.repo(),
                    expected,
                    actual,
                });
            }
        }
        Ok((bytes, content_type, actual))
    }

    /// The image's manifest (picked from an index by [`Options::platform`]) and config blob,
    /// each verified by digest. A few KB; layers are not fetched.
    pub fn fetch_config(&self, r: &RegistryRef) -> Result<Fetched, RegistryError> {
        let base = self.base_url(r)?;
        let ctx = Ctx {
            r,
            operation: "fetching the manifest",
        };
        if let Some(d) = &r.digest {
            check_digest(d).map_err(|()| RegistryError::InvalidDigest {
                what: format!("the reference `{r}`"),
                digest: d.clone(),
            })?;
        }
        let platform = self
            .platform
            .as_ref()
            .map_err(|p| RegistryError::InvalidPlatform(p.clone()))?;
        let bad_json = |what: &str, (path, reason): (String, String)| RegistryError::BadJson {
            what: what.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            path,
            reason,
        };
        let unsupported = |media_type: String| RegistryError::UnsupportedMediaType {
            host: ctx.host(),
            repository: ctx.repo(),
            media_type,
        };
        let (mut bytes, mut content_type, mut digest) =
            self.manifest(r, &base, r.manifest_reference())?;
        let mut index_digest = None;
        let (mut kind, mut media_type) =
            kind_of(content_type.as_deref(), &bytes).map_err(unsupported)?;
        if kind == Kind::Index {
            let index: Index = from_json(&bytes).map_err(|e| bad_json("the index", e))?;
            let chosen = pick_platform(&index, platform).map_err(|available| {
                RegistryError::NoMatchingPlatform {
                    host: ctx.host(),
                    repository: ctx.repo(),
                    wanted: platform.to_string(),
                    available,
                }
            })?;
            let child = chosen.digest.clone();
            check_digest(&child).map_err(|()| RegistryError::InvalidDigest {
                what: format!("the {platform} entry of the index of `{r}`"),
                digest: child.clone(),
            })?;
            index_digest = Some(digest);
            (bytes, content_type, digest) = self.manifest(r, &base, &child)?;
            (kind, media_type) = kind_of(content_type.as_deref(), &bytes).map_err(unsupported)?;
            if kind == Kind::Index {
                return Err(unsupported(format!(
                    "{media_type} (an index inside an index)"
                )));
            }
        }
        let manifest: ImageManifest = from_json(&bytes).map_err(|e| bad_json("the manifest", e))?;
        if manifest.schema_version != 2 {
            return Err(bad_json(
                "the manifest",
                (
                    "schemaVersion".into(),
                    format!("{} is not 2", manifest.schema_version),
                ),
            ));
        }
        if let Some(mt) = &manifest.media_type {
            if *mt != media_type {
                // The header and the document disagree; the document is what was hashed.
                media_type.clone_from(mt);
            }
        }
        let config_digest = manifest.config.digest.clone();
        check_digest(&config_digest).map_err(|()| RegistryError::InvalidDigest {
            what: format!("the config of `{r}`"),
            digest: config_digest.clone(),
        })?;
        let cctx = Ctx {
            r,
            operation: "fetching the config blob",
        };
        if manifest.config.size > MAX_CONFIG {
            return Err(too_large(&cctx, "the config blob", MAX_CONFIG));
        }
        let url = format!("{base}/blobs/{config_digest}");
        let mut resp = self.get(&cctx, &url, None, Some(self.opts.timeout))?;
        expect_200(&cctx, &mut resp)?;
        let config = read_capped(&cctx, &url, &mut resp, manifest.config.size)?;
        verify_blob(
            &cctx,
            "the config blob",
            &config_digest,
            manifest.config.size,
            &config,
        )?;
        Ok(Fetched {
            reference: r.to_string(),
            manifest_digest: digest,
            index_digest,
            manifest: bytes,
            media_type,
            config,
            config_digest,
            layers: manifest.layers,
        })
    }

    /// A layer blob in the cache, as `CACHE/sha256/HEX`: a cached file is re-verified (size,
    /// then sha256) and returned without network; otherwise the blob streams into a temp file
    /// in the same directory, its size and sha256 checked as it arrives, then it is fsynced and
    /// renamed into place. A cached file that fails the check is removed and reported
    /// ([`RegistryError::CacheCorrupt`]).
    pub fn fetch_layer(
        &self,
        r: &RegistryRef,
        layer: &LayerDescriptor,
    ) -> Result<PathBuf, RegistryError> {
        let ctx = Ctx {
            r,
            operation: "fetching a layer blob",
        };
        let hex_digest =
            check_digest(&layer.digest).map_err(|()| RegistryError::InvalidDigest {
                what: format!("a layer of `{r}`"),
                digest: layer.digest.clone(),
            })?;
        let dir = self
            .opts
            .cache_dir
            .as_ref()
            .ok_or(RegistryError::NoCacheDir)?
            .join("sha256");
        let path = dir.join(hex_digest);
        if verify_cached(&path, &layer.digest, layer.size)? {
            return Ok(path);
        }
        if self.offline {
            return Err(Self::offline_error(&ctx, Some(path)));
        }
        let base = self.base_url(r)?;
        let url = format!("{base}/blobs/{}", layer.digest);
        let body_timeout = self.opts.timeout + Duration::from_secs(layer.size / MIN_BLOB_RATE);
        let mut resp = self.get(&ctx, &url, None, Some(body_timeout))?;
        expect_200(&ctx, &mut resp)?;
        let size_mismatch = |actual: u64| RegistryError::SizeMismatch {
            what: format!("the layer blob {}", layer.digest),
            host: ctx.host(),
            repository: ctx.repo(),
            expected: layer.size,
            actual,
        };
        if let Some(n) = content_length(&resp).filter(|n| *n != layer.size) {
            return Err(size_mismatch(n));
        }
        let cache_err = |path: &Path| {
            let path = path.to_owned();
            move |source| RegistryError::Cache { path, source }
        };
        std::fs::create_dir_all(&dir).map_err(cache_err(&dir))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".partial-")
            .tempfile_in(&dir)
            .map_err(cache_err(&dir))?;
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; 256 << 10];
        let mut reader = resp.body_mut().as_reader();
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(RegistryError::Body {
                        operation: ctx.operation.to_owned(),
                        host: ctx.host(),
                        repository: ctx.repo(),
                        url,
                        source,
                    });
                }
            };
            total += n as u64;
            if total > layer.size {
                return Err(size_mismatch(total));
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n]).map_err(cache_err(tmp.path()))?;
            if let Some(p) = &self.opts.progress {
                p(total, Some(layer.size));
            }
        }
        if total != layer.size {
            return Err(size_mismatch(total));
        }
        let actual = format!("sha256:{}", hex(&hasher.finalize()));
        if actual != layer.digest {
            return Err(RegistryError::DigestMismatch {
                what: "the layer blob".into(),
                host: ctx.host(),
                repository: ctx.repo(),
                expected: layer.digest.clone(),
                actual,
            });
        }
        tmp.as_file().sync_all().map_err(cache_err(tmp.path()))?;
        tmp.persist(&path).map_err(|e| RegistryError::Cache {
            path: path.clone(),
            source: e.error,
        })?;
        // The rename is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(path)
    }
}

/// Whether `path` holds the blob: `false` when absent; `true` when its size and sha256 match;
/// removed and [`RegistryError::CacheCorrupt`] when they do not.
fn verify_cached(path: &Path, digest: &str, size: u64) -> Result<bool, RegistryError> {
    let cache_err = |source| RegistryError::Cache {
        path: path.to_owned(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(cache_err(e)),
    };
    let len = file.metadata().map_err(cache_err)?.len();
    let corrupt = |reason: String| {
        let _ = std::fs::remove_file(path);
        Err(RegistryError::CacheCorrupt {
            path: path.to_owned(),
            reason,
        })
    };
    if len != size {
        return corrupt(format!(
            "is {len} bytes, not the {size} its descriptor states"
        ));
    }
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(cache_err)?;
    let actual = format!("sha256:{}", hex(&hasher.finalize()));
    if actual != digest {
        return corrupt(format!("hashes to {actual}, not {digest}"));
    }
    Ok(true)
}

/// The blob cache: `$XDG_CACHE_HOME/cudoctor/blobs` (absolute only), else `~/.cache/cudoctor/blobs`.
pub fn default_cache_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let non_empty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    non_empty(env_vars::XDG_CACHE_HOME)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| non_empty(env_vars::HOME).map(|h| PathBuf::from(h).join(".cache")))
        .map(|root| root.join("cudoctor").join("blobs"))
}

fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn content_length(resp: &Response) -> Option<u64> {
    header(resp, "content-length").and_then(|v| v.trim().parse().ok())
}

fn too_large(ctx: &Ctx<'_>, what: &str, limit: u64) -> RegistryError {
    RegistryError::TooLarge {
        what: what.to_owned(),
        host: ctx.host(),
        repository: ctx.repo(),
        limit,
    }
}

/// `Ok` on 200; otherwise [`RegistryError::Status`] with the registry's error code and message.
fn expect_200(ctx: &Ctx<'_>, resp: &mut Response) -> Result<(), RegistryError> {
    let status = resp.status().as_u16();
    if status == 200 {
        return Ok(());
    }
    let mut body = Vec::new();
    let _ = resp
        .body_mut()
        .as_reader()
        .take(64 << 10)
        .read_to_end(&mut body);
    Err(RegistryError::Status {
        operation: ctx.operation.to_owned(),
        host: ctx.host(),
        repository: ctx.repo(),
        status,
        detail: error_detail(&body),
    })
}

/// `CODE: message` of the first error of a Distribution error body
/// (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":…}]}`).
fn error_detail(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let e = v.get("errors")?.get(0)?;
    let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let message = e.get("message").and_then(|c| c.as_str()).unwrap_or("");
    let text = match (code.is_empty(), message.is_empty()) {
        (true, true) => return None,
        (false, false) => format!("{code}: {message}"),
        (false, true) => code.to_owned(),
        (true, false) => message.to_owned(),
    };
    Some(text.chars().take(300).collect())
}

fn read_capped(
    ctx: &Ctx<'_>,
    url: &str,
    resp: &mut Response,
    limit: u64,
) -> Result<Vec<u8>, RegistryError> {
    cudoctor_http::read_capped(resp, limit).map_err(|e| match e {
        cudoctor_http::CappedError::Io(source) => RegistryError::Body {
            operation: ctx.operation.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            url: url.to_owned(),
            source,
        },
        cudoctor_http::CappedError::TooLarge => too_large(ctx, "the response", limit),
    })
}

fn verify_blob(
    ctx: &Ctx<'_>,
    what: &str,
    digest: &str,
    size: u64,
    bytes: &[u8],
) -> Result<(), RegistryError> {
    if bytes.len() as u64 != size {
        return Err(RegistryError::SizeMismatch {
            what: what.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            expected: size,
            actual: bytes.len() as u64,
        });
    }
    let actual = sha256_digest(bytes);
    if actual != digest {
        return Err(RegistryError::DigestMismatch {
            what: what.to_owned(),
            host: ctx.host(),
            repository: ctx.repo(),
            expected: digest.to_owned(),
            actual,
        });
    }
    Ok(())
}

/// Percent-encodes all but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_error_bodies() {
        assert_eq!(
            error_detail(
                br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#
            ),
            Some("MANIFEST_UNKNOWN: manifest unknown".into())
        );
        assert_eq!(error_detail(b"<html>"), None);
    }

    #[test]
    fn cache_dir_defaults() {
        let env = |k: &str| match k {
            "XDG_CACHE_HOME" => Some("/x".to_owned()),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        };
        assert_eq!(
            default_cache_dir(&env),
            Some(PathBuf::from("/x/cudoctor/blobs"))
        );
        let env = |k: &str| match k {
            "XDG_CACHE_HOME" => Some("rel".to_owned()),
            "HOME" => Some("/home/u".to_owned()),
            _ => None,
        };
        assert_eq!(
            default_cache_dir(&env),
            Some(PathBuf::from("/home/u/.cache/cudoctor/blobs"))
        );
    }

    #[test]
    fn offline_from_env() {
        let dir = tempfile::tempdir().expect("tempdir");
        let opts = || Options {
            cache_dir: Some(dir.path().to_owned()),
            docker_config: Some(dir.path().join("config.json")),
            ..Options::default()
        };
        let env = |k: &str| (k == "CUDOCTOR_OFFLINE").then(|| "1".to_owned());
        let c = Client::with_env(opts(), &env);
        assert!(c.is_offline());
        let r = RegistryRef::parse("127.0.0.1:9/a/b:c").expect("ref");
        let err = c.fetch_config(&r).expect_err("offline");
        assert!(matches!(err, RegistryError::Offline { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "offline (CUDOCTOR_OFFLINE): fetching the manifest of `127.0.0.1:9/a/b` needs the network"
        );
        let env0 = |k: &str| (k == "CUDOCTOR_OFFLINE").then(|| "0".to_owned());
        assert!(!Client::with_env(opts(), &env0).is_offline());
        let layer = LayerDescriptor {
            digest: sha256_digest(b"x"),
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            size: 1,
        };
        let err = c.fetch_layer(&r, &layer).expect_err("offline");
        assert!(err.to_string().contains("not in the cache"), "{err}");
    }

    #[test]
    fn percent() {
        assert_eq!(
            percent_encode("repository:a/b:pull"),
            "repository%3Aa%2Fb%3Apull"
        );
    }
}
