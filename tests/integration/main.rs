//! The integration tests, linked into one test binary (as ripgrep does):
//! three binaries would link the crate three times.
//!
//! - [`cli`]: the real `train`, `predict`, `evaluate` and `inspect`
//!   binaries on small committed fixtures (`tests/fixtures/`) and generated files;
//! - [`robustness`]: damaged model files, hostile input, accuracy floors;
//! - [`corpus`]: the written corpus `data/messages.csv` and its distance from
//!   the shared real messages;
//! - [`readme`]: the README's commands, as written.

mod cli;
mod corpus;
mod readme;
mod robustness;
