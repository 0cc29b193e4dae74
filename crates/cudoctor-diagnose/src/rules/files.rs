//! Names and versions of library files, shared by the library and cuDNN rules.

use crate::loader::LoadedFile;

/// `libcudart.so.11.0` -> (`cudart`, `11.0`).
pub(crate) fn soname_parts(soname: &str) -> (&str, Option<&str>) {
    let base = soname.strip_prefix("lib").unwrap_or(soname);
    match base.split_once(".so") {
        Some((family, rest)) => (family, rest.strip_prefix('.').filter(|v| !v.is_empty())),
        None => (base, None),
    }
}

/// The version in a library file name (`libcudart.so.11.8.89` -> `11.8.89`).
pub(crate) fn version_from_file_name(path: &str) -> Option<String> {
    let name = path.rsplit('/').next()?;
    let (_, v) = soname_parts(name);
    let v = v?;
    v.split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.to_owned())
}

/// The version of a loaded file: recorded, else from the real file's name.
pub(crate) fn file_version(f: &LoadedFile) -> Option<String> {
    f.version
        .clone()
        .or_else(|| f.real_path.as_deref().and_then(version_from_file_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soname_and_file_name_versions() {
        assert_eq!(soname_parts("libcudart.so.11.0"), ("cudart", Some("11.0")));
        assert_eq!(soname_parts("libcudnn.so"), ("cudnn", None));
        assert_eq!(soname_parts("libcublasLt.so.11"), ("cublasLt", Some("11")));
        assert_eq!(
            version_from_file_name("/x/libcudart.so.11.8.89").as_deref(),
            Some("11.8.89")
        );
        assert_eq!(version_from_file_name("/x/libcudart.so.11.0.rc"), None);
    }
}
