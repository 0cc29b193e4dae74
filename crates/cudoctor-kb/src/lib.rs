//! The knowledge base of cudoctor: distinct version types and the embedded, sourced
//! compatibility tables (which driver, CUDA, cuDNN, Python and GPU architectures each framework
//! release needs), with the rules and queries built on them.
//!
//! Every row of every table cites its source; the tables are data files under `data/`, embedded
//! at build time and parsed once. This crate does no I/O and knows nothing about the machine it
//! runs on: that is `cudoctor-probe`'s job.

pub mod version;
