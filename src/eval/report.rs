//! Rendering an [`Evaluation`]: plain text for the terminal, and a Markdown
//! report with ROC, precision–recall and score
//! histogram plots (SVG, drawn with plotters).

use std::path::{Path, PathBuf};

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::evaluation::{Evaluation, FalsePositiveTarget, OperatingPoint, Spread, percent};
use crate::error::{Error, Result};
use crate::metrics::{Metric, ReliabilityBin};
use crate::terminal::escape_controls as safe;

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
/// `pr.svg`, `scores.svg` and `evaluation.json` (report first).
pub fn report_files(dir: &Path) -> [PathBuf; 5] {
    [
        "report.md",
        "roc.svg",
        "pr.svg",
        "scores.svg",
        "evaluation.json",
    ]
    .map(|name| dir.join(name))
}

/// Fonts asked for in every plot: CJK fonts first, so that Japanese labels
/// and texts do not turn into boxes where the system default font lacks them.
pub const FONT_FAMILY: &str =
    "Noto Sans CJK JP, Noto Sans JP, Hiragino Sans, Yu Gothic, Meiryo, IPAexGothic, sans-serif";

/// Colour-blind-safe colours (Okabe and Ito): blue, vermilion, orange, grey.
const BLUE_SAFE: RGBColor = RGBColor(0, 114, 178);
const VERMILION: RGBColor = RGBColor(213, 94, 0);
const ORANGE: RGBColor = RGBColor(230, 159, 0);
const GREY: RGBColor = RGBColor(120, 120, 120);

/// Why no ROC or precision–recall curve is drawn, when the rows hold one
/// label only.
pub fn no_curve_reason(evaluation: &Evaluation) -> Option<String> {
    let positives = evaluation.truth.iter().filter(|&&t| t).count();
    let negatives = evaluation.truth.len() - positives;
    let only = if negatives == 0 {
        evaluation.positive_label.clone()
    } else if positives == 0 {
        evaluation
            .negative_label
            .clone()
            .unwrap_or_else(|| format!("not {}", evaluation.positive_label))
    } else {
        return None;
    };
    Some(format!(
        "no ROC or precision–recall curve: every row is labelled {only:?}, so {} undefined",
        if negatives == 0 {
            "the false-positive rate is"
        } else {
            "recall is"
        }
    ))
}

/// A threshold as tables print it.
fn threshold_cell(t: f64) -> String {
    if t > 0.0 && t < 0.001 {
        format!("{t:.2e}")
    } else {
        format!("{t:.4}")
    }
}

fn rate_cell(v: Option<f64>) -> String {
    v.map_or("n/a".to_owned(), |v| format!("{v:.4}"))
}

/// The command line, version and commit, model and data hashes, as
/// Markdown lines.
fn provenance_markdown(evaluation: &Evaluation) -> String {
    let run = &evaluation.run;
    let mut md = String::new();
    md.push_str(&format!(
        "- command: `{}`\n- jscam {} (commit {}); report schema {}\n",
        run.command_line.replace('`', "'"),
        markdown_cell(&run.jscam_version),
        markdown_cell(&run.commit),
        evaluation.schema
    ));
    if let Some(m) = &run.model {
        md.push_str(&format!(
            "- model: {} (sha256 `{}`), trained {} on {} rows (training data sha256 `{}`)\n",
            markdown_cell(&m.source),
            m.sha256,
            m.trained,
            m.training_rows,
            m.training_data_sha256
        ));
    }
    for f in &run.data_files {
        md.push_str(&format!(
            "- data ({}): {} (sha256 `{}`)\n",
            f.role,
            markdown_cell(&f.path),
            f.sha256
        ));
    }
    for w in &run.warnings {
        md.push_str(&format!("- **warning**: {}\n", markdown_cell(w)));
    }
    md
}

