//! The dynamic loader, emulated, in three parts:
//!
//! - [`cache`]: `/etc/ld.so.cache` (both formats), read whole and parsed once per probe;
//! - [`conf`]: `/etc/ld.so.conf` with its includes, and the default directories of the root's
//!   glibc;
//! - [`search`]: glibc's search order over them, which answers "which file would
//!   `dlopen(soname)` load here, and why" ([`which`], [`which_memo`]).
//!
//! The answers are facts ([`cudoctor_facts::loader`]): the probe records them in the snapshot.

pub mod cache;
pub mod conf;
pub mod search;

pub use cache::load_cache;
pub use search::*;
