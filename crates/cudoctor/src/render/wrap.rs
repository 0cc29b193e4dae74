//! Word wrapping for text output, to the terminal's width.
//!
//! The width is decided once ([`terminal_width`]): `COLUMNS` when it is a number, else the width
//! of the terminal stdout writes to, else [`DEFAULT_WIDTH`]. Wrapping ([`fill`]) breaks prose at
//! spaces, and between CJK characters, measuring display columns (a CJK character takes two).
//! Three kinds of word are never broken, so they paste whole:
//!
//! - a command in backticks (`` `pip install 'torch==2.5.1'` ``), spaces and all;
//! - a URL, or any other word without spaces;
//! - the punctuation that touches either, which stays on its line.
//!
//! Such a word that does not fit on the current line starts the next one; one wider than the
//! whole width stands alone on its own line, the only kind of line allowed to be wider.

use std::ops::Range;

use unicode_width::UnicodeWidthStr as _;

/// The width when stdout is not a terminal and `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest width wrapped to: below it indentation would leave no room for words.
pub const MIN_WIDTH: usize = 40;

/// The width to wrap to, from `COLUMNS` (as `env` gives it), else the terminal's width (`tty`),
/// else [`DEFAULT_WIDTH`]; never under [`MIN_WIDTH`].
pub fn terminal_width(env: &dyn Fn(&str) -> Option<String>, tty: Option<usize>) -> usize {
    env("COLUMNS")
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or(tty)
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// The width of the terminal stdout writes to, when it is one.
pub fn stdout_terminal_width() -> Option<usize> {
    terminal_size::terminal_size_of(std::io::stdout())
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w > 0)
}

/// Display columns of `s`.
pub fn columns(s: &str) -> usize {
    s.width()
}

/// `text` (one paragraph per line of it) filled to `width`: the first line starts with `first`,
/// the others with `rest` (a hanging indent); each line ends with `\n`.
pub fn fill(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut prefix = first;
    for para in text.split('\n') {
        let lines = fill_lines(para, width, columns(prefix), columns(rest));
        for (i, line) in lines.iter().enumerate() {
            let start = out.len();
            out.push_str(if i == 0 { prefix } else { rest });
            out.push_str(line);
            out.truncate(start + out[start..].trim_end().len());
            out.push('\n');
        }
        prefix = rest;
    }
    out
}

/// [`fill`], then the first occurrence of `word` (a label the filled text starts with, such as
/// `sources:`) painted in `tone`: the label's color codes take no columns, so the text is filled
/// plain and painted after.
pub fn fill_painted(
    text: &str,
    width: usize,
    (first, rest): (&str, &str),
    word: &str,
    p: super::Printer,
    tone: super::Tone,
) -> String {
    fill(text, width, first, rest).replacen(word, &p.paint(tone, word), 1)
}

/// An unbreakable piece of a paragraph, and the spaces between it and the one before (kept as
/// written, unless the line breaks there).
struct Atom<'a> {
    text: &'a str,
    gap: &'a str,
}

/// Whether `w` is a comparison operator that reads wrong at the end of a line (`>= 460`).
fn is_operator(w: &str) -> bool {
    matches!(w, ">=" | "<=" | ">" | "<" | "==" | "!=" | "~=" | "=")
}

/// Whether `c` is a character that lines may break before and after (CJK ideographs, kana,
/// Hangul, full-width forms).
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF)
}

/// CJK punctuation that must not start a line: it stays with the character before it.
fn no_break_before(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '】'
            | '》'
            | '」'
            | '』'
            | '”'
            | '’'
    )
}

/// CJK punctuation that must not end a line: it stays with the character after it.
fn no_break_after(c: char) -> bool {
    matches!(c, '（' | '【' | '《' | '「' | '『' | '“' | '‘')
}

/// The words of `para`: runs of non-space characters, where spaces inside a backtick pair do not
/// split (an unclosed backtick is an ordinary character).
fn words(para: &str) -> Vec<&str> {
    spaced_words(para)
        .into_iter()
        .map(|(_, w)| &para[w])
        .collect()
}

/// The byte ranges of the words of `para`, each with the whitespace before it (empty for the
/// first).
fn spaced_words(para: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let bytes = para.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let gap = i;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let gap = if out.is_empty() { i..i } else { gap..i };
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            if bytes[i] == b'`' {
                if let Some(close) = para[i + 1..].find('`') {
                    i += close + 2;
                    continue;
                }
            }
            i += 1;
        }
        out.push((gap, start..i));
    }
    out
}

