//! Small value types the rows of several tables share: release series and Python ranges.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::version::{FrameworkVersion, PythonVersion, VersionParseError};

/// A framework release series `X.Y` (`2.9` covers `2.9.0`, `2.9.3`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Series {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
}

impl Series {
    /// Whether `version` belongs to this series.
    pub fn contains(self, version: &FrameworkVersion) -> bool {
        version.in_series(&[self.major, self.minor])
    }
    /// The series of a version (`2.9.3` -> `2.9`).
    pub fn of(version: &FrameworkVersion) -> Self {
        let r = version.release();
        Self {
            major: r.first().copied().unwrap_or(0),
            minor: r.get(1).copied().unwrap_or(0),
        }
    }
}

impl FromStr for Series {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| VersionParseError {
            kind: "release series",
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (a, b) = s
            .trim()
            .split_once('.')
            .ok_or_else(|| err("expected `MAJOR.MINOR`"))?;
        Ok(Self {
            major: a.parse().map_err(|_| err("the major is not a number"))?,
            minor: b.parse().map_err(|_| err("the minor is not a number"))?,
        })
    }
}
impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}
serde_from_str!(Series);

/// Python versions as a data file writes them: `3.7` or `3.3-3.6` (same major, inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PythonRange {
    /// First version.
    pub first: PythonVersion,
    /// Last version (inclusive).
    pub last: PythonVersion,
}

impl PythonRange {
    /// Whether `v` is in the range.
    pub fn contains(self, v: PythonVersion) -> bool {
        self.first <= v && v <= self.last
    }
    /// Every minor version in the range.
    pub fn expand(self) -> Vec<PythonVersion> {
        (self.first.minor()..=self.last.minor())
            .map(|m| PythonVersion::new(self.first.major(), m))
            .collect()
    }
}

impl FromStr for PythonRange {
    type Err = VersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s.split_once('-').unwrap_or((s, s));
        let first: PythonVersion = a.trim().parse()?;
        let last: PythonVersion = b.trim().parse()?;
        if first.major() != last.major() || first > last {
            return Err(VersionParseError {
                kind: "Python range",
                input: s.to_owned(),
                reason: "expected `X.Y-X.Z` with the same major and Y <= Z".to_owned(),
            });
        }
        Ok(Self { first, last })
    }
}
impl fmt::Display for PythonRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}
serde_from_str!(PythonRange);

/// Expands Python ranges into the list of versions.
pub fn expand_python(ranges: &[PythonRange]) -> Vec<PythonVersion> {
    ranges.iter().flat_map(|r| r.expand()).collect()
}
