//! What a spec means when the user leaves the version out: `requirements tensorflow`,
//! `check --for torch`. A bare framework name is the version installed on the probed system (for
//! `check --for`), else the newest release the embedded knowledge base knows. The output then
//! names the version it answered for.

use cudoctor_kb::framework::Framework;
use cudoctor_probe::Snapshot;

/// `text` as `NAME==VERSION`: unchanged when it has a version (or is not a framework name, so
/// that the spec parser names the problem), else completed as above.
pub fn complete(text: &str, installed: Option<&Snapshot>) -> String {
    if text.contains("==") {
        return text.to_owned();
    }
    let Some((framework, package)) = Framework::parse_with_package(text) else {
        return text.to_owned();
    };
    let on_system = installed.and_then(|snap| {
        snap.frameworks.iter().find_map(|f| {
            let (fw, _) = Framework::parse_with_package(&f.name)?;
            (fw == framework)
                .then(|| f.version.as_ref().map(ToString::to_string))
                .flatten()
        })
    });
    match on_system.or_else(|| cudoctor_kb::kb().newest_release(framework)) {
        Some(version) => format!("{package}=={version}"),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_is_the_installed_release_else_the_newest() {
        assert_eq!(complete("tensorflow==2.9.0", None), "tensorflow==2.9.0");
        assert_eq!(complete("notaframework", None), "notaframework");
        let newest = cudoctor_kb::kb()
            .newest_release(Framework::TensorFlow)
            .unwrap_or_default();
        assert_eq!(complete("tf", None), format!("tensorflow=={newest}"));
        let mut snap = Snapshot::empty(cudoctor_probe::snapshot::RootInfo {
            kind: cudoctor_probe::snapshot::RootKind::Directory,
            path: "/r".into(),
        });
        snap.frameworks.push(cudoctor_probe::snapshot::Framework {
            name: "torch".into(),
            version: cudoctor_facts_version("2.1.0"),
            ..cudoctor_probe::snapshot::Framework::default()
        });
        assert_eq!(complete("torch", Some(&snap)), "torch==2.1.0");
    }

    fn cudoctor_facts_version(
        v: &str,
    ) -> cudoctor_probe::snapshot::Fact<cudoctor_kb::version::FrameworkVersion> {
        cudoctor_probe::snapshot::Fact::known(v.parse().unwrap_or_else(|e| panic!("{e}")), "test")
    }
}
