//! Reading one member of a remote zip (a wheel) with a few range reads, as uv's lazy wheel
//! does: the tail (end of central directory, and the zip64 records where present), the central
//! directory, then the member's local header and its stored or deflated data.
//!
//! Everything read is bounded: the tail to 64 KiB + 22 bytes, the central directory to
//! [`MAX_CENTRAL_DIRECTORY`], a member to [`MAX_MEMBER`]. Bad offsets, truncated records and
//! sizes past the limits are [`ZipError`]s, never panics.

use std::io::Read;

/// The largest member read (16 MiB): METADATA, build_info.py and version.py are a few KiB.
pub const MAX_MEMBER: u64 = 16 << 20;
/// The largest central directory read (64 MiB; torch's has ~15k entries, ~2 MiB).
pub const MAX_CENTRAL_DIRECTORY: u64 = 64 << 20;
/// The tail read first: the largest end-of-central-directory record (22 bytes + a 64 KiB
/// comment) plus room for the zip64 locator and record.
pub const TAIL: u64 = 22 + 0xFFFF + 20 + 56;

/// A readable byte range source of known length (an HTTP file honouring `Range`, or memory).
pub trait RangeSource {
    /// Total length in bytes.
    fn total_len(&mut self) -> Result<u64, ZipError>;
    /// Bytes `start .. start + len` (exactly `len` bytes, or an error).
    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, ZipError>;
}

/// What is wrong with the archive (or the transport under it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipError {
    /// The archive's structure is invalid or exceeds a limit.
    Invalid(String),
    /// No member matches.
    NotFound,
    /// The transport failed; the message is the transport error's.
    Transport(String),
}

impl std::fmt::Display for ZipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invalid(s) | Self::Transport(s) => f.write_str(s),
            Self::NotFound => f.write_str("no such member"),
        }
    }
}

fn bad(s: impl Into<String>) -> ZipError {
    ZipError::Invalid(s.into())
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, ZipError> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| bad("truncated record"))
}
fn u32_at(b: &[u8], at: usize) -> Result<u32, ZipError> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| bad("truncated record"))
}
fn u64_at(b: &[u8], at: usize) -> Result<u64, ZipError> {
    b.get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map(u64::from_le_bytes)
        .ok_or_else(|| bad("truncated record"))
}

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CDH_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;

/// One central-directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The member's path in the archive.
    pub name: String,
    /// 0 = stored, 8 = deflate.
    pub method: u16,
    /// Compressed size.
    pub compressed: u64,
    /// Uncompressed size.
    pub size: u64,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Offset of the local header.
    pub local_offset: u64,
}

/// Where the central directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

