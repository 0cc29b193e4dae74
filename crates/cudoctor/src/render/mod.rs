//! Everything the commands show is rendered here: the printer that colors output and writes it
//! out, and the tables.

pub mod printer;
pub mod table;

pub use printer::Printer;
