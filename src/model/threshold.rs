//! Decision thresholds: the one place where "a probability in [0, 1]" is
//! checked, for the model's stored threshold, `--threshold`, the rates of the
//! threshold rules and the `unsure` band.

use crate::error::{Error, Result};

/// Checks that `value` is a probability; `what` names it in the error
/// (a flag such as `--max-fpr`, or `threshold`).
///
/// # Errors
/// [`Error::Config`] for a value outside [0, 1] (or NaN).
pub fn check_probability(what: &str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::Config(format!(
            "{what} takes a value in [0, 1], got {value}"
        )))
    }
}

/// A decision threshold on P(positive): a message whose probability is at
/// or above it gets the positive label.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Threshold(f64);

impl Threshold {
    /// A threshold of `value`.
    ///
    /// # Errors
    /// [`Error::Config`] unless `value` is in [0, 1].
    pub fn new(value: f64) -> Result<Threshold> {
        check_probability("threshold", value).map(Threshold)
    }

    /// The probability.
    pub fn value(self) -> f64 {
        self.0
    }

    /// Whether `probability` gets the positive label.
    pub fn is_positive(self, probability: f64) -> bool {
        probability >= self.0
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Threshold {
    type Err = Error;
    fn from_str(s: &str) -> Result<Threshold> {
        let value: f64 = s
            .trim()
            .parse()
            .map_err(|e| Error::Config(format!("{s:?}: {e}")))?;
        Threshold::new(value)
    }
}

/// Probabilities in [low, high) are labeled `unsure` instead of either label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnsureBand {
    low: f64,
    high: f64,
}

impl UnsureBand {
    /// The band [low, high).
    ///
    /// # Errors
    /// [`Error::Config`] unless 0 ≤ low ≤ high ≤ 1.
    pub fn new(low: f64, high: f64) -> Result<UnsureBand> {
        let what = "each end of the unsure band";
        check_probability(what, low)?;
        check_probability(what, high)?;
        if low > high {
            return Err(Error::Config(format!(
                "unsure band must be LOW,HIGH with LOW <= HIGH, got {low},{high}"
            )));
        }
        Ok(UnsureBand { low, high })
    }

    /// Whether `probability` falls in the band.
    pub fn contains(self, probability: f64) -> bool {
        (self.low..self.high).contains(&probability)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_outside_the_unit_interval_are_refused() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let err = Threshold::new(bad).unwrap_err().to_string();
            assert!(err.contains("[0, 1]"), "{err}");
        }
        assert_eq!("0.25".parse::<Threshold>().unwrap().value(), 0.25);
        assert!("x".parse::<Threshold>().is_err());
        let t = Threshold::new(0.5).unwrap();
        assert!(t.is_positive(0.5) && !t.is_positive(0.49));
    }

    #[test]
    fn unsure_band_is_half_open_and_ordered() {
        let band = UnsureBand::new(0.3, 0.7).unwrap();
        assert!(band.contains(0.3) && band.contains(0.69) && !band.contains(0.7));
        assert!(UnsureBand::new(0.7, 0.3).is_err());
        assert!(UnsureBand::new(-1.0, 0.3).is_err());
    }
}
