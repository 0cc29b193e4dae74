//! Just enough of an ELF file, read with bounded positioned reads: the file header, the section
//! header table (with its name table), and the dynamic segment's SONAME, RPATH, RUNPATH and
//! NEEDED entries (found from the program headers, the string table mapped from its address
//! through the `PT_LOAD` segments).
//!
//! Both ELF classes (32 and 64 bit) and both byte orders are understood. Every offset and size
//! is checked against the file length before it is used, and only the regions needed are read,
//! so a 1 GB library or a huge sparse file costs a few pages. The source is anything with
//! positioned reads ([`ReadAt`]): a byte slice (a mapped file) or an open [`std::fs::File`].
//!
//! This is the one ELF reader of the workspace: the fatbinary reader finds its sections with
//! it, and `cudoctor-probe` reads library dependencies with it.

use std::io;

use crate::FormatError;

/// A source of positioned reads.
pub trait ReadAt {
    /// Reads into `buf` from byte `offset`; returns how many bytes were read (0 at the end).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let Some(rest) = usize::try_from(offset).ok().and_then(|o| self.get(o..)) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        (**self).read_at(buf, offset)
    }
}

/// Fills as much of `buf` as the source holds from `offset`; stops at the end or at a read
/// error. Returns the bytes read.
pub fn read_at_most<R: ReadAt + ?Sized>(src: &R, buf: &mut [u8], offset: u64) -> usize {
    let mut done = 0;
    while done < buf.len() {
        let Some(at) = offset.checked_add(done as u64) else {
            break;
        };
        match src.read_at(&mut buf[done..], at) {
            Ok(0) | Err(_) => break,
            Ok(n) => done += n,
        }
    }
    done
}

/// The `len` bytes at `offset`, or `None` when they cannot all be read.
fn read_region<R: ReadAt + ?Sized>(src: &R, offset: u64, len: u64) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; usize::try_from(len).ok()?];
    (read_at_most(src, &mut buf, offset) == buf.len()).then_some(buf)
}

/// `bytes[at..at + len]`, or `None` when any part lies outside `bytes`.
pub(crate) fn slice(bytes: &[u8], at: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(at).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    bytes.get(start..end)
}

/// Whether `bytes` starts with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The ELF magic, `\x7fELF`.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// Bytes of the file's start that hold the ELF header of either class (the ELF64 header's size).
pub const HEADER_BYTES: usize = 64;

/// `SHT_NOBITS`: a section that occupies no file space.
pub const SHT_NOBITS: u32 = 8;
/// `SHN_XINDEX`: the real section-name table index lives in section 0's `sh_link`.
const SHN_XINDEX: u16 = 0xFFFF;
/// `PT_LOAD`: a loaded segment.
pub const PT_LOAD: u32 = 1;
/// `PT_DYNAMIC`: the dynamic segment.
pub const PT_DYNAMIC: u32 = 2;

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const DT_STRSZ: u64 = 10;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;

/// Byte order and class of the file being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    big_endian: bool,
    is_64: bool,
}

impl Layout {
    fn bytes<const N: usize>(bytes: &[u8], at: u64) -> Option<[u8; N]> {
        slice(bytes, at, N as u64)?.try_into().ok()
    }
    /// The `N`-byte integer at `at`, in the file's byte order (`be` / `le` decode it).
    fn int<const N: usize, T>(
        self,
        bytes: &[u8],
        at: u64,
        be: fn([u8; N]) -> T,
        le: fn([u8; N]) -> T,
    ) -> Option<T> {
        let b = Self::bytes(bytes, at)?;
        Some(if self.big_endian { be(b) } else { le(b) })
    }
    fn u16(self, bytes: &[u8], at: u64) -> Option<u16> {
        self.int(bytes, at, u16::from_be_bytes, u16::from_le_bytes)
    }
    fn u32(self, bytes: &[u8], at: u64) -> Option<u32> {
        self.int(bytes, at, u32::from_be_bytes, u32::from_le_bytes)
    }
    fn u64(self, bytes: &[u8], at: u64) -> Option<u64> {
        self.int(bytes, at, u64::from_be_bytes, u64::from_le_bytes)
    }
    /// An address-sized field (`u32` in ELF32, `u64` in ELF64).
    fn word(self, bytes: &[u8], at: u64) -> Option<u64> {
        if self.is_64 {
            self.u64(bytes, at)
        } else {
            self.u32(bytes, at).map(u64::from)
        }
    }
    fn word_size(self) -> u64 {
        if self.is_64 { 8 } else { 4 }
    }
    fn class(self) -> &'static str {
        if self.is_64 { "ELF64" } else { "ELF32" }
    }
}