/// Finds the end of central directory in `tail` (the last bytes of a file of length `total`),
/// following the zip64 locator where the record says so. `tail_start` is where `tail` begins.
fn find_directory(
    src: &mut dyn RangeSource,
    tail: &[u8],
    tail_start: u64,
    total: u64,
) -> Result<Directory, ZipError> {
    if tail.len() < 22 {
        return Err(bad("shorter than an end-of-central-directory record"));
    }
    let mut at = None;
    for i in (0..=tail.len() - 22).rev() {
        if u32_at(tail, i)? == EOCD_SIG {
            // The comment length must reach exactly to the end of the file.
            let comment = u64::from(u16_at(tail, i + 20)?);
            if i as u64 + 22 + comment == tail.len() as u64 {
                at = Some(i);
                break;
            }
        }
    }
    let i =
        at.ok_or_else(|| bad("no end-of-central-directory record (not a zip file, or truncated)"))?;
    let mut dir = Directory {
        entries: u64::from(u16_at(tail, i + 10)?),
        size: u64::from(u32_at(tail, i + 12)?),
        offset: u64::from(u32_at(tail, i + 16)?),
    };
    if dir.entries == 0xFFFF || dir.size == 0xFFFF_FFFF || dir.offset == 0xFFFF_FFFF {
        // zip64: the locator is the 20 bytes before the record.
        let loc = i
            .checked_sub(20)
            .ok_or_else(|| bad("zip64 archive without a zip64 locator"))?;
        if u32_at(tail, loc)? != ZIP64_LOCATOR_SIG {
            return Err(bad("zip64 archive without a zip64 locator"));
        }
        let rec_offset = u64_at(tail, loc + 8)?;
        if rec_offset.checked_add(56).is_none_or(|end| end > total) {
            return Err(bad(format!(
                "the zip64 record offset {rec_offset} is past the end ({total} bytes)"
            )));
        }
        let rec = if rec_offset >= tail_start && rec_offset + 56 <= tail_start + tail.len() as u64 {
            let s = (rec_offset - tail_start) as usize;
            tail[s..s + 56].to_vec()
        } else {
            src.read_at(rec_offset, 56)?
        };
        if u32_at(&rec, 0)? != ZIP64_EOCD_SIG {
            return Err(bad(
                "the zip64 locator points at no zip64 end-of-central-directory record",
            ));
        }
        dir = Directory {
            entries: u64_at(&rec, 32)?,
            size: u64_at(&rec, 40)?,
            offset: u64_at(&rec, 48)?,
        };
    }
    if dir
        .offset
        .checked_add(dir.size)
        .is_none_or(|end| end > total)
    {
        return Err(bad(format!(
            "the central directory ({} bytes at {}) is past the end of the file ({total} bytes)",
            dir.size, dir.offset
        )));
    }
    if dir.size > MAX_CENTRAL_DIRECTORY {
        return Err(bad(format!(
            "the central directory is {} bytes, over the {MAX_CENTRAL_DIRECTORY}-byte limit",
            dir.size
        )));
    }
    Ok(dir)
}

/// Parses a central directory.
pub fn parse_central_directory(cd: &[u8]) -> Result<Vec<Entry>, ZipError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 46 <= cd.len() {
        if u32_at(cd, at)? != CDH_SIG {
            return Err(bad(format!(
                "central directory entry {} has a bad signature",
                out.len()
            )));
        }
        let method = u16_at(cd, at + 10)?;
        let crc32 = u32_at(cd, at + 16)?;
        let mut compressed = u64::from(u32_at(cd, at + 20)?);
        let mut size = u64::from(u32_at(cd, at + 24)?);
        let name_len = usize::from(u16_at(cd, at + 28)?);
        let extra_len = usize::from(u16_at(cd, at + 30)?);
        let comment_len = usize::from(u16_at(cd, at + 32)?);
        let mut local_offset = u64::from(u32_at(cd, at + 42)?);
        let name_start = at + 46;
        let extra_start = name_start + name_len;
        let end = extra_start + extra_len + comment_len;
        let name = cd
            .get(name_start..extra_start)
            .ok_or_else(|| bad("truncated central directory entry"))?;
        let extra = cd
            .get(extra_start..extra_start + extra_len)
            .ok_or_else(|| bad("truncated central directory entry"))?;
        // zip64 extended information: the 0xFFFFFFFF fields, in order.
        let mut e = 0usize;
        while e + 4 <= extra.len() {
            let id = u16_at(extra, e)?;
            let len = usize::from(u16_at(extra, e + 2)?);
            let body = extra
                .get(e + 4..e + 4 + len)
                .ok_or_else(|| bad("truncated zip64 extra field"))?;
            if id == 1 {
                let mut p = 0usize;
                for field in [&mut size, &mut compressed, &mut local_offset] {
                    if *field == 0xFFFF_FFFF {
                        *field = u64_at(body, p)?;
                        p += 8;
                    }
                }
            }
            e += 4 + len;
        }
        out.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            compressed,
            size,
            crc32,
            local_offset,
        });
        at = end;
    }
    Ok(out)
}

