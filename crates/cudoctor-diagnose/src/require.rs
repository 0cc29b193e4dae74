//! `NVIDIA_REQUIRE_*`: the conditions an image sets on the host that runs it, evaluated as the
//! NVIDIA Container Toolkit evaluates them before it starts a container.
//!
//! The semantics, read from the toolkit's source:
//! - every environment variable named `NVIDIA_REQUIRE_*` is one requirement, and all of them must
//!   hold (ANDed); `NVIDIA_REQUIRE_JETPACK` is not one of them, and `NVIDIA_DISABLE_REQUIRE` (any
//!   value) turns the check off (`internal/config/image/cuda_image.go`, `GetRequirements`);
//! - a "legacy" image, one with `CUDA_VERSION` and no `NVIDIA_REQUIRE_CUDA`, requires
//!   `cuda>=MAJOR.MINOR` of `CUDA_VERSION` (same file, `legacyVersion`);
//! - inside one requirement, space-separated terms are ORed and comma-separated factors are ANDed
//!   (`internal/requirements/constraints/factory.go`, `newConstraintFromRequirement`);
//! - a factor is `PROPERTY OP VALUE` with `OP` one of `!=`, `<=`, `>=`, `=`, `<`, `>`; the
//!   properties are `cuda` (the CUDA version the host driver supports), `driver` (the driver
//!   version), `arch` (the GPU's compute capability) and `brand` (the GPU's brand); a factor on
//!   any other property is skipped (same file, `parse`);
//! - libnvidia-container treats a property it cannot read (no GPU visible) as satisfied
//!   (`src/cli/configure.c`, `check_*`). cudoctor does not: an unknown property makes the outcome
//!   unknown, and says which property it needed.
//!
//! Pure: no I/O. The rules in `rules/container.rs` turn outcomes into findings.

use std::cmp::Ordering;

/// The toolkit's source, for findings' `sources`.
pub const TOOLKIT_REQUIREMENTS_SOURCE: &str = "https://github.com/NVIDIA/nvidia-container-toolkit/blob/main/internal/requirements/constraints/factory.go";
/// Where the toolkit gathers `NVIDIA_REQUIRE_*` and handles legacy images.
pub const TOOLKIT_IMAGE_SOURCE: &str = "https://github.com/NVIDIA/nvidia-container-toolkit/blob/main/internal/config/image/cuda_image.go";

/// A property a factor tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    /// The CUDA version the host driver supports (`cuDriverGetVersion`).
    Cuda,
    /// The host driver's version (`535.104.05`).
    Driver,
    /// The GPU's compute capability (`8.0`).
    Arch,
    /// The GPU's brand (`tesla`, `geforce`, `nvidia`, ...).
    Brand,
}

impl Property {
    /// The name as written in the variable.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cuda => "cuda",
            Self::Driver => "driver",
            Self::Arch => "arch",
            Self::Brand => "brand",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "cuda" => Some(Self::Cuda),
            "driver" => Some(Self::Driver),
            "arch" => Some(Self::Arch),
            "brand" => Some(Self::Brand),
            _ => None,
        }
    }
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `!=`
    Ne,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
}

impl Op {
    /// In the toolkit's order of matching: two-character operators first.
    const ALL: [(&'static str, Op); 6] = [
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    fn holds(self, ord: Ordering) -> bool {
        match self {
            Self::Ne => ord != Ordering::Equal,
            Self::Le => ord != Ordering::Greater,
            Self::Ge => ord != Ordering::Less,
            Self::Eq => ord == Ordering::Equal,
            Self::Lt => ord == Ordering::Less,
            Self::Gt => ord == Ordering::Greater,
        }
    }
}

/// One `PROPERTY OP VALUE` factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    /// What it tests.
    pub property: Property,
    /// How.
    pub op: Op,
    /// Against what, as written.
    pub value: String,
    /// The factor as written (`driver>=470`).
    pub raw: String,
}

/// One requirement: a variable's terms (ORed), each a list of factors (ANDed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The variable (`NVIDIA_REQUIRE_CUDA`), or `CUDA_VERSION` for a legacy image.
    pub var: String,
    /// Its value as written (for a legacy image, the `cuda>=X.Y` it stands for).
    pub raw: String,
    /// The terms; an empty list never constrains.
    pub terms: Vec<Vec<Factor>>,
}