/// The report's files and their bytes ([`report_files`] but the ROC and
/// PR plots of one-label rows), drawn in memory; nothing is written.
///
/// # Errors
/// [`Error::Write`] naming a plot that cannot be drawn.
pub fn render_report(evaluation: &Evaluation, dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let [path, roc_path, pr_path, hist_path, json_path] = report_files(dir);
    let no_curve = no_curve_reason(evaluation);
    let markdown = report_markdown(evaluation, no_curve.as_deref());
    let mut files = vec![(path, markdown.into_bytes())];
    if no_curve.is_none() {
        files.push((
            roc_path.clone(),
            draw_roc(&roc_path, evaluation)?.into_bytes(),
        ));
        files.push((pr_path.clone(), draw_pr(&pr_path, evaluation)?.into_bytes()));
    }
    files.push((
        hist_path.clone(),
        draw_histogram(&hist_path, evaluation)?.into_bytes(),
    ));
    // The JSON beside the Markdown, for CI and audits.
    let json = serde_json::to_string_pretty(evaluation)
        .map_err(|e| Error::write(&json_path, std::io::Error::other(e)))?;
    files.push((json_path, format!("{json}\n").into_bytes()));
    Ok(files)
}

/// `report.md`: its sections in order; `no_curve` says why the ROC and PR
/// plots are missing, when they are.
fn report_markdown(evaluation: &Evaluation, no_curve: Option<&str>) -> String {
    let mut md = String::new();
    md.push_str("# Evaluation report\n\n");
    md.push_str(&provenance_markdown(evaluation));
    md.push_str(&headline_markdown(evaluation));
    md.push_str(&operating_points_markdown(evaluation));
    md.push_str(&folds_markdown(evaluation));
    let c = evaluation.summary.confusion;
    md.push_str(&format!(
        "\n## Confusion matrix\n\n| truth \\ predicted | negative | positive |\n|---|---:|---:|\n| negative | {} | {} |\n| positive | {} | {} |\n",
        c.tn, c.fp, c.fn_, c.tp
    ));
    md.push_str("\n## Curves\n\n");
    match no_curve {
        Some(reason) => md.push_str(&format!("{}.\n\n", capitalized(reason))),
        None => md.push_str("![ROC curve](roc.svg)\n\n![Precision-recall curve](pr.svg)\n\n"),
    }
    md.push_str("![Score histogram per class](scores.svg)\n");
    md.push_str(&calibration_table(
        evaluation,
        "\n## Calibration\n\n| P(positive) bin | rows | mean predicted | observed positive share |\n|---|---:|---:|---:|\n",
        |b| {
            format!(
                "| {:.1}–{:.1} | {} | {:.3} | {:.3} |\n",
                b.low, b.high, b.rows, b.mean_predicted, b.observed
            )
        },
    ));
    md.push_str(&rates_markdown(evaluation));
    md.push_str(&worst_markdown(evaluation));
    md
}

/// The protocol, threshold and the table of [`Metric::HEADLINE`].
fn headline_markdown(evaluation: &Evaluation) -> String {
    let s = &evaluation.summary;
    let threshold = if evaluation.fold_thresholds.is_empty() {
        format!("threshold {}", evaluation.threshold_text())
    } else {
        format!(
            "threshold {}; each row is decided at its fold's",
            evaluation.threshold_text()
        )
    };
    let mut md = format!(
        "\nProtocol: {}.\n\nPositive label: {}; {threshold}.\n\n",
        markdown_cell(&evaluation.protocol),
        markdown_cell(&evaluation.positive_label),
    );
    md.push_str("| metric | value |\n|---|---:|\n");
    md.push_str(&format!("| rows | {} |\n", s.rows));
    for metric in Metric::HEADLINE {
        md.push_str(&format!(
            "| {} | {} |\n",
            metric.info().label,
            metric.format_of(s)
        ));
    }
    md
}