/// Reads the central directory of `src`.
pub fn read_entries(src: &mut dyn RangeSource) -> Result<Vec<Entry>, ZipError> {
    let total = src.total_len()?;
    let tail_len = TAIL.min(total);
    let tail_start = total - tail_len;
    let tail = src.read_at(tail_start, tail_len)?;
    let dir = find_directory(src, &tail, tail_start, total)?;
    let cd = if dir.offset >= tail_start {
        let s = (dir.offset - tail_start) as usize;
        tail.get(s..s + dir.size as usize)
            .ok_or_else(|| bad("the central directory runs past the tail"))?
            .to_vec()
    } else {
        src.read_at(dir.offset, dir.size)?
    };
    let entries = parse_central_directory(&cd)?;
    if dir.entries != 0xFFFF && entries.len() as u64 != dir.entries {
        return Err(bad(format!(
            "the central directory holds {} entries, the end record says {}",
            entries.len(),
            dir.entries
        )));
    }
    Ok(entries)
}

/// Where `entry`'s compressed data starts: past its local file header, which must be there, with
/// all `entry.compressed` bytes inside the archive.
fn data_start(src: &mut dyn RangeSource, entry: &Entry) -> Result<u64, ZipError> {
    let total = src.total_len()?;
    if entry.local_offset.checked_add(30).is_none_or(|e| e > total) {
        return Err(bad(format!(
            "`{}`: the local header offset {} is past the end",
            entry.name, entry.local_offset
        )));
    }
    let head = src.read_at(entry.local_offset, 30)?;
    if u32_at(&head, 0)? != LOCAL_SIG {
        return Err(bad(format!(
            "`{}`: no local file header at offset {}",
            entry.name, entry.local_offset
        )));
    }
    let start =
        entry.local_offset + 30 + u64::from(u16_at(&head, 26)?) + u64::from(u16_at(&head, 28)?);
    if start
        .checked_add(entry.compressed)
        .is_none_or(|e| e > total)
    {
        return Err(bad(format!(
            "`{}`: the data runs past the end of the file",
            entry.name
        )));
    }
    Ok(start)
}

/// Reads and decompresses one entry's data, checking its size and CRC-32.
pub fn read_entry(src: &mut dyn RangeSource, entry: &Entry) -> Result<Vec<u8>, ZipError> {
    if entry.size > MAX_MEMBER || entry.compressed > MAX_MEMBER {
        return Err(bad(format!(
            "`{}` is {} bytes ({} compressed), over the {MAX_MEMBER}-byte limit",
            entry.name, entry.size, entry.compressed
        )));
    }
    let start = data_start(src, entry)?;
    let raw = src.read_at(start, entry.compressed)?;
    let data = match entry.method {
        0 => raw,
        8 => {
            let mut out = Vec::with_capacity(entry.size as usize);
            flate2::read::DeflateDecoder::new(raw.as_slice())
                .take(MAX_MEMBER + 1)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("`{}`: bad deflate data: {e}", entry.name)))?;
            out
        }
        m => {
            return Err(bad(format!(
                "`{}`: compression method {m} is not supported (only stored and deflate)",
                entry.name
            )));
        }
    };
    if data.len() as u64 != entry.size {
        return Err(bad(format!(
            "`{}`: {} bytes after decompression, the directory says {}",
            entry.name,
            data.len(),
            entry.size
        )));
    }
    let crc = crc32(&data);
    if crc != entry.crc32 {
        return Err(bad(format!(
            "`{}`: CRC-32 {crc:08x}, the directory says {:08x}",
            entry.name, entry.crc32
        )));
    }
    Ok(data)
}

/// The entry a wheel's METADATA lives in: `NAME-VERSION.dist-info/METADATA` at the top level.
pub fn find_metadata(entries: &[Entry]) -> Option<&Entry> {
    entries.iter().find(|e| {
        e.name
            .strip_suffix(".dist-info/METADATA")
            .is_some_and(|dir| !dir.contains('/') && !dir.is_empty())
    })
}

/// The first entry whose path ends in `/suffix` or is `suffix`.
pub fn find_suffix<'a>(entries: &'a [Entry], suffix: &str) -> Option<&'a Entry> {
    let suffix = suffix.trim_start_matches('/');
    entries
        .iter()
        .find(|e| e.name == suffix || e.name.ends_with(&format!("/{suffix}")))
}

