//! Distinct version types.
//!
//! A driver version (`535.261.03`) is not a CUDA version (`12.2`) is not a cuDNN version
//! (`8.9.7.29`) is not a PEP 440 framework version (`2.4.1+cu121`). Each has its own type, its own
//! parser and its own ordering; none of them is ever compared as a string. Every type keeps enough
//! of its input to display it the way the vendor writes it (`535.261.03`, not `535.261.3`).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A version string that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} `{input}`: {reason}")]
pub struct VersionParseError {
    /// What kind of version was expected ("NVIDIA driver version", "CUDA version", ...).
    pub kind: &'static str,
    /// The text as given.
    pub input: String,
    /// Why it was rejected.
    pub reason: String,
}

impl VersionParseError {
    fn new(kind: &'static str, input: &str, reason: impl Into<String>) -> Self {
        Self {
            kind,
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Parses `N(.N)*` into numeric components, with between `min` and `max` components.
fn numeric_components(
    kind: &'static str,
    input: &str,
    min: usize,
    max: usize,
) -> Result<Vec<u32>, VersionParseError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(VersionParseError::new(kind, input, "it is empty"));
    }
    let mut out = Vec::with_capacity(max);
    for part in text.split('.') {
        if part.is_empty() {
            return Err(VersionParseError::new(
                kind,
                input,
                "it has an empty component (two dots in a row, or a leading or trailing dot)",
            ));
        }
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VersionParseError::new(
                kind,
                input,
                format!("component `{part}` is not a number"),
            ));
        }
        let value: u32 = part.parse().map_err(|_| {
            VersionParseError::new(kind, input, format!("component `{part}` is too large"))
        })?;
        out.push(value);
    }
    if out.len() < min || out.len() > max {
        let expect = if min == max {
            format!("{min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(VersionParseError::new(
            kind,
            input,
            format!(
                "expected {expect} dot-separated numbers, found {}",
                out.len()
            ),
        ));
    }
    Ok(out)
}

macro_rules! serde_via_string {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// NVIDIA driver

/// An NVIDIA driver version: `535.261.03`, `460.27.03`, `440.33`, `580`.
///
/// Compared numerically per component (a missing component counts as 0); the original text is
/// kept for display, so leading zeros (`.03`) survive.
#[derive(Debug, Clone)]
pub struct DriverVersion {
    major: u32,
    minor: u32,
    patch: u32,
    text: String,
}

impl DriverVersion {
    /// The driver branch (`535` for `535.261.03`).
    pub fn major(&self) -> u32 {
        self.major
    }
    /// The second component (`261` for `535.261.03`), 0 when absent.
    pub fn minor(&self) -> u32 {
        self.minor
    }
    /// The third component (`3` for `535.261.03`), 0 when absent.
    pub fn patch(&self) -> u32 {
        self.patch
    }
    /// The text as written by NVIDIA.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    fn key(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }
}

impl FromStr for DriverVersion {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const KIND: &str = "NVIDIA driver version";
        let parts = numeric_components(KIND, s, 1, 3)?;
        if parts[0] < 100 {
            return Err(VersionParseError::new(
                KIND,
                s,
                "driver branches are three-digit numbers (e.g. `535.261.03`); this looks like a CUDA version",
            ));
        }
        Ok(Self {
            major: parts[0],
            minor: parts.get(1).copied().unwrap_or(0),
            patch: parts.get(2).copied().unwrap_or(0),
            text: s.trim().to_owned(),
        })
    }
}

impl PartialEq for DriverVersion {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl Eq for DriverVersion {}
impl Hash for DriverVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}
impl PartialOrd for DriverVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for DriverVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}
impl fmt::Display for DriverVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
serde_via_string!(DriverVersion);

// ---------------------------------------------------------------------------------------------
// CUDA

/// A CUDA version: `11.2`, `12.4.1`, `13.0`.
///
/// `11.2` and `11.2.0` stay distinct values (whether the patch was given is kept for display);
/// [`CudaVersion::cmp_numeric`] orders them as equal, and version comparisons use it.
/// [`CudaVersion::from_driver_api`] decodes the integer that `cuDriverGetVersion` returns
/// (`12020` -> `12.2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CudaVersion {
    major: u32,
    minor: u32,
    patch: Option<u32>,
}

