//! The one writer: atomic replacement with a backup, or nothing at all.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{FixError, Plan};

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The file written (the target of `path` when it is a symlink).
    pub path: PathBuf,
    /// The copy of the original bytes, `PATH.cudoctor-backup-YYYYMMDDTHHMMSSZ`; `None` when
    /// there was no file before, or nothing had to change.
    pub backup: Option<PathBuf>,
    /// Whether anything was written.
    pub written: bool,
}

/// Writes `plan.new` to `path`, if the plan changes anything: the file is re-read and must
/// still hold `plan.old` (a missing file, `""`); the new bytes go to a temporary file in the same
/// directory (created exclusively, given the original's mode and owner, fsynced); the original
/// bytes go to a backup (fsynced) first; then a rename over the original and an fsync of the
/// directory. On any error the original is untouched and the temporary file and backup are
/// removed. A file that did not exist is created with mode 0644.
pub fn apply(path: &Path, plan: &Plan) -> Result<Applied, FixError> {
    apply_with_hook(path, plan, &|_| Ok(()))
}

/// Removes the files it holds when dropped, unless disarmed.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = fs::remove_file(p);
        }
    }
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FixError {
    let path = path.to_owned();
    move |source| FixError::Io { op, path, source }
}

/// [`apply`], with `before_rename` called (with the temporary file's path) after the new bytes
/// and the backup are on disk and before the rename: tests make it fail to stand for a crash.
#[doc(hidden)]
pub fn apply_with_hook(
    path: &Path,
    plan: &Plan,
    before_rename: &dyn Fn(&Path) -> io::Result<()>,
) -> Result<Applied, FixError> {
    let current = match fs::read(path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err("read", path)(e)),
    };
    let still = match &current {
        Some(b) => b.as_slice() == plan.old.as_bytes(),
        None => plan.old.is_empty(),
    };
    if !still {
        return Err(FixError::Changed {
            path: path.to_owned(),
        });
    }
    // Write through a symlink to the file it names, rather than replacing the link.
    let target = if current.is_some() {
        fs::canonicalize(path).map_err(io_err("resolve", path))?
    } else {
        path.to_owned()
    };
    if !plan.changed {
        return Ok(Applied {
            path: target,
            backup: None,
            written: false,
        });
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = match &current {
        Some(_) => Some(fs::metadata(&target).map_err(io_err("read the metadata of", &target))?),
        None => None,
    };
    let mut cleanup = Cleanup(Vec::new());

    let (tmp_path, mut tmp) = create_unique(&dir, &format!(".{name}.cudoctor-tmp"))?;
    cleanup.0.push(tmp_path.clone());
    tmp.write_all(plan.new.as_bytes())
        .map_err(io_err("write", &tmp_path))?;
    let mode = meta.as_ref().map_or(0o644, |m| m.mode() & 0o7777);
    tmp.set_permissions(Permissions::from_mode(mode))
        .map_err(io_err("set the mode of", &tmp_path))?;
    if let Some(m) = &meta {
        keep_owner(&tmp, &tmp_path, &target, m)?;
    }
    tmp.sync_all().map_err(io_err("fsync", &tmp_path))?;
    drop(tmp);

    let backup = match &current {
        Some(bytes) => {
            let (bpath, mut b) =
                create_unique(&dir, &format!("{name}.cudoctor-backup-{}", utc_stamp()))?;
            cleanup.0.push(bpath.clone());
            b.write_all(bytes).map_err(io_err("write", &bpath))?;
            b.set_permissions(Permissions::from_mode(mode))
                .map_err(io_err("set the mode of", &bpath))?;
            if let Some(m) = &meta {
                // Best effort: the backup is ours to read back either way.
                let _ = std::os::unix::fs::fchown(&b, Some(m.uid()), Some(m.gid()));
            }
            b.sync_all().map_err(io_err("fsync", &bpath))?;
            Some(bpath)
        }
        None => None,
    };

    before_rename(&tmp_path).map_err(io_err("replace", &target))?;
    fs::rename(&tmp_path, &target).map_err(io_err("replace", &target))?;
    // Renamed: the temporary file is gone and the backup is to stay.
    cleanup.0.clear();
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("fsync the directory", &dir))?;
    Ok(Applied {
        path: target,
        backup,
        written: true,
    })
}

/// Creates `dir/base` exclusively (`O_EXCL`), or `dir/base.N` when that exists.
fn create_unique(dir: &Path, base: &str) -> Result<(PathBuf, File), FixError> {
    for n in 0..100 {
        let p = if n == 0 {
            dir.join(base)
        } else {
            dir.join(format!("{base}.{n}"))
        };
        match OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_err("create a file in", dir)(e)),
        }
    }
    Err(FixError::Io {
        op: "create a file in",
        path: dir.to_owned(),
        source: io::Error::new(io::ErrorKind::AlreadyExists, "100 names taken"),
    })
}

/// Gives `tmp` the owner and group of the original. Without the right to (not root), that is
/// fine only when the original is already ours.
fn keep_owner(
    tmp: &File,
    tmp_path: &Path,
    target: &Path,
    m: &fs::Metadata,
) -> Result<(), FixError> {
    let mine = tmp
        .metadata()
        .map_err(io_err("read the metadata of", tmp_path))?;
    if mine.uid() == m.uid() && mine.gid() == m.gid() {
        return Ok(());
    }
    match std::os::unix::fs::fchown(tmp, Some(m.uid()), Some(m.gid())) {
        Ok(()) => Ok(()),
        Err(_) if mine.uid() == m.uid() => {
            // Ours, another group we are not in: keep the owner, and the group is ours.
            Ok(())
        }
        Err(source) => Err(FixError::Owner {
            tmp: tmp_path.to_owned(),
            path: target.to_owned(),
            uid: m.uid(),
            gid: m.gid(),
            source,
        }),
    }
}

/// The time now as `YYYYMMDDTHHMMSSZ` (UTC).
fn utc_stamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    stamp(secs)
}

fn stamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn stamps() {
        assert_eq!(stamp(0), "19700101T000000Z");
        // 2026-12-02T03:04:05Z
        assert_eq!(stamp(1_796_180_645), "20261202T030405Z");
        assert_eq!(stamp(951_782_400), "20000229T000000Z");
    }
}
