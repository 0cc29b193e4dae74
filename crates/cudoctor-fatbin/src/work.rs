//! A per-thread count of the reader's elementary steps (section headers examined, entry
//! headers read, words scanned), so tests can show the work grows linearly with hostile input
//! without timing anything. Not a stable API.

use std::cell::Cell;

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}
/// Adds `n` steps.
pub fn add(n: u64) {
    STEPS.with(|s| s.set(s.get().saturating_add(n)));
}
/// The steps counted on this thread since the last [`take`].
pub fn take() -> u64 {
    STEPS.with(|s| s.replace(0))
}