/// The false-positive budgets' thresholds and the threshold table.
fn operating_points_markdown(evaluation: &Evaluation) -> String {
    let mut md = String::from("\n## Operating points\n\n");
    for target in &evaluation.false_positive_targets {
        md.push_str(&format!("- {}\n", target_text(target)));
    }
    md.push_str("\n| threshold | precision | recall | false-positive rate | share flagged | note |\n|---:|---:|---:|---:|---:|---|\n");
    for p in &evaluation.thresholds {
        let note = p.marks.join("; ");
        let bold = if p.marks.is_empty() { "" } else { "**" };
        md.push_str(&format!(
            "| {bold}{}{bold} | {} | {} | {} | {} | {} |\n",
            threshold_cell(p.threshold),
            rate_cell(p.precision),
            rate_cell(p.recall),
            rate_cell(p.false_positive_rate),
            rate_cell(p.share_flagged),
            note
        ));
    }
    md
}

/// The per-fold table of [`Metric::PER_FOLD`] with the mean ± standard
/// deviation row; empty outside cross-validation.
fn folds_markdown(evaluation: &Evaluation) -> String {
    if evaluation.folds.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "\n## Per fold\n\nEach fold decided at its own threshold; mean ± standard deviation over the folds.\n\n| fold | rows | positives | threshold |",
    );
    for metric in Metric::PER_FOLD {
        md.push_str(&format!(" {} |", metric.info().column));
    }
    md.push_str("\n|---:|---:|---:|---:|");
    md.push_str(&"---:|".repeat(Metric::PER_FOLD.len()));
    md.push('\n');
    for f in &evaluation.folds {
        md.push_str(&format!(
            "| {} | {} | {} | {} |",
            f.fold,
            f.rows,
            f.positives,
            threshold_cell(f.threshold),
        ));
        for metric in Metric::PER_FOLD {
            md.push_str(&format!(" {} |", metric.format_of(f)));
        }
        md.push('\n');
    }
    md.push_str("| mean ± sd | | | |");
    for spread in &evaluation.fold_spread {
        md.push_str(&format!(" {} |", spread_text(spread)));
    }
    md.push('\n');
    md
}

/// The per-category and per-file tables, each when there are rates.
fn rates_markdown(evaluation: &Evaluation) -> String {
    let mut md = String::new();
    for (title, column, rates) in [
        ("Per category", "category", &evaluation.categories),
        ("Per file", "file", &evaluation.files),
    ] {
        if rates.is_empty() {
            continue;
        }
        md.push_str(&format!(
            "\n## {title}\n\n| {column} | rows | recall | false-positive rate |\n|---|---:|---:|---:|\n"
        ));
        for r in rates {
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                markdown_cell(&r.category),
                r.rows,
                rate_cell(r.recall),
                rate_cell(r.false_positive_rate)
            ));
        }
    }
    md
}