/// CRC-32 (IEEE).
fn crc32(data: &[u8]) -> u32 {
    !crc32_update(0xFFFF_FFFF, data)
}

/// A [`RangeSource`] over bytes in memory (tests, fuzzing, a wheel on disk).
#[derive(Debug, Clone)]
pub struct MemSource<'a>(pub &'a [u8]);

impl RangeSource for MemSource<'_> {
    fn total_len(&mut self) -> Result<u64, ZipError> {
        Ok(self.0.len() as u64)
    }
    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, ZipError> {
        let end = start
            .checked_add(len)
            .ok_or_else(|| bad("range overflows"))?;
        self.0
            .get(start as usize..end as usize)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                bad(format!(
                    "range {start}..{end} is past the end ({} bytes)",
                    self.0.len()
                ))
            })
    }
}

/// A [`RangeSource`] over a local file (a downloaded wheel); reads are bounded by the callers
/// (tail, central directory, local headers).
#[derive(Debug)]
pub struct FileSource {
    file: std::fs::File,
    len: u64,
}

impl FileSource {
    /// Opens `path`.
    pub fn open(path: &std::path::Path) -> std::io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Self { file, len })
    }
}

impl RangeSource for FileSource {
    fn total_len(&mut self) -> Result<u64, ZipError> {
        Ok(self.len)
    }
    fn read_at(&mut self, start: u64, len: u64) -> Result<Vec<u8>, ZipError> {
        use std::io::{Seek, SeekFrom};
        let end = start
            .checked_add(len)
            .filter(|e| *e <= self.len)
            .ok_or_else(|| {
                bad(format!(
                    "range {start}+{len} is past the end of the file ({} bytes)",
                    self.len
                ))
            })?;
        if len > MAX_CENTRAL_DIRECTORY {
            return Err(bad(format!(
                "a read of {len} bytes is over the {MAX_CENTRAL_DIRECTORY}-byte limit"
            )));
        }
        let mut buf = vec![0u8; (end - start) as usize];
        self.file
            .seek(SeekFrom::Start(start))
            .and_then(|_| self.file.read_exact(&mut buf))
            .map_err(|e| ZipError::Transport(e.to_string()))?;
        Ok(buf)
    }
}

/// Streams one entry of a local zip into `out` (for members too large for [`read_entry`], such
/// as a framework's shared libraries), checking size and CRC-32; at most `max` bytes are
/// written. Returns the bytes written.
pub fn copy_entry(
    src: &mut FileSource,
    entry: &Entry,
    out: &mut dyn std::io::Write,
    max: u64,
) -> Result<u64, ZipError> {
    use std::io::{Seek, SeekFrom};
    if entry.size > max {
        return Err(bad(format!(
            "`{}` is {} bytes, over the {max}-byte limit",
            entry.name, entry.size
        )));
    }
    let start = data_start(src, entry)?;
    src.file
        .seek(SeekFrom::Start(start))
        .map_err(|e| ZipError::Transport(e.to_string()))?;
    let raw = (&mut src.file).take(entry.compressed);
    let mut reader: Box<dyn Read> = match entry.method {
        0 => Box::new(raw),
        8 => Box::new(flate2::read::DeflateDecoder::new(raw)),
        m => {
            return Err(bad(format!(
                "`{}`: compression method {m} is not supported (only stored and deflate)",
                entry.name
            )));
        }
    };
    let mut crc = 0xFFFF_FFFFu32;
    let mut written = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| bad(format!("`{}`: bad compressed data: {e}", entry.name)))?;
        if n == 0 {
            break;
        }
        written += n as u64;
        if written > entry.size {
            return Err(bad(format!(
                "`{}`: more data than the directory's {} bytes",
                entry.name, entry.size
            )));
        }
        crc = crc32_update(crc, &buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| ZipError::Transport(e.to_string()))?;
    }
    if written != entry.size {
        return Err(bad(format!(
            "`{}`: {written} bytes, the directory says {}",
            entry.name, entry.size
        )));
    }
    if !crc != entry.crc32 {
        return Err(bad(format!(
            "`{}`: CRC-32 {:08x}, the directory says {:08x}",
            entry.name, !crc, entry.crc32
        )));
    }
    Ok(written)
}

