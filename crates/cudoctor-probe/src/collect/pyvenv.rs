//! Python versions from the files that name them: `pyvenv.cfg` and interpreter names. Shared by
//! the environment collector and the active-Python rules.

use cudoctor_kb::version::PythonVersion;

/// `pyvenv.cfg`'s `version` (venv) or `version_info` (uv, virtualenv).
///
/// Real sample (`python3.10 -m venv`):
/// ```text
/// home = /usr/bin
/// include-system-site-packages = false
/// version = 3.10.12
/// ```
pub fn parse_pyvenv_cfg(text: &str) -> Option<PythonVersion> {
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k == "version" || k == "version_info" {
            let v = v.trim();
            // version_info = 3.12.3.final.0
            let numeric: Vec<&str> = v
                .split('.')
                .take_while(|p| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
                .take(3)
                .collect();
            if let Ok(pv) = PythonVersion::parse_lenient(&numeric.join(".")) {
                return Some(pv);
            }
        }
    }
    None
}

/// `python3.10` -> 3.10 (folder or interpreter name).
pub fn python_version_from_name(name: &str) -> Option<PythonVersion> {
    let rest = name.strip_prefix("python")?;
    PythonVersion::parse_lenient(rest).ok()
}
