//! The streaming matcher: one pass over a reader, a literal prefilter over whole buffers, regexes
//! only on the lines the prefilter hits.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, ErrorKind};

use aho_corasick::Input;
use serde::{Deserialize, Serialize};

use crate::ExplainError;
use crate::kb::{Computed, Fact};
use crate::keyline::{self, Strength};
use crate::signature::{Compiled, Owner, Signature, fill_template};

/// Size of the read buffer; also the longest line segment handed to the regexes. Lines longer
/// than this are scanned in segments that overlap by [`SEGMENT_OVERLAP`] bytes.
pub const BUFFER_SIZE: usize = 1 << 20;
/// Regions at least this large are prefiltered on two threads (when there are two cores).
pub const PARALLEL_MIN_REGION: usize = 256 * 1024;
/// Overlap between consecutive segments of one over-long line, so a literal or a short match that
/// straddles a segment boundary is still seen.
pub const SEGMENT_OVERLAP: usize = 4096;
/// At most this many line numbers are kept per signature (the count is always exact).
pub const MAX_LINES_PER_MATCH: usize = 100;
/// At most this many distinct values are kept per capture name.
pub const MAX_DISTINCT_VALUES: usize = 16;
/// Captured values and excerpts are cut to this many bytes.
pub const MAX_VALUE_LEN: usize = 256;

/// How to scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions {
    /// Run the prefilter pass of large buffers on a second thread when the machine has two or
    /// more cores (results are identical either way). Default: true.
    pub parallel: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { parallel: true }
    }
}

/// The result of scanning one log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Matched signatures, causes before the errors they explain, otherwise by first line.
    pub matches: Vec<Match>,
    /// Lines read (a last line without a newline counts).
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
}

/// One signature found in the log, with all its repeats grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    /// Signature id.
    pub signature: String,
    /// Signature title.
    pub title: String,
    /// The key line (1-based): the first matched line of the strongest kind (see
    /// docs/explain.md: a raised exception or fatal error beats any other line, a source line
    /// quoted inside a traceback counts only when nothing else matched).
    pub line: u64,
    /// Number of lines where it matched.
    pub count: u64,
    /// Line numbers where it matched, at most [`MAX_LINES_PER_MATCH`].
    pub lines: Vec<u64>,
    /// Named captures of the key line (values lossily decoded, cut to [`MAX_VALUE_LEN`]).
    pub captures: BTreeMap<String, String>,
    /// Distinct values seen per capture name over all matches, at most [`MAX_DISTINCT_VALUES`].
    pub captures_seen: BTreeMap<String, Vec<String>>,
    /// The key line (lossily decoded, trimmed, cut to [`MAX_VALUE_LEN`]).
    pub excerpt: String,
    /// What causes it: the signature's `specific_cause` filled with the key line's captures (when
    /// it has one and they are all there), then its general `cause`.
    pub cause: String,
    /// How to fix it: the filled `specific_fix` (same condition), then the general steps.
    pub fix: Vec<String>,
    /// Related `check` finding ids.
    pub related_findings: Vec<String>,
    /// Frameworks that print it.
    pub frameworks: Vec<String>,
    /// Public source of the signature.
    pub source: String,
    /// Matched signatures in this log that this one explains.
    pub explains: Vec<String>,
    /// Matched signatures in this log that explain this one.
    pub explained_by: Vec<String>,
    /// What the knowledge base says about the captured values (soname, driver CUDA version,
    /// required CUDA, GPU architecture), each with the kb row it was read from. Their sentences
    /// are also in `cause`, their fix steps in `fix`. Empty when the kb knows nothing.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Former ids of this signature (merged signatures); the match reports the surviving id.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// `cause` in Chinese (not serialized: the JSON contract is English). See [`Match::cause_in`].
    #[serde(skip)]
    pub cause_zh: String,
    /// `fix` in Chinese (not serialized). See [`Match::fix_in`].
    #[serde(skip)]
    pub fix_zh: Vec<String>,
}

/// The language of the text of a match: the one language type of the project's catalogs.
pub use cudoctor_i18n::Lang;

