//! What the rule tests share: the embedded knowledge base, the findings of a snapshot's installed
//! frameworks, of given targets or of a `--for` spec, and the findings of one rule id. The
//! snapshots themselves come from `cudoctor_test::scenarios`.
#![allow(clippy::unwrap_used)]

use cudoctor_facts::snapshot::Snapshot;
use cudoctor_kb::{Kb, Spec};

use crate::diagnose;
use crate::finding::{Finding, Severity};
use crate::target::{Target, target_from_spec, targets_from_snapshot};

pub(crate) fn kb() -> &'static Kb {
    Kb::embedded().unwrap()
}

pub(crate) fn installed(s: &Snapshot) -> Vec<Finding> {
    let t = targets_from_snapshot(kb(), s);
    diagnose(kb(), s, &t).findings
}

pub(crate) fn with_targets(s: &Snapshot, t: &[Target]) -> Vec<Finding> {
    diagnose(kb(), s, t).findings
}

pub(crate) fn spec(s: &Snapshot, spec: &str) -> Vec<Finding> {
    let spec: Spec = spec.parse().unwrap();
    with_targets(s, &[target_from_spec(kb(), &spec, s)])
}

pub(crate) fn of<'a>(f: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.id == id).collect()
}

pub(crate) fn sev(f: &[Finding], id: &str) -> Option<Severity> {
    of(f, id).first().map(|x| x.severity)
}
