//! Word wrapping for text output.

/// `text` broken into lines of at most `width` bytes at spaces (a longer word stands alone);
/// each line of `text` starts a new line, runs of whitespace become one space.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split_whitespace() {
            if !cur.is_empty() && cur.len() + 1 + word.len() > width {
                lines.push(std::mem::take(&mut cur));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_keeps_lines() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("one\ntwo  three", 80), ["one", "two three"]);
        assert_eq!(wrap("toolongword x", 3), ["toolongword", "x"]);
    }
}
