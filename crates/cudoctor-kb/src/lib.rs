//! The knowledge base of cudoctor: distinct version types and the embedded, sourced
//! compatibility tables (which driver, CUDA, cuDNN, Python and GPU architectures each framework
//! release needs), with the rules and queries built on them.
//!
//! Every row of every table cites its source; the tables are data files under `data/`, embedded
//! at build time and parsed once. Facts the sources do not settle stay unknown (`None`), and the
//! queries say so instead of guessing. This crate does no I/O and knows nothing about the machine
//! it runs on: that is `cudoctor-probe`'s job.
//!
//! Entry points: [`kb`] (the embedded tables), [`Kb::requirements`] and [`Kb::release_needs`] (what a
//! release needs, in words and typed), [`Kb::plan`],
//! [`Kb::gpu_by_name`] and [`Kb::compute_capability_of`] (a GPU name's compute capability and
//! the row it was read from), [`Kb::library_packaging`], [`Kb::matrix`], and the rules in
//! [`rules`].
//!
//! Layout: [`tables`] has one module per data file (its row types beside the [`Kb`] accessors
//! that read them; `tables/mod.rs` loads and checks them all); [`query`] answers `requirements`
//! and `plan`; [`gpu`] resolves GPU names; [`rules`] and [`matrix`] build on the tables.
//! [`data`] is the old path of the table types, kept as re-exports.

pub mod data;
pub mod framework;
pub mod gpu;
pub mod matrix;
pub mod query;
pub mod rules;
pub mod tables;
pub mod version;

pub use data::{Kb, LoadError};
pub use framework::{Framework, Spec, SpecParseError, UnknownFramework};
pub use gpu::{GpuCapability, GpuLookupError};
pub use matrix::Table;
pub use query::{
    Candidate, CarriedSonames, CudnnRule, Excluded, FrameworkPlan, IndexOffer, Install, KbFact,
    Plan, PlanConstraints, PlanQuery, PythonSupport, QueryError, Recommendation, Requirements,
    SCHEMA_VERSION, Soname, Status, VariantNeeds, VariantRequirements, WhyChosen,
};
pub use rules::{ArchSupport, CudnnCheck, DriverCaveat, DriverCheck, Verdict};
pub use tables::library_packages::{LibraryPackaging, split_cuda_suffix};

/// Starts parsing the embedded knowledge base on a thread of its own, so that a caller with
/// other work first (`check` probes the machine) finds it ready: the first [`kb`] or
/// [`Kb::embedded`] then waits for that parse instead of doing it again. A no-op when it is
/// parsed already; a thread that cannot be started only means the parse happens on first use.
pub fn parse_in_background() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let _ = std::thread::Builder::new()
            .name("kb-parse".into())
            .spawn(|| {
                let _ = Kb::embedded();
            });
    });
}

/// The embedded knowledge base, parsed on first use.
///
/// # Panics
/// Only if the embedded data files are broken, which the crate's data tests rule out; use
/// [`Kb::embedded`] to handle that case as an error.
pub fn kb() -> &'static Kb {
    match Kb::embedded() {
        Ok(kb) => kb,
        Err(e) => {
            // The cause (the bad value and its row) is what the maintainer needs to see.
            let cause = std::error::Error::source(e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            panic!("the embedded knowledge base is invalid: {e}{cause}")
        }
    }
}
