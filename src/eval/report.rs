//! Rendering an [`Evaluation`]: plain text for the terminal, and a Markdown
//! report with ROC, precision–recall and score
//! histogram plots (SVG, drawn with plotters).

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::eval::Evaluation;
use crate::metrics::format_metric;

fn plot_error(path: &Path, err: impl std::fmt::Display) -> Error {
    Error::write(
        path,
        std::io::Error::other(format!("drawing the plot: {err}")),
    )
}

/// Makes text from the data safe inside a Markdown table cell or line: line
/// breaks become spaces (a cell cannot span lines, and a line break could
/// start a heading), and the characters that Markdown or HTML give a meaning
/// (`|` ends a cell, `<` starts raw HTML, `[` a link, …) are escaped with a
/// backslash, so they show as themselves.
pub fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' | '\u{2028}' | '\u{2029}' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '$' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The files a report in `dir` consists of: `report.md`, `roc.svg`,
/// `pr.svg` and `scores.svg` (report first).
pub fn report_files(dir: &Path) -> [PathBuf; 4] {
    ["report.md", "roc.svg", "pr.svg", "scores.svg"].map(|name| dir.join(name))
}

/// Writes `report.md`, `roc.svg`, `pr.svg` and `scores.svg` into `dir`,
/// together through [`crate::output::write_files`]: all four are drawn in
/// memory and written to temporary files first, so a failed write leaves
/// the previous report whole.
///
/// # Errors
/// [`Error::Write`] naming the directory or file that cannot be written.
pub fn write_report(evaluation: &Evaluation, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let [path, roc_path, pr_path, hist_path] = report_files(dir);
    let roc = draw_curve(
        &roc_path,
        "ROC curve",
        "false-positive rate",
        "true-positive rate (recall)",
        evaluation.roc.iter().map(|p| (p.fpr, p.tpr)).collect(),
        Some(vec![(0.0, 0.0), (1.0, 1.0)]),
    )?;
    let pr_points = evaluation
        .roc
        .iter()
        .skip(1)
        .map(|p| (p.tpr, p.precision))
        .collect();
    let pr = draw_curve(
        &pr_path,
        "Precision–recall curve",
        "recall",
        "precision",
        pr_points,
        None,
    )?;
    let histogram = draw_histogram(&hist_path, evaluation)?;

    let s = &evaluation.summary;
    let c = s.confusion;
    let mut md = String::new();
    md.push_str("# Evaluation report\n\n");
    let threshold = if evaluation.fold_thresholds.is_empty() {
        format!("threshold {}", evaluation.threshold_text())
    } else {
        format!(
            "threshold {}; each row is decided at its fold's",
            evaluation.threshold_text()
        )
    };
    md.push_str(&format!(
        "Protocol: {}.\n\nPositive label: {}; {threshold}.\n\n",
        markdown_cell(&evaluation.protocol),
        markdown_cell(&evaluation.positive_label),
    ));
    md.push_str("| metric | value |\n|---|---:|\n");
    for (name, value) in [
        ("rows", s.rows as f64),
        ("accuracy", s.accuracy),
        ("precision", s.precision),
        ("recall", s.recall),
        ("false-positive rate", s.false_positive_rate),
        ("F1", s.f1),
        ("MCC", s.mcc),
        ("ROC-AUC", s.roc_auc),
        ("PR-AUC (average precision)", s.pr_auc),
        ("recall at FPR ≤ 1%", s.recall_at_fpr_1pct),
        ("recall at FPR ≤ 0.1%", s.recall_at_fpr_01pct),
        ("Brier score", s.brier),
    ] {
        if name == "rows" {
            md.push_str(&format!("| {name} | {} |\n", s.rows));
        } else {
            md.push_str(&format!("| {name} | {} |\n", format_metric(value)));
        }
    }
    md.push_str(&format!(
        "\n## Confusion matrix\n\n| truth \\ predicted | negative | positive |\n|---|---:|---:|\n| negative | {} | {} |\n| positive | {} | {} |\n",
        c.tn, c.fp, c.fn_, c.tp
    ));
    md.push_str("\n## Curves\n\n![ROC curve](roc.svg)\n\n![Precision-recall curve](pr.svg)\n\n![Score histogram per class](scores.svg)\n");
    md.push_str("\n## Calibration\n\n| P(positive) bin | rows | mean predicted | observed positive share |\n|---|---:|---:|---:|\n");
    for b in evaluation.reliability.iter().filter(|b| b.rows > 0) {
        md.push_str(&format!(
            "| {:.1}–{:.1} | {} | {:.3} | {:.3} |\n",
            b.low, b.high, b.rows, b.mean_predicted, b.observed
        ));
    }
    for (title, rates) in [
        ("Per category", &evaluation.categories),
        ("Per file", &evaluation.files),
    ] {
        if rates.is_empty() {
            continue;
        }
        let column = if title == "Per file" {
            "file"
        } else {
            "category"
        };
        md.push_str(&format!(
            "\n## {title}\n\n| {column} | rows | recall | false-positive rate |\n|---|---:|---:|---:|\n"
        ));
        for r in rates {
            let fmt = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.3}"));
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                markdown_cell(&r.category),
                r.rows,
                fmt(r.recall),
                fmt(r.false_positive_rate)
            ));
        }
    }
    for (title, list) in [
        ("Worst false positives", &evaluation.worst_false_positives),
        ("Worst false negatives", &evaluation.worst_false_negatives),
    ] {
        md.push_str(&format!(
            "\n## {title}\n\n| line | score | category | text |\n|---:|---:|---|---|\n"
        ));
        for e in list {
            md.push_str(&format!(
                "| {} | {:.3} | {} | {} |\n",
                e.line,
                e.score,
                markdown_cell(e.category.as_deref().unwrap_or("")),
                markdown_cell(&e.text)
            ));
        }
    }
    crate::output::write_files(&[
        (path.clone(), md.into_bytes()),
        (roc_path, roc.into_bytes()),
        (pr_path, pr.into_bytes()),
        (hist_path, histogram.into_bytes()),
    ])?;
    Ok(path)
}