impl CudaVersion {
    /// A `major.minor` version.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self {
            major,
            minor,
            patch: None,
        }
    }
    /// A `major.minor.patch` version.
    pub const fn with_patch(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch: Some(patch),
        }
    }
    /// Decodes `cuDriverGetVersion`'s integer: `1000 * major + 10 * minor` (`12020` -> `12.2`).
    pub fn from_driver_api(value: i32) -> Option<Self> {
        if value <= 0 {
            return None;
        }
        let value = value as u32;
        Some(Self::new(value / 1000, (value % 1000) / 10))
    }
    /// The major version (`12` in `12.4.1`).
    pub const fn major(self) -> u32 {
        self.major
    }
    /// The minor version (`4` in `12.4.1`).
    pub const fn minor(self) -> u32 {
        self.minor
    }
    /// The patch (update) version, when given.
    pub const fn patch(self) -> Option<u32> {
        self.patch
    }
    /// This version without its patch component.
    #[must_use]
    pub const fn major_minor(self) -> Self {
        Self::new(self.major, self.minor)
    }
    /// Whether `self` and `other` agree in major and minor.
    pub fn same_minor(self, other: Self) -> bool {
        self.major == other.major && self.minor == other.minor
    }
    fn key(self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch.unwrap_or(0))
    }
    /// Numeric comparison where a missing patch counts as 0.
    pub fn cmp_numeric(self, other: Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl FromStr for CudaVersion {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const KIND: &str = "CUDA version";
        let parts = numeric_components(KIND, s, 1, 3)?;
        if parts[0] == 0 || parts[0] > 99 {
            return Err(VersionParseError::new(
                KIND,
                s,
                "the major version must be between 1 and 99 (did you mean a driver version?)",
            ));
        }
        Ok(Self {
            major: parts[0],
            minor: parts.get(1).copied().unwrap_or(0),
            patch: parts.get(2).copied(),
        })
    }
}

impl fmt::Display for CudaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(p) => write!(f, "{}.{}.{}", self.major, self.minor, p),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}
serde_via_string!(CudaVersion);

// ---------------------------------------------------------------------------------------------
// cuDNN

/// A cuDNN version: `8`, `8.1`, `8.1.0`, `8.9.7.29`, `9.1.0.70`.
///
/// Missing components are unknown, not zero, for display; for ordering they count as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CudnnVersion {
    parts: [u32; 4],
    len: u8,
}

impl CudnnVersion {
    /// A `major.minor` version.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self {
            parts: [major, minor, 0, 0],
            len: 2,
        }
    }
    /// The major version (`8` in `8.9.7.29`).
    pub const fn major(self) -> u32 {
        self.parts[0]
    }
    /// The minor version (`9` in `8.9.7.29`); 0 when only the major is known.
    pub const fn minor(self) -> u32 {
        self.parts[1]
    }
    /// Whether the minor component was given.
    pub const fn has_minor(self) -> bool {
        self.len >= 2
    }
    /// The patch level (`7` in `8.9.7.29`), when given.
    pub const fn patch(self) -> Option<u32> {
        if self.len >= 3 {
            Some(self.parts[2])
        } else {
            None
        }
    }
    /// The number of components given (1 to 4).
    pub const fn components(self) -> usize {
        self.len as usize
    }
}

impl PartialOrd for CudnnVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for CudnnVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts.cmp(&other.parts).then(self.len.cmp(&other.len))
    }
}

impl FromStr for CudnnVersion {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts = numeric_components("cuDNN version", s, 1, 4)?;
        let mut out = [0; 4];
        out[..parts.len()].copy_from_slice(&parts);
        Ok(Self {
            parts: out,
            len: parts.len() as u8,
        })
    }
}

impl fmt::Display for CudnnVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.parts[..self.len as usize].iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}
serde_via_string!(CudnnVersion);

// ---------------------------------------------------------------------------------------------
// Compute capability and GPU code

/// How an architecture name is qualified (CUDA 12.0 added `a`, CUDA 12.9 added `f`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ArchVariant {
    /// `sm_86`: runs on this and later minors of the same major.
    #[default]
    Plain,
    /// `sm_90a`: architecture-specific features, runs only on exactly this capability.
    ArchSpecific,
    /// `sm_100f`: family-specific features, runs on the same family (same major, minor >=).
    FamilySpecific,
}

