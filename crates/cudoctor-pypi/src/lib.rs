//! Release facts from a Python package index, read the way pip and uv read them: the PEP 691
//! JSON project page, each wheel's core metadata (the PEP 658 `.metadata` file, or METADATA
//! out of the wheel's zip by HTTP range requests, as uv's lazy wheel does), and single members
//! of a remote wheel (TensorFlow's `build_info.py`, PyTorch's `version.py`), never the whole
//! wheel. Pure parsers turn those texts into facts: [`metadata::parse_metadata`],
//! [`pyfiles::parse_tf_build_info`], [`pyfiles::parse_torch_version_py`] and
//! [`pins::pin_facts`], whose `source` names the URL and sha256 it read.
//!
//! Used by `xtask kb-refresh` (the maintainers' refresher of the embedded tables) and by the
//! `cudoctor` binary for releases newer than its data. It does not decide compatibility (that
//! is `cudoctor-kb`), never installs or runs anything it downloads, and with
//! [`Config::offline`] never touches the network.

pub mod client;
pub mod config;
pub mod error;
pub mod lazyzip;
pub mod metadata;
pub mod pins;
pub mod pyfiles;
pub mod simple;

pub use client::{
    CacheEntry, Client, MemberRead, MetadataRead, ReleaseRead, pick_linux_x86_64, wheels_by_version,
};
pub use config::Config;
pub use error::{Error, Result};
pub use metadata::{Metadata, Requirement};
pub use pins::{NvidiaPin, PinFacts, Provenance, pin_facts};
pub use pyfiles::{TfBuildInfo, TorchVersionPy};
pub use simple::{CoreMetadata, IndexFile, ProjectPage, WheelName};
