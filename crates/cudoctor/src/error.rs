//! Errors shown to the user: `error:` / `  Caused by:` / blank line / `hint:`.

use std::fmt;
use std::io::Write;

use crate::render::printer::{Printer, Tone};

/// An error with an optional hint on what to do about it.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Hinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// Shorthand for an error with a hint.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted {
        message: message.into(),
        hint: Some(hint.into()),
    })
}

/// Renders `err` (with its chain and any hint) as text.
pub fn render(err: &anyhow::Error, printer: Printer) -> String {
    let mut out = String::new();
    out.push_str(&printer.paint(Tone::Error, "error"));
    out.push_str(": ");
    // A message may quote a file name or a file's content: terminal-safe, like all text output.
    out.push_str(&crate::term::escape(&err.to_string()));
    out.push('\n');
    // A hint given as context (`e.context(Hinted { .. })`) is found by anyhow's downcast, not
    // in the chain (there it is wrapped with the error it explains); one given as the error
    // itself is in the chain.
    let mut hint = err.downcast_ref::<Hinted>().and_then(|h| h.hint.clone());
    for cause in err.chain() {
        if let Some(h) = cause.downcast_ref::<Hinted>() {
            hint = hint.or(h.hint.clone());
        }
    }
    for cause in err.chain().skip(1) {
        out.push_str("  Caused by: ");
        out.push_str(&crate::term::escape(&cause.to_string()));
        out.push('\n');
    }
    if let Some(hint) = hint {
        out.push('\n');
        out.push_str(&printer.paint(Tone::Bold, "hint"));
        out.push_str(": ");
        out.push_str(&crate::term::escape(&hint));
        out.push('\n');
    }
    out
}

/// Writes a rendered error to stderr.
pub fn report(err: &anyhow::Error, printer: Printer) {
    let text = render(err, printer);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes `warning: MESSAGE` to stderr (the command goes on).
pub fn warn(printer: Printer, message: &str) {
    let text = format!(
        "{} {message}\n",
        printer.paint(crate::render::Tone::Warning, "warning:")
    );
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn renders_chain_and_hint() {
        let inner: anyhow::Result<()> =
            Err(hinted("unknown TensorFlow version `2.99`", "known: 2.21.0"));
        let err = inner
            .context("cannot answer `requirements tf==2.99`")
            .expect_err("the error above");
        let text = render(&err, Printer::new(false));
        assert_eq!(
            text,
            "error: cannot answer `requirements tf==2.99`\n  Caused by: unknown TensorFlow version `2.99`\n\nhint: known: 2.21.0\n"
        );
    }

    /// A file name with control characters is shown escaped, not sent to the terminal.
    #[test]
    fn renders_control_characters_escaped() {
        let err = anyhow::anyhow!("cannot read the Dockerfile `evil\u{1b}]0;pwn\u{7}`");
        let text = render(&err, Printer::new(false));
        assert_eq!(
            text,
            "error: cannot read the Dockerfile `evil\\e]0;pwn\\u{7}`\n"
        );
    }

    /// A hint given as the context of another error is shown too.
    #[test]
    fn renders_a_hint_given_as_context() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let err = anyhow::Error::new(io).context(Hinted {
            message: "cannot read the Dockerfile `x`".to_owned(),
            hint: Some("name the file".to_owned()),
        });
        let err = err.context("outer");
        let text = render(&err, Printer::new(false));
        assert!(text.ends_with("\nhint: name the file\n"), "{text}");
    }
}