impl Match {
    /// The cause in `lang` (falls back to English where a translation is missing).
    pub fn cause_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh if !self.cause_zh.is_empty() => &self.cause_zh,
            _ => &self.cause,
        }
    }
    /// The fix steps in `lang` (falls back to English where a translation is missing).
    pub fn fix_in(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::Zh if !self.fix_zh.is_empty() => &self.fix_zh,
            _ => &self.fix,
        }
    }
}

#[derive(Default)]
struct Acc {
    first_line: u64,
    /// The key line so far and its strength.
    key_line: u64,
    key_strength: Strength,
    last_line: u64,
    count: u64,
    lines: Vec<u64>,
    captures: BTreeMap<String, String>,
    seen: BTreeMap<String, BTreeSet<String>>,
    excerpt: String,
}

pub(crate) struct Scanner<'c> {
    c: &'c Compiled,
    acc: Vec<Option<Acc>>,
    /// Last line on which a context literal of signature `i` was seen.
    context_line: Vec<Option<u64>>,
    /// Scratch: candidate signatures of the current line.
    candidates: Vec<usize>,
    /// Scratch: lines hit by the prefilter in the current region (and its right half).
    hits: Vec<(usize, usize)>,
    right_hits: Vec<(usize, usize)>,
    /// Whether the prefilter pass may use a second thread.
    parallel: bool,
    /// The last line of the previous region (at most [`PREV_LINE_MAX`] bytes), for the key-line
    /// rule when a hit is the first line of a region.
    tail: Vec<u8>,
}

/// How much of a previous line is kept to classify the next one.
const PREV_LINE_MAX: usize = 2048;

