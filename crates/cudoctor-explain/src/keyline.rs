//! The key-line rule: which of the lines a signature matched stands for the whole message.
//!
//! Users paste multi-line messages and Python tracebacks; one error often matches on several
//! lines (a warning and then the exception it raises, the `raise` statement quoted in the
//! traceback and the exception line under it). Each matched line gets a [`Strength`]:
//!
//! 1. [`Strength::Source`]: a source line quoted inside a traceback: the line right after a
//!    `File "...", line N, in f` frame line (unless it is itself an exception line, as after a
//!    `<stdin>` frame), a line that starts with `raise `, or an IPython `---> N` line.
//! 2. [`Strength::Raised`]: the line that carries the raised exception or fatal error: a Python
//!    exception line (`RuntimeError: ...`, `jaxlib.xla_extension.XlaRuntimeError: ...`, also
//!    after a `[rank0]: ` or pytest `E   ` prefix), the line right after an exception header
//!    with an empty message (`AssertionError:` alone on its line), a glog fatal line
//!    (`F0123 ...`, `... F tensorflow/...]`, `Check failed:`), `terminate called after throwing`,
//!    `Fatal Python error`, `docker: Error response from daemon`.
//! 3. [`Strength::Other`]: every other line.
//!
//! The key line of a match is its first line of the highest strength; repeats of it only add to
//! the count. Source lines are not counted at all when the signature matched a real line; when
//! nothing but a quoted source line matched (a paste cut before the exception), that line is
//! the match.

/// The kind of a matched line, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Strength {
    /// A source line quoted inside a traceback.
    Source,
    /// Any other line.
    #[default]
    Other,
    /// The line of a raised exception or a fatal error.
    Raised,
}

/// Classify `line` given the line before it.
pub(crate) fn strength(line: &[u8], prev: &[u8]) -> Strength {
    if exception_message(line).is_some() || is_fatal(line) {
        return Strength::Raised;
    }
    if is_source_line(line, prev) {
        return Strength::Source;
    }
    if exception_message(prev).is_some_and(|rest| rest.iter().all(u8::is_ascii_whitespace)) {
        // `AssertionError:` alone on its line: its message is this line.
        return Strength::Raised;
    }
    Strength::Other
}

