//! Criterion benchmarks, per message, of each pipeline stage: normalize,
//! tokenize, featurize (normalize + tokenize + n-grams + vocabulary lookup)
//! and score (all of it plus the sparse dot product), on messages from
//! `data/messages.csv`, with the embedded default model.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jscam::{
    Extractor, LabeledCsvOptions, Model, Normalized, Normalizer, SparseRow, Tokenizer,
    read_labeled_csv,
};

fn messages() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/messages.csv");
    read_labeled_csv(&path, &LabeledCsvOptions::default())
        .expect("data/messages.csv")
        .texts
}

fn stages(c: &mut Criterion) {
    let texts = messages();
    let model = Model::embedded_default().expect("embedded model");
    let mut group = c.benchmark_group("per_message");
    group.throughput(Throughput::Elements(texts.len() as u64));

    let normalizer = Normalizer::new();
    let mut normalized = Normalized::new();
    group.bench_function("normalize", |b| {
        b.iter(|| {
            for t in &texts {
                normalizer.normalize_into(t, &mut normalized);
            }
        })
    });

    let normalized_texts: Vec<String> =
        texts.iter().map(|t| normalizer.normalize(t).text).collect();
    let mut worker = Tokenizer::shared().expect("dictionary").worker();
    group.bench_function("tokenize", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &normalized_texts {
                worker.for_each_token(t, |_| n += 1).expect("tokenize");
            }
            n
        })
    });

    let mut extractor = Extractor::new().expect("extractor");
    let mut row = SparseRow::new();
    group.bench_function("featurize", |b| {
        b.iter(|| {
            for t in &texts {
                extractor
                    .vectorize_into(t, model.vocabulary(), &mut row)
                    .expect("featurize");
            }
        })
    });

    let mut scorer = model.scorer().expect("scorer");
    group.bench_function("score", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for t in &texts {
                sum += scorer.score(t).expect("score").probability;
            }
            sum
        })
    });
    group.finish();
}

/// Hostile 64 KiB messages that once made the entity regex quadratic
/// (issue 10: 1.9 s for `1.` repeated). Target: a median of at most 20 ms
/// each for the whole score (normalize, tokenize, features, dot product).
/// `tests/integration/robustness.rs` checks what these give, untimed.
fn pathological(c: &mut Criterion) {
    let model = Model::embedded_default().expect("embedded model");
    let mut scorer = model.scorer().expect("scorer");
    let mut group = c.benchmark_group("pathological_64k");
    for (name, unit) in [
        ("one_dot", "1."),
        ("a_at", "a@"),
        ("a_dot", "a."),
        ("digit_hyphen", "1-"),
        ("digit_groups", "12 34 "),
        ("digit_comma", "1,"),
    ] {
        let text = unit.repeat(64 * 1024 / unit.len());
        group.bench_function(name, |b| {
            b.iter(|| scorer.score(&text).expect("score").probability)
        });
        // The normalization alone (where the entity regex runs).
        let normalizer = Normalizer::new();
        let mut normalized = Normalized::new();
        group.bench_function(format!("{name}/normalize"), |b| {
            b.iter(|| {
                normalizer.normalize_into(&text, &mut normalized);
                normalized.text.len()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = stages, pathological
}
criterion_main!(benches);
