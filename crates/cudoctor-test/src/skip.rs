//! Tests that cannot run for a missing artifact or tool: a skip that is printed and logged
//! (CI counts the lines of `CUDOCTOR_SKIP_LOG`), or a failure under
//! `CUDOCTOR_REQUIRE_ARTIFACTS=1`.
#![allow(clippy::print_stderr)]

/// A missing artifact or tool: a skip with the reason, or a failure when `CUDOCTOR_REQUIRE_ARTIFACTS=1`.
pub fn missing<T>(why: &str) -> Option<T> {
    let required = std::env::var("CUDOCTOR_REQUIRE_ARTIFACTS").is_ok_and(|v| v == "1");
    assert!(!required, "{why}, and CUDOCTOR_REQUIRE_ARTIFACTS=1");
    log_skip(why);
    None
}

/// Records a skip: prints it, and appends `TEST_NAME: reason` to the file named by
/// `CUDOCTOR_SKIP_LOG` when that is set (CI counts the lines).
pub fn log_skip(why: &str) {
    eprintln!("skipped: {why}");
    let Some(log) = std::env::var_os("CUDOCTOR_SKIP_LOG") else {
        return;
    };
    let name = std::thread::current()
        .name()
        .unwrap_or("unknown test")
        .to_owned();
    let line = format!("{name}: {}\n", why.replace('\n', " "));
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "cannot append to CUDOCTOR_SKIP_LOG `{}`: {e}",
            std::path::Path::new(&log).display()
        );
    }
}
