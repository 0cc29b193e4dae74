use std::process::ExitCode;

fn main() -> ExitCode {
    cudoctor::main(std::env::args_os())
}