/// A malformed factor, which makes the toolkit refuse the container.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{var}`: `{factor}` is not a constraint (PROPERTY OP VALUE, e.g. `cuda>=12.1`)")]
pub struct RequireError {
    /// The variable.
    pub var: String,
    /// The factor as written.
    pub factor: String,
}

/// Parses one variable's value.
pub fn parse(var: &str, value: &str) -> Result<Requirement, RequireError> {
    let mut terms = Vec::new();
    // The toolkit splits on single spaces; empty pieces are skipped.
    for term in value.split(' ').filter(|t| !t.trim().is_empty()) {
        let mut factors = Vec::new();
        for factor in term.split(',').filter(|f| !f.trim().is_empty()) {
            let Some(end) = factor.find(['<', '>', '=', '!']) else {
                return Err(RequireError {
                    var: var.to_owned(),
                    factor: factor.to_owned(),
                });
            };
            let (name, rest) = factor.split_at(end);
            let Some(property) = Property::parse(name) else {
                // An unsupported property is skipped, as the toolkit does.
                continue;
            };
            let (op, value) = Op::ALL
                .iter()
                .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (*op, v)))
                .unwrap_or((Op::Eq, rest));
            factors.push(Factor {
                property,
                op,
                value: value.to_owned(),
                raw: factor.to_owned(),
            });
        }
        if !factors.is_empty() {
            terms.push(factors);
        }
    }
    Ok(Requirement {
        var: var.to_owned(),
        raw: value.to_owned(),
        terms,
    })
}

