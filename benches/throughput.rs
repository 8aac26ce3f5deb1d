//! Whole-file throughput in one thread, for benches/speed.sh:
//!
//! ```text
//! cargo bench --bench throughput -- lindera FILE   # raw lindera tokenization
//! cargo bench --bench throughput -- pipeline FILE  # normalize + tokenize + features + score
//! cargo bench --bench throughput -- compare FILE [--rounds 10] [--min-seconds 0.5]
//! ```
//!
//! FILE is a CSV with a `text` column or plain text, one message per line.
//!
//! `lindera` and `pipeline` print one JSON line: messages, best seconds of 5
//! runs (set-up included), messages/s.
//!
//! `compare` alternates the two modes in one process, in interleaved rounds
//! (within a round, one pass over FILE each in turn: pipeline first in odd
//! rounds, lindera first in even ones),
//! because this host's speed drifts by 2x within minutes and only throughputs
//! taken side by side mean anything. The tokenizer, the model and its scorer
//! are built, and each mode warmed up by one pass over FILE, before any
//! timing. Each side of a round times the same number of whole passes over
//! FILE (summed), chosen after the warm-up so that the faster side takes at least
//! `--min-seconds`. It prints one line per round, then one JSON line with the
//! median pipeline/lindera throughput ratio, its min and max over the
//! rounds, and each mode's median messages/s.

use std::time::Instant;

use jscam::{Model, Tokenizer};

