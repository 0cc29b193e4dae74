//! The facts cudoctor collects about a GPU stack, as data: the [`Snapshot`] (versioned,
//! deterministic JSON whose facts are known with their source, unknown with the reason, or
//! absent) and the loader's answers it holds ([`loader`]).
//!
//! The probe (`cudoctor-probe`) writes these facts; diagnose (`cudoctor-diagnose`) reads them
//! and nothing else. This crate does no I/O beyond reading a snapshot a caller names, so
//! diagnose depends on no code that touches the filesystem.

pub mod fact;
pub mod limits;
pub mod loader;
pub mod redact;
pub mod snapshot;

pub use fact::Fact;
pub use loader::{Candidate, LoaderQuestion, Outcome, Resolution, Step};
pub use redact::Redactions;
pub use snapshot::{SCHEMA_VERSION, Snapshot, SnapshotError};