fn cut(bytes: &[u8]) -> String {
    let mut s = String::from_utf8_lossy(bytes).trim().to_string();
    if s.len() > MAX_VALUE_LEN {
        let mut end = MAX_VALUE_LEN;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

impl<'c> Scanner<'c> {
    pub(crate) fn new(c: &'c Compiled, options: ScanOptions) -> Self {
        let n = c.signatures.len();
        Scanner {
            c,
            acc: (0..n).map(|_| None).collect(),
            context_line: vec![None; n],
            candidates: Vec::new(),
            hits: Vec::new(),
            right_hits: Vec::new(),
            parallel: options.parallel
                && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2),
            tail: Vec::new(),
        }
    }

    /// Scan `reader` to the end. `input` names it in errors.
    pub(crate) fn run<R: BufRead>(
        mut self,
        mut reader: R,
        input: &str,
    ) -> Result<ScanReport, ExplainError> {
        let mut buf = vec![0u8; BUFFER_SIZE];
        let mut len = 0usize;
        let mut line_no: u64 = 1;
        let mut bytes: u64 = 0;
        // `buf[..len]` holds the start of a line not yet ended by a newline (or the overlap of an
        // over-long one).
        loop {
            let n = match reader.read(&mut buf[len..]) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(ExplainError::Read {
                        input: input.to_string(),
                        source,
                    });
                }
            };
            if n == 0 {
                if len > 0 {
                    // Last line without a trailing newline.
                    let prev = std::mem::take(&mut self.tail);
                    self.line(&buf[..len], line_no, &prev);
                    line_no += 1;
                }
                break;
            }
            let fresh_start = len;
            len += n;
            bytes += n as u64;
            if let Some(last_nl) = memchr::memrchr(b'\n', &buf[fresh_start..len]) {
                let end = fresh_start + last_nl + 1;
                line_no = self.region(&buf[..end], line_no);
                buf.copy_within(end..len, 0);
                len -= end;
            } else if len == buf.len() {
                // One line longer than the buffer: scan this segment, keep an overlap, go on.
                let prev = std::mem::take(&mut self.tail);
                self.line(&buf[..len], line_no, &prev);
                buf.copy_within(len - SEGMENT_OVERLAP..len, 0);
                len = SEGMENT_OVERLAP;
            }
        }
        let lines = line_no - 1;
        Ok(self.finish(lines, bytes))
    }

    /// Scan a region made of whole lines (it ends with `\n`); returns the next line number.
    ///
    /// The prefilter pass, which is almost all of the work on a log with few errors, runs on two
    /// threads when the region is large and the machine has a second core; the lines it hits are
    /// then evaluated in order on this thread, so results do not depend on the split.
    fn region(&mut self, region: &[u8], mut line_no: u64) -> u64 {
        let c = self.c;
        let mut hits = std::mem::take(&mut self.hits);
        hits.clear();
        let split = if self.parallel && region.len() >= PARALLEL_MIN_REGION {
            memchr::memchr(b'\n', &region[region.len() / 2..]).map(|i| region.len() / 2 + i + 1)
        } else {
            None
        };
        match split {
            Some(mid) if mid < region.len() => {
                let (left, right) = region.split_at(mid);
                let mut right_hits = std::mem::take(&mut self.right_hits);
                right_hits.clear();
                let joined = std::thread::scope(|s| {
                    let worker = s.spawn(|| {
                        hit_lines(c, right, mid, &mut right_hits);
                        right_hits
                    });
                    hit_lines(c, left, 0, &mut hits);
                    worker.join()
                });
                match joined {
                    Ok(r) => {
                        hits.extend_from_slice(&r);
                        self.right_hits = r;
                    }
                    // The worker cannot panic on valid input; if it did, redo its half here.
                    Err(_) => hit_lines(c, right, mid, &mut hits),
                }
            }
            _ => hit_lines(c, region, 0, &mut hits),
        }
        let mut cursor = 0usize;
        let tail = std::mem::take(&mut self.tail);
        for &(start, end) in &hits {
            line_no += count_newlines(&region[cursor..start]);
            let prev = if start == 0 {
                tail.as_slice()
            } else {
                let prev_end = start - 1;
                let prev_start = memchr::memrchr(b'\n', &region[..prev_end]).map_or(0, |i| i + 1);
                &region[prev_start..prev_end]
            };
            self.line(&region[start..end], line_no, prev);
            line_no += 1;
            cursor = end + 1;
        }
        if cursor < region.len() {
            line_no += count_newlines(&region[cursor..]);
        }
        self.hits = hits;
        // Keep the region's last line (it ends with `\n`) for the next region's first hit.
        let mut tail = tail;
        tail.clear();
        if let Some(body) = region.strip_suffix(b"\n") {
            let last_start = memchr::memrchr(b'\n', body).map_or(0, |i| i + 1);
            let last = &body[last_start..];
            tail.extend_from_slice(&last[..last.len().min(PREV_LINE_MAX)]);
        }
        self.tail = tail;
        line_no
    }

    /// Evaluate one line (or one segment of an over-long line); `prev` is the line before it.
    fn line(&mut self, line: &[u8], line_no: u64, prev: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let prev = prev.strip_suffix(b"\r").unwrap_or(prev);
        let c = self.c;
        for m in c.prefilter.find_overlapping_iter(line) {
            for owner in &c.owners[m.pattern().as_usize()] {
                match *owner {
                    Owner::Signature(i) => self.candidates.push(i),
                    Owner::Context(i) => self.context_line[i] = Some(line_no),
                }
            }
        }
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.sort_unstable();
        candidates.dedup();
        if !candidates.is_empty() {
            let strength = keyline::strength(line, prev);
            for &i in &candidates {
                self.try_signature(i, line, line_no, strength);
            }
        }
        candidates.clear();
        self.candidates = candidates;
    }

    fn try_signature(&mut self, i: usize, line: &[u8], line_no: u64, strength: Strength) {
        let c = self.c;
        let sig = &c.signatures[i];
        if let Some(rule) = &sig.context {
            match self.context_line[i] {
                Some(ctx) if line_no.saturating_sub(ctx) <= rule.within_lines => {}
                _ => return,
            }
        }
        if self.acc[i].as_ref().is_some_and(|a| a.last_line == line_no) {
            // Already counted on this line (e.g. the overlap of an over-long line).
            return;
        }
        for re in &c.regexes[i] {
            let Some(caps) = re.captures(line) else {
                continue;
            };
            let value = |name: &str| caps.name(name).map(|m| m.as_bytes());
            if let Some([a, b]) = &sig.captures_equal {
                if value(a) != value(b) {
                    continue;
                }
            }
            if let Some([a, b]) = &sig.captures_differ {
                if value(a) == value(b) {
                    continue;
                }
            }
            let slot = &mut self.acc[i];
            match slot {
                // A quoted source line never adds to a match made of real lines.
                Some(acc)
                    if strength == Strength::Source && acc.key_strength > Strength::Source =>
                {
                    return;
                }
                // Real lines replace a match made only of quoted source lines.
                Some(acc)
                    if strength > Strength::Source && acc.key_strength == Strength::Source =>
                {
                    *slot = None;
                }
                _ => {}
            }
            let acc = slot.get_or_insert_with(|| Acc {
                first_line: line_no,
                key_line: line_no,
                key_strength: strength,
                excerpt: cut(line),
                ..Acc::default()
            });
            let first = acc.count == 0;
            let key = first || strength > acc.key_strength;
            if key {
                acc.key_line = line_no;
                acc.key_strength = strength;
                acc.excerpt = cut(line);
                acc.captures.clear();
            }
            acc.count += 1;
            acc.last_line = line_no;
            if acc.lines.len() < MAX_LINES_PER_MATCH {
                acc.lines.push(line_no);
            }
            for name in re.capture_names().flatten() {
                if let Some(m) = caps.name(name) {
                    let v = cut(m.as_bytes());
                    if key {
                        acc.captures.insert(name.to_string(), v.clone());
                    }
                    let set = acc.seen.entry(name.to_string()).or_default();
                    if set.len() < MAX_DISTINCT_VALUES {
                        set.insert(v);
                    }
                }
            }
            return;
        }
    }

    fn finish(self, lines: u64, bytes: u64) -> ScanReport {
        let c = self.c;
        let mut found = self.acc;
        let present: BTreeSet<usize> = (0..found.len()).filter(|&i| found[i].is_some()).collect();
        let order = cause_order(
            &present,
            |i| found[i].as_ref().map_or(u64::MAX, |a| a.first_line),
            &c.explains,
        );
        let mut matches = Vec::with_capacity(order.len());
        for i in order {
            let Some(acc) = found[i].take() else {
                continue;
            };
            let sig = &c.signatures[i];
            let explains = c.explains[i]
                .iter()
                .filter(|j| present.contains(j))
                .map(|&j| c.signatures[j].id.clone())
                .collect();
            let explained_by = present
                .iter()
                .filter(|&&j| c.explains[j].contains(&i))
                .map(|&j| c.signatures[j].id.clone())
                .collect();
            let computed = crate::kb::compute(
                &acc.captures,
                crate::kb::Scope::of(&sig.frameworks),
                &sig.kb_skip,
            );
            let text = explain_with_captures(sig, &acc.captures, &computed);
            matches.push(Match {
                signature: sig.id.clone(),
                title: sig.title.clone(),
                line: acc.key_line,
                count: acc.count,
                lines: acc.lines,
                captures: acc.captures,
                captures_seen: acc
                    .seen
                    .into_iter()
                    .map(|(k, v)| (k, v.into_iter().collect()))
                    .collect(),
                excerpt: acc.excerpt,
                cause: text.cause,
                fix: text.fix,
                related_findings: sig.related_findings.clone(),
                frameworks: sig.frameworks.clone(),
                source: sig.source.clone(),
                explains,
                explained_by,
                facts: computed.facts,
                aliases: sig.aliases.clone(),
                cause_zh: text.cause_zh,
                fix_zh: text.fix_zh,
            });
        }
        ScanReport {
            matches,
            lines,
            bytes,
        }
    }
}