fn read_messages(path: &str) -> Vec<String> {
    if path.ends_with(".csv") {
        let mut reader = csv::Reader::from_path(path).expect("readable CSV");
        let column = reader
            .headers()
            .expect("header")
            .iter()
            .position(|h| h == "text")
            .expect("a text column");
        reader
            .records()
            .map(|r| r.expect("valid row")[column].to_owned())
            .collect()
    } else {
        std::fs::read_to_string(path)
            .expect("readable file")
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Options of the `compare` mode.
struct Options {
    rounds: usize,
    min_seconds: f64,
}

/// Positional arguments and options. `cargo bench` appends `--bench`; other
/// unknown flags are ignored too.
fn parse_args() -> (Vec<String>, Options) {
    let mut positional = Vec::new();
    let mut options = Options {
        rounds: 10,
        min_seconds: 0.5,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => {
                options.rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .expect("--rounds takes a positive integer");
            }
            "--min-seconds" => {
                options.min_seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .expect("--min-seconds takes a non-negative number");
            }
            flag if flag.starts_with("--") => {}
            _ => positional.push(arg),
        }
    }
    (positional, options)
}

/// Raw lindera: tokenize every text with the embedded dictionary, count tokens.
fn lindera_pass(tokenizer: &Tokenizer, texts: &[String]) -> usize {
    let mut worker = tokenizer.worker();
    let mut tokens = 0usize;
    for t in texts {
        worker.for_each_token(t, |_| tokens += 1).expect("tokenize");
    }
    tokens
}

/// The whole pipeline (normalize, tokenize, features, score) through
/// `score`, a closure over the model's scorer (so this file does not name
/// the scorer's type).
fn pipeline_pass(score: &mut impl FnMut(&str) -> f64, texts: &[String]) -> f64 {
    texts.iter().map(|t| score(t)).sum()
}

/// The original best-of-5 modes (set-up inside the timing, as before).
fn best_of_five(mode: &str, texts: &[String]) {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        match mode {
            "lindera" => {
                let tokenizer = Tokenizer::shared().expect("dictionary");
                std::hint::black_box(lindera_pass(tokenizer, texts));
            }
            "pipeline" => {
                let model = Model::embedded_default().expect("model");
                let mut scorer = model.scorer().expect("scorer");
                let mut score = |t: &str| scorer.score(t).expect("score").probability;
                std::hint::black_box(pipeline_pass(&mut score, texts));
            }
            other => panic!("unknown mode {other}"),
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{{\"mode\":\"{mode}\",\"messages\":{},\"seconds\":{best:.6},\"messages_per_second\":{:.0}}}",
        texts.len(),
        texts.len() as f64 / best
    );
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn json_list(values: &[f64], decimals: usize) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
    format!("[{}]", items.join(","))
}

/// Interleaved rounds of both modes in this process.
fn compare(path: &str, texts: &[String], options: &Options) {
    let tokenizer = Tokenizer::shared().expect("dictionary");
    let model = Model::embedded_default().expect("model");
    let mut scorer = model.scorer().expect("scorer");
    let mut score = |t: &str| scorer.score(t).expect("score").probability;

    // Warm-up pass of each mode, which also sizes the rounds.
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64()
    };
    let warm_pipeline = time(&mut || {
        std::hint::black_box(pipeline_pass(&mut score, texts));
    });
    let warm_lindera = time(&mut || {
        std::hint::black_box(lindera_pass(tokenizer, texts));
    });
    let fastest = warm_pipeline.min(warm_lindera).max(1e-9);
    let passes = ((options.min_seconds / fastest).ceil() as usize).max(1);
    let messages_per_side = texts.len() * passes;
    println!(
        "{path}: {} messages, {passes} pass(es) per side per round; \
         warm-up pass: pipeline {warm_pipeline:.3} s, lindera {warm_lindera:.3} s",
        texts.len()
    );

    let (mut pipeline_rates, mut lindera_rates, mut ratios) = (vec![], vec![], vec![]);
    for round in 1..=options.rounds {
        // Pass by pass, alternating, so that drift within a round hits both
        // sides alike; odd rounds start with the pipeline, even ones with lindera.
        let mut pipeline_seconds = 0.0;
        let mut lindera_seconds = 0.0;
        for pass in 0..2 * passes {
            if (pass + round) % 2 == 1 {
                pipeline_seconds += time(&mut || {
                    std::hint::black_box(pipeline_pass(&mut score, texts));
                });
            } else {
                lindera_seconds += time(&mut || {
                    std::hint::black_box(lindera_pass(tokenizer, texts));
                });
            }
        }
        let pipeline_rate = messages_per_side as f64 / pipeline_seconds;
        let lindera_rate = messages_per_side as f64 / lindera_seconds;
        let ratio = pipeline_rate / lindera_rate;
        println!(
            "round {round}: pipeline {pipeline_rate:.0} msg/s ({pipeline_seconds:.3} s), \
             lindera {lindera_rate:.0} msg/s ({lindera_seconds:.3} s), pipeline/lindera {ratio:.3}"
        );
        pipeline_rates.push(pipeline_rate);
        lindera_rates.push(lindera_rate);
        ratios.push(ratio);
    }
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    println!(
        "{{\"mode\":\"compare\",\"file\":\"{}\",\"messages\":{},\"passes_per_side\":{passes},\
         \"rounds\":{},\"ratio_pipeline_over_lindera\":{{\"median\":{:.4},\"min\":{min:.4},\
         \"max\":{max:.4}}},\"pipeline_messages_per_second_median\":{:.0},\
         \"lindera_messages_per_second_median\":{:.0},\"ratios\":{},\
         \"pipeline_messages_per_second\":{},\"lindera_messages_per_second\":{}}}",
        path.replace('\\', "\\\\").replace('"', "\\\""),
        texts.len(),
        options.rounds,
        median(&ratios),
        median(&pipeline_rates),
        median(&lindera_rates),
        json_list(&ratios, 4),
        json_list(&pipeline_rates, 0),
        json_list(&lindera_rates, 0),
    );
}

fn main() {
    let (args, options) = parse_args();
    let (Some(mode), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: throughput (lindera|pipeline) FILE\n       \
             throughput compare FILE [--rounds N] [--min-seconds S]"
        );
        return;
    };
    let texts = read_messages(path);
    match mode.as_str() {
        "compare" => compare(path, &texts, &options),
        other => best_of_five(other, &texts),
    }
}
