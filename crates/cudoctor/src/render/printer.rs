//! The one place that writes to the terminal.
//!
//! Data goes to stdout, everything else (errors, hints, progress) to stderr. Color is decided
//! once, from `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and whether the stream is a terminal.
//! A closed pipe (`cudoctor matrix | head`) is not an error.

use std::io::{self, IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use cudoctor_i18n::{Args, Lang, Msg};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// Color when writing to a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always color (also honoured: `CLICOLOR_FORCE=1`).
    Always,
    /// Never color.
    Never,
}

/// Decides whether to color, from the flag and the environment.
pub fn resolve_color(
    choice: ColorChoice,
    is_tty: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                return false;
            }
            if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                return true;
            }
            is_tty
        }
    }
}

/// Semantic styles; rendered as plain text without color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Error,
    Warning,
    Info,
    Ok,
    Bold,
    Dim,
    Code,
}

impl Tone {
    fn style(self) -> Style {
        match self {
            Tone::Error => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Tone::Warning => Style::new().bold().fg_color(Some(AnsiColor::Yellow.into())),
            Tone::Info => Style::new().bold().fg_color(Some(AnsiColor::Blue.into())),
            Tone::Ok => Style::new().bold().fg_color(Some(AnsiColor::Green.into())),
            Tone::Bold => Style::new().bold(),
            Tone::Dim => Style::new().dimmed(),
            Tone::Code => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        }
    }
}

/// Writes data to stdout with or without color, wrapped to a width, in a language.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    color: bool,
    width: usize,
    lang: Lang,
}

impl Printer {
    /// A printer that colors (or not) as decided by [`resolve_color`], wrapping text to
    /// [`super::wrap::DEFAULT_WIDTH`].
    pub fn new(color: bool) -> Self {
        Self {
            color,
            width: super::wrap::DEFAULT_WIDTH,
            lang: Lang::En,
        }
    }

    /// The same printer writing its fixed phrases in `lang` (`--lang`).
    #[must_use]
    pub fn with_lang(self, lang: Lang) -> Self {
        Self { lang, ..self }
    }

    /// The language of the text.
    pub fn lang(self) -> Lang {
        self.lang
    }

    /// The catalog message `key` in the printer's language, filled with `args`.
    pub fn tr(self, key: &str, args: &Args) -> String {
        cudoctor_i18n::tr(self.lang, key, args)
    }

    /// `msg` in the printer's language.
    pub fn msg(self, msg: &Msg) -> String {
        msg.render(self.lang)
    }

    /// The same printer wrapping to `width` columns (see [`super::wrap::terminal_width`]).
    #[must_use]
    pub fn with_width(self, width: usize) -> Self {
        Self { width, ..self }
    }

    /// The width text is wrapped to.
    pub fn width(self) -> usize {
        self.width
    }

    /// Whether output is colored.
    pub fn color(self) -> bool {
        self.color
    }

    /// `text` in `tone` (plain when color is off).
    pub fn paint(self, tone: Tone, text: &str) -> String {
        if self.color {
            let style = tone.style();
            format!("{style}{text}{style:#}")
        } else {
            text.to_owned()
        }
    }

    /// Writes `text` to stdout. A closed pipe ends the program quietly with success.
    pub fn out(self, text: &str) {
        let mut stdout = io::stdout().lock();
        if let Err(err) = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            if err.kind() == io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }
}

/// Whether stdout is a terminal.
pub fn stdout_is_tty() -> bool {
    io::stdout().is_terminal()
}

/// Whether stderr is a terminal.
pub fn stderr_is_tty() -> bool {
    io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_resolution() {
        let none = |_: &str| None;
        let no_color = |k: &str| (k == "NO_COLOR").then(|| "1".to_owned());
        let force = |k: &str| (k == "CLICOLOR_FORCE").then(|| "1".to_owned());
        assert!(resolve_color(ColorChoice::Auto, true, &none));
        assert!(!resolve_color(ColorChoice::Auto, false, &none));
        assert!(!resolve_color(ColorChoice::Auto, true, &no_color));
        assert!(resolve_color(ColorChoice::Auto, false, &force));
        assert!(resolve_color(ColorChoice::Always, false, &no_color));
        assert!(!resolve_color(ColorChoice::Never, true, &force));
    }

    #[test]
    fn paint_is_plain_without_color() {
        assert_eq!(Printer::new(false).paint(Tone::Error, "x"), "x");
        assert_ne!(Printer::new(true).paint(Tone::Error, "x"), "x");
    }
}