/// A GPU compute capability: `8.6`, also written `sm_86` / `compute_86`, `sm_90a`, `sm_100f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComputeCapability {
    major: u32,
    minor: u32,
    variant: ArchVariant,
}

impl ComputeCapability {
    /// A plain capability `major.minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        Self {
            major,
            minor,
            variant: ArchVariant::Plain,
        }
    }
    /// The major (architecture generation).
    pub const fn major(self) -> u32 {
        self.major
    }
    /// The minor.
    pub const fn minor(self) -> u32 {
        self.minor
    }
    /// The `a` / `f` qualifier.
    pub const fn variant(self) -> ArchVariant {
        self.variant
    }
    /// The same capability with the qualifier `variant` (`9.0` -> `sm_90a`).
    #[must_use]
    pub const fn with_variant(self, variant: ArchVariant) -> Self {
        Self {
            major: self.major,
            minor: self.minor,
            variant,
        }
    }
    /// The same capability without qualifier (`sm_90a` -> `9.0`).
    #[must_use]
    pub const fn plain(self) -> Self {
        Self::new(self.major, self.minor)
    }
    /// The number used in arch names: `86` for 8.6, `100` for 10.0, `120` for 12.0.
    pub fn arch_number(self) -> u32 {
        self.major * 10 + self.minor
    }
    fn suffix(self) -> &'static str {
        match self.variant {
            ArchVariant::Plain => "",
            ArchVariant::ArchSpecific => "a",
            ArchVariant::FamilySpecific => "f",
        }
    }
    /// `sm_86`, `sm_90a`.
    pub fn sm_name(self) -> String {
        format!("sm_{}{}", self.arch_number(), self.suffix())
    }
    /// `compute_86`, `compute_90a`.
    pub fn compute_name(self) -> String {
        format!("compute_{}{}", self.arch_number(), self.suffix())
    }

    /// Whether SASS (cubin) built for `self` runs on a GPU of capability `gpu`.
    ///
    /// Source: CUDA C++ Programming Guide, "Binary Compatibility": a cubin for X.y runs on X.z with
    /// z >= y; `a` cubins only on exactly X.y; `f` cubins on the same family (same major here).
    pub fn sass_runs_on(self, gpu: Self) -> bool {
        let gpu = gpu.plain();
        match self.variant {
            ArchVariant::ArchSpecific => self.plain() == gpu,
            ArchVariant::Plain | ArchVariant::FamilySpecific => {
                self.major == gpu.major && self.minor <= gpu.minor
            }
        }
    }

    /// Whether PTX built for `self` can be JIT-compiled for a GPU of capability `gpu`.
    ///
    /// Source: CUDA C++ Programming Guide, "Application Compatibility": PTX for capability c can
    /// be compiled for any capability >= c; `a` / `f` PTX only for its own architecture (family).
    pub fn ptx_jits_for(self, gpu: Self) -> bool {
        let gpu = gpu.plain();
        match self.variant {
            ArchVariant::ArchSpecific => self.plain() == gpu,
            ArchVariant::FamilySpecific => self.major == gpu.major && self.minor <= gpu.minor,
            ArchVariant::Plain => self.plain() <= gpu,
        }
    }
}

impl FromStr for ComputeCapability {
    type Err = VersionParseError;
    /// Accepts `8.6`, `86` (as in `TORCH_CUDA_ARCH_LIST`-style numbers only with a dot: `8.6`),
    /// `sm_86`, `compute_86`, `sm_90a`, `sm_100f`, `8.6+PTX` is *not* accepted (use [`GpuCode`]).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const KIND: &str = "compute capability";
        let text = s.trim();
        let arch = text
            .strip_prefix("sm_")
            .or_else(|| text.strip_prefix("compute_"))
            .or_else(|| text.strip_prefix("lto_"));
        if let Some(rest) = arch {
            let (digits, variant) = if let Some(d) = rest.strip_suffix('a') {
                (d, ArchVariant::ArchSpecific)
            } else if let Some(d) = rest.strip_suffix('f') {
                (d, ArchVariant::FamilySpecific)
            } else {
                (rest, ArchVariant::Plain)
            };
            if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(VersionParseError::new(
                    KIND,
                    s,
                    "expected digits after the prefix, as in `sm_86` or `compute_90a`",
                ));
            }
            let n: u32 = digits
                .parse()
                .map_err(|_| VersionParseError::new(KIND, s, "the number is too large"))?;
            return Ok(Self {
                major: n / 10,
                minor: n % 10,
                variant,
            });
        }
        let parts = numeric_components(KIND, text, 2, 2).map_err(|e| {
            VersionParseError::new(
                KIND,
                s,
                format!("{}; write it as `8.6`, `sm_86` or `compute_86`", e.reason),
            )
        })?;
        if parts[1] > 9 {
            return Err(VersionParseError::new(
                KIND,
                s,
                "the minor must be a single digit",
            ));
        }
        Ok(Self::new(parts[0], parts[1]))
    }
}

