//! Helpers shared by the binaries: exit codes, error printing, progress.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use crate::error::Error;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: bad command-line usage or option value (clap uses it too).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: bad input data (missing or unreadable file, malformed CSV,
/// wrong encoding, label problems).
pub const EXIT_INPUT: u8 = 3;
/// Exit code: the model file is missing, foreign, corrupted or too new.
pub const EXIT_MODEL: u8 = 4;
/// Exit code: anything else (training failure, output errors).
pub const EXIT_OTHER: u8 = 5;

/// Maps an error chain to an exit code; `None` for a closed output pipe,
/// which is not an error (`predict … | head`).
pub fn exit_code(err: &anyhow::Error) -> Option<u8> {
    for cause in err.chain() {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return None;
            }
        }
        if let Some(e) = cause.downcast_ref::<Error>() {
            if e.is_broken_pipe() {
                return None;
            }
            return Some(match e {
                Error::Model { .. } => EXIT_MODEL,
                Error::Config(_) => EXIT_USAGE,
                Error::Io { path, .. } if path.as_os_str() == "<stdout>" => EXIT_OTHER,
                Error::Io { .. }
                | Error::Csv { .. }
                | Error::Encoding { .. }
                | Error::MissingColumn { .. }
                | Error::EmptyLabel { .. }
                | Error::Labels { .. }
                | Error::Empty { .. } => EXIT_INPUT,
                _ => EXIT_OTHER,
            });
        }
    }
    Some(EXIT_OTHER)
}

/// Prints `program: error: cause: cause` on one line and returns the exit code.
pub fn report(program: &str, err: &anyhow::Error) -> std::process::ExitCode {
    match exit_code(err) {
        None => std::process::ExitCode::SUCCESS,
        Some(code) => {
            eprintln!("{program}: error: {err:#}");
            std::process::ExitCode::from(code)
        }
    }
}

/// A spinner on stderr when it is a terminal and not `quiet`; hidden otherwise.
pub fn spinner(quiet: bool, message: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("valid template"));
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Parses "LOW,HIGH".
pub fn parse_band(s: &str) -> Result<(f64, f64), String> {
    let (low, high) = s.split_once(',').ok_or("expected LOW,HIGH, for example 0.3,0.7")?;
    let parse = |v: &str| v.trim().parse::<f64>().map_err(|e| format!("{v:?}: {e}"));
    Ok((parse(low)?, parse(high)?))
}
