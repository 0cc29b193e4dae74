//! The caps on facts read back from a snapshot (re-exported by `cudoctor_probe::limits`, which
//! lists every other cap of the probe).

/// Bytes of a snapshot file (`--snapshot`). A real host's is ~200 KB.
pub const SNAPSHOT_BYTES: u64 = 64 << 20;

/// Characters kept of a name read from a file or a driver (GPU model, library version string).
/// The longest real GPU name is ~40.
pub const NAME_CHARS: usize = 256;
