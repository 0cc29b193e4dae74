//! Fetches what cudoctor needs to look inside a container image, from where images live: an
//! OCI Distribution (Docker Registry HTTP API v2) registry, and a local Docker or Podman engine
//! over its API socket.
//!
//! From a registry, [`Client::fetch_config`] gets the manifest (choosing the platform's entry
//! of an OCI index or Docker manifest list) and the config blob, both verified by sha256 and
//! capped at 4 MiB; [`Client::fetch_layer`] streams one layer blob into a content-addressed
//! cache (`CACHE/sha256/HEX`), verifying its size and sha256 as it arrives and renaming it into
//! place only when both match. Anonymous and Basic-credential Bearer tokens, Basic auth, plain
//! HTTP only to loopback and `insecure` hosts, and `CUDOCTOR_OFFLINE` are handled here. From an
//! engine, [`engine_save`] spools `docker save` into an unnamed temp file and
//! [`engine_inspect`] answers whether the engine has the image.
//!
//! It deliberately does not parse or unpack layers (another crate reads the tars), never runs
//! or extracts an image, never pushes or deletes, keeps no manifest cache, and reads no
//! credential helpers (`credsStore`, `credHelpers`). No async runtime: one blocking request at
//! a time. See `docs/registry.md`.

pub mod auth;
pub mod client;
pub mod engine;
pub mod error;
pub mod manifest;
pub mod reference;

pub use auth::{Challenge, Credentials, credentials_for, parse_challenge};
pub use client::{
    Client, DEFAULT_PLATFORM, DEFAULT_TIMEOUT, Fetched, MAX_CONFIG, MAX_MANIFEST, Options,
    Progress, default_cache_dir,
};
pub use engine::{engine_inspect, engine_save, engine_socket, first_engine};
pub use error::{EngineError, RegistryError};
pub use manifest::{LayerDescriptor, Platform};
pub use reference::{RegistryRef, allows_http, is_loopback, sha256_digest};

/// Environment variables this crate reads, in one place.
pub mod env_vars {
    /// Set to anything but empty or `0`: refuse the network (as the rest of cudoctor does).
    pub const CUDOCTOR_OFFLINE: &str = "CUDOCTOR_OFFLINE";
    /// Docker's config directory; credentials are in `$DOCKER_CONFIG/config.json`.
    pub const DOCKER_CONFIG: &str = "DOCKER_CONFIG";
    /// The home directory: `~/.docker/config.json`, `~/.cache/cudoctor/blobs`.
    pub const HOME: &str = "HOME";
    /// The XDG cache root; the blob cache is `$XDG_CACHE_HOME/cudoctor/blobs`.
    pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
    /// `unix://PATH` of the engine socket to try first.
    pub const DOCKER_HOST: &str = "DOCKER_HOST";
    /// The user's runtime directory, where rootless Podman's socket is.
    pub const XDG_RUNTIME_DIR: &str = "XDG_RUNTIME_DIR";
    /// Proxies, read by the HTTP client when [`crate::Options::proxy_from_env`] is set:
    /// `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and lower-case forms), with `NO_PROXY`.
    pub const PROXIES: &[&str] = cudoctor_http::PROXY_ENV_VARS;
}