impl Evaluation {
    /// A plain-text report. Text from the data (file names, labels,
    /// categories, messages) has its control characters escaped.
    pub fn to_text(&self) -> String {
        use crate::terminal::escape_controls as safe;
        let na = format_metric;
        use std::fmt::Write;
        let s = &self.summary;
        let c = s.confusion;
        let mut out = String::new();
        let _ = writeln!(out, "protocol:        {}", safe(&self.protocol));
        let _ = writeln!(
            out,
            "rows:            {} ({} {}, {} other)",
            s.rows,
            c.tp + c.fn_,
            safe(&self.positive_label),
            c.tn + c.fp
        );
        let _ = writeln!(out, "threshold:       {}", self.threshold_text());
        let _ = writeln!(out, "accuracy:        {}", na(s.accuracy));
        let _ = writeln!(out, "precision:       {}", na(s.precision));
        let _ = writeln!(out, "recall:          {}", na(s.recall));
        let _ = writeln!(out, "false-pos. rate: {}", na(s.false_positive_rate));
        let _ = writeln!(out, "F1:              {}", na(s.f1));
        let _ = writeln!(out, "MCC:             {}", na(s.mcc));
        let _ = writeln!(out, "ROC-AUC:         {}", na(s.roc_auc));
        let _ = writeln!(out, "PR-AUC (AP):     {}", na(s.pr_auc));
        let _ = writeln!(out, "recall@FPR<=1%:  {}", na(s.recall_at_fpr_1pct));
        let _ = writeln!(out, "recall@FPR<=0.1%: {}", na(s.recall_at_fpr_01pct));
        let _ = writeln!(out, "Brier:           {}", na(s.brier));
        let _ = writeln!(out, "confusion:       truth\\pred  negative  positive");
        let _ = writeln!(out, "                 negative   {:>8}  {:>8}", c.tn, c.fp);
        let _ = writeln!(out, "                 positive   {:>8}  {:>8}", c.fn_, c.tp);
        let _ = writeln!(out, "calibration:     bin  rows  mean-predicted  observed");
        for b in self.reliability.iter().filter(|b| b.rows > 0) {
            let _ = writeln!(
                out,
                "                 {:.1}-{:.1} {:>5}  {:>14.3}  {:>8.3}",
                b.low, b.high, b.rows, b.mean_predicted, b.observed
            );
        }
        for (title, rates) in [
            ("per category:    category", &self.categories),
            ("per file:        file", &self.files),
        ] {
            if rates.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{title}  rows  recall  false-positive-rate");
            for r in rates {
                let fmt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.3}"));
                let _ = writeln!(
                    out,
                    "                 {}  {}  {}  {}",
                    safe(&r.category),
                    r.rows,
                    fmt(r.recall),
                    fmt(r.false_positive_rate)
                );
            }
        }
        for (title, list) in [
            ("worst false positives", &self.worst_false_positives),
            ("worst false negatives", &self.worst_false_negatives),
        ] {
            let _ = writeln!(out, "{title}:");
            for e in list {
                let text: String = e
                    .text
                    .chars()
                    .take(100)
                    .collect::<String>()
                    .replace('\n', " ");
                let _ = writeln!(
                    out,
                    "  line {:>5}  {:.3}  {}  {}",
                    e.line,
                    e.score,
                    safe(e.category.as_deref().unwrap_or("")),
                    safe(&text)
                );
            }
        }
        out
    }
}

