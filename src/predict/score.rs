//! Scoring a chunk of rows in parallel: each row becomes an [`Outcome`].

use crate::error::Result;
use crate::model::{Contribution, Scorer, ScorerPool, Threshold, UnsureBand};
use crate::predict::source::InputRow;

/// What a scored row was labeled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// At or above the threshold.
    Positive,
    /// Below the threshold.
    Negative,
    /// Inside the unsure band.
    Unsure,
}

/// Something to know about a row's score, written in the `note` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The message is empty or only spaces: the score is the prior alone.
    EmptyText,
    /// The message was longer than [`crate::MAX_MESSAGE_BYTES`] and only
    /// its start was scored.
    Truncated,
    /// No feature of the message is in the model's vocabulary.
    NoKnownFeatures,
    /// A blank line of CSV/TSV input, not scored.
    BlankLine,
}

impl Note {
    /// The text written in the `note` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Note::EmptyText => "empty_text",
            Note::Truncated => "truncated",
            Note::NoKnownFeatures => "no_known_features",
            Note::BlankLine => "blank_line",
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result for one row. A row that could not be read (or a blank line)
/// has no decision and no probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The label, when the row was scored.
    pub decision: Option<Decision>,
    /// P(positive), when the row was scored.
    pub probability: Option<f64>,
    /// What to know about the score, if anything.
    pub note: Option<Note>,
    /// Why the row was not scored, or empty.
    pub error: String,
    /// The strongest contributions each way, when asked for.
    pub explanation: Option<(Vec<Contribution>, Vec<Contribution>)>,
}

impl Outcome {
    fn unscored(note: Option<Note>, error: String) -> Outcome {
        Outcome {
            decision: None,
            probability: None,
            note,
            error,
            explanation: None,
        }
    }
}

/// How rows are decided.
#[derive(Debug, Clone, Copy)]
pub struct DecisionRule {
    /// Threshold on P(positive).
    pub threshold: Threshold,
    /// Probabilities in this band are `unsure`.
    pub unsure: Option<UnsureBand>,
    /// Contributions to report each way (0: none).
    pub explain: usize,
}

/// Scores every row of `chunk` across the pool's threads, in order.
///
/// # Errors
/// Tokenizer failure.
pub fn score_chunk(
    pool: &ScorerPool<'_>,
    chunk: &[InputRow],
    rule: DecisionRule,
) -> Result<Vec<Outcome>> {
    pool.map(chunk, |scorer, row| score_row(scorer, row, rule))
}

/// Scores one row.
///
/// # Errors
/// Tokenizer failure.
pub fn score_row(scorer: &mut Scorer<'_>, row: &InputRow, rule: DecisionRule) -> Result<Outcome> {
    if let Some(problem) = row.problem() {
        let error = format!("line {}: {}", problem.line, problem.reason);
        return Ok(Outcome::unscored(None, error));
    }
    if row.is_blank() {
        return Ok(Outcome::unscored(Some(Note::BlankLine), String::new()));
    }
    let text = row.text();
    let score = scorer.score(text)?;
    if !score.probability.is_finite() {
        // Models are checked at load time so that this cannot happen; never
        // print a non-finite number all the same.
        return Ok(Outcome::unscored(
            None,
            "the model gave a non-finite score".into(),
        ));
    }
    let note = if text.trim().is_empty() {
        Some(Note::EmptyText)
    } else if score.truncated {
        Some(Note::Truncated)
    } else if score.known_features == 0 {
        Some(Note::NoKnownFeatures)
    } else {
        None
    };
    let decision = match rule.unsure {
        Some(band) if band.contains(score.probability) => Decision::Unsure,
        _ if rule.threshold.is_positive(score.probability) => Decision::Positive,
        _ => Decision::Negative,
    };
    Ok(Outcome {
        decision: Some(decision),
        probability: Some(score.probability),
        note,
        error: String::new(),
        explanation: (rule.explain > 0).then(|| scorer.explain_last(rule.explain)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;
    use crate::data::{Row, RowProblem};

    fn row(text: &str) -> InputRow {
        let fields = vec![text.to_owned()];
        InputRow::new(Row::Fields { line: 1, fields }, 0, false)
    }

    #[test]
    fn notes_are_written_as_before() {
        let notes = [
            (Note::EmptyText, "empty_text"),
            (Note::Truncated, "truncated"),
            (Note::NoKnownFeatures, "no_known_features"),
            (Note::BlankLine, "blank_line"),
        ];
        for (note, text) in notes {
            assert_eq!(note.as_str(), text);
            assert_eq!(note.to_string(), text);
        }
    }

    #[test]
    fn rows_are_decided_by_threshold_and_band_and_problems_are_not_scored() {
        let model = Model::embedded_default().unwrap();
        let pool = ScorerPool::new(model).unwrap();
        let problem = RowProblem {
            line: 3,
            reason: "too many fields".into(),
        };
        let fields = vec!["x".to_owned()];
        let bad = InputRow::new(Row::Malformed { fields, problem }, 0, false);
        let chunk = [
            row(
                "会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。",
            ),
            row("明日の会議は10時からです"),
            row(""),
            bad,
        ];
        let rule = DecisionRule {
            threshold: Threshold::new(0.5).unwrap(),
            unsure: None,
            explain: 2,
        };
        let outcomes = score_chunk(&pool, &chunk, rule).unwrap();
        assert_eq!(outcomes[0].decision, Some(Decision::Positive));
        assert_eq!(outcomes[1].decision, Some(Decision::Negative));
        assert_eq!(outcomes[2].note, Some(Note::EmptyText));
        assert_eq!(outcomes[2].note.map(Note::as_str), Some("empty_text"));
        assert_eq!(outcomes[3].decision, None);
        assert!(outcomes[3].error.contains("too many fields"));
        assert!(outcomes[0].explanation.is_some());
        let everything_unsure = DecisionRule {
            unsure: Some(UnsureBand::new(0.0, 1.0).unwrap()),
            ..rule
        };
        let outcomes = score_chunk(&pool, &chunk[..2], everything_unsure).unwrap();
        assert!(
            outcomes
                .iter()
                .all(|o| o.decision == Some(Decision::Unsure))
        );
    }
}
