//! Helpers shared by the fixture and oracle tests.

use std::collections::BTreeMap;

use cudoctor_fatbin::SmArch;
use cudoctor_kb::version::ArchVariant;

/// Our counts keyed by the name `cuobjdump` gives: CUDA 13.0 `cuobjdump` names the `a`
/// qualifier but prints an `f` entry (flag `0x200000`) as plain (`sm_100f` -> `sm_100`), so `f`
/// counts are added to the plain name here. (CUDA 11.8 `cuobjdump` never meets an `f` entry.)
pub fn cuobjdump_names(map: &BTreeMap<SmArch, u64>) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for (arch, n) in map {
        let name = if arch.variant == ArchVariant::FamilySpecific {
            SmArch::new(arch.number).to_string()
        } else {
            arch.to_string()
        };
        *out.entry(name).or_default() += n;
    }
    out
}