/// Why the ELF header cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Fewer than 16 bytes.
    #[error("the file is shorter than the 16-byte ELF identification")]
    NoIdentification,
    /// `EI_CLASS` is neither 1 nor 2.
    #[error("unknown ELF class {0} (expected 1 for ELF32 or 2 for ELF64)")]
    Class(u8),
    /// `EI_DATA` is neither 1 nor 2.
    #[error("unknown ELF data encoding {0} (expected 1 or 2)")]
    Encoding(u8),
    /// The file ends inside the header.
    #[error("the file is {len} bytes long, shorter than the {header_len}-byte ELF header")]
    Truncated {
        /// The bytes there are.
        len: u64,
        /// The header size of the file's class (52 or 64).
        header_len: u64,
    },
}

/// The ELF file header, as far as it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// ELF64 (else ELF32).
    pub is_64: bool,
    /// Big-endian (else little-endian).
    pub big_endian: bool,
    /// `e_machine` (62 = x86-64, 183 = aarch64, 3 = i386, 190 = CUDA).
    pub machine: u16,
    /// `e_phoff`.
    pub phoff: u64,
    /// `e_phentsize`.
    pub phentsize: u16,
    /// `e_phnum`.
    pub phnum: u16,
    /// `e_shoff`.
    pub shoff: u64,
    /// `e_shentsize`.
    pub shentsize: u16,
    /// `e_shnum`.
    pub shnum: u16,
    /// `e_shstrndx`.
    pub shstrndx: u16,
}

impl Header {
    /// Parses the header from the start of a file: `bytes` is the whole file or its first
    /// [`HEADER_BYTES`] (fewer when the file is shorter). The magic is not checked (see
    /// [`is_elf`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderError> {
        let ident = bytes.get(..16).ok_or(HeaderError::NoIdentification)?;
        let is_64 = match ident[4] {
            1 => false,
            2 => true,
            other => return Err(HeaderError::Class(other)),
        };
        let big_endian = match ident[5] {
            1 => false,
            2 => true,
            other => return Err(HeaderError::Encoding(other)),
        };
        let l = Layout { big_endian, is_64 };
        let header_len: u64 = if is_64 { 64 } else { 52 };
        let truncated = || HeaderError::Truncated {
            len: bytes.len() as u64,
            header_len,
        };
        if (bytes.len() as u64) < header_len {
            return Err(truncated());
        }
        let u16_at = |at| l.u16(bytes, at).ok_or_else(truncated);
        let word_at = |at| l.word(bytes, at).ok_or_else(truncated);
        // e_entry, e_phoff and e_shoff are 8-byte words in ELF64, 4-byte in ELF32.
        let (phoff, shoff, rest) = if is_64 {
            (word_at(0x20)?, word_at(0x28)?, 0x36)
        } else {
            (word_at(0x1C)?, word_at(0x20)?, 0x2A)
        };
        Ok(Self {
            is_64,
            big_endian,
            machine: u16_at(18)?,
            phoff,
            phentsize: u16_at(rest)?,
            phnum: u16_at(rest + 2)?,
            shoff,
            shentsize: u16_at(rest + 4)?,
            shnum: u16_at(rest + 6)?,
            shstrndx: u16_at(rest + 8)?,
        })
    }

    /// Reads the first [`HEADER_BYTES`] of `src` and parses them ([`Header::parse`]).
    pub fn read<R: ReadAt + ?Sized>(src: &R) -> Result<Self, HeaderError> {
        let mut head = [0u8; HEADER_BYTES];
        let got = read_at_most(src, &mut head, 0);
        Self::parse(&head[..got])
    }

    /// 32 or 64.
    pub fn class(&self) -> u8 {
        if self.is_64 { 64 } else { 32 }
    }

    fn layout(&self) -> Layout {
        Layout {
            big_endian: self.big_endian,
            is_64: self.is_64,
        }
    }
}