/// The worst false positives and false negatives tables.
fn worst_markdown(evaluation: &Evaluation) -> String {
    let mut md = String::new();
    for (title, list) in [
        ("Worst false positives", &evaluation.worst_false_positives),
        ("Worst false negatives", &evaluation.worst_false_negatives),
    ] {
        md.push_str(&format!(
            "\n## {title}\n\n| file | line | id | score | category | text |\n|---|---:|---|---:|---|---|\n"
        ));
        for e in list {
            md.push_str(&format!(
                "| {} | {} | {} | {:.3} | {} | {} |\n",
                markdown_cell(&e.file),
                e.line,
                markdown_cell(e.id.as_deref().unwrap_or("")),
                e.score,
                markdown_cell(e.category.as_deref().unwrap_or("")),
                markdown_cell(&e.text)
            ));
        }
    }
    md
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// "0.9123 ± 0.0100".
fn spread_text(s: &Spread) -> String {
    match (s.mean.is_finite(), s.standard_deviation.is_finite()) {
        (true, true) => format!("{:.4} ± {:.4}", s.mean, s.standard_deviation),
        (true, false) => format!("{:.4}", s.mean),
        _ => "n/a".to_owned(),
    }
}

/// "false-positive rate <= 1%: threshold 0.4210 (recall 0.8300, precision 0.9700)".
fn target_text(target: &FalsePositiveTarget) -> String {
    let budget = percent(target.max_false_positive_rate);
    match &target.point {
        Some(p) => format!(
            "false-positive rate <= {budget}: threshold {} (recall {}, precision {}, false-positive rate {})",
            threshold_cell(p.threshold),
            rate_cell(p.recall),
            rate_cell(p.precision),
            rate_cell(p.false_positive_rate)
        ),
        None => format!("false-positive rate <= {budget}: n/a (no negative rows)"),
    }
}

/// The calibration table (the non-empty probability bins) in one output's
/// format: its header, then one line per bin.
fn calibration_table(
    evaluation: &Evaluation,
    header: &str,
    line: impl Fn(&ReliabilityBin) -> String,
) -> String {
    let mut out = header.to_owned();
    for bin in evaluation.reliability.iter().filter(|b| b.rows > 0) {
        out.push_str(&line(bin));
    }
    out
}

/// A plain-text report. Text from the data (file names, labels,
/// categories, messages) has its control characters escaped.
pub fn to_text(evaluation: &Evaluation) -> String {
    let mut out = headline_text(evaluation);
    out.push_str(&operating_points_text(evaluation));
    out.push_str(&folds_text(evaluation));
    out.push_str(&calibration_table(
        evaluation,
        "calibration:     bin  rows  mean-predicted  observed\n",
        |b| {
            format!(
                "                 {:.1}-{:.1} {:>5}  {:>14.3}  {:>8.3}\n",
                b.low, b.high, b.rows, b.mean_predicted, b.observed
            )
        },
    ));
    out.push_str(&rates_text(evaluation));
    out.push_str(&worst_text(evaluation));
    out
}

/// Protocol, rows, threshold, [`Metric::HEADLINE`] and the confusion matrix.
fn headline_text(evaluation: &Evaluation) -> String {
    let s = &evaluation.summary;
    let c = s.confusion;
    let mut out = format!("protocol:        {}\n", safe(&evaluation.protocol));
    out.push_str(&format!(
        "rows:            {} ({} {}, {} {})\n",
        s.rows,
        c.tp + c.fn_,
        safe(&evaluation.positive_label),
        c.tn + c.fp,
        safe(evaluation.negative_label.as_deref().unwrap_or("other"))
    ));
    out.push_str(&format!(
        "threshold:       {}\n",
        evaluation.threshold_text()
    ));
    for metric in Metric::HEADLINE {
        let name = format!("{}:", metric.info().label);
        out.push_str(&format!("{name:<29}{}\n", metric.format_of(s)));
    }
    out.push_str("confusion:       truth\\pred  negative  positive\n");
    out.push_str(&format!(
        "                 negative   {:>8}  {:>8}\n",
        c.tn, c.fp
    ));
    out.push_str(&format!(
        "                 positive   {:>8}  {:>8}\n",
        c.fn_, c.tp
    ));
    out
}

/// The false-positive budgets' thresholds and the threshold table.
fn operating_points_text(evaluation: &Evaluation) -> String {
    let mut out = String::from("operating points:\n");
    for target in &evaluation.false_positive_targets {
        out.push_str(&format!("  {}\n", target_text(target)));
    }
    out.push_str(&format!(
        "  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  note\n",
        "threshold", "precision", "recall", "FPR", "flagged"
    ));
    for p in &evaluation.thresholds {
        out.push_str(&format!(
            "  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {}\n",
            threshold_cell(p.threshold),
            rate_cell(p.precision),
            rate_cell(p.recall),
            rate_cell(p.false_positive_rate),
            rate_cell(p.share_flagged),
            p.marks.join("; ")
        ));
    }
    out
}

/// Each fold's [`Metric::PER_FOLD_TERMINAL`] and the spread of every
/// per-fold metric; empty outside cross-validation.
fn folds_text(evaluation: &Evaluation) -> String {
    if evaluation.folds.is_empty() {
        return String::new();
    }
    let mut out = String::from("per fold:        fold  rows  threshold");
    for metric in Metric::PER_FOLD_TERMINAL {
        out.push_str(&format!("  {}", metric.info().abbreviation));
    }
    out.push('\n');
    for f in &evaluation.folds {
        out.push_str(&format!(
            "                 {}  {}  {}",
            f.fold,
            f.rows,
            threshold_cell(f.threshold)
        ));
        for metric in Metric::PER_FOLD_TERMINAL {
            out.push_str(&format!("  {}", metric.format_of(f)));
        }
        out.push('\n');
    }
    for spread in &evaluation.fold_spread {
        out.push_str(&format!(
            "                 {} mean ± sd: {}\n",
            spread.metric.replace('_', " "),
            spread_text(spread)
        ));
    }
    out
}

/// The per-category and per-file rates, each when there are rates.
fn rates_text(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    for (title, rates) in [
        ("per category:    category", &evaluation.categories),
        ("per file:        file", &evaluation.files),
    ] {
        if rates.is_empty() {
            continue;
        }
        out.push_str(&format!("{title}  rows  recall  false-positive-rate\n"));
        for r in rates {
            out.push_str(&format!(
                "                 {}  {}  {}  {}\n",
                safe(&r.category),
                r.rows,
                rate_cell(r.recall),
                rate_cell(r.false_positive_rate)
            ));
        }
    }
    out
}

/// The worst false positives and false negatives, texts cut to 100
/// characters on one line.
fn worst_text(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    for (title, list) in [
        ("worst false positives", &evaluation.worst_false_positives),
        ("worst false negatives", &evaluation.worst_false_negatives),
    ] {
        out.push_str(&format!("{title}:\n"));
        for e in list {
            let text: String = e
                .text
                .chars()
                .take(100)
                .collect::<String>()
                .replace(['\n', '\r'], " ");
            let id =
                e.id.as_deref()
                    .map_or(String::new(), |id| format!(" id {}", safe(id)));
            out.push_str(&format!(
                "  {}:{}{id}  {:.3}  {}  {}\n",
                safe(&e.file),
                e.line,
                e.score,
                safe(e.category.as_deref().unwrap_or("")),
                safe(&text)
            ));
        }
    }
    out
}

/// Width of every plot; the right part holds the legend, outside the data.
const PLOT_SIZE: (u32, u32) = (820, 500);
const LEGEND_WIDTH: u32 = 210;

fn font(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().into()
}

/// A legend entry: a marker drawn by `draw` and its text.
type LegendEntry = (
    Box<
        dyn Fn(
            &DrawingArea<SVGBackend, plotters::coord::Shift>,
            (i32, i32),
        ) -> std::result::Result<(), String>,
    >,
    String,
);

/// Draws `entries` top to bottom in `area` (the plot's right margin).
fn draw_legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    entries: &[LegendEntry],
) -> std::result::Result<(), String> {
    let mut y = 60;
    for (marker, text) in entries {
        marker(area, (14, y))?;
        // Long texts wrap at spaces into lines of ~26 characters.
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in text.split(' ') {
            if !line.is_empty() && line.chars().count() + word.chars().count() > 26 {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
        for l in lines {
            area.draw_text(
                &l,
                &font(13).pos(Pos::new(HPos::Left, VPos::Center)),
                (32, y),
            )
            .map_err(|e| e.to_string())?;
            y += 17;
        }
        y += 10;
    }
    Ok(())
}

fn line_marker(color: RGBColor, width: u32, dashed: bool) -> LegendEntry {
    (
        Box::new(move |area, (x, y)| {
            let style = color.stroke_width(width);
            if dashed {
                for k in 0..3 {
                    area.draw(&PathElement::new(
                        vec![(x - 8 + k * 7, y), (x - 4 + k * 7, y)],
                        style,
                    ))
                    .map_err(|e| e.to_string())?;
                }
                Ok(())
            } else {
                area.draw(&PathElement::new(vec![(x - 8, y), (x + 10, y)], style))
                    .map_err(|e| e.to_string())
            }
        }),
        String::new(),
    )
}

fn dot_marker(color: RGBColor, filled: bool) -> LegendEntry {
    (
        Box::new(move |area, (x, y)| {
            let style = if filled {
                color.filled()
            } else {
                color.stroke_width(2)
            };
            area.draw(&Circle::new((x, y), 6, style))
                .map_err(|e| e.to_string())
        }),
        String::new(),
    )
}

fn box_marker(color: RGBColor) -> LegendEntry {
    (
        Box::new(move |area, (x, y)| {
            area.draw(&Rectangle::new(
                [(x - 7, y - 6), (x + 7, y + 6)],
                color.mix(0.75).filled(),
            ))
            .map_err(|e| e.to_string())
        }),
        String::new(),
    )
}

fn with_text(mut entry: LegendEntry, text: String) -> LegendEntry {
    entry.1 = text;
    entry
}

/// The model's operating point: the pooled rates at the reported threshold.
fn own_point(evaluation: &Evaluation) -> Option<&OperatingPoint> {
    evaluation
        .thresholds
        .iter()
        .find(|p| p.threshold == evaluation.summary.threshold)
}

/// Smallest false-positive rate the ROC plot shows; smaller ones (0
/// included) are drawn at this edge.
const MIN_PLOTTED_FPR: f64 = 0.001;

fn draw_roc(path: &Path, evaluation: &Evaluation) -> Result<String> {
    let mut svg = String::new();
    draw_roc_inner(&mut svg, evaluation).map_err(|e| plot_error(path, e))?;
    Ok(svg)
}

/// The ROC plot's chart: log-scale false-positive rate, recall.
type RocChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    plotters::coord::cartesian::Cartesian2d<
        plotters::coord::combinators::LogCoord<f64>,
        plotters::coord::types::RangedCoordf64,
    >,
>;

fn draw_roc_inner(svg: &mut String, evaluation: &Evaluation) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (plot, legend) = root.split_horizontally(PLOT_SIZE.0 - LEGEND_WIDTH);
    let mut chart = roc_chart(&plot, evaluation)?;
    let mut legend_entries = vec![
        with_text(line_marker(BLUE_SAFE, 3, false), "ROC curve".into()),
        with_text(line_marker(GREY, 1, false), "chance".into()),
    ];
    draw_budget_lines(&mut chart, evaluation)?;
    let points: Vec<(f64, f64)> = evaluation
        .roc
        .iter()
        .map(|p| (p.fpr.max(MIN_PLOTTED_FPR), p.tpr))
        .collect();
    chart
        .draw_series(LineSeries::new(points, BLUE_SAFE.stroke_width(3)))
        .map_err(|e| err(&e))?;
    legend_entries.extend(draw_budget_points(&mut chart, evaluation)?);
    legend_entries.extend(draw_roc_own_point(&mut chart, evaluation)?);
    draw_legend(&legend, &legend_entries)?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The ROC plot's axes, caption and chance line.
fn roc_chart<'a, 'b>(
    plot: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    evaluation: &Evaluation,
) -> std::result::Result<RocChart<'a, 'b>, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut chart = ChartBuilder::on(plot)
        .caption(
            format!(
                "ROC curve (AUC {})",
                Metric::RocAuc.format_of(&evaluation.summary)
            ),
            font(22),
        )
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d((0.0009f64..1f64).log_scale(), 0f64..1.02f64)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("false-positive rate (log scale; 0 drawn at 0.001)")
        .y_desc("true-positive rate (recall)")
        .x_label_formatter(&|v| format!("{v}"))
        .label_style(font(13))
        .axis_desc_style(font(15))
        .draw()
        .map_err(|e| err(&e))?;
    // Chance: TPR = FPR.
    let chance: Vec<(f64, f64)> = (0..=30)
        .map(|i| 10f64.powf(-3.0 + 3.0 * f64::from(i) / 30.0))
        .map(|x| (x, x))
        .collect();
    chart
        .draw_series(LineSeries::new(chance, GREY.mix(0.6)))
        .map_err(|e| err(&e))?;
    Ok(chart)
}

/// Each false-positive budget: a dashed vertical line, labelled.
fn draw_budget_lines(
    chart: &mut RocChart<'_, '_>,
    evaluation: &Evaluation,
) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    for target in &evaluation.false_positive_targets {
        let x = target.max_false_positive_rate;
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, 1.02)],
                5,
                4,
                ORANGE.stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("FPR {}", percent(x)),
                (x * 1.08, 0.04),
                font(13).color(&ORANGE),
            )))
            .map_err(|e| err(&e))?;
    }
    Ok(())
}

