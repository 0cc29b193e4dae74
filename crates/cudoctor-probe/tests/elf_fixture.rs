//! The test ELF builder produces files our reader, and the real `readelf`, agree on.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use cudoctor_probe::Root;
use cudoctor_probe::elf::read_elf;
use cudoctor_test::{ElfSpec, Fixture, make_elf};
use std::path::Path;

#[test]
fn built_elf_reads_back() {
    let f = Fixture::new();
    let spec = ElfSpec {
        class64: true,
        machine: 62,
        soname: Some("libx.so.1"),
        rpath: Some("/opt/a:/opt/b"),
        runpath: None,
        needed: vec!["libc.so.6"],
    };
    f.file("/x.so", make_elf(&spec));
    let info = read_elf(&Root::dir(f.path()).unwrap(), Path::new("/x.so")).unwrap();
    assert_eq!(info.soname.as_deref(), Some("libx.so.1"));
    assert_eq!(info.rpath, vec!["/opt/a", "/opt/b"]);
    assert_eq!(info.needed, vec!["libc.so.6"]);
    let spec32 = ElfSpec {
        class64: false,
        machine: 3,
        soname: Some("liby.so.2"),
        rpath: None,
        runpath: Some("$ORIGIN/../lib"),
        needed: vec![],
    };
    f.file("/y.so", make_elf(&spec32));
    let info = read_elf(&Root::dir(f.path()).unwrap(), Path::new("/y.so")).unwrap();
    assert_eq!((info.class, info.machine), (32, 3));
    assert_eq!(info.soname.as_deref(), Some("liby.so.2"));
    assert_eq!(info.runpath, vec!["$ORIGIN/../lib"]);
    // Cross-check with binutils when present.
    if let Ok(out) = std::process::Command::new("readelf")
        .arg("-d")
        .arg(f.host_path("/x.so"))
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Library soname: [libx.so.1]"), "{text}");
        assert!(text.contains("Library rpath: [/opt/a:/opt/b]"), "{text}");
    } else {
        eprintln!("readelf not available: cross-check skipped");
    }
}

/// A dynamic string table larger than the region read at once (`ELF_REGION_BYTES`, 4 MiB; a C++
/// library's, such as libtorch_cuda.so's 11 MB, is): the names past it are read one by one, not
/// dropped. The first "name" here is 5 MiB long, over the string cap, so it is no name; the
/// DT_NEEDED and DT_RPATH strings after it lie past 4 MiB.
#[test]
fn names_past_a_large_string_table_region_are_read() {
    let f = Fixture::new();
    let filler = "x".repeat(5 << 20);
    let spec = ElfSpec {
        class64: true,
        machine: 62,
        soname: Some("libbig.so"),
        rpath: Some("$ORIGIN/../../nvidia/cusparse/lib"),
        runpath: None,
        needed: vec![&filler, "libcusparse.so.12", "libcudart.so.12"],
    };
    f.file("/big.so", make_elf(&spec));
    let info = read_elf(&Root::dir(f.path()).unwrap(), Path::new("/big.so")).unwrap();
    assert_eq!(info.needed, vec!["libcusparse.so.12", "libcudart.so.12"]);
    assert_eq!(info.soname.as_deref(), Some("libbig.so"));
    assert_eq!(info.rpath, vec!["$ORIGIN/../../nvidia/cusparse/lib"]);
}

/// The string-by-string reading of a large table gives what reading it whole gives, names over
/// the string cap dropped alike: the same files read with a region cap that holds their string
/// table and with one that holds their program headers and dynamic segment but not the table.
#[test]
fn a_string_table_read_by_string_equals_it_read_whole() {
    use cudoctor_fatbin::elf::{DynamicLimits, Header, read_dynamic};
    // 300 bytes: over the string cap below, and it makes each table larger than the small cap.
    let long = "l".repeat(300);
    let specs = [
        ElfSpec {
            class64: true,
            machine: 62,
            soname: Some("libx.so.1"),
            rpath: Some("$ORIGIN:/opt/b"),
            runpath: Some("/opt/c"),
            needed: vec!["libcusparse.so.12", &long, "libc.so.6"],
        },
        ElfSpec {
            class64: false,
            machine: 3,
            soname: None,
            rpath: None,
            runpath: None,
            needed: vec![&long, "liba.so", "libb.so"],
        },
    ];
    for spec in &specs {
        let bytes = make_elf(spec);
        let header = Header::parse(&bytes).unwrap();
        let read = |region_bytes| {
            let limits = DynamicLimits {
                region_bytes,
                entries: 16,
                string_bytes: 32,
            };
            read_dynamic(&bytes[..], bytes.len() as u64, &header, &limits).unwrap()
        };
        let whole = read(1 << 20);
        assert!(!whole.needed.contains(&long), "{whole:?}");
        assert_eq!(whole.needed.len(), 2, "{whole:?}");
        // 150 bytes hold the program headers (112 or 64) and the dynamic segment (144 or 48),
        // not the table (over 300).
        assert_eq!(read(150), whole, "class64: {}", spec.class64);
    }
}

/// A file that reads like `bytes` before `fail_from` and fails from there on.
struct FailingFrom<'a> {
    bytes: &'a [u8],
    fail_from: u64,
}

impl cudoctor_fatbin::elf::ReadAt for FailingFrom<'_> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        if offset.saturating_add(buf.len() as u64) > self.fail_from {
            return Err(std::io::Error::other("injected read error"));
        }
        self.bytes.read_at(buf, offset)
    }
}

/// A string of a table too large to read at once that cannot be read is the table's error,
/// as a small table that cannot be read is, not a name silently dropped.
#[test]
fn an_unreadable_string_of_a_large_table_is_an_error() {
    use cudoctor_fatbin::elf::{DynamicError, DynamicLimits, Header, read_dynamic};
    let long = "l".repeat(300);
    let spec = ElfSpec {
        class64: true,
        machine: 62,
        soname: None,
        rpath: None,
        runpath: Some("/opt/c"),
        needed: vec![&long, "libc.so.6"],
    };
    let bytes = make_elf(&spec);
    let header = Header::parse(&bytes).unwrap();
    let limits = DynamicLimits {
        region_bytes: 150,
        entries: 16,
        string_bytes: 32,
    };
    // The RUNPATH string is the table's last: its read, and only it, fails.
    let file = FailingFrom {
        bytes: &bytes,
        fail_from: bytes.len() as u64 - 3,
    };
    assert_eq!(
        read_dynamic(&file, bytes.len() as u64, &header, &limits),
        Err(DynamicError::StringTableUnreadable)
    );
    // Read in full, the same file answers.
    let ok = read_dynamic(&bytes[..], bytes.len() as u64, &header, &limits).unwrap();
    assert_eq!(
        (ok.needed, ok.runpath),
        (vec!["libc.so.6".to_owned()], vec!["/opt/c".to_owned()])
    );
}