impl fmt::Display for ComputeCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}{}", self.major, self.minor, self.suffix())
    }
}
serde_via_string!(ComputeCapability);

/// One kind of GPU code in a binary: machine code (`sm_86`, SASS) or PTX (`compute_86`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GpuCode {
    /// SASS (cubin) for exactly this architecture.
    Sass(ComputeCapability),
    /// PTX that the driver can JIT-compile for this or a later architecture.
    Ptx(ComputeCapability),
}

impl GpuCode {
    /// The capability this code was built for.
    pub fn capability(self) -> ComputeCapability {
        match self {
            Self::Sass(c) | Self::Ptx(c) => c,
        }
    }
}

impl FromStr for GpuCode {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.starts_with("sm_") {
            Ok(Self::Sass(text.parse()?))
        } else if text.starts_with("compute_") {
            Ok(Self::Ptx(text.parse()?))
        } else {
            Err(VersionParseError::new(
                "GPU code name",
                s,
                "expected `sm_XY` (machine code) or `compute_XY` (PTX)",
            ))
        }
    }
}

impl fmt::Display for GpuCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sass(c) => f.write_str(&c.sm_name()),
            Self::Ptx(c) => f.write_str(&c.compute_name()),
        }
    }
}
serde_via_string!(GpuCode);

// ---------------------------------------------------------------------------------------------
// Python and PTX ISA

macro_rules! major_minor_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            major: u32,
            minor: u32,
        }
        impl $name {
            /// A `major.minor` version.
            pub const fn new(major: u32, minor: u32) -> Self {
                Self { major, minor }
            }
            /// The major version.
            pub const fn major(self) -> u32 {
                self.major
            }
            /// The minor version.
            pub const fn minor(self) -> u32 {
                self.minor
            }
        }
        impl FromStr for $name {
            type Err = VersionParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let parts = numeric_components($kind, s, 2, 2)?;
                Ok(Self::new(parts[0], parts[1]))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}.{}", self.major, self.minor)
            }
        }
        serde_via_string!($name);
    };
}

major_minor_type!(
    /// A Python language version: `3.10` (`3.10.12` is accepted by [`PythonVersion::parse_lenient`]).
    PythonVersion,
    "Python version"
);
major_minor_type!(
    /// A PTX ISA version: `8.5` (CUDA 12.5 emits PTX ISA 8.5).
    PtxIsaVersion,
    "PTX ISA version"
);

impl PythonVersion {
    /// Accepts `3.10` and `3.10.12` (keeps major and minor).
    pub fn parse_lenient(s: &str) -> Result<Self, VersionParseError> {
        let parts = numeric_components("Python version", s, 2, 3)?;
        Ok(Self::new(parts[0], parts[1]))
    }
}

// ---------------------------------------------------------------------------------------------
// Framework (PEP 440)

/// A PEP 440 framework version: `2.16.1`, `2.4.1+cu121`, `2.17.0rc1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameworkVersion(pep440_rs::Version);

impl FrameworkVersion {
    /// The underlying PEP 440 version.
    pub fn pep440(&self) -> &pep440_rs::Version {
        &self.0
    }
    /// The release numbers (`[2, 4, 1]` for `2.4.1+cu121`).
    pub fn release(&self) -> &[u64] {
        self.0.release()
    }
    /// The local label (`cu121` in `2.4.1+cu121`), if any.
    pub fn local(&self) -> Option<String> {
        let local = self.0.local();
        if local.is_empty() {
            None
        } else {
            Some(
                local
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("."),
            )
        }
    }
    /// This version without its local label (`2.4.1+cu121` -> `2.4.1`).
    #[must_use]
    pub fn without_local(&self) -> Self {
        Self(self.0.clone().without_local())
    }
    /// Whether `self` is in the release series `prefix` (`2.9.3` is in `2.9`; `2.10` is not).
    pub fn in_series(&self, prefix: &[u64]) -> bool {
        let release = self.release();
        prefix
            .iter()
            .enumerate()
            .all(|(i, p)| release.get(i).copied().unwrap_or(0) == *p)
    }
}

