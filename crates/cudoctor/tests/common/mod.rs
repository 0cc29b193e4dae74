//! Shared helpers for the `cudoctor` binary's integration tests: a hermetic command, a snapshot
//! rendering of exit code + stdout + stderr with temporary paths replaced, and the binary run on
//! fixture roots. The roots, the minimal ELF files and the JSON Schema checks are cudoctor-test's.
#![allow(
    dead_code,
    unused_imports,
    clippy::unwrap_used,
    clippy::missing_panics_doc
)]

use assert_cmd::Command;

/// The built `cudoctor` binary with a hermetic environment: nothing inherited from the caller
/// (no `CUDOCTOR_*`, `CLICOLOR_FORCE`, `LD_LIBRARY_PATH`, `CUDA_VISIBLE_DEVICES`...), `NO_COLOR=1`,
/// and an empty standard input.
pub fn cudoctor_cmd() -> Command {
    let mut cmd = Command::cargo_bin("cudoctor").unwrap();
    // Offline: a test never reaches the package index (tests of the index lookup set their
    // own 127.0.0.1 index and lift this).
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .env("CUDOCTOR_OFFLINE", "1")
        .write_stdin("");
    cmd
}

/// What a run gave: exit code, stdout, stderr.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `cmd` and returns its result, with every `(from, to)` of `replace` applied to both streams
/// (used to hide temporary directories).
pub fn run_with(cmd: &mut Command, replace: &[(&str, &str)]) -> Run {
    let out = cmd.output().unwrap();
    let clean = |b: &[u8]| {
        let mut s = String::from_utf8_lossy(b).into_owned();
        for (from, to) in replace {
            if !from.is_empty() {
                s = s.replace(from, to);
            }
        }
        s
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: clean(&out.stdout),
        stderr: clean(&out.stderr),
    }
}

/// Runs `cmd` with no path replacement.
pub fn run(cmd: &mut Command) -> Run {
    run_with(cmd, &[])
}

/// The text an inline snapshot compares: exit code, stdout and stderr, in the layout of uv's
/// `uv_snapshot!`.
pub fn render(r: &Run) -> String {
    format!(
        "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        r.code == 0,
        r.code,
        r.stdout,
        r.stderr
    )
}

/// Insta filters that make outputs stable across machines and releases.
pub fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            r"cudoctor \d+\.\d+\.\d+(-[0-9A-Za-z.]+)?",
            "cudoctor [VERSION]",
        ),
        (r"/tmp/\.tmp[0-9A-Za-z]+", "[TMP]"),
    ]
}

/// `assert_snapshot!` of a command's exit code, stdout and stderr, with the fixture root (if any)
/// shown as `[ROOT]` and the version filtered.
#[macro_export]
macro_rules! cmd_snapshot {
    ($cmd:expr, @$snapshot:literal) => {{
        let r = $crate::common::run(&mut $cmd);
        $crate::cmd_snapshot!(@run r, @$snapshot)
    }};
    ($cmd:expr, root = $root:expr, @$snapshot:literal) => {{
        let root: &::std::path::Path = $root;
        let root = root.display().to_string();
        let r = $crate::common::run_with(&mut $cmd, &[(root.as_str(), "[ROOT]")]);
        $crate::cmd_snapshot!(@run r, @$snapshot)
    }};
    (@run $r:expr, @$snapshot:literal) => {{
        let r = $r;
        ::insta::with_settings!({ filters => $crate::common::filters() }, {
            ::insta::assert_snapshot!($crate::common::render(&r), @$snapshot);
        });
        r
    }};
}

pub use cudoctor_test::{ElfSpec, Fixture};

/// The binary run on a fixture root (a trait, as [`Fixture`] is cudoctor-test's).
pub trait FixtureExt {
    /// `cudoctor <args> --root <this fixture>`.
    fn cmd(&self, args: &[&str]) -> Command;
    /// Runs `cudoctor <args> --root <this fixture>`, the root shown as `[ROOT]`.
    fn run(&self, args: &[&str]) -> Run;
}

impl FixtureExt for Fixture {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = cudoctor_cmd();
        c.args(args).arg("--root").arg(self.path());
        c
    }
    fn run(&self, args: &[&str]) -> Run {
        let root = self.path().display().to_string();
        run_with(&mut self.cmd(args), &[(root.as_str(), "[ROOT]")])
    }
}

/// A minimal ELF64 x86-64 shared object with `soname`.
pub fn make_elf(soname: &str) -> Vec<u8> {
    cudoctor_test::make_elf(&ElfSpec::lib64(soname))
}

/// The same with an optional soname and `DT_RUNPATH`.
pub fn make_elf_with(soname: Option<&str>, runpath: Option<&str>) -> Vec<u8> {
    cudoctor_test::make_elf(&ElfSpec {
        soname,
        runpath,
        ..ElfSpec::lib64("")
    })
}

pub const TF29_BUILD_INFO: &str = "\"\"\"Auto-generated module providing information about the build.\"\"\"\nimport collections\n\nbuild_info = collections.OrderedDict([('cpu_compiler', '/dt9/usr/bin/gcc'), ('cuda_compute_capabilities', ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80']), ('cuda_version', '11.2'), ('cudnn_version', '8'), ('is_cuda_build', True), ('is_rocm_build', False), ('is_tensorrt_build', True)])\n";

