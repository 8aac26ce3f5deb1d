//! Where a model came from: hashes of its training data, per-file
//! summaries and the training date.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::data::LabeledData;
use crate::model::TrainingFile;

/// SHA-256 of the (text, label) pairs in order.
pub fn data_hash(texts: &[String], labels: &[String]) -> String {
    let mut hasher = Sha256::new();
    for (t, l) in texts.iter().zip(labels) {
        hasher.update(t.as_bytes());
        hasher.update([0]);
        hasher.update(l.as_bytes());
        hasher.update([b'\n']);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Today's UTC date, or the date of `SOURCE_DATE_EPOCH` when it is set
/// (the reproducible-builds convention), so that a rerun can produce a
/// byte-identical model.
pub fn training_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The `SOURCE_DATE_EPOCH` (the first second of the day, UTC) that makes
/// [`training_date`] give `date` (`YYYY-MM-DD`): what retraining a model
/// byte for byte sets. `None` when `date` is not a calendar date.
pub fn source_date_epoch(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // A day past the month's end (2026-02-30) would land in the next month.
    (civil_from_days(days) == (y, m as u32, d as u32)).then_some(days * 86_400)
}

/// (year, month, day) in the proleptic Gregorian calendar to days since
/// 1970-01-01: the inverse of [`civil_from_days`].
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// One [`TrainingFile`] per file of `part`.
pub(crate) fn file_summaries(part: &LabeledData, role: &str, weight: f64) -> Vec<TrainingFile> {
    let n_files = part.files.len().max(1);
    (0..n_files)
        .map(|f| {
            let rows: Vec<usize> = (0..part.texts.len())
                .filter(|&i| part.file_of_row.get(i).copied().unwrap_or(0) == f)
                .collect();
            let texts: Vec<String> = rows.iter().map(|&i| part.texts[i].clone()).collect();
            let labels: Vec<String> = rows.iter().map(|&i| part.labels[i].clone()).collect();
            let mut rows_per_label = BTreeMap::new();
            for l in &labels {
                *rows_per_label.entry(l.clone()).or_insert(0) += 1;
            }
            TrainingFile {
                path: part
                    .files
                    .get(f)
                    .unwrap_or(&part.path)
                    .display()
                    .to_string(),
                role: role.to_owned(),
                weight,
                rows_per_label,
                sha256: data_hash(&texts, &labels),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn source_date_epoch_gives_back_the_date() {
        // Years 1 to 4160: dates with a sign are not what `training_date` writes.
        for days in (-719_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            let date = format!("{y:04}-{m:02}-{d:02}");
            assert_eq!(source_date_epoch(&date), Some(days * 86_400), "{date}");
        }
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-01",
            "yesterday",
            "2026-1-x",
        ] {
            assert_eq!(source_date_epoch(bad), None, "{bad}");
        }
    }
}
