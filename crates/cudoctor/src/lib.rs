//! The `cudoctor` command line: argument parsing, one module per command, rendering, exit codes.
