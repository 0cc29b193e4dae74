//! Replays our own recordings: `cudoctor watch --format jsonl > run.jsonl` writes one
//! [`Sample`] per line, `cudoctor watch --replay run.jsonl` reads them back.
//!
//! ```text
//! {"t_s":0.5,"gpus":[{"index":0,"name":"NVIDIA H200","sm_util":95,...,"processes":[{"pid":4242,"used_mib":30720,"name":"python"}]}]}
//! ```

use std::io::BufRead;

use crate::sample::{Sample, SampleError, Sampler};

/// Reads `--format jsonl` recordings, one [`Sample`] per non-empty line.
pub struct JsonlReplay<R> {
    reader: R,
    path: String,
    line_no: usize,
}

impl JsonlReplay<std::io::BufReader<std::fs::File>> {
    /// Opens the recording at `path`.
    pub fn open(path: &std::path::Path) -> Result<Self, SampleError> {
        Ok(Self::new(
            crate::sample::open_trace(path)?,
            path.display().to_string(),
        ))
    }
}

impl<R: BufRead> JsonlReplay<R> {
    /// A replay of `reader`; `path` names it in errors.
    pub fn new(reader: R, path: impl Into<String>) -> Self {
        Self {
            reader,
            path: path.into(),
            line_no: 0,
        }
    }
}

impl<R: BufRead> Sampler for JsonlReplay<R> {
    fn sample(&mut self) -> Result<Option<Sample>, SampleError> {
        let mut line = String::new();
        loop {
            if !crate::sample::next_line(&mut self.reader, &self.path, &mut line)? {
                return Ok(None);
            }
            self.line_no += 1;
            if line.trim().is_empty() {
                continue;
            }
            return serde_json::from_str(&line)
                .map(Some)
                .map_err(|source| SampleError::Json {
                    path: self.path.clone(),
                    line: self.line_no,
                    source,
                });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_and_names_a_bad_one() {
        let text = "{\"t_s\":0.0,\"gpus\":[{\"index\":0,\"sm_util\":50}]}\n\n{\"t_s\":1.0,\"gpus\":[]}\nnot json\n";
        let mut r = JsonlReplay::new(text.as_bytes(), "run.jsonl");
        assert_eq!(r.sample().unwrap().unwrap().gpus[0].sm_util, Some(50));
        assert!(r.sample().unwrap().unwrap().gpus.is_empty());
        let err = r.sample().unwrap_err().to_string();
        assert_eq!(err, "`run.jsonl` line 4: not a cudoctor watch sample");
    }
}
