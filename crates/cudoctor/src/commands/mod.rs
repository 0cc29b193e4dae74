//! One module per command.

pub mod machine;
pub mod matrix;
pub mod plan;
pub mod probe;
pub mod requirements;
pub mod which;
