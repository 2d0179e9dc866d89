//! The engine's reasoning as `tracing` events, and where they go.
//!
//! One small global subscriber: events from linklens' own modules at or
//! above a level that can change at run time (`linklens.logLevel`, or the
//! `LINKLENS_LOG` environment variable, which wins) are formatted on one
//! line and handed to a sink: standard error for the CLI, a bounded channel
//! to the language server's `window/logMessage` task for `serve`. Below the
//! level an event costs one comparison: the subscriber's level hint is
//! tracing's global maximum, so nothing is formatted.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// The environment variable that sets the level (and wins over settings).
pub const ENV: &str = "LINKLENS_LOG";

/// The level when nothing sets one.
pub const DEFAULT: LevelFilter = LevelFilter::WARN;

/// Parses `off|error|warn|info|debug|trace` (any case, surrounding space
/// ignored; `warning` too). Anything else is `None`.
pub fn parse_level(s: &str) -> Option<LevelFilter> {
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "off" | "none" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" | "warning" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => return None,
    })
}

/// The level `LINKLENS_LOG` sets, if it is set to a known level.
pub fn env_level() -> Option<LevelFilter> {
    parse_level(&std::env::var(ENV).ok()?)
}

/// A formatted event: its level and its line.
pub type Line = (Level, String);

/// Where formatted events go.
pub enum Sink {
    Stderr,
    Channel(tokio::sync::mpsc::Sender<Line>),
}

/// 0 = off, 1 = error … 5 = trace.
static LEVEL: AtomicUsize = AtomicUsize::new(0);
static SINK: Mutex<Option<Sink>> = Mutex::new(None);
static DROPPED: AtomicU64 = AtomicU64::new(0);
static INSTALLED: OnceLock<bool> = OnceLock::new();

fn to_num(l: LevelFilter) -> usize {
    match l.into_level() {
        None => 0,
        Some(Level::ERROR) => 1,
        Some(Level::WARN) => 2,
        Some(Level::INFO) => 3,
        Some(Level::DEBUG) => 4,
        Some(Level::TRACE) => 5,
    }
}

fn from_num(n: usize) -> LevelFilter {
    [
        LevelFilter::OFF,
        LevelFilter::ERROR,
        LevelFilter::WARN,
        LevelFilter::INFO,
        LevelFilter::DEBUG,
        LevelFilter::TRACE,
    ][n.min(5)]
}

/// The current level.
pub fn level() -> LevelFilter {
    from_num(LEVEL.load(Ordering::Relaxed))
}

/// Sets the level; tracing's cached interest is rebuilt when it changes.
pub fn set_level(l: LevelFilter) {
    if LEVEL.swap(to_num(l), Ordering::Relaxed) != to_num(l) {
        tracing::callsite::rebuild_interest_cache();
    }
}

/// Events dropped because the server's channel was full.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Installs the global subscriber (once per process) writing to `sink`
/// at `level`. Later calls replace the sink and the level.
pub fn init(sink: Sink, level: LevelFilter) {
    if let Ok(mut s) = SINK.lock() {
        *s = Some(sink);
    }
    INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(Forward).is_ok());
    set_level(level);
}

/// `LINKLENS_LOG` when it is set to something that is not a level.
pub fn env_invalid() -> Option<String> {
    std::env::var(ENV).ok().filter(|v| parse_level(v).is_none())
}

/// The CLI: `LINKLENS_LOG` to standard error, off when unset.
pub fn init_cli() {
    if let Some(l) = env_level() {
        init(Sink::Stderr, l);
    } else if let Some(v) = env_invalid() {
        eprintln!(
            "linklens: ignoring {ENV}={v:?}: not one of off, error, warn, info, debug, trace"
        );
    }
}

struct Forward;

fn ours(meta: &Metadata<'_>) -> bool {
    meta.target() == "linklens" || meta.target().starts_with("linklens::")
}

/// Formats fields as `message key=value …`.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={value:?}", field.name());
        }
    }
}

impl Subscriber for Forward {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if !ours(meta) {
            Interest::never()
        } else if self.enabled(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        ours(meta) && level() >= *meta.level()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(level())
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut f = Fields::default();
        event.record(&mut f);
        let module = meta.target().trim_start_matches("linklens::");
        let line = format!("[{} {module}] {}{}", meta.level(), f.message, f.rest);
        let Ok(sink) = SINK.lock() else { return };
        match sink.as_ref() {
            Some(Sink::Stderr) => {
                let _ = writeln!(std::io::stderr().lock(), "linklens: {line}");
            }
            Some(Sink::Channel(tx)) => {
                // Never blocks: a worker thread may hold the state lock.
                let _ = tx
                    .try_send((*meta.level(), line))
                    .map_err(|_| DROPPED.fetch_add(1, Ordering::Relaxed));
            }
            None => {}
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Wall-clock stages of a run, each logged at debug level with the time
/// since the one before (`LINKLENS_LOG=debug`): where a run's milliseconds
/// go.
pub struct Stages(std::sync::Mutex<std::time::Instant>);

impl Stages {
    pub fn new() -> Stages {
        Stages(std::sync::Mutex::new(std::time::Instant::now()))
    }

    /// Logs `what` as done, taking the time since the previous stage.
    pub fn done(&self, what: &str) {
        if let Ok(mut last) = self.0.lock() {
            let now = std::time::Instant::now();
            if tracing::enabled!(tracing::Level::DEBUG) {
                tracing::debug!(
                    elapsed = ?now.duration_since(*last),
                    resident_mb = resident_mb(),
                    "stage: {what}"
                );
            }
            *last = now;
        }
    }
}

/// The process's resident memory in MiB (Linux; 0 elsewhere): what a
/// stage's allocations cost shows with its time.
fn resident_mb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| (pages * 4096) >> 20)
}

impl Default for Stages {
    fn default() -> Stages {
        Stages::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse() {
        assert_eq!(parse_level("off"), Some(LevelFilter::OFF));
        assert_eq!(parse_level("error"), Some(LevelFilter::ERROR));
        assert_eq!(parse_level("warn"), Some(LevelFilter::WARN));
        assert_eq!(parse_level("Warning"), Some(LevelFilter::WARN));
        assert_eq!(parse_level(" info "), Some(LevelFilter::INFO));
        assert_eq!(parse_level("DEBUG"), Some(LevelFilter::DEBUG));
        assert_eq!(parse_level("trace"), Some(LevelFilter::TRACE));
        assert_eq!(parse_level("verbose"), None);
        assert_eq!(parse_level(""), None);
        for l in ["off", "error", "warn", "info", "debug", "trace"] {
            let f = parse_level(l).unwrap();
            assert_eq!(from_num(to_num(f)), f);
        }
    }
}