/// The atoms of `para`: each word; a word outside backticks that holds CJK characters split
/// between them; a comparison (`>=`) joined with the word after it, so `>= 460.27.03` never
/// breaks.
fn atoms(para: &str) -> Vec<Atom<'_>> {
    // Byte ranges first, so that a comparison and the word after it (contiguous in `para`)
    // become one slice.
    let mut spans: Vec<(Range<usize>, Range<usize>)> = Vec::new();
    for (gap, word) in spaced_words(para) {
        if let Some((_, last)) = spans.last_mut() {
            if is_operator(&para[last.clone()]) {
                last.end = word.end;
                continue;
            }
        }
        let text = &para[word.clone()];
        if !text.chars().any(is_cjk) {
            spans.push((gap, word));
            continue;
        }
        // Split before every CJK character, and before the first non-CJK character after one,
        // but never before closing punctuation, and never inside a backtick pair (a command
        // set in Chinese prose is one atom).
        let mut start = word.start;
        let mut prev_cjk = false;
        let mut prev_open = false;
        let mut i = 0;
        while let Some(c) = text[i..].chars().next() {
            let at = word.start + i;
            let cjk = is_cjk(c);
            if at > start && (cjk || prev_cjk) && !no_break_before(c) && !prev_open {
                let g = if start == word.start {
                    gap.clone()
                } else {
                    start..start
                };
                spans.push((g, start..at));
                start = at;
            }
            if c == '`' {
                if let Some(close) = text[i + 1..].find('`') {
                    i += close + 2;
                    (prev_cjk, prev_open) = (false, false);
                    continue;
                }
            }
            prev_cjk = cjk;
            prev_open = no_break_after(c);
            i += c.len_utf8();
        }
        let g = if start == word.start {
            gap
        } else {
            start..start
        };
        spans.push((g, start..word.end));
    }
    spans
        .into_iter()
        .map(|(gap, text)| Atom {
            text: &para[text],
            gap: &para[gap],
        })
        .collect()
}

/// The lines of one paragraph, the first `first` columns in, the others `rest`.
fn fill_lines(para: &str, width: usize, first: usize, rest: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut cur_cols = 0;
    let mut indent = first;
    for atom in atoms(para) {
        let cols = columns(atom.text);
        // A tab or newline inside a paragraph is one space; other runs are kept.
        let sep = match (cur.is_empty(), atom.gap.bytes().all(|b| b == b' ')) {
            (true, _) => 0,
            (false, true) => atom.gap.len(),
            (false, false) => 1,
        };
        if !cur.is_empty() && indent + cur_cols + sep + cols > width {
            lines.push(std::mem::take(&mut cur));
            cur_cols = 0;
            indent = rest;
        } else {
            cur.push_str(&" ".repeat(sep));
            cur_cols += sep;
        }
        cur.push_str(atom.text);
        cur_cols += cols;
    }
    lines.push(cur);
    lines
}

/// Programs whose command lines are printed alone on a line, to be pasted whole.
const COMMANDS: &[&str] = &[
    "pip", "docker", "sudo", "export", "unset", "cudoctor", "python", "python3",
];

