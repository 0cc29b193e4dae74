//! Why a file's GPU code could not be read.

use std::path::PathBuf;

/// Why a file's GPU code could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ArchsError {
    /// The file could not be opened, inspected or mapped.
    #[error("cannot read `{path}`")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file.
    #[error("cannot read GPU code from `{path}`: it is not a regular file")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is neither an ELF file nor a bare fatbinary.
    #[error(
        "cannot read GPU code from `{path}`: it is not an ELF file or a CUDA fatbinary (it starts with {start})"
    )]
    NotElf {
        /// The file.
        path: PathBuf,
        /// Its first bytes, in hex, or "nothing" when it is empty.
        start: String,
    },
    /// The ELF headers are malformed.
    #[error("cannot read the ELF section headers of `{path}`")]
    Elf {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: FormatError,
    },
    /// A fatbinary section is malformed.
    #[error(
        "cannot read the CUDA fatbinary in section `{section}` (file offset {offset:#x}) of `{path}`"
    )]
    Fatbin {
        /// The file.
        path: PathBuf,
        /// The section name.
        section: &'static str,
        /// The section's file offset.
        offset: u64,
        /// What is wrong.
        #[source]
        source: FormatError,
    },
}

/// A structural problem in the ELF headers or a fatbinary. Offsets in fatbinary problems are
/// relative to the start of the section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// A resource cap of [`limits`](crate::limits) was reached; nothing of the file is reported.
    #[error("{what}: more than the {cap} cap of {limit} (see cudoctor_fatbin::limits)")]
    CapExceeded {
        /// What was counted.
        what: &'static str,
        /// The cap's name in [`limits`](crate::limits).
        cap: &'static str,
        /// The cap.
        limit: u64,
    },
    /// The ELF header is unreadable.
    #[error("{what}")]
    ElfHeader {
        /// What is wrong.
        what: String,
    },
    /// The section header table does not fit in the file.
    #[error(
        "the section header table ({count} entries of {entry_size} bytes at offset {offset:#x}) runs past the end of the file ({file_len} bytes)"
    )]
    SectionHeaderTablePastEnd {
        /// Table offset.
        offset: u64,
        /// Number of entries.
        count: u64,
        /// Entry size.
        entry_size: u64,
        /// File length.
        file_len: u64,
    },
    /// One section header does not fit in the file.
    #[error(
        "section header {index} at offset {offset:#x} runs past the end of the file ({file_len} bytes)"
    )]
    SectionHeaderPastEnd {
        /// Section index.
        index: u64,
        /// Header offset.
        offset: u64,
        /// File length.
        file_len: u64,
    },
    /// A section's data does not fit in the file (a truncated file).
    #[error(
        "the {section} ({size} bytes at offset {offset:#x}) runs past the end of the file ({file_len} bytes); the file is truncated"
    )]
    SectionPastEnd {
        /// Which section.
        section: String,
        /// Data offset.
        offset: u64,
        /// Data size.
        size: u64,
        /// File length.
        file_len: u64,
    },
    /// Fewer than 16 bytes remain for a container header.
    #[error(
        "the container header at offset {offset:#x} is truncated: {available} bytes left, 16 needed"
    )]
    ContainerHeaderTruncated {
        /// Container offset.
        offset: u64,
        /// Bytes left in the section.
        available: u64,
    },
    /// A container header declares a size below 16.
    #[error(
        "the container at offset {offset:#x} declares a header size of {header_size} bytes, less than the 16-byte fixed header"
    )]
    ContainerHeaderSize {
        /// Container offset.
        offset: u64,
        /// Declared header size.
        header_size: u64,
    },
    /// A container's declared size runs past the end of its section.
    #[error(
        "the container at offset {offset:#x} (header {header_size} bytes + {fat_size} bytes of entries) runs past the end of the section ({section_len} bytes)"
    )]
    ContainerPastEnd {
        /// Container offset.
        offset: u64,
        /// Header size.
        header_size: u64,
        /// Declared entry bytes.
        fat_size: u64,
        /// Section length.
        section_len: u64,
    },
    /// Fewer than 64 bytes remain in a container for an entry header.
    #[error(
        "the entry header at offset {offset:#x} is truncated: {available} bytes left in its container, 64 needed"
    )]
    EntryHeaderTruncated {
        /// Entry offset.
        offset: u64,
        /// Bytes left in the container.
        available: u64,
    },
    /// An entry header declares a size below 64.
    #[error(
        "the entry at offset {offset:#x} declares a header size of {header_size} bytes, less than the 64-byte fixed header"
    )]
    EntryHeaderSize {
        /// Entry offset.
        offset: u64,
        /// Declared header size.
        header_size: u32,
    },
    /// An entry has no payload.
    #[error("the entry at offset {offset:#x} has a payload size of zero")]
    EntryEmpty {
        /// Entry offset.
        offset: u64,
    },
    /// An entry runs past the end of its container (into the next container or past the section).
    #[error(
        "the entry at offset {offset:#x} (header {header_size} bytes + payload {payload_size} bytes) runs past the end of its container at {container_end:#x}"
    )]
    EntryPastContainer {
        /// Entry offset.
        offset: u64,
        /// Header size.
        header_size: u32,
        /// Payload size.
        payload_size: u64,
        /// Where the container ends.
        container_end: u64,
    },
    /// A compressed entry claims more compressed bytes than its payload holds, so it would
    /// overlap the next entry.
    #[error(
        "the entry at offset {offset:#x} claims {compressed_size} compressed bytes but its payload is {payload_size} bytes, so it would overlap the next entry"
    )]
    EntryOverlaps {
        /// Entry offset.
        offset: u64,
        /// Declared compressed size.
        compressed_size: u32,
        /// Payload size.
        payload_size: u64,
    },
}