/// The threshold reaching each budget, on the curve, with their legend
/// entries; budgets reached by the same threshold share one label.
fn draw_budget_points(
    chart: &mut RocChart<'_, '_>,
    evaluation: &Evaluation,
) -> std::result::Result<Vec<LegendEntry>, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut reached: Vec<(&OperatingPoint, Vec<String>)> = Vec::new();
    for target in &evaluation.false_positive_targets {
        if let Some(p) = &target.point {
            let budget = percent(target.max_false_positive_rate);
            match reached.iter_mut().find(|(q, _)| q.threshold == p.threshold) {
                Some((_, names)) => names.push(budget),
                None => reached.push((p, vec![budget])),
            }
        }
    }
    let mut legend_entries = Vec::new();
    for (p, names) in &reached {
        let at = (
            p.false_positive_rate.unwrap_or(0.0).max(MIN_PLOTTED_FPR),
            p.recall.unwrap_or(0.0),
        );
        chart
            .draw_series(std::iter::once(Circle::new(at, 6, ORANGE.filled())))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("{}: recall {}", names.join(", "), rate_cell(p.recall)),
                (at.0 * 1.1, (at.1 - 0.06).max(0.08)),
                font(13),
            )))
            .map_err(|e| err(&e))?;
        legend_entries.push(with_text(
            dot_marker(ORANGE, true),
            format!(
                "FPR <= {}: threshold {}, recall {}",
                names.join(" and "),
                threshold_cell(p.threshold),
                rate_cell(p.recall)
            ),
        ));
    }
    Ok(legend_entries)
}

