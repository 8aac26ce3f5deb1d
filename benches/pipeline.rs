//! Criterion benchmarks, per message, of each pipeline stage: normalize,
//! tokenize, featurize (normalize + tokenize + n-grams + vocabulary lookup)
//! and score (all of it plus the sparse dot product), on messages from
//! `data/messages.csv`, with the embedded default model.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jscam::Model;
use jscam::features::{Extractor, SparseRow};
use jscam::io::{LabeledCsvOptions, read_labeled_csv};
use jscam::normalize::{Normalized, Normalizer};
use jscam::tokenize::Tokenizer;

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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = stages
}
criterion_main!(benches);