impl FromStr for FrameworkVersion {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        if text.is_empty() {
            return Err(VersionParseError::new(
                "framework version",
                s,
                "it is empty",
            ));
        }
        pep440_rs::Version::from_str(text)
            .map(Self)
            .map_err(|e| VersionParseError::new("framework version", s, e.to_string()))
    }
}

impl fmt::Display for FrameworkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
serde_via_string!(FrameworkVersion);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> DriverVersion {
        s.parse().expect("driver version")
    }

    #[test]
    fn driver_versions_compare_numerically_and_keep_text() {
        assert!(d("535.261.03") > d("535.104.05"));
        assert!(d("460.27.03") > d("460.27"));
        assert!(d("450.80.02") < d("460.27.03"));
        assert!(d("470.82.01") < d("525.60.13"));
        assert_eq!(d("580"), d("580.0.0"));
        // "9" < "10" numerically, where a string compare would say otherwise.
        assert!(d("455.9") < d("455.23"));
        assert_eq!(d("535.261.03").to_string(), "535.261.03");
        assert_eq!(d("535.261.03").patch(), 3);
        assert_eq!(d(" 440.33 ").as_str(), "440.33");
    }

    #[test]
    fn driver_parse_errors_name_input_and_reason() {
        let e = "535.x".parse::<DriverVersion>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid NVIDIA driver version `535.x`: component `x` is not a number"
        );
        let e = "12.2".parse::<DriverVersion>().unwrap_err();
        assert!(e.reason.contains("CUDA version"), "{e}");
        assert!("".parse::<DriverVersion>().is_err());
        assert!("535..03".parse::<DriverVersion>().is_err());
        assert!("535.1.2.3".parse::<DriverVersion>().is_err());
        assert!("99999999999.1".parse::<DriverVersion>().is_err());
    }

    #[test]
    fn cuda_versions() {
        let v: CudaVersion = "12.4.1".parse().unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (12, 4, Some(1)));
        assert_eq!(v.to_string(), "12.4.1");
        assert_eq!("11.2".parse::<CudaVersion>().unwrap().to_string(), "11.2");
        assert!("11.10".parse::<CudaVersion>().unwrap() > "11.9".parse().unwrap());
        assert_eq!(
            CudaVersion::from_driver_api(12020),
            Some(CudaVersion::new(12, 2))
        );
        assert_eq!(
            CudaVersion::from_driver_api(11080),
            Some(CudaVersion::new(11, 8))
        );
        assert_eq!(CudaVersion::from_driver_api(0), None);
        assert!("535.104".parse::<CudaVersion>().is_err());
        assert!("cu121".parse::<CudaVersion>().is_err());
        assert_eq!(
            CudaVersion::with_patch(11, 2, 0).cmp_numeric(CudaVersion::new(11, 2)),
            Ordering::Equal
        );
    }

    #[test]
    fn cudnn_versions() {
        let v: CudnnVersion = "8.9.7.29".parse().unwrap();
        assert_eq!((v.major(), v.minor(), v.patch()), (8, 9, Some(7)));
        assert_eq!(v.to_string(), "8.9.7.29");
        assert!(v > "8.9.7".parse().unwrap());
        assert!("9.1.0.70".parse::<CudnnVersion>().unwrap() > v);
        assert!("8.10".parse::<CudnnVersion>().unwrap() > "8.9.7.29".parse().unwrap());
        let major_only: CudnnVersion = "7".parse().unwrap();
        assert!(!major_only.has_minor());
        assert!("8.1.0.77.1".parse::<CudnnVersion>().is_err());
    }

    #[test]
    fn compute_capability_names() {
        let cc: ComputeCapability = "8.6".parse().unwrap();
        assert_eq!(cc.sm_name(), "sm_86");
        assert_eq!(cc.compute_name(), "compute_86");
        assert_eq!("sm_86".parse::<ComputeCapability>().unwrap(), cc);
        assert_eq!("compute_86".parse::<ComputeCapability>().unwrap(), cc);
        let h: ComputeCapability = "sm_90a".parse().unwrap();
        assert_eq!(h.variant(), ArchVariant::ArchSpecific);
        assert_eq!(h.to_string(), "9.0a");
        assert_eq!(h.sm_name(), "sm_90a");
        let b: ComputeCapability = "sm_100a".parse().unwrap();
        assert_eq!((b.major(), b.minor()), (10, 0));
        assert_eq!(
            "sm_120".parse::<ComputeCapability>().unwrap(),
            ComputeCapability::new(12, 0)
        );
        assert_eq!(
            "sm_100f".parse::<ComputeCapability>().unwrap().variant(),
            ArchVariant::FamilySpecific
        );
        assert!("sm_".parse::<ComputeCapability>().is_err());
        assert!("8".parse::<ComputeCapability>().is_err());
        assert!("8.10".parse::<ComputeCapability>().is_err());
        assert!("RTX".parse::<ComputeCapability>().is_err());
    }

    #[test]
    fn sass_and_ptx_compatibility() {
        let cc = |s: &str| s.parse::<ComputeCapability>().unwrap();
        // SASS: same major, minor <=.
        assert!(cc("8.0").sass_runs_on(cc("8.6")));
        assert!(!cc("8.6").sass_runs_on(cc("8.0")));
        assert!(!cc("7.5").sass_runs_on(cc("8.0")));
        assert!(!cc("3.5").sass_runs_on(cc("3.7")) || cc("3.5").sass_runs_on(cc("3.7")));
        assert!(cc("3.5").sass_runs_on(cc("3.7")));
        // arch-specific SASS only on the exact GPU.
        assert!(cc("sm_90a").sass_runs_on(cc("9.0")));
        assert!(!cc("sm_90a").sass_runs_on(cc("9.1")));
        // PTX: any capability >= c.
        assert!(cc("8.0").ptx_jits_for(cc("9.0")));
        assert!(cc("7.0").ptx_jits_for(cc("8.6")));
        assert!(!cc("7.0").ptx_jits_for(cc("5.0")));
        assert!(!cc("compute_90a").ptx_jits_for(cc("10.0")));
    }

    #[test]
    fn gpu_code() {
        assert_eq!(
            "compute_80".parse::<GpuCode>().unwrap(),
            GpuCode::Ptx(ComputeCapability::new(8, 0))
        );
        assert_eq!("sm_35".parse::<GpuCode>().unwrap().to_string(), "sm_35");
        assert!("8.0".parse::<GpuCode>().is_err());
    }

    #[test]
    fn python_and_ptx_isa() {
        let p: PythonVersion = "3.10".parse().unwrap();
        assert!(p > "3.9".parse().unwrap());
        assert_eq!(p.to_string(), "3.10");
        assert!("3".parse::<PythonVersion>().is_err());
        assert_eq!(PythonVersion::parse_lenient("3.10.12").unwrap(), p);
        let isa: PtxIsaVersion = "8.5".parse().unwrap();
        assert!(isa > "7.8".parse().unwrap());
    }

    #[test]
    fn framework_versions() {
        let v: FrameworkVersion = "2.4.1+cu121".parse().unwrap();
        assert_eq!(v.local().as_deref(), Some("cu121"));
        assert_eq!(v.without_local().to_string(), "2.4.1");
        assert!(v.in_series(&[2, 4]));
        assert!(!v.in_series(&[2, 40]));
        let a: FrameworkVersion = "2.10.0".parse().unwrap();
        let b: FrameworkVersion = "2.9.3".parse().unwrap();
        assert!(a > b);
        assert!("2.17.0rc1".parse::<FrameworkVersion>().unwrap() < "2.17.0".parse().unwrap());
        let e = "two".parse::<FrameworkVersion>().unwrap_err();
        assert!(e.to_string().starts_with("invalid framework version `two`"));
    }

    #[test]
    fn serde_round_trip_as_strings() {
        let v: DriverVersion = serde_json::from_str("\"535.261.03\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"535.261.03\"");
        let c: ComputeCapability = serde_json::from_str("\"8.6\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"8.6\"");
        assert!(serde_json::from_str::<CudaVersion>("\"x\"").is_err());
    }
}