fn draw_curve(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    points: Vec<(f64, f64)>,
    diagonal: Option<Vec<(f64, f64)>>,
) -> Result<String> {
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)
        .map_err(|e| plot_error(path, e))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| plot_error(path, e))?;
    if let Some(d) = diagonal {
        chart
            .draw_series(LineSeries::new(d, BLACK.mix(0.3)))
            .map_err(|e| plot_error(path, e))?;
    }
    chart
        .draw_series(LineSeries::new(points, BLUE.stroke_width(2)))
        .map_err(|e| plot_error(path, e))?;
    root.present().map_err(|e| plot_error(path, e))?;
    drop(chart);
    drop(root);
    Ok(svg)
}

fn draw_histogram(path: &Path, evaluation: &Evaluation) -> Result<String> {
    const BINS: usize = 20;
    let mut counts = [[0u32; BINS]; 2];
    for (&t, &s) in evaluation.truth.iter().zip(&evaluation.scores) {
        let b = ((s * BINS as f64) as usize).min(BINS - 1);
        counts[usize::from(t)][b] += 1;
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let mut svg = String::new();
    let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Scores per true class", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..1f64, 0u32..(max + max / 10 + 1))
        .map_err(|e| plot_error(path, e))?;
    chart
        .configure_mesh()
        .x_desc(format!("P({})", evaluation.positive_label))
        .y_desc("messages")
        .draw()
        .map_err(|e| plot_error(path, e))?;
    let width = 1.0 / BINS as f64;
    for (class, color, name) in [
        (0usize, GREEN, "other label"),
        (1, RED, evaluation.positive_label.as_str()),
    ] {
        let bars = (0..BINS).map(move |b| {
            let x0 = b as f64 * width + if class == 1 { width / 2.0 } else { 0.0 };
            Rectangle::new(
                [(x0, 0), (x0 + width / 2.0, counts[class][b])],
                color.mix(0.7).filled(),
            )
        });
        chart
            .draw_series(bars)
            .map_err(|e| plot_error(path, e))?
            .label(name.to_owned())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| plot_error(path, e))?;
    root.present().map_err(|e| plot_error(path, e))?;
    drop(chart);
    drop(root);
    Ok(svg)
}
