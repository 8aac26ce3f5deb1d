//! The committed corpus `data/messages.csv` keeps the rules in its datasheet:
//! columns, labels, counts, families, no duplicates after normalization.

use jscam::{LabeledCsvOptions, Normalizer, read_labeled_csv};
use std::collections::{BTreeMap, HashSet};

use crate::util::{root, shared};

struct Row {
    id: String,
    text: String,
    label: String,
    category: String,
    family: String,
}

/// The corpus as `train` reads it (no label skipped), after a check of
/// its header.
fn corpus() -> Vec<Row> {
    let path = root().join("data/messages.csv");
    let text = std::fs::read_to_string(&path).expect("data/messages.csv exists");
    assert_eq!(
        text.lines()
            .next()
            .unwrap_or_default()
            .split(',')
            .collect::<Vec<_>>(),
        ["id", "text", "label", "category", "family"]
    );
    let options = LabeledCsvOptions {
        group_column: Some("family".into()),
        skip_labels: Vec::new(),
        ..Default::default()
    };
    let data = read_labeled_csv(&path, &options).expect("well-formed rows");
    let ids = data.ids.expect("an id column");
    let categories = data.categories.expect("a category column");
    let families = data.groups.expect("a family column");
    (ids.into_iter().zip(data.texts).zip(data.labels))
        .zip(categories.into_iter().zip(families))
        .map(|(((id, text), label), (category, family))| Row {
            id,
            text,
            label,
            category,
            family,
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
    let mut same = Vec::new();
    for r in &rows {
        let key = normalizer.normalize(&r.text).text;
        if let Some(other) = seen.insert(key, r.id.clone()) {
            same.push(format!("{} and {other}", r.id));
        }
    }
    assert!(
        same.is_empty(),
        "want no two rows the same after normalization, got {}: {}",
        same.len(),
        same.join(", ")
    );
}

/// The corpus key used to compare messages: NFKC, letters and digits only
/// (no spaces, punctuation or symbols).
fn comparison_key(text: &str) -> Vec<char> {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().filter(|c| c.is_alphanumeric()).collect()
}

fn trigrams(key: &[char]) -> HashSet<[char; 3]> {
    key.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// No corpus message copies or closely paraphrases a shared real message:
/// for every corpus row of 12 or more characters (after NFKC, without
/// spaces and punctuation), character-trigram Jaccard with every row of
/// `real_ja` and `spamhunter_ja` is at most 0.35, and at most 60% of its
/// trigrams lie inside any one of them.
#[test]
fn no_corpus_row_is_close_to_a_shared_real_message() {
    let mut real: Vec<(String, HashSet<[char; 3]>)> = Vec::new();
    for set in ["real_ja", "spamhunter_ja"] {
        let Some(path) = shared(set) else {
            return;
        };
        let every_label = LabeledCsvOptions {
            skip_labels: Vec::new(),
            ..Default::default()
        };
        for text in read_labeled_csv(&path, &every_label).unwrap().texts {
            let grams = trigrams(&comparison_key(&text));
            if !grams.is_empty() {
                real.push((format!("{set}: {text}"), grams));
            }
        }
    }
    // Index real rows by trigram so that each corpus row meets only the
    // real rows it shares something with.
    let mut index: std::collections::HashMap<[char; 3], Vec<usize>> = Default::default();
    for (i, (_, grams)) in real.iter().enumerate() {
        for g in grams {
            index.entry(*g).or_default().push(i);
        }
    }
    let mut too_close = Vec::new();
    for row in corpus() {
        let key = comparison_key(&row.text);
        if key.len() < 12 {
            continue;
        }
        let grams = trigrams(&key);
        let mut shared_counts: BTreeMap<usize, usize> = BTreeMap::new();
        for g in &grams {
            for &i in index.get(g).map_or(&[][..], Vec::as_slice) {
                *shared_counts.entry(i).or_default() += 1;
            }
        }
        for (i, common) in shared_counts {
            let jaccard = common as f64 / (grams.len() + real[i].1.len() - common) as f64;
            let contained = common as f64 / grams.len() as f64;
            if jaccard > 0.35 || contained > 0.6 {
                too_close.push(format!(
                    "{} (Jaccard {jaccard:.2}, contained {contained:.2}) ~ {}",
                    row.id, real[i].0
                ));
                break;
            }
        }
    }
    assert!(
        too_close.is_empty(),
        "want 0 corpus rows close to a shared real message, got {}:\n{}",
        too_close.len(),
        too_close.join("\n")
    );
}
