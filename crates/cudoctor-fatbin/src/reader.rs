//! The reader: maps the file, finds the fatbinary sections and walks their headers.

use std::fs::File;
use std::path::Path;

use crate::{ArchsError, FileArchs, FormatError, SectionInfo, elf, fatbin, limits, sections};

/// The name used for in-memory input in error messages.
const IN_MEMORY: &str = "<memory>";

/// Reads the GPU code of the ELF file (or bare `.fatbin` file) at `path`.
///
/// The file is memory-mapped and only its section headers and fatbinary headers are touched.
pub fn read_file(path: impl AsRef<Path>) -> Result<FileArchs, ArchsError> {
    let path = path.as_ref();
    let io = |source| ArchsError::Io {
        path: path.to_path_buf(),
        source,
    };
    // `stat` before `open`: opening a FIFO named like a library would block until a writer came.
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(ArchsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let file = File::open(path).map_err(io)?;
    read_open_file(&file, path)
}

/// Like [`read_file`], for a file the caller already opened (for example relative to a held
/// directory descriptor, so that no path string is opened again). `path` names it in errors.
pub fn read_open_file(file: &File, path: impl AsRef<Path>) -> Result<FileArchs, ArchsError> {
    let path = path.as_ref();
    let io = |source| ArchsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ArchsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() == 0 {
        // `/proc` and `/sys` files report size 0 yet hold text: read what is there (bounded),
        // so the answer is "not an ELF file" with its first bytes, not "the file is empty".
        use std::io::Read;
        let mut bytes = Vec::new();
        file.take(limits::ZERO_SIZE_READ_BYTES)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        return read_named(&bytes, path, &|_| {});
    }
    // SAFETY: the map is read-only and private to this call. If another process truncates the
    // file while we read it, the kernel may deliver SIGBUS; that is the documented risk of
    // mapping files, accepted here for speed (only header pages are touched).
    let map = unsafe { memmap2::Mmap::map(file) }.map_err(io)?;
    // Headers are scattered through the file: read-ahead around each one would read most of a
    // large library from disk. The advice is only a hint, so a failure to give it is ignored.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Random);
    // Walked pages are dropped from this process's page table as the walk moves on: the kernel
    // maps cached neighbours of every touched page (fault-around), which on a 574 MB cuBLAS
    // made the resident set 70 MB for a few megabytes of headers. The data stays in the page
    // cache; a page touched again is simply mapped again.
    let release = |upto: u64| {
        let len = usize::try_from(upto).unwrap_or(usize::MAX).min(map.len()) & !(4096 - 1);
        if len > 0 {
            // SAFETY: a read-only, private mapping of a file: MADV_DONTNEED only unmaps pages,
            // whose contents are read back from the file if touched again.
            #[cfg(unix)]
            let _ =
                unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, len) };
        }
    };
    read_named(&map, path, &release)
}

/// Like [`read_open_file`], for `len` bytes of `file` starting at `offset`: a member of an
/// uncompressed archive (a container image layer) read in place, without copying it out.
pub fn read_file_region(
    file: &File,
    offset: u64,
    len: u64,
    path: impl AsRef<Path>,
) -> Result<FileArchs, ArchsError> {
    let path = path.as_ref();
    let io = |source| ArchsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let end = offset.checked_add(len);
    let file_len = file.metadata().map_err(io)?.len();
    if end.is_none_or(|e| e > file_len) {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the region {offset}+{len} lies past the end of the file ({file_len} bytes)"),
        )));
    }
    if len == 0 {
        return read_named(&[], path, &|_| {});
    }
    let len_usize = usize::try_from(len).map_err(|_| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the region is larger than the address space",
        ))
    })?;
    // SAFETY: as in `read_open_file`: a read-only private map; memmap2 aligns the offset to a
    // page itself and hands back exactly the region.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(offset)
            .len(len_usize)
            .map(file)
    }
    .map_err(io)?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Random);
    read_named(&map, path, &|_| {})
}

/// Reads the GPU code of an ELF file (or bare fatbinary) held in memory.
///
/// Errors name the file `<memory>`; use [`read_bytes_named`] to give a name.
pub fn read_bytes(bytes: &[u8]) -> Result<FileArchs, ArchsError> {
    read_named(bytes, Path::new(IN_MEMORY), &|_| {})
}

/// Like [`read_bytes`], naming `path` in errors.
pub fn read_bytes_named(bytes: &[u8], path: impl AsRef<Path>) -> Result<FileArchs, ArchsError> {
    read_named(bytes, path.as_ref(), &|_| {})
}

/// How far the walk must move on before the pages behind it are released (see [`read_file`]).
const RELEASE_STEP: u64 = 8 << 20;