/// Every requirement an image's environment sets (`K=V` pairs, as in the image config), or the
/// reason there is none to check.
pub fn from_env<'a>(
    env: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<Requirement>, RequireError> {
    let env: Vec<(&str, &str)> = env.into_iter().collect();
    if env.iter().any(|(k, _)| *k == "NVIDIA_DISABLE_REQUIRE") {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (k, v) in &env {
        if k.starts_with("NVIDIA_REQUIRE_") && !k.starts_with("NVIDIA_REQUIRE_JETPACK") {
            out.push(parse(k, v)?);
        }
    }
    let has_require_cuda = env.iter().any(|(k, _)| *k == "NVIDIA_REQUIRE_CUDA");
    if !has_require_cuda {
        if let Some((_, v)) = env.iter().find(|(k, _)| *k == "CUDA_VERSION") {
            // `legacyVersion`: MAJOR.MINOR of CUDA_VERSION.
            let mm: Vec<&str> = v.split('.').take(2).collect();
            if mm.len() == 2 && mm.iter().all(|p| p.parse::<u32>().is_ok()) {
                let req = format!("cuda>={}.{}", mm[0], mm[1]);
                let mut r = parse("CUDA_VERSION", &req)?;
                r.raw = req;
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// What the host offers, each as text; `None` when it is not known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostProperties {
    /// The CUDA version the driver supports (`12.2`).
    pub cuda: Option<String>,
    /// The driver version (`535.104.05`).
    pub driver: Option<String>,
    /// The compute capability of the GPU (`8.0`).
    pub arch: Option<String>,
    /// The GPU's brand, lower case (`tesla`).
    pub brand: Option<String>,
}

impl HostProperties {
    fn get(&self, p: Property) -> Option<&str> {
        match p {
            Property::Cuda => self.cuda.as_deref(),
            Property::Driver => self.driver.as_deref(),
            Property::Arch => self.arch.as_deref(),
            Property::Brand => self.brand.as_deref(),
        }
    }
}

/// The outcome of one requirement on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A term holds; its factors as written.
    Satisfied {
        /// The first term that holds.
        term: Vec<String>,
    },
    /// No term holds; for each term, the first factor that fails.
    Unsatisfied {
        /// `(term as written, factor that fails)`.
        failed: Vec<(String, String)>,
    },
    /// No term holds for certain, and some term needs a property the facts lack.
    Unknown {
        /// The properties that would decide it.
        needs: Vec<&'static str>,
    },
}

/// Dotted numeric comparison (`535.104.05` vs `535`), missing parts as 0; `None` when either
/// side has a non-numeric part.
fn compare_versions(have: &str, want: &str) -> Option<Ordering> {
    let parse = |s: &str| -> Option<Vec<u64>> {
        s.split('.')
            .map(|p| p.parse::<u64>().ok())
            .collect::<Option<Vec<u64>>>()
    };
    let (have, want) = (parse(have)?, parse(want)?);
    let parts = have.len().max(want.len());
    let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    Some(
        (0..parts)
            .map(|i| at(&have, i).cmp(&at(&want, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal),
    )
}

/// `Some(true|false)` when the factor can be decided, `None` when its property is unknown.
fn factor_holds(f: &Factor, host: &HostProperties) -> Option<bool> {
    let have = host.get(f.property)?;
    let ord = match f.property {
        Property::Brand => have.to_ascii_lowercase().cmp(&f.value.to_ascii_lowercase()),
        _ => compare_versions(have, &f.value)?,
    };
    Some(f.op.holds(ord))
}

/// Evaluates a requirement on a host.
pub fn evaluate(req: &Requirement, host: &HostProperties) -> Outcome {
    if req.terms.is_empty() {
        return Outcome::Satisfied { term: Vec::new() };
    }
    let mut failed = Vec::new();
    let mut needs: Vec<&'static str> = Vec::new();
    for term in &req.terms {
        let shown = term
            .iter()
            .map(|f| f.raw.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut unknown = Vec::new();
        let mut fails = None;
        for f in term {
            match factor_holds(f, host) {
                Some(true) => {}
                Some(false) => {
                    fails = Some(f.raw.clone());
                    break;
                }
                None => unknown.push(f.property.as_str()),
            }
        }
        match (fails, unknown.is_empty()) {
            (None, true) => {
                return Outcome::Satisfied {
                    term: term.iter().map(|f| f.raw.clone()).collect(),
                };
            }
            (Some(f), _) => failed.push((shown, f)),
            (None, false) => {
                for u in unknown {
                    if !needs.contains(&u) {
                        needs.push(u);
                    }
                }
            }
        }
    }
    if needs.is_empty() {
        Outcome::Unsatisfied { failed }
    } else {
        Outcome::Unknown { needs }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `NVIDIA_REQUIRE_CUDA` of NVIDIA's CUDA 12.1 images, as their `Env` reads in public
    /// `docker inspect` / `env` output quoted in several repositories (`cuda>=12.1
    /// brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471
    /// brand=nvidia,driver>=470,driver<471 ... brand=tesla,driver>=525,driver<526 ...`),
    /// shortened to four of its groups.
    const CUDA_12_1: &str = "cuda>=12.1 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=470,driver<471 brand=nvidia,driver>=470,driver<471 brand=tesla,driver>=525,driver<526";

    fn host(cuda: &str, driver: &str, brand: Option<&str>) -> HostProperties {
        HostProperties {
            cuda: Some(cuda.to_owned()),
            driver: Some(driver.to_owned()),
            arch: None,
            brand: brand.map(str::to_owned),
        }
    }

    #[test]
    fn a_new_enough_driver_satisfies_the_cuda_term() {
        let r = parse("NVIDIA_REQUIRE_CUDA", CUDA_12_1).unwrap();
        assert_eq!(r.terms.len(), 5);
        let out = evaluate(&r, &host("12.2", "535.104.05", None));
        assert_eq!(
            out,
            Outcome::Satisfied {
                term: vec!["cuda>=12.1".into()]
            }
        );
    }

    #[test]
    fn an_old_driver_is_refused_unless_a_brand_group_admits_it() {
        let r = parse("NVIDIA_REQUIRE_CUDA", CUDA_12_1).unwrap();
        // 470 on a data-center GPU: the forward-compatibility group holds.
        let out = evaluate(&r, &host("11.4", "470.82.01", Some("tesla")));
        assert_eq!(
            out,
            Outcome::Satisfied {
                term: vec![
                    "brand=tesla".into(),
                    "driver>=470".into(),
                    "driver<471".into()
                ]
            }
        );
        // 470 on a GeForce: nothing holds.
        let Outcome::Unsatisfied { failed } =
            evaluate(&r, &host("11.4", "470.82.01", Some("geforce")))
        else {
            panic!("expected unsatisfied");
        };
        assert_eq!(failed[0], ("cuda>=12.1".into(), "cuda>=12.1".into()));
        assert_eq!(failed.len(), 5);
        // 470 with the brand unknown: it depends on the brand.
        assert_eq!(
            evaluate(&r, &host("11.4", "470.82.01", None)),
            Outcome::Unknown {
                needs: vec!["brand"]
            }
        );
        // 460: no group's driver range holds, whatever the brand.
        assert!(matches!(
            evaluate(&r, &host("11.2", "460.91.03", None)),
            Outcome::Unsatisfied { .. }
        ));
    }

    #[test]
    fn versions_compare_by_number_not_text() {
        assert_eq!(compare_versions("12.10", "12.9"), Some(Ordering::Greater));
        assert_eq!(compare_versions("535", "535.0.0"), Some(Ordering::Equal));
        assert_eq!(compare_versions("470.82.01", "471"), Some(Ordering::Less));
        assert_eq!(compare_versions("x", "1"), None);
    }

    #[test]
    fn every_nvidia_require_variable_counts_and_disable_turns_them_off() {
        let env = [
            ("NVIDIA_REQUIRE_CUDA", "cuda>=11.2"),
            ("NVIDIA_REQUIRE_ARCH", "arch>=7.0"),
            ("NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"),
            ("PATH", "/usr/bin"),
        ];
        let reqs = from_env(env).unwrap();
        let vars: Vec<&str> = reqs.iter().map(|r| r.var.as_str()).collect();
        assert_eq!(vars, ["NVIDIA_REQUIRE_CUDA", "NVIDIA_REQUIRE_ARCH"]);
        let mut off = env.to_vec();
        off.push(("NVIDIA_DISABLE_REQUIRE", "1"));
        assert!(from_env(off).unwrap().is_empty());
    }

    #[test]
    fn a_legacy_image_requires_its_cuda_version() {
        let reqs = from_env([("CUDA_VERSION", "11.2.152")]).unwrap();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].var, "CUDA_VERSION");
        assert_eq!(reqs[0].raw, "cuda>=11.2");
        // With NVIDIA_REQUIRE_CUDA present, CUDA_VERSION adds nothing.
        let reqs = from_env([
            ("CUDA_VERSION", "11.2.152"),
            ("NVIDIA_REQUIRE_CUDA", "cuda>=11.0"),
        ])
        .unwrap();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].raw, "cuda>=11.0");
    }

    #[test]
    fn unsupported_properties_are_skipped_and_junk_is_an_error() {
        let r = parse("NVIDIA_REQUIRE_X", "os>=22 cuda>=12.0").unwrap();
        assert_eq!(r.terms.len(), 1);
        assert!(parse("NVIDIA_REQUIRE_X", "cuda12").is_err());
        // A requirement with no supported factor never constrains.
        let r = parse("NVIDIA_REQUIRE_X", "os>=22").unwrap();
        assert!(matches!(
            evaluate(&r, &HostProperties::default()),
            Outcome::Satisfied { .. }
        ));
    }
}
