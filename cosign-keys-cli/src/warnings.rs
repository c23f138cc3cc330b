//! Shows the library's warnings (sent through the `log` facade, e.g. a key
//! file whose insecure mode `--allow-insecure-permissions` let through) as
//! `warning: …` lines on standard error. Nothing below `warn` is shown.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrWarnings;

impl Log for StderrWarnings {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= Level::Warn
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let word = if record.level() == Level::Error {
                "error"
            } else {
                "warning"
            };
            // Never `eprintln!`: it panics when standard error is a
            // closed pipe.
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "{word}: {}", record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: StderrWarnings = StderrWarnings;

/// Installs the logger once, at start-up.
pub(crate) fn install() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(LevelFilter::Warn);
    }
}
