//! One module per command.

pub mod archs;
pub mod check;
pub mod dockerfile;
pub mod explain;
pub mod fix;
pub mod lint;
pub mod machine;
pub mod matrix;
pub mod newer;
pub mod plan;
pub mod probe;
pub mod report;
pub mod requirements;
pub mod run;
pub mod shell;
pub mod watch;
pub mod which;