/// The texts of a match, in English and Chinese.
pub(crate) struct Texts {
    pub(crate) cause: String,
    pub(crate) fix: Vec<String>,
    pub(crate) cause_zh: String,
    pub(crate) fix_zh: Vec<String>,
}

/// The cause and fix of `sig` for a match with these captures: the specific sentences first when
/// every placeholder in them was captured, then what the knowledge base computed from the
/// captures, then the general text. The same in Chinese where the signature has it.
pub(crate) fn explain_with_captures(
    sig: &Signature,
    captures: &BTreeMap<String, String>,
    computed: &Computed,
) -> Texts {
    fn build(
        specific_cause: Option<&str>,
        facts: Vec<&str>,
        cause: &str,
        specific_fix: Option<&str>,
        kb_fix: &[String],
        fix: &[String],
        captures: &BTreeMap<String, String>,
    ) -> (Vec<String>, Vec<String>) {
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = specific_cause.and_then(|t| fill_template(t, captures)) {
            parts.push(s);
        }
        parts.extend(facts.into_iter().map(str::to_string));
        parts.push(cause.to_string());
        let mut steps: Vec<String> = Vec::new();
        if let Some(s) = specific_fix.and_then(|t| fill_template(t, captures)) {
            steps.push(s);
        }
        steps.extend(kb_fix.iter().cloned());
        steps.extend(fix.iter().cloned());
        (parts, steps)
    }
    let (cause, fix) = build(
        sig.specific_cause.as_deref(),
        computed.facts.iter().map(|f| f.text.as_str()).collect(),
        &sig.cause,
        sig.specific_fix.as_deref(),
        &computed.fix,
        &sig.fix,
        captures,
    );
    let (cause_zh, fix_zh) = if sig.cause_zh.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        build(
            sig.specific_cause_zh.as_deref(),
            computed.facts.iter().map(|f| f.text_zh.as_str()).collect(),
            &sig.cause_zh,
            sig.specific_fix_zh.as_deref(),
            &computed.fix_zh,
            &sig.fix_zh,
            captures,
        )
    };
    Texts {
        cause: cause.join(" "),
        fix,
        // Chinese sentences follow each other without a space.
        cause_zh: cause_zh.join(""),
        fix_zh,
    }
}