/// One section header, as far as it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionHeader {
    /// `sh_name`: offset of the name in the section-name table.
    pub name: u32,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
}

/// The section header table of a file, checked to lie inside it.
pub struct SectionTable<'a, R: ReadAt + ?Sized> {
    src: &'a R,
    len: u64,
    layout: Layout,
    offset: u64,
    entry_size: u16,
    count: u64,
    /// `(offset, size)` of the section-name table's data; `None` when it is `SHT_NOBITS`.
    names: Option<(u64, u64)>,
}

impl<'a, R: ReadAt + ?Sized> SectionTable<'a, R> {
    /// The section header table of the `len`-byte file `src` whose header is `header`; `None`
    /// when the file has none (`e_shoff` is 0).
    ///
    /// Extended numbering (ELF gABI) is understood: with 0xFF00 or more sections, `e_shnum` is 0
    /// and the count is section 0's `sh_size`; with a name-table index >= 0xFF00, it is section
    /// 0's `sh_link`.
    pub fn read(src: &'a R, len: u64, header: &Header) -> Result<Option<Self>, FormatError> {
        if header.shoff == 0 {
            return Ok(None);
        }
        let layout = header.layout();
        let min_entsize: u16 = if header.is_64 { 64 } else { 40 };
        if header.shentsize < min_entsize {
            return Err(FormatError::ElfHeader {
                what: format!(
                    "section header entry size {} is smaller than the {min_entsize} bytes of an {} section header",
                    header.shentsize,
                    layout.class()
                ),
            });
        }
        let mut table = Self {
            src,
            len,
            layout,
            offset: header.shoff,
            entry_size: header.shentsize,
            count: 0,
            names: None,
        };
        let first = table.header(0)?;
        table.count = if header.shnum == 0 {
            first.size
        } else {
            u64::from(header.shnum)
        };
        let table_len = table.count.saturating_mul(u64::from(header.shentsize));
        if header
            .shoff
            .checked_add(table_len)
            .is_none_or(|end| end > len)
        {
            return Err(FormatError::SectionHeaderTablePastEnd {
                offset: header.shoff,
                count: table.count,
                entry_size: u64::from(header.shentsize),
                file_len: len,
            });
        }
        let names_index = if header.shstrndx == SHN_XINDEX {
            u64::from(first.link)
        } else {
            u64::from(header.shstrndx)
        };
        if names_index >= table.count {
            return Err(FormatError::ElfHeader {
                what: format!(
                    "the section-name table index {names_index} is outside the {} section headers",
                    table.count
                ),
            });
        }
        let names = table.header(names_index)?;
        if names.kind != SHT_NOBITS {
            if names
                .offset
                .checked_add(names.size)
                .is_none_or(|end| end > len)
            {
                return Err(FormatError::SectionPastEnd {
                    section: "section-name table".into(),
                    offset: names.offset,
                    size: names.size,
                    file_len: len,
                });
            }
            table.names = Some((names.offset, names.size));
        }
        Ok(Some(table))
    }

    /// How many section headers there are.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether the section-name table has data (it is not `SHT_NOBITS`).
    pub fn has_names(&self) -> bool {
        self.names.is_some()
    }

