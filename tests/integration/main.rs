//! The integration tests, linked into one test binary (as ripgrep does):
//! three binaries would link the crate three times.
//!
//! - [`cli`]: the real `train`, `predict`, `evaluate` and `inspect`
//!   binaries on small committed fixtures (`tests/fixtures/`) and generated files;
//! - [`robustness`]: damaged model files, hostile input, accuracy floors;
//! - [`knowledge`]: what the default model must get right through its link,
//!   phone and evidence knowledge;
//! - [`corpus`]: the written corpus `data/messages.csv` and its distance from
//!   the shared real messages;
//! - [`readme`]: the README's commands, as written;
//! - [`util`]: [`util::TestCommand`], which runs a binary and checks its
//!   exit code and output, and where the fixtures and shared corpora are.

mod cli;
mod corpus;
mod knowledge;
mod readme;
mod robustness;
mod util;