/// Append `(start, end)` (relative to the whole region: `offset` is where `part` starts) of every
/// line of `part` that contains a prefilter literal; `end` is the index of its `\n`.
fn hit_lines(c: &Compiled, part: &[u8], offset: usize, out: &mut Vec<(usize, usize)>) {
    let mut cursor = 0usize;
    while cursor < part.len() {
        let found = match &c.search {
            Some(wm) => wm.find(part, cursor),
            None => c
                .prefilter
                .find(Input::new(part).range(cursor..))
                .map(|m| m.start()),
        };
        let Some(p) = found else {
            break;
        };
        let start = memchr::memrchr(b'\n', &part[cursor..p]).map_or(cursor, |i| cursor + i + 1);
        let end = memchr::memchr(b'\n', &part[p..]).map_or(part.len(), |i| p + i);
        out.push((offset + start, offset + end));
        cursor = end + 1;
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Order matched signatures so that every cause comes before what it explains (transitively),
/// ties and unrelated signatures by first line, then by table order. Cycles in the data (which
/// the tests forbid) fall back to first-line order.
fn cause_order(
    present: &BTreeSet<usize>,
    first_line: impl Fn(usize) -> u64,
    explains: &[BTreeSet<usize>],
) -> Vec<usize> {
    let mut indegree: BTreeMap<usize, usize> = present.iter().map(|&i| (i, 0)).collect();
    for &i in present {
        for j in &explains[i] {
            if let Some(d) = indegree.get_mut(j) {
                *d += 1;
            }
        }
    }
    let key = |i: usize| (first_line(i), i);
    let mut ready: BTreeSet<(u64, usize)> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(&i, _)| key(i))
        .collect();
    let mut out = Vec::with_capacity(present.len());
    while let Some((_, i)) = ready.pop_first() {
        out.push(i);
        // Place the errors this one explains right after their cause when they become ready.
        for j in &explains[i] {
            if let Some(d) = indegree.get_mut(j) {
                *d -= 1;
                if *d == 0 {
                    ready.insert(key(*j));
                }
            }
        }
    }
    if out.len() < present.len() {
        let mut rest: Vec<usize> = present
            .iter()
            .copied()
            .filter(|i| !out.contains(i))
            .collect();
        rest.sort_by_key(|&i| key(i));
        out.extend(rest);
    }
    out
}