pub const LIBDIR: &str = "/usr/lib/x86_64-linux-gnu";

/// The NVIDIA driver `version` (kernel module banner, module version, user-space libcuda).
pub fn driver(f: &Fixture, version: &str) {
    f.file(
        "/proc/driver/nvidia/version",
        format!("NVRM version: NVIDIA UNIX x86_64 Kernel Module  {version}  Sat Aug 19 01:15:15 UTC 2023\nGCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04) \n"),
    )
    .file("/sys/module/nvidia/version", format!("{version}\n"))
    .versioned_lib(LIBDIR, &format!("libcuda.so.{version}"), "libcuda.so.1")
    .versioned_lib(
        LIBDIR,
        &format!("libnvidia-ml.so.{version}"),
        "libnvidia-ml.so.1",
    );
}

/// cuDNN `version` (x.y.z): header and library.
pub fn cudnn(f: &Fixture, version: &str) {
    let v: Vec<&str> = version.split('.').collect();
    f.file(
        "/usr/include/cudnn_version.h",
        format!(
            "#define CUDNN_MAJOR {}\n#define CUDNN_MINOR {}\n#define CUDNN_PATCHLEVEL {}\n",
            v[0], v[1], v[2]
        ),
    )
    .versioned_lib(
        LIBDIR,
        &format!("libcudnn.so.{version}"),
        &format!("libcudnn.so.{}", v[0]),
    );
}

/// The CUDA 11.2 libraries TensorFlow 2.9 dlopens, in [`LIBDIR`].
pub fn cuda112(f: &Fixture) {
    for (real, soname) in [
        ("libcudart.so.11.2.152", "libcudart.so.11.0"),
        ("libcublas.so.11.4.1.1043", "libcublas.so.11"),
        ("libcublasLt.so.11.4.1.1043", "libcublasLt.so.11"),
        ("libcufft.so.10.4.0.152", "libcufft.so.10"),
        ("libcurand.so.10.2.3.152", "libcurand.so.10"),
        ("libcusolver.so.11.1.0.152", "libcusolver.so.11"),
        ("libcusparse.so.11.4.1.1152", "libcusparse.so.11"),
    ] {
        f.versioned_lib(LIBDIR, real, soname);
    }
}

/// A host with a Tesla T4 and driver `driver_version`, the CUDA 11.2 libraries TensorFlow 2.9
/// dlopens on the default search path, cuDNN `cudnn_version`, and TensorFlow 2.9.0 in a Python 3.9
/// venv.
pub fn tf29_host(driver_version: &str, cudnn_version: &str) -> Fixture {
    let f = Fixture::new();
    driver(&f, driver_version);
    f.file(
        "/proc/driver/nvidia/gpus/0000:00:1e.0/information",
        "Model: \t\t Tesla T4\nIRQ:   \t\t 70\nGPU UUID: \t GPU-ad8e9ef0-8be5-6b26-5d5a-0f8e4e0d3b3b\nBus Location: \t 0000:00:1e.0\nDevice Minor: \t 0\n",
    )
    .file("/dev/nvidia0", "")
    .file("/dev/nvidiactl", "")
    .file("/dev/nvidia-uvm", "");
    cuda112(&f);
    cudnn(&f, cudnn_version);
    f.file(
        "/opt/venv/pyvenv.cfg",
        "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.9.16\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow-2.9.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: tensorflow\nVersion: 2.9.0\nRequires-Dist: numpy (>=1.20)\n",
    )
    .file(
        "/opt/venv/lib/python3.9/site-packages/tensorflow/python/platform/build_info.py",
        TF29_BUILD_INFO,
    );
    f
}

pub use cudoctor_test::{at, repo_root};

/// A JSON array of strings as a `Vec<&str>`.
pub fn strings(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap_or_else(|| panic!("not a string: {x}")))
        .collect()
}

// JSON Schema: `docs/snapshot.schema.json` and `docs/check.schema.json`, checked by cudoctor-test.
pub use cudoctor_test::{
    assert_matches_check_schema, assert_matches_schema, schema_errors, snapshot_schema,
};

/// A test that cannot run for a missing artifact: says why on stderr and, when
/// `CUDOCTOR_SKIP_LOG` names a file, appends `TEST: reason` to it (CI counts the lines).
/// Under `CUDOCTOR_REQUIRE_ARTIFACTS=1` only the core artifacts fail instead; this one is optional.
#[allow(clippy::print_stderr)]
pub fn skip(test: &str, why: &str) {
    eprintln!("skipped {test}: {why}");
    if let Some(log) = std::env::var_os("CUDOCTOR_SKIP_LOG") {
        use std::io::Write as _;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{test}: {why}");
        }
    }
}

/// Fails, listing them, when lines of `text` are wider than `width` columns and could have
/// been wrapped (more than one unbreakable word: see `cudoctor::wrap::breakable`).
pub fn assert_fits(text: &str, width: usize, what: &str) {
    let wide: Vec<&str> = text
        .lines()
        .filter(|l| cudoctor::wrap::columns(l) > width && cudoctor::wrap::breakable(l))
        .collect();
    assert!(
        wide.is_empty(),
        "{what}: {} breakable lines wider than {width} columns:\n{}",
        wide.len(),
        wide.join("\n")
    );
}
