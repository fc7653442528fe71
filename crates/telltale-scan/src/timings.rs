//! `TELLTALE_TIMINGS=1`: where a scan's wall time goes, per target and phase, on standard
//! error (`bench/products.sh` reads it). Off by default: one environment lookup per process.

use std::time::Instant;

/// Whether phase timings are printed.
pub fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("TELLTALE_TIMINGS").is_some_and(|v| v == "1"))
}

/// Laps of one target's scan, printed when dropped.
pub struct Laps {
    target: String,
    last: Instant,
    start: Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Laps {
    pub fn start(target: &str) -> Option<Laps> {
        enabled().then(|| {
            let now = Instant::now();
            Laps {
                target: target.to_string(),
                last: now,
                start: now,
                laps: Vec::new(),
            }
        })
    }

    /// The phase that just ended.
    pub fn lap(&mut self, phase: &'static str) {
        let now = Instant::now();
        self.laps.push((phase, (now - self.last).as_secs_f64()));
        self.last = now;
    }
}

impl Drop for Laps {
    fn drop(&mut self) {
        let phases: Vec<String> = self
            .laps
            .iter()
            .map(|(p, s)| format!("{p} {s:.3}"))
            .collect();
        eprintln!(
            "timings: {}: total {:.3} s: {}",
            self.target,
            self.start.elapsed().as_secs_f64(),
            phases.join(", ")
        );
    }
}

/// Lap `phase` when timing.
pub fn lap(laps: &mut Option<Laps>, phase: &'static str) {
    if let Some(l) = laps {
        l.lap(phase);
    }
}