/// The model's operating point on the ROC curve, with its legend entry.
fn draw_roc_own_point(
    chart: &mut RocChart<'_, '_>,
    evaluation: &Evaluation,
) -> std::result::Result<Option<LegendEntry>, String> {
    let Some(own) = own_point(evaluation) else {
        return Ok(None);
    };
    let at = (
        own.false_positive_rate.unwrap_or(0.0).max(MIN_PLOTTED_FPR),
        own.recall.unwrap_or(0.0),
    );
    chart
        .draw_series(std::iter::once(Circle::new(
            at,
            7,
            VERMILION.stroke_width(3),
        )))
        .map_err(|e| e.to_string())?;
    Ok(Some(with_text(
        dot_marker(VERMILION, false),
        format!(
            "operating point: threshold {}, FPR {}, recall {}",
            threshold_cell(own.threshold),
            rate_cell(own.false_positive_rate),
            rate_cell(own.recall)
        ),
    )))
}

fn draw_pr(path: &Path, evaluation: &Evaluation) -> Result<String> {
    let mut svg = String::new();
    draw_pr_inner(&mut svg, evaluation).map_err(|e| plot_error(path, e))?;
    Ok(svg)
}

fn draw_pr_inner(svg: &mut String, evaluation: &Evaluation) -> std::result::Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (plot, legend) = root.split_horizontally(PLOT_SIZE.0 - LEGEND_WIDTH);
    let mut chart = ChartBuilder::on(&plot)
        .caption(
            format!(
                "Precision–recall curve (AP {})",
                Metric::AveragePrecision.format_of(&evaluation.summary)
            ),
            font(22),
        )
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("recall")
        .y_desc("precision")
        .label_style(font(13))
        .axis_desc_style(font(15))
        .draw()
        .map_err(|e| err(&e))?;
    let rows = evaluation.truth.len().max(1) as f64;
    let prevalence = evaluation.truth.iter().filter(|&&t| t).count() as f64 / rows;
    chart
        .draw_series(DashedLineSeries::new(
            vec![(0.0, prevalence), (1.0, prevalence)],
            6,
            4,
            GREY.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
    let points: Vec<(f64, f64)> = evaluation
        .roc
        .iter()
        .skip(1)
        .map(|p| (p.tpr, p.precision))
        .collect();
    chart
        .draw_series(LineSeries::new(points, BLUE_SAFE.stroke_width(3)))
        .map_err(|e| err(&e))?;
    let mut legend_entries = vec![
        with_text(
            line_marker(BLUE_SAFE, 3, false),
            "precision–recall curve".into(),
        ),
        with_text(
            line_marker(GREY, 2, true),
            format!(
                "baseline: share of {} {prevalence:.3}",
                evaluation.positive_label
            ),
        ),
    ];
    if let Some(own) = own_point(evaluation)
        && let (Some(r), Some(p)) = (own.recall, own.precision)
    {
        chart
            .draw_series(std::iter::once(Circle::new(
                (r, p),
                7,
                VERMILION.stroke_width(3),
            )))
            .map_err(|e| err(&e))?;
        legend_entries.push(with_text(
            dot_marker(VERMILION, false),
            format!(
                "operating point: threshold {}, recall {r:.4}, precision {p:.4}",
                threshold_cell(own.threshold)
            ),
        ));
    }
    draw_legend(&legend, &legend_entries)?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

fn draw_histogram(path: &Path, evaluation: &Evaluation) -> Result<String> {
    let mut svg = String::new();
    draw_histogram_inner(&mut svg, evaluation).map_err(|e| plot_error(path, e))?;
    Ok(svg)
}

fn draw_histogram_inner(
    svg: &mut String,
    evaluation: &Evaluation,
) -> std::result::Result<(), String> {
    const BINS: usize = 20;
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut counts = [[0u32; BINS]; 2];
    for (&t, &s) in evaluation.truth.iter().zip(&evaluation.scores) {
        let b = ((s * BINS as f64) as usize).min(BINS - 1);
        counts[usize::from(t)][b] += 1;
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let root = SVGBackend::with_string(svg, PLOT_SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (plot, legend) = root.split_horizontally(PLOT_SIZE.0 - LEGEND_WIDTH);
    let mut chart = ChartBuilder::on(&plot)
        .caption("Scores per true label", font(22))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..1f64, 0u32..(max + max / 10 + 1))
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(format!("P({})", evaluation.positive_label))
        .y_desc("messages")
        .label_style(font(13))
        .axis_desc_style(font(15))
        .draw()
        .map_err(|e| err(&e))?;
    let width = 1.0 / BINS as f64;
    let negative_name = evaluation
        .negative_label
        .clone()
        .unwrap_or_else(|| format!("not {}", evaluation.positive_label));
    let mut legend_entries = Vec::new();
    for (class, color, name) in [
        (0usize, BLUE_SAFE, negative_name),
        (1, VERMILION, evaluation.positive_label.clone()),
    ] {
        let bars = (0..BINS).map(move |b| {
            let x0 = b as f64 * width + if class == 1 { width / 2.0 } else { 0.0 };
            Rectangle::new(
                [(x0, 0), (x0 + width / 2.0, counts[class][b])],
                color.mix(0.75).filled(),
            )
        });
        chart.draw_series(bars).map_err(|e| err(&e))?;
        let n: u32 = counts[class].iter().sum();
        legend_entries.push(with_text(
            box_marker(color),
            format!("{name} ({n} messages)"),
        ));
    }
    let t = evaluation.summary.threshold;
    if (0.0..=1.0).contains(&t) {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(t, 0), (t, max + max / 10 + 1)],
                6,
                4,
                BLACK.stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
        legend_entries.push(with_text(
            line_marker(BLACK, 2, true),
            format!("threshold {}", threshold_cell(t)),
        ));
    }
    draw_legend(&legend, &legend_entries)?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
