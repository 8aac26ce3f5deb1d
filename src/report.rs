//! Evaluation reports (filled in below).
