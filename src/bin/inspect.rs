//! `inspect`: print a model file's header and its strongest features.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use jscam::{FORMAT_VERSION, escape_controls};

/// Show what a model is: labels, threshold, vocabulary, training data and
/// held-out metrics, and its strongest features each way.
#[derive(Parser, Debug)]
#[command(version = common::version_text())]
struct Args {
    /// Model file (default: the embedded model).
    model: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// How many top features to list each way.
    #[arg(long, default_value_t = 15)]
    top: usize,
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut out = Vec::new();
    describe(&args, &mut out)?;
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    stdout
        .write_all(&out)
        .and_then(|()| stdout.flush())
        .map_err(|e| jscam::Error::write("<stdout>", e))?;
    Ok(())
}

/// Writes the description into `out` (memory, so it cannot fail for I/O reasons).
fn describe(args: &Args, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let model = common::load_model(args.model.as_deref())?;
    let name = args
        .model
        .as_ref()
        .map_or("<embedded>".to_owned(), |p| p.display().to_string());
    let header = model.header();
    let (toward_positive, toward_negative) = model.top_features(args.top);
    if args.json {
        let value = serde_json::json!({
            "file": name,
            "format": "jscam-model",
            "format_version": FORMAT_VERSION,
            "header": header,
            "intercept": model.intercept(),
            "top_features": {
                "toward_positive": toward_positive,
                "toward_negative": toward_negative,
            },
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(out, "model:            {}", escape_controls(&name))?;
    writeln!(
        out,
        "format:           jscam-model v{FORMAT_VERSION} (written by jscam {})",
        escape_controls(&header.tool_version)
    )?;
    write!(out, "{header}")?;
    writeln!(out, "intercept:        {:+.4}", model.intercept())?;
    for (label, features) in [
        (&header.labels.positive, &toward_positive),
        (&header.labels.negative, &toward_negative),
    ] {
        writeln!(out, "top features toward {label:?}:")?;
        for (name, weight) in features {
            writeln!(out, "  {weight:+9.4}  {}", escape_controls(name))?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => common::report("inspect", &err),
    }
}
