//! The committed corpus `data/messages.csv` keeps the rules in its datasheet:
//! columns, labels, counts, families, no duplicates after normalization.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use jscam::normalize::Normalizer;

struct Row {
    id: String,
    text: String,
    label: String,
    category: String,
    family: String,
}

fn corpus() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/messages.csv");
    let mut reader = csv::Reader::from_path(&path).expect("data/messages.csv exists");
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers, ["id", "text", "label", "category", "family"]);
    reader
        .records()
        .map(|r| {
            let r = r.expect("well-formed row");
            Row {
                id: r[0].to_owned(),
                text: r[1].to_owned(),
                label: r[2].to_owned(),
                category: r[3].to_owned(),
                family: r[4].to_owned(),
            }
        })
        .collect()
}

#[test]
fn sizes_and_labels() {
    let rows = corpus();
    let scam = rows.iter().filter(|r| r.label == "scam").count();
    let legit = rows.iter().filter(|r| r.label == "legit").count();
    assert_eq!(scam + legit, rows.len(), "labels other than scam/legit");
    assert!(
        rows.len() >= 3000,
        "want >= 3000 messages, got {}",
        rows.len()
    );
    assert!(scam >= 1200, "want >= 1200 scam, got {scam}");
    assert!(legit >= 1500, "want >= 1500 legit, got {legit}");
    let ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "ids are unique");
    assert!(
        rows.iter()
            .all(|r| !r.category.is_empty() && !r.family.is_empty() && !r.text.trim().is_empty())
    );
}

#[test]
fn families_are_many_small_and_single_label() {
    let rows = corpus();
    let mut families: BTreeMap<&str, (usize, HashSet<&str>, HashSet<&str>)> = BTreeMap::new();
    for r in &rows {
        let f = families.entry(&r.family).or_default();
        f.0 += 1;
        f.1.insert(&r.label);
        f.2.insert(&r.category);
    }
    assert!(
        families.len() >= 400,
        "want >= 400 families, got {}",
        families.len()
    );
    for label in ["scam", "legit"] {
        let label_rows = rows.iter().filter(|r| r.label == label).count();
        let cap = label_rows * 3 / 100;
        for (name, (size, labels, _)) in &families {
            assert_eq!(labels.len(), 1, "family {name} mixes labels");
            if labels.contains(label) {
                assert!(
                    *size <= cap,
                    "family {name} has {size} rows, above 3% of {label} ({cap})"
                );
            }
        }
    }
}

#[test]
fn no_duplicates_after_normalization() {
    let rows = corpus();
    let normalizer = Normalizer::new();
    let mut seen = BTreeMap::new();
    for r in &rows {
        let key = normalizer.normalize(&r.text).text;
        if let Some(other) = seen.insert(key, r.id.clone()) {
            panic!("{} and {other} are the same after normalization", r.id);
        }
    }
}