/// CRC-32 (IEEE) lookup table, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = CRC_TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a zip with stored members (a tiny writer, so the reader is tested on bytes it did
    /// not produce itself... and on a real wheel in the integration tests).
    fn stored_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cd = Vec::new();
        for (name, data) in members {
            let off = out.len() as u32;
            let crc = crc32(data);
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            cd.extend_from_slice(&CDH_SIG.to_le_bytes());
            cd.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            cd.extend_from_slice(&crc.to_le_bytes());
            cd.extend_from_slice(&(data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(data.len() as u32).to_le_bytes());
            cd.extend_from_slice(&(name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&[0; 12]);
            cd.extend_from_slice(&off.to_le_bytes());
            cd.extend_from_slice(name.as_bytes());
        }
        let cd_off = out.len() as u32;
        out.extend_from_slice(&cd);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(members.len() as u16).to_le_bytes());
        out.extend_from_slice(&(cd.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_off.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn copies_an_entry_from_a_file() {
        let z = stored_zip(&[
            ("lib/a.so", b"\x7fELF...."),
            ("p-1.dist-info/METADATA", b"Name: p\n"),
        ]);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("w.whl");
        std::fs::write(&path, &z).expect("write");
        let mut src = FileSource::open(&path).expect("open");
        let entries = read_entries(&mut src).expect("entries");
        let mut out = Vec::new();
        assert_eq!(
            copy_entry(&mut src, &entries[0], &mut out, 1 << 20).expect("copies"),
            8
        );
        assert_eq!(out, b"\x7fELF....");
        assert!(copy_entry(&mut src, &entries[0], &mut Vec::new(), 4).is_err());
        // A directory entry pointing past the file is refused by name, not read.
        let mut far = entries[0].clone();
        far.local_offset = z.len() as u64 - 10;
        let err = copy_entry(&mut src, &far, &mut Vec::new(), 1 << 20).expect_err("past the end");
        assert_eq!(
            err,
            ZipError::Invalid(format!(
                "`lib/a.so`: the local header offset {} is past the end",
                far.local_offset
            ))
        );
    }

    #[test]
    fn crc_of_check_string() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn reads_stored_members() {
        let z = stored_zip(&[
            ("a/b.py", b"x = 1\n"),
            ("p-1.dist-info/METADATA", b"Name: p\n"),
        ]);
        let mut src = MemSource(&z);
        let entries = read_entries(&mut src).expect("entries");
        assert_eq!(entries.len(), 2);
        let m = find_metadata(&entries).expect("metadata");
        assert_eq!(read_entry(&mut src, m).expect("data"), b"Name: p\n");
        let b = find_suffix(&entries, "b.py").expect("b.py");
        assert_eq!(read_entry(&mut src, b).expect("data"), b"x = 1\n");
        assert!(find_suffix(&entries, "c.py").is_none());
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        let z = stored_zip(&[
            ("a/b.py", b"x = 1\n"),
            ("p-1.dist-info/METADATA", b"Name: p\n"),
        ]);
        for cut in 0..z.len() {
            let mut src = MemSource(&z[..cut]);
            assert!(read_entries(&mut src).is_err(), "truncated at {cut}");
        }
        // Flip every byte in turn: reading must never panic (errors or, for harmless bytes, data).
        for i in 0..z.len() {
            let mut c = z.clone();
            c[i] ^= 0xFF;
            let mut src = MemSource(&c);
            if let Ok(entries) = read_entries(&mut src) {
                for e in &entries {
                    let _ = read_entry(&mut src, e);
                }
            }
        }
        // A huge declared size is refused before any read.
        let entry = Entry {
            name: "x".into(),
            method: 8,
            compressed: 1 << 40,
            size: 1 << 41,
            crc32: 0,
            local_offset: 0,
        };
        let err = read_entry(&mut MemSource(&z), &entry).expect_err("too big");
        assert!(err.to_string().contains("limit"), "{err}");
    }
}
