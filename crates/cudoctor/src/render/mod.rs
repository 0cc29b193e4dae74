//! Everything the commands show is rendered here: findings and diagnoses (`check`, `explain`),
//! the shared pieces of the text and Markdown forms (wrapping, Markdown cells and lists, tables),
//! and the printer that colors output and writes it out.

pub mod explain;
pub mod findings;
pub mod markdown;
pub mod printer;
pub mod table;
pub mod wrap;

pub use printer::{Printer, Tone};