    /// Section header `index`.
    pub fn header(&self, index: u64) -> Result<SectionHeader, FormatError> {
        let at = index
            .checked_mul(u64::from(self.entry_size))
            .and_then(|o| o.checked_add(self.offset))
            .ok_or(FormatError::ElfHeader {
                what: "the section header table offset overflows".into(),
            })?;
        let past_end = || FormatError::SectionHeaderPastEnd {
            index,
            offset: at,
            file_len: self.len,
        };
        // Up to and including sh_link.
        let span: u64 = if self.layout.is_64 { 0x2C } else { 0x1C };
        if at.checked_add(span).is_none_or(|end| end > self.len) {
            return Err(past_end());
        }
        let mut buf = [0u8; 0x2C];
        let buf = &mut buf[..span as usize];
        if read_at_most(self.src, buf, at) != buf.len() {
            return Err(past_end());
        }
        let l = self.layout;
        let field = |v: Option<u64>| v.ok_or_else(past_end);
        let (offset, size, link) = if l.is_64 {
            (l.u64(buf, 0x18), l.u64(buf, 0x20), l.u32(buf, 0x28))
        } else {
            (l.word(buf, 0x10), l.word(buf, 0x14), l.u32(buf, 0x18))
        };
        Ok(SectionHeader {
            name: l.u32(buf, 0).ok_or_else(past_end)?,
            kind: l.u32(buf, 4).ok_or_else(past_end)?,
            offset: field(offset)?,
            size: field(size)?,
            link: link.ok_or_else(past_end)?,
        })
    }

    /// Whether the NUL-terminated name of `section` in the section-name table is `want`. Reads
    /// `want.len() + 1` bytes at most, so a name table without NULs cannot make a lookup scan
    /// to its end. False when the name table has no data.
    pub fn name_is(&self, section: &SectionHeader, want: &[u8]) -> bool {
        let Some((names_offset, names_size)) = self.names else {
            return false;
        };
        let want_len = want.len() as u64 + 1;
        let start = u64::from(section.name);
        if start.saturating_add(want_len) > names_size {
            return false;
        }
        let mut buf = vec![0u8; want.len() + 1];
        read_at_most(self.src, &mut buf, names_offset + start) == buf.len()
            && buf.starts_with(want)
            && buf[want.len()] == 0
    }
}

/// One program header, as far as it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramHeader {
    /// `p_type`.
    pub kind: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
}

/// The bounds of [`read_dynamic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamicLimits {
    /// Bytes of the program headers, of the dynamic segment, and of the string table read at
    /// once. A larger program header table is an error; a larger dynamic segment is read up to
    /// this many bytes; a larger string table is read one string at a time, where each entry
    /// points.
    pub region_bytes: u64,
    /// `DT_NEEDED` / `DT_RPATH` / `DT_RUNPATH` entries taken; more is
    /// [`DynamicError::TooManyEntries`].
    pub entries: usize,
    /// Bytes of one string; a longer one is no string (the entry is dropped).
    pub string_bytes: usize,
}

/// What the dynamic segment says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dynamic {
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// `DT_RPATH`, split on `:` (empty parts dropped).
    pub rpath: Vec<String>,
    /// `DT_RUNPATH`, split on `:` (empty parts dropped).
    pub runpath: Vec<String>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
}

/// Why the dynamic segment cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DynamicError {
    /// The program header table is past the end of the file, or larger than the region cap.
    #[error("program headers extend past the end of the file")]
    ProgramHeadersPastEnd,
    /// The program header table could not be read.
    #[error("cannot read program headers")]
    ProgramHeadersUnreadable,
    /// `e_phentsize` is below the size of a program header of the file's class.
    #[error(
        "program headers: entry size {entry_size} is smaller than the {min} bytes of an ELF{class} program header"
    )]
    ProgramHeaderSize {
        /// `e_phentsize`.
        entry_size: u16,
        /// 32 or 56.
        min: u16,
        /// 32 or 64.
        class: u8,
    },
    /// `PT_DYNAMIC` is past the end of the file.
    #[error("dynamic segment extends past the end of the file")]
    DynamicPastEnd,
    /// `PT_DYNAMIC` could not be read.
    #[error("cannot read the dynamic segment")]
    DynamicUnreadable,
    /// `DT_STRTAB` is in no `PT_LOAD` segment.
    #[error("string table address is not in any loaded segment")]
    StringTableUnmapped,
    /// The string table is past the end of the file.
    #[error("string table extends past the end of the file")]
    StringTablePastEnd,
    /// The string table could not be read.
    #[error("cannot read the string table")]
    StringTableUnreadable,
    /// More `DT_NEEDED` / `DT_RPATH` / `DT_RUNPATH` entries than [`DynamicLimits::entries`].
    #[error("{count} DT_NEEDED/DT_RPATH/DT_RUNPATH entries, more than the cap of {limit}")]
    TooManyEntries {
        /// The entries there are.
        count: usize,
        /// The cap.
        limit: usize,
    },
}

