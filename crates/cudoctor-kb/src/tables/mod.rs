//! The tables of the knowledge base, one module per table: its row types beside the [`Kb`]
//! accessors that read them.
//!
//! [`Kb`]: crate::Kb

pub mod library_packages;
