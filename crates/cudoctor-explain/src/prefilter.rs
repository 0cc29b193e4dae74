//! A Wu-Manber multi-literal search: the whole-buffer pass that finds the few lines worth a
//! closer look.
//!
//! Aho-Corasick's SIMD "Teddy" fingerprints the first bytes of each literal; with ~60 literals
//! over ordinary log text its verification step runs at a few hundred MB/s. Wu-Manber instead
//! looks at the last three bytes of a window as long as the shortest literal and skips ahead by
//! up to that length minus two when those bytes end no literal prefix, so on text with few
//! matches most bytes are never looked at. Exact matching (which literal, where) is then done per
//! line by Aho-Corasick.

/// Bytes per block hashed into the shift table.
const BLOCK: usize = 3;
const TABLE: usize = 1 << 16;

pub(crate) struct WuManber {
    /// Length of the shortest literal: the window length.
    window: usize,
    /// Safe shift per hashed block.
    shift: Vec<u8>,
    /// `(block hash, literal index)` of each literal's window-ending block, sorted.
    candidates: Vec<(u16, u16)>,
    literals: Vec<Vec<u8>>,
}

fn hash(a: u8, b: u8, c: u8) -> usize {
    let x = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
    (x.wrapping_mul(0x9E37_79B1) >> 16) as usize & (TABLE - 1)
}

impl WuManber {
    /// Build over `literals`. `None` when a literal is shorter than the block or there are more
    /// than `u16::MAX` of them (the caller then falls back to Aho-Corasick).
    pub(crate) fn new(literals: &[String]) -> Option<WuManber> {
        let window = literals.iter().map(String::len).min()?;
        if window < BLOCK || window > usize::from(u8::MAX) || literals.len() > usize::from(u16::MAX)
        {
            return None;
        }
        let default = (window - BLOCK + 1) as u8;
        let mut shift = vec![default; TABLE];
        let mut candidates = Vec::new();
        for (i, lit) in literals.iter().enumerate() {
            let p = &lit.as_bytes()[..window];
            for end in BLOCK - 1..window {
                let h = hash(p[end - 2], p[end - 1], p[end]);
                let s = (window - 1 - end) as u8;
                if s < shift[h] {
                    shift[h] = s;
                }
                if end == window - 1 {
                    candidates.push((h as u16, i as u16));
                }
            }
        }
        candidates.sort_unstable();
        Some(WuManber {
            window,
            shift,
            candidates,
            literals: literals.iter().map(|l| l.as_bytes().to_vec()).collect(),
        })
    }

    /// Start of the first occurrence found at or after `from` (occurrences are reported in order
    /// of their start; overlapping ones may be skipped, which is fine for finding lines).
    pub(crate) fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
        let w = self.window;
        let mut pos = from.checked_add(w - 1)?;
        while pos < hay.len() {
            let h = hash(hay[pos - 2], hay[pos - 1], hay[pos]);
            let s = self.shift[h];
            if s != 0 {
                pos += usize::from(s);
                continue;
            }
            let start = pos + 1 - w;
            let first = self
                .candidates
                .partition_point(|&(ch, _)| usize::from(ch) < h);
            for &(ch, lit) in &self.candidates[first..] {
                if usize::from(ch) != h {
                    break;
                }
                let lit = &self.literals[usize::from(lit)];
                if hay.get(start..start + lit.len()) == Some(lit.as_slice()) {
                    return Some(start);
                }
            }
            pos += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::WuManber;

    /// Compare with a naive search on pseudo-random text over a small alphabet, where matches and
    /// near-misses are frequent.
    #[test]
    fn agrees_with_naive_search() {
        let lits: Vec<String> = ["abcab", "bcaab", "cccab", "abcabcab", "aabbcc"]
            .map(String::from)
            .to_vec();
        let wm = WuManber::new(&lits).unwrap();
        let mut x: u32 = 7;
        let hay: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b"abc"[(x % 3) as usize]
            })
            .collect();
        let naive = |from: usize| {
            (from..hay.len()).find(|&s| lits.iter().any(|l| hay[s..].starts_with(l.as_bytes())))
        };
        let mut from = 0;
        let mut found = 0;
        while let Some(s) = wm.find(&hay, from) {
            assert_eq!(Some(s), naive(from), "from {from}");
            found += 1;
            from = s + 1;
        }
        assert_eq!(naive(from), None);
        assert!(found > 100);
    }

    #[test]
    fn short_literals_are_refused() {
        assert!(WuManber::new(&["ab".to_string(), "abcdef".to_string()]).is_none());
        assert!(WuManber::new(&[]).is_none());
    }
}