/// Reads the program headers of the `len`-byte file `src` whose header is `header` (none when
/// `e_phnum` is 0).
pub fn program_headers<R: ReadAt + ?Sized>(
    src: &R,
    len: u64,
    header: &Header,
    limits: &DynamicLimits,
) -> Result<Vec<ProgramHeader>, DynamicError> {
    if header.phnum == 0 {
        return Ok(Vec::new());
    }
    let entry_size = u64::from(header.phentsize);
    let table_size = u64::from(header.phnum) * entry_size;
    if header.phoff.saturating_add(table_size) > len || table_size > limits.region_bytes {
        return Err(DynamicError::ProgramHeadersPastEnd);
    }
    let bytes =
        read_region(src, header.phoff, table_size).ok_or(DynamicError::ProgramHeadersUnreadable)?;
    let min: u16 = if header.is_64 { 56 } else { 32 };
    if header.phentsize < min {
        return Err(DynamicError::ProgramHeaderSize {
            entry_size: header.phentsize,
            min,
            class: header.class(),
        });
    }
    let l = header.layout();
    let mut out = Vec::with_capacity(usize::from(header.phnum));
    for chunk in bytes.chunks_exact(usize::from(header.phentsize)) {
        // p_type is first in both classes; ELF64 puts p_flags next, ELF32 after p_align.
        let (offset, vaddr, filesz) = if header.is_64 {
            (l.u64(chunk, 8), l.u64(chunk, 16), l.u64(chunk, 32))
        } else {
            (l.word(chunk, 4), l.word(chunk, 8), l.word(chunk, 16))
        };
        let (Some(kind), Some(offset), Some(vaddr), Some(filesz)) =
            (l.u32(chunk, 0), offset, vaddr, filesz)
        else {
            return Err(DynamicError::ProgramHeadersUnreadable);
        };
        out.push(ProgramHeader {
            kind,
            offset,
            vaddr,
            filesz,
        });
    }
    Ok(out)
}

