//! Fixtures shared by the unit tests of several modules.

/// The `text` column of the committed corpus, `data/messages.csv`.
pub(crate) fn corpus_texts() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/messages.csv");
    let mut reader = csv::Reader::from_path(path).expect("the committed corpus");
    let column = reader
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == "text")
        .expect("a text column");
    reader
        .records()
        .map(|r| r.expect("a valid row")[column].to_owned())
        .collect()
}