/// Whether `line` could have been wrapped narrower: after its indentation and a leading list
/// marker (`-`, `x`, a `label:` or `标签：`), it holds more than one unbreakable word. A command printed
/// alone on its line (it starts with one of [`COMMANDS`]) is one word: it is pasted whole.
pub fn breakable(line: &str) -> bool {
    let trimmed = line.trim_start();
    if COMMANDS
        .iter()
        .any(|c| trimmed.strip_prefix(c).is_some_and(|r| r.starts_with(' ')))
    {
        return false;
    }
    let mut ws = words(trimmed);
    if ws.len() > 1 && matches!(ws[0], "-" | "*" | "x") {
        ws.remove(0);
    }
    if ws.len() > 1 && ws[0].ends_with([':', '：']) && !ws[0].contains('`') {
        ws.remove(0);
    }
    ws.len() > 1 || ws.first().is_some_and(|w| atoms(w).len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_prose_with_a_command_breaks_around_it_not_inside() {
        let text = "它们来自其自身元数据固定（`Requires-Dist`）的 `nvidia-*` pip 包，而缺少这些包";
        let out = fill(text, 30, "", "");
        assert!(out.lines().all(|l| columns(l) <= 30), "{out}");
        assert!(out.contains("（`Requires-Dist`）"), "{out}");
        // The first line is filled, not cut at the word that holds the command.
        assert!(
            out.lines().next().is_some_and(|l| columns(l) >= 24),
            "{out}"
        );
    }

    #[test]
    fn wraps_at_spaces_and_keeps_lines() {
        assert_eq!(fill("a bb ccc", 4, "", ""), "a bb\nccc\n");
        assert_eq!(fill("one\ntwo  three", 80, "", ""), "one\ntwo  three\n");
        assert_eq!(fill("two  three", 5, "", ""), "two\nthree\n");
        assert_eq!(fill("a\tb", 80, "", ""), "a b\n");
        // A comparison stays with its number.
        assert_eq!(
            fill("needs >= 460.27.03", 9, "", ""),
            "needs\n>= 460.27.03\n"
        );
        assert_eq!(fill("toolongword x", 3, "", ""), "toolongword\nx\n");
    }

    #[test]
    fn commands_and_urls_stay_whole() {
        let text = "Run `pip install 'torch==2.5.1' --index-url https://download.pytorch.org/whl/cu124`, then see https://docs.nvidia.com/deploy/cuda-compatibility/index.html for more";
        let out = fill(text, 40, "  - ", "    ");
        assert_eq!(
            out,
            "  - Run\n    `pip install 'torch==2.5.1' --index-url https://download.pytorch.org/whl/cu124`,\n    then see\n    https://docs.nvidia.com/deploy/cuda-compatibility/index.html\n    for more\n"
        );
        for line in out.lines() {
            assert!(columns(line) <= 40 || !breakable(line), "{line}");
        }
    }

    #[test]
    fn hanging_indent_counts_the_prefix() {
        let out = fill("aaa bbb ccc ddd", 12, "key: ", "     ");
        assert_eq!(out, "key: aaa bbb\n     ccc ddd\n");
    }

    #[test]
    fn cjk_breaks_between_characters_by_display_width() {
        let out = fill("驱动版本太旧，无法运行 CUDA 12.4 的程序。", 14, "", "");
        for line in out.lines() {
            assert!(columns(line) <= 14, "{line:?} is {} columns", columns(line));
        }
        // Nothing is lost but the spaces at breaks.
        let squeeze = |s: &str| s.replace(['\n', ' '], "");
        assert_eq!(
            squeeze(&out),
            squeeze("驱动版本太旧，无法运行 CUDA 12.4 的程序。")
        );
        assert!(out.lines().count() > 2);
        // Closing punctuation never starts a line.
        assert!(
            out.lines()
                .all(|l| !l.starts_with('，') && !l.starts_with('。'))
        );
    }

    #[test]
    fn an_unclosed_backtick_is_an_ordinary_character() {
        assert_eq!(fill("a `b c d", 3, "", ""), "a\n`b\nc d\n");
    }

    #[test]
    fn width_from_columns_then_terminal_then_default() {
        let none = |_: &str| None;
        let cols = |k: &str| (k == "COLUMNS").then(|| "80".to_owned());
        let junk = |k: &str| (k == "COLUMNS").then(|| "wide".to_owned());
        let tiny = |k: &str| (k == "COLUMNS").then(|| "10".to_owned());
        assert_eq!(terminal_width(&cols, Some(120)), 80);
        assert_eq!(terminal_width(&none, Some(120)), 120);
        assert_eq!(terminal_width(&junk, None), DEFAULT_WIDTH);
        assert_eq!(terminal_width(&none, None), DEFAULT_WIDTH);
        assert_eq!(terminal_width(&tiny, None), MIN_WIDTH);
    }

    #[test]
    fn breakable_lines() {
        assert!(breakable("  a b"));
        assert!(!breakable("    - `pip install x y z`"));
        assert!(!breakable("    https://example.com/a/very/long/url"));
        assert!(!breakable("  sources: https://example.com/x"));
        assert!(breakable(
            "  sources: https://example.com/x https://example.com/y"
        ));
        assert!(breakable("驱动版本"));
        assert!(!breakable(
            "      pip install 'torch~=2.14.0' --index-url https://download.pytorch.org/whl/cu126"
        ));
        assert!(breakable("      pipe install a b"));
    }
}
