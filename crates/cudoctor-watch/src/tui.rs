//! The terminal view of `cudoctor watch --format tui` (feature `tui`): per GPU, its counters, a
//! sparkline of the SM utilization and the live verdict with its explanation. Only the frame is
//! drawn here; the terminal (raw mode, the alternate screen, keys) is the command's.

use std::collections::{BTreeMap, VecDeque};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline};

use crate::analysis::{Verdict, Watcher};
use crate::sample::{GpuSample, Sample};

/// Samples of SM utilization kept per GPU (wider than any terminal shows).
const HISTORY: usize = 512;

/// What the view remembers between frames.
#[derive(Debug, Default)]
pub struct View {
    history: BTreeMap<u32, VecDeque<u64>>,
    last: Option<Sample>,
}

fn verdict_style(v: Option<Verdict>) -> Style {
    let color = match v {
        Some(Verdict::Healthy) => Color::Green,
        Some(Verdict::Idle) | None => Color::Gray,
        Some(_) => Color::Yellow,
    };
    Style::default().fg(color).add_modifier(Modifier::BOLD)
}

fn counters(g: &GpuSample) -> String {
    let o = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    format!(
        "sm {}  mem {}  {}  {}  {}/{} MHz  {}",
        o(g.sm_util.map(|u| format!("{u}%"))),
        o(g.mem_util.map(|u| format!("{u}%"))),
        match (g.mem_used_mib, g.mem_total_mib) {
            (Some(u), Some(t)) => format!("{:.1}/{:.1} GiB", u as f64 / 1024.0, t as f64 / 1024.0),
            _ => "- GiB".to_owned(),
        },
        o(g.power_w.map(|w| format!("{w:.0} W"))),
        o(g.sm_clock_mhz.map(|c| c.to_string())),
        o(g.max_sm_clock_mhz.map(|c| c.to_string())),
        o(g.temperature_c.map(|c| format!("{c} °C"))),
    )
}

impl View {
    /// An empty view.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sample.
    pub fn push(&mut self, sample: &Sample) {
        for g in &sample.gpus {
            let h = self.history.entry(g.index).or_default();
            h.push_back(u64::from(g.sm_util.unwrap_or(0)));
            if h.len() > HISTORY {
                h.pop_front();
            }
        }
        self.last = Some(sample.clone());
    }

    /// Draws the view of the last sample, judged by `watcher`, from `source`.
    pub fn draw(&self, frame: &mut Frame<'_>, watcher: &Watcher, source: &str) {
        let area = frame.area();
        let gpus: &[GpuSample] = self.last.as_ref().map_or(&[], |s| &s.gpus);
        let mut rows = vec![Constraint::Length(1)];
        rows.extend(gpus.iter().map(|_| Constraint::Length(5)));
        rows.push(Constraint::Min(0));
        let parts = Layout::vertical(rows).split(area);
        let t = self.last.as_ref().map_or(0.0, |s| s.t.as_secs_f64());
        let title = Line::from(vec![
            Span::styled(
                "cudoctor watch",
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("  {source}  {t:.1}s  q: quit")),
        ]);
        frame.render_widget(Paragraph::new(title), parts[0]);
        for (g, &rect) in gpus.iter().zip(parts.iter().skip(1)) {
            self.draw_gpu(frame, rect, g, watcher);
        }
    }

    fn draw_gpu(&self, frame: &mut Frame<'_>, rect: Rect, g: &GpuSample, watcher: &Watcher) {
        let live = watcher.live(g.index);
        let verdict = if watcher.command_not_using_gpu() {
            Some(Verdict::NotUsingGpu)
        } else {
            live.and_then(|a| a.verdict)
        };
        let title = Line::from(vec![
            Span::raw(format!(
                " gpu{} {} ",
                g.index,
                g.name.as_deref().unwrap_or("")
            )),
            Span::styled(
                format!(" {} ", verdict.map_or("(deciding)", Verdict::id)),
                verdict_style(verdict),
            ),
        ]);
        let block = Block::bordered().title(title);
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        let [line, spark, why] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(Paragraph::new(counters(g)), line);
        let history: Vec<u64> = self
            .history
            .get(&g.index)
            .map(|h| {
                let skip = h.len().saturating_sub(usize::from(spark.width));
                h.iter().skip(skip).copied().collect()
            })
            .unwrap_or_default();
        frame.render_widget(
            Sparkline::default()
                .data(&history)
                .max(100)
                .style(Style::default().fg(Color::Cyan)),
            spark,
        );
        let explanation = live.map_or("", |a| a.explanation.as_str());
        frame.render_widget(
            Paragraph::new(explanation).style(Style::default().fg(Color::Gray)),
            why,
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use super::*;

    #[test]
    fn a_frame_of_an_input_bound_gpu() {
        let mut view = View::new();
        let mut watcher = Watcher::new();
        for i in 0..12u64 {
            let sample = Sample {
                t: Duration::from_secs(i),
                gpus: vec![GpuSample {
                    index: 0,
                    name: Some("NVIDIA A100-SXM4-80GB".into()),
                    sm_util: Some(if i % 4 == 3 { 92 } else { 2 }),
                    mem_util: Some(if i % 4 == 3 { 60 } else { 1 }),
                    mem_used_mib: Some(10_240),
                    mem_total_mib: Some(81_920),
                    power_w: Some(if i % 4 == 3 { 260.0 } else { 70.0 }),
                    sm_clock_mhz: Some(1410),
                    max_sm_clock_mhz: Some(1410),
                    temperature_c: Some(41),
                    ..GpuSample::default()
                }],
                lost: vec![],
            };
            watcher.push(&sample);
            view.push(&sample);
        }
        let mut terminal = Terminal::new(TestBackend::new(72, 7)).unwrap();
        terminal
            .draw(|f| view.draw(f, &watcher, "replay `input_bound.csv`"))
            .unwrap();
        insta::assert_snapshot!(terminal.backend(), @r#"
        "cudoctor watch  replay `input_bound.csv`  11.0s  q: quit                "
        "┌ gpu0 NVIDIA A100-SXM4-80GB  input-bound ─────────────────────────────┐"
        "│sm 92%  mem 60%  10.0/80.0 GiB  260 W  1410/1410 MHz  41 °C           │"
        "│   ▇   ▇   ▇                                                          │"
        "│10.0 GiB of GPU memory is in use, but SM utilization was under 10% in │"
        "└──────────────────────────────────────────────────────────────────────┘"
        "                                                                        "
        "#);
    }
}
