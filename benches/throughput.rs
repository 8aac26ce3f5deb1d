//! Whole-file throughput in one thread, for the side-by-side script:
//!
//! ```text
//! cargo bench --bench throughput -- lindera FILE   # raw lindera tokenization
//! cargo bench --bench throughput -- pipeline FILE  # normalize + tokenize + features + score
//! ```
//!
//! FILE is a CSV with a `text` column or plain text, one message per line.
//! Prints one JSON line: messages, best seconds of 5 runs, messages/s.

use std::time::Instant;

use jscam::Model;
use jscam::tokenize::Tokenizer;

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

fn main() {
    // `cargo bench` passes `--bench`; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (Some(mode), Some(path)) = (args.first(), args.get(1)) else {
        eprintln!("usage: throughput (lindera|pipeline) FILE");
        return;
    };
    let texts = read_messages(path);
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        match mode.as_str() {
            "lindera" => {
                let mut worker = Tokenizer::shared().expect("dictionary").worker();
                let mut tokens = 0usize;
                for t in &texts {
                    worker.for_each_token(t, |_| tokens += 1).expect("tokenize");
                }
                std::hint::black_box(tokens);
            }
            "pipeline" => {
                let model = Model::embedded_default().expect("model");
                let mut scorer = model.scorer().expect("scorer");
                let mut sum = 0.0;
                for t in &texts {
                    sum += scorer.score(t).expect("score").probability;
                }
                std::hint::black_box(sum);
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