/// Reads the dynamic segment of the `len`-byte file `src` whose header is `header`: its
/// SONAME, RPATH, RUNPATH and NEEDED strings, within `limits`. A file without program headers,
/// without `PT_DYNAMIC`, or without `DT_STRTAB` / `DT_STRSZ` has none of them.
pub fn read_dynamic<R: ReadAt + ?Sized>(
    src: &R,
    len: u64,
    header: &Header,
    limits: &DynamicLimits,
) -> Result<Dynamic, DynamicError> {
    let mut out = Dynamic::default();
    let phdrs = program_headers(src, len, header, limits)?;
    let Some(dynamic) = phdrs.iter().find(|p| p.kind == PT_DYNAMIC) else {
        return Ok(out);
    };
    if dynamic.offset.saturating_add(dynamic.filesz) > len {
        return Err(DynamicError::DynamicPastEnd);
    }
    let dyn_bytes = read_region(src, dynamic.offset, dynamic.filesz.min(limits.region_bytes))
        .ok_or(DynamicError::DynamicUnreadable)?;
    let entries = dyn_entries(&dyn_bytes, header.layout());
    let get = |tag: u64| entries.iter().find(|(t, _)| *t == tag).map(|(_, v)| *v);
    let (Some(strtab_addr), Some(strsz)) = (get(DT_STRTAB), get(DT_STRSZ)) else {
        return Ok(out);
    };
    let strtab_off =
        vaddr_to_offset(&phdrs, strtab_addr).ok_or(DynamicError::StringTableUnmapped)?;
    if strtab_off.saturating_add(strsz) > len {
        return Err(DynamicError::StringTablePastEnd);
    }
    // A table within the region cap is read whole (one read for the usual library); a larger
    // one (a C++ library's: libtorch_cuda.so's is 11 MB) string by string, where each entry
    // points, so that no name is lost past the cap.
    let strtab = if strsz <= limits.region_bytes {
        Some(read_region(src, strtab_off, strsz).ok_or(DynamicError::StringTableUnreadable)?)
    } else {
        None
    };
    // A name longer than the string cap is no name: the scan for its NUL stops there, so a
    // string table without NULs cannot make every entry scan (and copy) the whole table.
    let cap = u64::try_from(limits.string_bytes.saturating_add(1)).unwrap_or(u64::MAX);
    // `Ok(None)`: no name there (out of the table, no NUL within the cap); an I/O error while
    // reading a string of a large table is the table's error, as for a small one.
    let string_at = |off: u64| -> Result<Option<String>, DynamicError> {
        let piece;
        let rest: &[u8] = if let Some(table) = &strtab {
            let Some(rest) = usize::try_from(off).ok().and_then(|o| table.get(o..)) else {
                return Ok(None);
            };
            &rest[..rest.len().min(limits.string_bytes.saturating_add(1))]
        } else {
            let Some(len) = strsz.checked_sub(off).filter(|&n| n > 0) else {
                return Ok(None);
            };
            // `strtab_off + strsz <= len` was checked, so this cannot overflow.
            piece = read_region(src, strtab_off + off, len.min(cap))
                .ok_or(DynamicError::StringTableUnreadable)?;
            &piece
        };
        crate::work::add(rest.len().min(64) as u64);
        Ok(rest
            .iter()
            .position(|&b| b == 0)
            .map(|end| String::from_utf8_lossy(&rest[..end]).into_owned()))
    };
    let count = entries
        .iter()
        .filter(|(t, _)| matches!(*t, DT_NEEDED | DT_RPATH | DT_RUNPATH))
        .count();
    if count > limits.entries {
        return Err(DynamicError::TooManyEntries {
            count,
            limit: limits.entries,
        });
    }
    // Only the last DT_SONAME counts: the others are not read, so that a segment of many
    // SONAME entries (not capped) costs no reads.
    let last_soname = entries.iter().rposition(|(t, _)| *t == DT_SONAME);
    for (i, (tag, val)) in entries.iter().enumerate() {
        match *tag {
            DT_SONAME if Some(i) == last_soname => out.soname = string_at(*val)?,
            DT_RPATH => out.rpath = split_path_list(string_at(*val)?.as_deref()),
            DT_RUNPATH => out.runpath = split_path_list(string_at(*val)?.as_deref()),
            DT_NEEDED => out.needed.extend(string_at(*val)?),
            _ => {}
        }
    }
    Ok(out)
}

fn split_path_list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(':')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// Decodes `(d_tag, d_val)` pairs up to DT_NULL.
fn dyn_entries(bytes: &[u8], l: Layout) -> Vec<(u64, u64)> {
    let word = l.word_size();
    let mut out = Vec::new();
    for chunk in bytes.chunks_exact(2 * word as usize) {
        let (Some(tag), Some(val)) = (l.word(chunk, 0), l.word(chunk, word)) else {
            break;
        };
        if tag == DT_NULL {
            break;
        }
        out.push((tag, val));
    }
    out
}

/// The file offset of virtual address `vaddr`, from the `PT_LOAD` segment holding it.
fn vaddr_to_offset(phdrs: &[ProgramHeader], vaddr: u64) -> Option<u64> {
    phdrs
        .iter()
        .filter(|p| p.kind == PT_LOAD)
        .find(|p| vaddr >= p.vaddr && vaddr < p.vaddr.saturating_add(p.filesz))
        .and_then(|p| (vaddr - p.vaddr).checked_add(p.offset))
}

#[cfg(test)]
mod tests;