fn trim_start(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Whether `line` is a Python traceback frame line (`File "x.py", line 3, in f`).
fn is_frame_line(line: &[u8]) -> bool {
    let t = trim_start(line);
    t.starts_with(b"File \"") && memchr::memmem::find(t, b"\", line ").is_some()
}

/// Whether `line` is a source line quoted in a traceback.
fn is_source_line(line: &[u8], prev: &[u8]) -> bool {
    let t = trim_start(line);
    if t.starts_with(b"raise ") || t.starts_with(b"raise(") {
        return true;
    }
    if t.starts_with(b"--") {
        // IPython: `---> 55 net = EEGNet().cuda(0)`.
        let arrows = t.iter().position(|&b| b != b'-').unwrap_or(t.len());
        if let Some(rest) = t[arrows..].strip_prefix(b">") {
            if trim_start(rest).first().is_some_and(u8::is_ascii_digit) {
                return true;
            }
        }
    }
    is_frame_line(prev) && !is_frame_line(line)
}

/// Exception class suffixes that mark a Python exception line.
const EXCEPTION_SUFFIXES: &[&[u8]] = &[
    b"Error",
    b"Exception",
    b"Warning",
    b"Exit",
    b"Interrupt",
    b"Failure",
];

/// When `line` is a Python exception line (`pkg.mod.SomeError: message`, possibly after a
/// `[rank0]: ` or pytest `E   ` prefix), the text after the colon.
fn exception_message(line: &[u8]) -> Option<&[u8]> {
    let mut t = trim_start(line);
    if t.first() == Some(&b'[') {
        // torchrun / multiprocessing prefixes: `[rank0]: `, `[default0]:`.
        let close = memchr::memchr(b']', t)?;
        t = trim_start(t[close + 1..].strip_prefix(b":").unwrap_or(&t[close + 1..]));
    } else if let Some(rest) = t.strip_prefix(b"E ") {
        t = trim_start(rest);
    }
    let name_len = t
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
        .unwrap_or(t.len());
    let (name, rest) = t.split_at(name_len);
    let rest = rest.strip_prefix(b":")?;
    let last = name.rsplit(|&b| b == b'.').next()?;
    let first = *last.first()?;
    if !first.is_ascii_uppercase() || !EXCEPTION_SUFFIXES.iter().any(|s| last.ends_with(s)) {
        return None;
    }
    Some(rest)
}

/// Marks of a fatal error anywhere in a line.
const FATAL_MARKS: &[&[u8]] = &[
    b": F tensorflow/",
    b": F external/",
    b"] Check failed: ",
    b"terminate called after throwing",
    b"Fatal Python error",
    b"docker: Error response from daemon",
];

/// Whether `line` reports a fatal error (glog `F`, a C++ abort, Docker refusing to start).
fn is_fatal(line: &[u8]) -> bool {
    let t = trim_start(line);
    // glog: `F0123 12:34:56.789 ...` or TF's `2019-01-01 00:00:00.000: F tensorflow/...] ...`.
    if t.len() > 5 && t[0] == b'F' && t[1..5].iter().all(u8::is_ascii_digit) {
        return true;
    }
    FATAL_MARKS
        .iter()
        .any(|m| memchr::memmem::find(t, m).is_some())
}

#[cfg(test)]
mod tests {
    use super::{Strength, strength};

    fn s(line: &str, prev: &str) -> Strength {
        strength(line.as_bytes(), prev.as_bytes())
    }

    #[test]
    fn exception_lines_are_raised() {
        for l in [
            "AssertionError: Torch not compiled with CUDA enabled",
            "RuntimeError: CUDA error: no kernel image is available for execution on the device",
            "jaxlib.xla_extension.XlaRuntimeError: FAILED_PRECONDITION: DNN library initialization failed.",
            "torch.cuda.OutOfMemoryError: CUDA out of memory.",
            "[rank0]: torch.distributed.DistBackendError: NCCL error in: x",
            "E   RuntimeError: boom",
            "    ImportError: libcublas.so.10.0: cannot open shared object file",
        ] {
            assert_eq!(s(l, ""), Strength::Raised, "{l}");
        }
        // Not exceptions: lowercase names, no colon, log prefixes.
        for l in [
            "error: something",
            "RuntimeError without colon",
            "W tensorflow/core/common_runtime/gpu/gpu_device.cc:1850] Cannot dlopen some GPU libraries.",
            "2023-01-01 10:00:00.000: I tensorflow/x.cc:1] Found device 0",
        ] {
            assert_eq!(s(l, ""), Strength::Other, "{l}");
        }
    }

    #[test]
    fn fatal_lines_are_raised() {
        for l in [
            "F0123 12:34:56.789012 1234 cuda_dnn.cc:1] Check failed: x",
            "2019-01-01 00:00:00.000000: F tensorflow/stream_executor/lib/statusor.cc:34] Attempting to fetch value instead of handling error Internal: no supported devices found for platform CUDA",
            "terminate called after throwing an instance of 'c10::Error'",
            "docker: Error response from daemon: could not select device driver \"\" with capabilities: [[gpu]].",
        ] {
            assert_eq!(s(l, ""), Strength::Raised, "{l}");
        }
    }

    #[test]
    fn quoted_source_lines_are_source() {
        let frame = "  File \"/x/torch/cuda/__init__.py\", line 95, in _check_driver";
        assert_eq!(
            s(
                "    raise AssertionError(\"Torch not compiled with CUDA enabled\")",
                frame
            ),
            Strength::Source
        );
        assert_eq!(s("    torch.cuda.init()", frame), Strength::Source);
        // `raise` lines are source even when the frame line was lost.
        assert_eq!(s("raise AssertionError(\"x\")", ""), Strength::Source);
        assert_eq!(s("---> 55 net = EEGNet().cuda(0)", ""), Strength::Source);
        // After a `<stdin>` frame the next line is the exception itself.
        assert_eq!(
            s(
                "AssertionError: Torch not compiled with CUDA enabled",
                "  File \"<stdin>\", line 1, in <module>"
            ),
            Strength::Raised
        );
        // A frame after a frame is not source.
        assert_eq!(s(frame, frame), Strength::Other);
    }

    #[test]
    fn empty_exception_header_makes_the_next_line_the_message() {
        assert_eq!(
            s(
                "The NVIDIA driver on your system is too old (found version 9000).",
                "AssertionError: "
            ),
            Strength::Raised
        );
        assert_eq!(
            s(
                "The NVIDIA driver on your system is too old",
                "AssertionError: x"
            ),
            Strength::Other
        );
    }
}
