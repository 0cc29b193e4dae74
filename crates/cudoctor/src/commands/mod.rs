//! One module per command.

pub mod archs;
pub mod check;
pub mod explain;
pub mod machine;
pub mod matrix;
pub mod newer;
pub mod plan;
pub mod probe;
pub mod report;
pub mod requirements;
pub mod shell;
pub mod watch;
pub mod which;
