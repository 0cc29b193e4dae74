//! Every resource cap of the probe, in one place, each with its reason.
//!
//! Hostile input (a scanned root, an image, a saved snapshot) must not make the probe use
//! unbounded time or memory. Hitting a cap never yields a partial fact presented as whole: the
//! fact becomes unknown, or the read fails with an error naming the file and the cap (the
//! constant's name below, so a reader can look it up here). The caps are far above anything a
//! real installation holds; the figure a real one shows is given with each.
//!
//! The fatbinary reader's own caps live in `cudoctor_fatbin::limits` (re-exported as
//! [`fatbin`]).

pub use cudoctor_fatbin::limits as fatbin;

/// The caps on a snapshot read back (size, name lengths) live with the snapshot's types.
pub use cudoctor_facts::limits::{NAME_CHARS, SNAPSHOT_BYTES};

/// Bytes of a small text file (`/proc` files, `version.json`, `build_info.py`, `version.py`,
/// `cudnn_version.h`, `pyvenv.cfg`, ...), read whole: a longer file is an error naming this cap,
/// never a prefix taken for the whole. The largest real one, `cudnn_version.h`, is ~3 KB.
pub const TEXT_FILE_BYTES: usize = 256 * 1024;

/// Bytes of a `*.dist-info/METADATA` header block (the name, version and `Requires-Dist` lines
/// before the first empty line). The long description after it may be any size and is not read;
/// a header block that does not end within the cap is an error naming it. torch 2.5's headers
/// are ~3 KB of a 45 KB file.
pub const METADATA_BYTES: usize = 64 * 1024;

/// Bytes of an NVIDIA wheel's `*.dist-info/RECORD` (the file list that maps a library to its
/// wheel), read whole. nvidia-cudnn-cu12's is ~3 KB.
pub const RECORD_BYTES: usize = 1 << 20;

/// Bytes of `/etc/docker/daemon.json`, read whole (a prefix is not JSON). Real ones are a few
/// hundred bytes.
pub const DAEMON_JSON_BYTES: usize = 4 << 20;

/// Bytes of `/etc/ld.so.cache`, read whole (the format has offsets into a string table at the
/// end). A full Ubuntu cache is ~100 KB; 64 MiB is 600 times that.
pub const LD_SO_CACHE_BYTES: usize = 64 << 20;

/// Entries of `ld.so.cache` parsed. A large system has ~4,000.
pub const LD_SO_CACHE_ENTRIES: usize = 1 << 20;

/// Bytes of one `ld.so.conf` file. Real ones are under 1 KB.
pub const LD_SO_CONF_BYTES: usize = 1 << 20;

/// Depth of `include` nesting in `ld.so.conf` (ldconfig has no limit; the visited set already
/// bounds the work, this bounds the recursion). Real systems nest once.
pub const LD_SO_CONF_INCLUDE_DEPTH: usize = 64;

/// `ld.so.conf` files read in total, across every `include` glob. A real system has ~10.
pub const LD_SO_CONF_FILES: usize = 1024;

/// Directories collected from all `ld.so.conf` files. A real system lists ~20.
pub const LD_SO_CONF_DIRS: usize = 100_000;

/// Entries listed in one directory. A large site-packages holds ~5,000.
pub const MAX_DIR_ENTRIES: usize = 1 << 20;

/// Bytes of an ELF's program headers, dynamic section, or dynamic string table read at once; a
/// larger string table (libtorch_cuda.so's is 11 MB) is read one string at a time, each string
/// at most [`ELF_STRING_BYTES`].
pub const ELF_REGION_BYTES: u64 = 4 << 20;

/// `DT_NEEDED` / `DT_RPATH` / `DT_RUNPATH` entries used from one ELF. libtorch_cuda.so has ~40
/// `DT_NEEDED`.
pub const ELF_DT_ENTRIES: usize = 4096;

/// Bytes of one string in an ELF dynamic string table or in `ld.so.cache` (a soname or a
/// path): Linux's `PATH_MAX`. A longer one makes the file malformed.
pub const ELF_STRING_BYTES: usize = 4096;

/// Bytes of all strings taken from `ld.so.cache` together (after identical entries are
/// dropped). A real cache's string table is ~40 KB.
pub const LD_SO_CACHE_STRING_TOTAL_BYTES: usize = 64 << 20;

/// Bytes of one line of a `/proc` or `/sys` file that is parsed. Real lines are under 200.
pub const PROC_LINE_BYTES: usize = 4096;

/// Files examined per directory when classifying CUDA libraries. A real CUDA lib dir has ~300.
pub const LIBRARY_FILES_PER_DIR: usize = 100_000;

/// Bytes of `libc.so.6` scanned for glibc's release banner (it sits in `.rodata`, about 1.7 MB
/// into glibc 2.36's 1.9 MB file). Past the cap the version is unknown, naming it.
pub const LIBC_BYTES: usize = 64 << 20;

/// Bytes of `/proc/cpuinfo`, read whole. A 192-CPU machine's is ~300 KB.
pub const CPUINFO_BYTES: usize = 16 << 20;