fn read_named(bytes: &[u8], path: &Path, release: &dyn Fn(u64)) -> Result<FileArchs, ArchsError> {
    let mut out = FileArchs::default();
    if fatbin_magic_at_start(bytes) {
        let section = SectionInfo {
            name: "(whole file)",
            offset: 0,
            size: bytes.len() as u64,
            counted: true,
        };
        read_section(bytes, &section, path, &mut out, release)?;
        out.sections.push(section);
        return Ok(out);
    }
    if !elf::is_elf(bytes) {
        let start = if bytes.is_empty() {
            "nothing: the file is empty".to_owned()
        } else {
            let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
            format!("bytes {}", hex.join(" "))
        };
        return Err(ArchsError::NotElf {
            path: path.to_path_buf(),
            start,
        });
    }
    let found = sections::find_fatbin_sections(bytes).map_err(|source| ArchsError::Elf {
        path: path.to_path_buf(),
        source,
    })?;
    if found.machine == sections::EM_CUDA {
        out.warnings.push(
            "this is a CUDA device ELF (a cubin), not a host binary; its code is not held in a fatbinary and is not counted"
                .to_owned(),
        );
    }
    if !found.has_section_headers {
        out.warnings.push(
            "the file has no section header table, so its fatbinary sections cannot be found"
                .to_owned(),
        );
    }
    let has_executable = found
        .sections
        .iter()
        .any(|s| s.name == sections::EXECUTABLE_SECTION && !s.nobits);
    let mut relocatable = FileArchs::default();
    let mut has_relocatable = false;
    // A hostile file can name the same bytes as a fatbinary section many times over; each
    // distinct (name, offset, size) is read once, and only up to the cap.
    let mut seen = std::collections::HashSet::new();
    let mut sections = Vec::new();
    for s in found.sections {
        if seen.insert((s.name, s.offset, s.size)) {
            sections.push(s);
        }
    }
    if sections.len() > limits::FATBIN_SECTIONS {
        return Err(ArchsError::Elf {
            path: path.to_path_buf(),
            source: FormatError::CapExceeded {
                what: "fatbinary sections",
                cap: "FATBIN_SECTIONS",
                limit: limits::FATBIN_SECTIONS as u64,
            },
        });
    }
    for section in sections {
        let counted = !has_executable || section.name == sections::EXECUTABLE_SECTION;
        let info = SectionInfo {
            name: section.name,
            offset: section.offset,
            size: section.size,
            counted,
        };
        if section.nobits {
            out.warnings.push(format!(
                "section `{}` occupies no space in the file (SHT_NOBITS) and holds no GPU code",
                section.name
            ));
            continue;
        }
        let data =
            elf::slice(bytes, section.offset, section.size).ok_or_else(|| ArchsError::Elf {
                path: path.to_path_buf(),
                source: FormatError::SectionPastEnd {
                    section: format!("section `{}`", section.name),
                    offset: section.offset,
                    size: section.size,
                    file_len: bytes.len() as u64,
                },
            })?;
        if counted {
            read_section(data, &info, path, &mut out, release)?;
        } else {
            has_relocatable = true;
            let mut part = FileArchs::default();
            read_section(data, &info, path, &mut part, release)?;
            out.warnings.append(&mut part.warnings);
            relocatable.absorb(part);
        }
        out.sections.push(info);
    }
    if has_relocatable {
        out.relocatable = Some(Box::new(relocatable));
    }
    Ok(out)
}

fn fatbin_magic_at_start(bytes: &[u8]) -> bool {
    bytes.starts_with(&fatbin::CONTAINER_MAGIC.to_le_bytes())
}

fn read_section(
    data: &[u8],
    section: &SectionInfo,
    path: &Path,
    out: &mut FileArchs,
    release: &dyn Fn(u64),
) -> Result<(), ArchsError> {
    let name = section.name;
    let mut oddities = Vec::new();
    let mut skipped_oddities: u64 = 0;
    let mut part = FileArchs::default();
    let mut released = section.offset;
    let already = out.entries.len() as u64;
    let mut over = false;
    let containers = fatbin::walk_section(
        data,
        |entry| {
            if already + part.entries.len() as u64 >= limits::FATBIN_ENTRIES {
                over = true;
                return;
            }
            part.record(entry, name, section.offset);
            let at = section.offset + entry.offset;
            if at >= released + RELEASE_STEP {
                release(at);
                released = at;
            }
        },
        |odd| {
            if oddities.len() <= limits::WARNINGS {
                oddities.push(odd);
            } else {
                skipped_oddities += 1;
            }
        },
    )
    .map_err(|source| ArchsError::Fatbin {
        path: path.to_path_buf(),
        section: name,
        offset: section.offset,
        source,
    })?;
    if over {
        return Err(ArchsError::Fatbin {
            path: path.to_path_buf(),
            section: name,
            offset: section.offset,
            source: FormatError::CapExceeded {
                what: "fatbinary entries",
                cap: "FATBIN_ENTRIES",
                limit: limits::FATBIN_ENTRIES,
            },
        });
    }
    part.containers = containers;
    out.absorb(part);
    for odd in oddities {
        out.warnings.push(match odd {
            fatbin::Oddity::UnrecognisedBytes { offset, len } => format!(
                "section `{name}`: skipped {len} bytes at offset {offset:#x} that are not a fatbinary container"
            ),
            fatbin::Oddity::OldContainer { offset } => format!(
                "section `{name}`: the old-style (pre-CUDA 4) fatbinary at offset {offset:#x} is not read"
            ),
            fatbin::Oddity::ContainerVersion { offset, version } => format!(
                "section `{name}`: the container at offset {offset:#x} has version {version} (only 1 is known); read as version 1"
            ),
        });
    }
    if skipped_oddities > 0 {
        out.warnings.push(format!(
            "section `{name}`: {skipped_oddities} more irregularities like the above (only {} are listed)",
            limits::WARNINGS
        ));
    }
    if containers == 0 && !data.is_empty() {
        out.warnings.push(format!(
            "section `{name}` ({} bytes) holds no fatbinary container",
            data.len()
        ));
    }
    Ok(())
}
