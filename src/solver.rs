//! L2-regularized logistic regression fitting.
//!
//! The objective is linfa-logistic's, exactly:
//! `Σᵢ log(1 + exp(−yᵢ(w·xᵢ + b))) + α/2 ‖w‖²` with yᵢ ∈ {−1, +1}, the
//! intercept unpenalized, minimized by L-BFGS (10 corrections) with a
//! More–Thuente line search from argmin, starting at zero.
//!
//! Two trainers minimize it:
//! - [`Solver::Sparse`] (default) keeps the messages in a compressed sparse
//!   row matrix and evaluates the loss in parallel over fixed row blocks,
//!   summed in block order, and the gradient column by column over a
//!   transposed copy with the same block partial sums, so that the result
//!   does not depend on the number of threads. It scales to tens of
//!   thousands of messages.
//! - [`Solver::Linfa`] hands a dense matrix to `linfa-logistic`, the
//!   reference implementation. Dense rows cost messages × features × 8 bytes,
//!   so it is only practical for small corpora; a test checks that both give
//!   the same weights.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use linfa::prelude::*;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::SparseRow;

/// The parallel loss evaluation splits the rows into at most this many
/// blocks of at least [`MIN_BLOCK_ROWS`] rows. The split depends only on the
/// number of rows, so partial sums are always added in the same order,
/// whatever the number of threads.
const MAX_BLOCKS: usize = 16;
const MIN_BLOCK_ROWS: usize = 1024;

/// Which trainer fits the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// Sparse L-BFGS on argmin (this crate).
    #[default]
    Sparse,
    /// linfa-logistic on a dense matrix (reference; small data only).
    Linfa,
}

impl Solver {
    /// Every solver with its name: the one spelling the command line, the
    /// model header (serde's lowercase names, checked by a test) and the
    /// Python binding use.
    pub const NAMES: [(Solver, &'static str); 2] =
        [(Solver::Sparse, "sparse"), (Solver::Linfa, "linfa")];

    /// The solver's name.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(solver, _)| *solver == self)
            .map_or("", |(_, name)| name)
    }
}

impl std::fmt::Display for Solver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Solver {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Self::NAMES
            .iter()
            .find(|(_, name)| *name == s)
            .map(|(solver, _)| *solver)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::NAMES.iter().map(|(_, name)| *name).collect();
                format!("unknown solver {s:?} ({})", names.join(" or "))
            })
    }
}

/// Hyperparameters of the fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitParams {
    /// L2 strength α (linfa's `alpha`).
    pub alpha: f64,
    /// Maximum L-BFGS iterations.
    pub max_iterations: u64,
    /// Stop when the norm of the gradient, divided by the number of
    /// training rows, falls below this (a tolerance on the mean loss, so the
    /// same value suits small and large corpora).
    pub gradient_tolerance: f64,
    /// Which trainer to use.
    pub solver: Solver,
}

impl Default for FitParams {
    fn default() -> Self {
        FitParams {
            alpha: 0.05,
            max_iterations: 500,
            gradient_tolerance: 1e-4,
            solver: Solver::Sparse,
        }
    }
}

impl FitParams {
    /// Checks the hyperparameters (the one place they are checked; every
    /// fit and every entry point calls it, through `TrainOptions::check`).
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting and its flag.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::Config(format!(
                "alpha (--alpha) must be finite and >= 0, got {}",
                self.alpha
            )));
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return Err(Error::Config(format!(
                "the gradient tolerance (--tol) must be finite and > 0, got {}",
                self.gradient_tolerance
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::Config(
                "max iterations (--max-iter) must be at least 1, got 0".into(),
            ));
        }
        Ok(())
    }
}

/// Fitted weights, oriented so that a positive logit means the positive label.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedWeights {
    /// One weight per feature column.
    pub weights: Vec<f64>,
    /// The intercept b.
    pub intercept: f64,
    /// L-BFGS iterations used.
    pub iterations: u64,
    /// False if the optimizer stopped at `max_iterations` before converging.
    pub converged: bool,
}

/// Messages as a compressed sparse row matrix.
#[derive(Debug, Clone, Default)]
pub struct CsrMatrix {
    row_starts: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f64>,
    n_columns: usize,
}

impl CsrMatrix {
    /// An empty matrix with `n_columns` columns.
    pub fn new(n_columns: usize) -> Self {
        CsrMatrix {
            row_starts: vec![0],
            columns: Vec::new(),
            values: Vec::new(),
            n_columns,
        }
    }

    /// Appends a row.
    pub fn push_row(&mut self, row: &SparseRow) {
        self.columns.extend_from_slice(&row.columns);
        self.values.extend_from_slice(&row.values);
        self.row_starts.push(self.columns.len());
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.row_starts.len() - 1
    }

    fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let range = self.row_starts[i]..self.row_starts[i + 1];
        (&self.columns[range.clone()], &self.values[range])
    }

    /// `coef · row i`, summed in column order (the order the bit-for-bit
    /// gradient tests rely on).
    fn row_dot(&self, i: usize, coef: &[f64]) -> f64 {
        let (columns, values) = self.row(i);
        columns
            .iter()
            .zip(values)
            .map(|(&c, &v)| coef[c as usize] * v)
            .sum()
    }

    /// The dense equivalent (for the linfa reference trainer).
    pub fn to_dense(&self) -> Array2<f64> {
        let mut dense = Array2::zeros((self.n_rows(), self.n_columns));
        for i in 0..self.n_rows() {
            let (columns, values) = self.row(i);
            for (&c, &v) in columns.iter().zip(values) {
                dense[[i, c as usize]] = v;
            }
        }
        dense
    }
}

/// Fits weights for rows `x` with targets `positive[i]` (true = positive label).
///
/// # Errors
/// [`Error::Config`] for bad hyperparameters or mismatched lengths;
/// [`Error::Training`] if the optimizer fails or both classes are not present.
#[cfg(test)]
pub fn fit(x: &CsrMatrix, positive: &[bool], params: &FitParams) -> Result<FittedWeights> {
    fit_weighted(x, positive, None, params)
}

/// Like [`fit`], with a weight per row: row i's loss term is multiplied by
/// `sample_weights[i]` (so a weight of 2 counts the row twice). `None` is
/// unit weights, linfa-logistic's objective exactly.
///
/// # Errors
/// As [`fit`]; also [`Error::Config`] for a negative or non-finite weight, a
/// length mismatch, or weights with the linfa solver (which takes none).
pub fn fit_weighted(
    x: &CsrMatrix,
    positive: &[bool],
    sample_weights: Option<&[f64]>,
    params: &FitParams,
) -> Result<FittedWeights> {
    if let Some(w) = sample_weights {
        if w.len() != positive.len() {
            return Err(Error::Config(format!(
                "{} sample weights for {} rows",
                w.len(),
                positive.len()
            )));
        }
        if w.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::Config(
                "sample weights must be finite and >= 0".into(),
            ));
        }
    }
    let sample_weights = sample_weights.filter(|w| w.iter().any(|&v| v != 1.0));
    if x.n_rows() != positive.len() {
        return Err(Error::Config(format!(
            "{} rows but {} targets",
            x.n_rows(),
            positive.len()
        )));
    }
    params.check()?;
    if positive.iter().all(|&p| p) || positive.iter().all(|&p| !p) {
        return Err(Error::Training("both classes must be present".into()));
    }
    match (params.solver, sample_weights) {
        (Solver::Sparse, weights) => fit_sparse(x, positive, weights, params),
        (Solver::Linfa, None) => fit_linfa(x, positive, params),
        (Solver::Linfa, Some(_)) => Err(Error::Config(
            "the linfa solver takes no sample weights (use the sparse solver)".into(),
        )),
    }
}

/// A point with its loss and gradient.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

/// The loss and its gradient over a sparse matrix, cached for the last point
/// (argmin asks for cost and gradient separately at the same point).
struct SparseProblem<'a> {
    x: &'a CsrMatrix,
    /// `x` by column, for the gradient.
    columns: CscMatrix,
    y: Vec<f64>,
    /// Per-row loss weights; `None` is all ones.
    sample_weights: Option<&'a [f64]>,
    alpha: f64,
    cache: RefCell<Option<Evaluated>>,
}

/// log(1 + exp(−t)), computed without overflow: the reference that
/// [`loss_and_sigmoid`] is tested against.
#[cfg(test)]
fn log1p_exp_neg(t: f64) -> f64 {
    if t > 0.0 {
        (-t).exp().ln_1p()
    } else {
        -t + t.exp().ln_1p()
    }
}

/// The loss term log(1 + exp(−t)) and [`sigmoid`]`(t)`, without overflow,
/// from one exponential (both need e^−|t|); a test checks both bit for bit
/// against the two computed apart.
fn loss_and_sigmoid(t: f64) -> (f64, f64) {
    if t > 0.0 {
        let e = (-t).exp();
        (e.ln_1p(), 1.0 / (1.0 + e))
    } else {
        let e = t.exp();
        let probability = if t >= 0.0 {
            1.0 / (1.0 + e)
        } else {
            e / (1.0 + e)
        };
        (-t + e.ln_1p(), probability)
    }
}

/// sigmoid(t) = 1 / (1 + e^−t), without overflow.
pub fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

impl SparseProblem<'_> {
    fn evaluate(&self, w: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Some((point, cost, grad)) = self.cache.borrow().as_ref()
            && point == w
        {
            return (*cost, grad.clone());
        }
        let n_features = self.x.n_columns;
        let weights = w.as_slice().expect("parameters are contiguous");
        let (coef, intercept) = (&weights[..n_features], weights[n_features]);
        let block_rows = block_rows(self.x.n_rows());
        let (block_partials, scales) = self.row_pass(coef, intercept, block_rows);
        // The penalty first, then each block's loss in block order: the
        // order in which the sums have always been added.
        let mut loss = 0.5 * self.alpha * coef.iter().map(|c| c * c).sum::<f64>();
        let mut intercept_grad = 0.0;
        for (block_loss, block_intercept) in block_partials {
            loss += block_loss;
            intercept_grad += block_intercept;
        }
        let columns = &self.columns;
        let mut grad = vec![0.0; n_features + 1];
        grad[..n_features]
            .par_chunks_mut(COLUMN_CHUNK)
            .enumerate()
            .for_each(|(chunk, out)| {
                for (offset, g) in out.iter_mut().enumerate() {
                    *g = columns.column_sum(chunk * COLUMN_CHUNK + offset, &scales, block_rows);
                }
            });
        grad[n_features] = intercept_grad;
        for (g, c) in grad.iter_mut().zip(coef) {
            *g += self.alpha * c;
        }
        let grad = Array1::from_vec(grad);
        *self.cache.borrow_mut() = Some((w.clone(), loss, grad.clone()));
        (loss, grad)
    }

    /// Each row's loss term and gradient scale, in parallel over fixed row
    /// blocks. Returns each block's loss and intercept gradient, in block
    /// order, and every row's scale.
    fn row_pass(
        &self,
        coef: &[f64],
        intercept: f64,
        block_rows: usize,
    ) -> (Vec<(f64, f64)>, Vec<f64>) {
        let (x, y, sample_weights) = (self.x, &self.y, self.sample_weights);
        let mut scales = vec![0.0; x.n_rows()];
        let partials: Vec<(f64, f64)> = scales
            .par_chunks_mut(block_rows)
            .enumerate()
            .map(|(block, out)| {
                let (mut loss, mut intercept_grad) = (0.0, 0.0);
                for (offset, scale_out) in out.iter_mut().enumerate() {
                    let i = block * block_rows + offset;
                    let z = intercept + x.row_dot(i, coef);
                    let yz = y[i] * z;
                    let weight = sample_weights.map_or(1.0, |w| w[i]);
                    let (row_loss, probability) = loss_and_sigmoid(yz);
                    loss += weight * row_loss;
                    let scale = weight * (probability - 1.0) * y[i];
                    *scale_out = scale;
                    intercept_grad += scale;
                }
                (loss, intercept_grad)
            })
            .collect();
        (partials, scales)
    }
}

/// Rows per block of the parallel loss evaluation: the split depends only on
/// the number of rows (see [`MAX_BLOCKS`]).
fn block_rows(n_rows: usize) -> usize {
    n_rows.div_ceil(MAX_BLOCKS).max(MIN_BLOCK_ROWS)
}

/// Columns per task of the gradient's column pass.
const COLUMN_CHUNK: usize = 4096;

/// The training matrix by column: each column's rows (ascending) and values.
/// The gradient is `Xᵀ·scales`; reading it column by column writes each
/// gradient entry once, where adding row by row needed one dense partial
/// gradient per block (16 × features × 8 bytes zeroed and summed at every
/// evaluation).
struct CscMatrix {
    column_starts: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f64>,
}

impl CscMatrix {
    fn transpose(x: &CsrMatrix) -> Self {
        let mut column_starts = vec![0usize; x.n_columns + 1];
        for &c in &x.columns {
            column_starts[c as usize + 1] += 1;
        }
        for c in 0..x.n_columns {
            column_starts[c + 1] += column_starts[c];
        }
        let mut next = column_starts.clone();
        let mut rows = vec![0u32; x.columns.len()];
        let mut values = vec![0.0; x.values.len()];
        for i in 0..x.n_rows() {
            let (columns, row_values) = x.row(i);
            for (&c, &v) in columns.iter().zip(row_values) {
                let slot = &mut next[c as usize];
                rows[*slot] = u32::try_from(i).expect("fewer than 2^32 rows");
                values[*slot] = v;
                *slot += 1;
            }
        }
        CscMatrix {
            column_starts,
            rows,
            values,
        }
    }

    /// Σ scales[i]·x[i][column], added exactly as the row-block evaluation
    /// adds it: a partial sum per block of rows, the partials added in block
    /// order (a block without the column adds 0.0, which changes nothing),
    /// so the weights are bit for bit those of the row-wise sum.
    fn column_sum(&self, column: usize, scales: &[f64], block_rows: usize) -> f64 {
        let range = self.column_starts[column]..self.column_starts[column + 1];
        let (mut total, mut partial) = (0.0, 0.0);
        // Rows ascend, so a new block starts when a row reaches the end of
        // the current one: one division per block, not per entry.
        let (mut block_end, mut started) = (0, false);
        for (&row, &v) in self.rows[range.clone()].iter().zip(&self.values[range]) {
            let row = row as usize;
            if row >= block_end {
                if started {
                    total += partial;
                }
                partial = 0.0;
                started = true;
                block_end = (row / block_rows + 1) * block_rows;
            }
            partial += scales[row] * v;
        }
        if started {
            total += partial;
        }
        total
    }
}

impl CostFunction for SparseProblem<'_> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, w: &Self::Param) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(w).0)
    }
}

impl Gradient for SparseProblem<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(&self, w: &Self::Param) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(w).1)
    }
}

/// The gradient-norm tolerance on the summed loss that the optimizers use.
fn absolute_tolerance(params: &FitParams, rows: f64) -> f64 {
    params.gradient_tolerance * rows.max(1.0)
}

fn fit_sparse(
    x: &CsrMatrix,
    positive: &[bool],
    sample_weights: Option<&[f64]>,
    params: &FitParams,
) -> Result<FittedWeights> {
    let problem = SparseProblem {
        x,
        columns: CscMatrix::transpose(x),
        sample_weights,
        y: positive
            .iter()
            .map(|&p| if p { 1.0 } else { -1.0 })
            .collect(),
        alpha: params.alpha,
        cache: RefCell::new(None),
    };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 10)
        .with_tolerance_grad(absolute_tolerance(
            params,
            // Weighted rows count as their weight.
            sample_weights.map_or(x.n_rows() as f64, |w| w.iter().sum()),
        ))
        .map_err(|err| Error::Config(err.to_string()))?;
    let init = Array1::zeros(x.n_columns + 1);
    let result = Executor::new(problem, solver)
        .configure(|state| state.param(init).max_iters(params.max_iterations))
        .run()
        .map_err(|err| Error::Training(err.to_string()))?;
    let state = result.state();
    let iterations = state.get_iter();
    let converged = !matches!(
        state.get_termination_status(),
        TerminationStatus::Terminated(TerminationReason::MaxItersReached)
    );
    let best = state
        .get_best_param()
        .cloned()
        .ok_or_else(|| Error::Training("the optimizer returned no parameters".into()))?;
    let mut weights = best.to_vec();
    let intercept = weights.pop().unwrap_or(0.0);
    Ok(FittedWeights {
        weights,
        intercept,
        iterations,
        converged,
    })
}

fn fit_linfa(x: &CsrMatrix, positive: &[bool], params: &FitParams) -> Result<FittedWeights> {
    let dense = x.to_dense();
    let targets: Array1<&str> = positive
        .iter()
        .map(|&p| if p { "pos" } else { "neg" })
        .collect();
    let dataset = Dataset::new(dense, targets);
    let fitted = linfa_logistic::LogisticRegression::default()
        .alpha(params.alpha)
        .max_iterations(params.max_iterations)
        .gradient_tolerance(absolute_tolerance(params, x.n_rows() as f64))
        .fit(&dataset)
        .map_err(|err| Error::Training(err.to_string()))?;
    // linfa-logistic 0.8.1 makes the *more frequent* label its positive
    // class; flip the sign when that is not ours.
    let sign = if fitted.labels().pos.class == "pos" {
        1.0
    } else {
        -1.0
    };
    Ok(FittedWeights {
        weights: fitted.params().iter().map(|w| sign * w).collect(),
        intercept: sign * fitted.intercept(),
        iterations: params.max_iterations,
        converged: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solver_names_are_one_table() {
        for (solver, name) in Solver::NAMES {
            assert_eq!(solver.to_string(), name);
            assert_eq!(name.parse::<Solver>(), Ok(solver));
            assert_eq!(
                serde_json::to_string(&solver).unwrap(),
                format!("\"{name}\"")
            );
        }
        assert_eq!(
            "dense".parse::<Solver>(),
            Err("unknown solver \"dense\" (sparse or linfa)".to_owned())
        );
    }

    /// A seeded, medium-sized random sparse problem with some signal.
    fn synthetic(rows: usize, cols: usize, seed: u64) -> (CsrMatrix, Vec<bool>) {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let truth: Vec<f64> = (0..cols).map(|_| next() * 4.0 - 2.0).collect();
        let mut x = CsrMatrix::new(cols);
        let mut y = Vec::new();
        for _ in 0..rows {
            let mut row = SparseRow::new();
            for c in 0..cols {
                if next() < 0.1 {
                    row.columns.push(c as u32);
                    row.values.push(next());
                }
            }
            let z: f64 = row.dot(&truth) + next() - 0.8;
            y.push(z > 0.0);
            x.push_row(&row);
        }
        (x, y)
    }

    #[test]
    fn sparse_solver_matches_linfa_logistic() {
        let (x, y) = synthetic(600, 80, 7);
        let tight = FitParams {
            alpha: 1.0,
            gradient_tolerance: 1e-8,
            max_iterations: 1000,
            ..Default::default()
        };
        let with = |solver| {
            fit(
                &x,
                &y,
                &FitParams {
                    solver,
                    ..tight.clone()
                },
            )
            .unwrap()
        };
        let (ours, reference) = (with(Solver::Sparse), with(Solver::Linfa));
        assert!(ours.converged);
        for (a, b) in ours.weights.iter().zip(&reference.weights) {
            assert!((a - b).abs() < 1e-5, "weight {a} vs linfa {b}");
        }
        assert!((ours.intercept - reference.intercept).abs() < 1e-5);
    }

    /// Scores from the sparse weights equal linfa-logistic's own
    /// `predict_probabilities` for the label it calls positive.
    #[test]
    fn sparse_scores_equal_linfa_predict_probabilities() {
        let (x, y) = synthetic(2000, 150, 11);
        let params = FitParams {
            alpha: 0.5,
            gradient_tolerance: 1e-9,
            max_iterations: 2000,
            ..Default::default()
        };
        let ours = fit(&x, &y, &params).unwrap();
        let targets: Array1<&str> = y
            .iter()
            .map(|&p| if p { "scam" } else { "legit" })
            .collect();
        let dense = x.to_dense();
        let linfa_model = linfa_logistic::LogisticRegression::default()
            .alpha(0.5)
            .max_iterations(2000)
            .gradient_tolerance(1e-9 * 2000.0)
            .fit(&Dataset::new(dense.clone(), targets))
            .unwrap();
        let linfa_p = linfa_model.predict_probabilities(&dense);
        let linfa_is_scam = linfa_model.labels().pos.class == "scam";
        let mut worst: f64 = 0.0;
        for i in 0..x.n_rows() {
            let (columns, values) = x.row(i);
            let logit = ours.intercept
                + columns
                    .iter()
                    .zip(values)
                    .map(|(&c, &v)| ours.weights[c as usize] * v)
                    .sum::<f64>();
            let p_scam = sigmoid(logit);
            let reference = if linfa_is_scam {
                linfa_p[i]
            } else {
                1.0 - linfa_p[i]
            };
            worst = worst.max((p_scam - reference).abs());
        }
        assert!(worst < 1e-6, "largest probability difference {worst}");
    }

    #[test]
    fn orientation_does_not_depend_on_which_label_is_more_frequent() {
        let (x, y) = synthetic(300, 30, 3);
        let flipped: Vec<bool> = y.iter().map(|p| !p).collect();
        let params = FitParams {
            gradient_tolerance: 1e-9,
            max_iterations: 1000,
            ..Default::default()
        };
        for solver in [Solver::Sparse, Solver::Linfa] {
            let a = fit(
                &x,
                &y,
                &FitParams {
                    solver,
                    ..params.clone()
                },
            )
            .unwrap();
            let b = fit(
                &x,
                &flipped,
                &FitParams {
                    solver,
                    ..params.clone()
                },
            )
            .unwrap();
            for (wa, wb) in a.weights.iter().zip(&b.weights) {
                assert!((wa + wb).abs() < 1e-5, "{solver:?}: {wa} vs {wb}");
            }
        }
    }

    #[test]
    fn hitting_max_iterations_is_reported() {
        let (x, y) = synthetic(200, 40, 1);
        let params = FitParams {
            max_iterations: 2,
            gradient_tolerance: 1e-12,
            ..Default::default()
        };
        assert!(!fit(&x, &y, &params).unwrap().converged);
    }

    #[test]
    fn rejects_bad_inputs() {
        let (x, y) = synthetic(50, 5, 2);
        assert!(fit(&x, &y[..10], &FitParams::default()).is_err());
        assert!(fit(&x, &[true; 50], &FitParams::default()).is_err());
        assert!(
            fit(
                &x,
                &y,
                &FitParams {
                    alpha: f64::NAN,
                    ..Default::default()
                }
            )
            .is_err()
        );
    }

    /// The gradient as the row-block evaluation used to add it: one dense
    /// partial gradient per block, the partials added in block order.
    fn row_wise_gradient(problem: &SparseProblem<'_>, w: &Array1<f64>) -> Vec<f64> {
        let n_features = problem.x.n_columns;
        let weights = w.as_slice().unwrap();
        let (coef, intercept) = (&weights[..n_features], weights[n_features]);
        let block_rows = block_rows(problem.x.n_rows());
        let mut total = vec![0.0; n_features + 1];
        for start in (0..problem.x.n_rows()).step_by(block_rows) {
            let mut partial = vec![0.0; n_features + 1];
            for i in start..(start + block_rows).min(problem.x.n_rows()) {
                let (columns, values) = problem.x.row(i);
                let z = intercept + problem.x.row_dot(i, coef);
                let yz = problem.y[i] * z;
                let weight = problem.sample_weights.map_or(1.0, |w| w[i]);
                let scale = weight * (sigmoid(yz) - 1.0) * problem.y[i];
                for (&c, &v) in columns.iter().zip(values) {
                    partial[c as usize] += scale * v;
                }
                partial[n_features] += scale;
            }
            total.iter_mut().zip(&partial).for_each(|(t, p)| *t += p);
        }
        for (g, c) in total.iter_mut().zip(coef) {
            *g += problem.alpha * c;
        }
        total
    }

    #[test]
    fn one_exponential_gives_the_loss_and_sigmoid_bit_for_bit() {
        let points = [
            -800.0, -30.0, -1.5, -1e-300, -0.0, 0.0, 1e-300, 0.7, 30.0, 800.0,
        ];
        for t in points {
            let (loss, probability) = loss_and_sigmoid(t);
            assert_eq!(loss.to_bits(), log1p_exp_neg(t).to_bits(), "loss at {t}");
            assert_eq!(
                probability.to_bits(),
                sigmoid(t).to_bits(),
                "sigmoid at {t}"
            );
        }
    }

    #[test]
    fn column_gradient_equals_row_block_gradient_bit_for_bit() {
        // Over 1024 rows per block and several blocks, with sample weights.
        let (x, y) = synthetic(5000, 300, 11);
        let weights: Vec<f64> = (0..5000).map(|i| 1.0 + (i % 3) as f64).collect();
        let problem = SparseProblem {
            x: &x,
            columns: CscMatrix::transpose(&x),
            y: y.iter().map(|&p| if p { 1.0 } else { -1.0 }).collect(),
            sample_weights: Some(&weights),
            alpha: 0.7,
            cache: RefCell::new(None),
        };
        assert!(x.n_rows() / block_rows(x.n_rows()) >= 4);
        let w = Array1::from_iter((0..=300).map(|j| ((j * 37 % 101) as f64 - 50.0) / 40.0));
        let (_, grad) = problem.evaluate(&w);
        let reference = row_wise_gradient(&problem, &w);
        let differing = grad
            .iter()
            .zip(&reference)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(
            differing,
            0,
            "{differing} of {} entries differ",
            reference.len()
        );
    }

    #[test]
    fn result_does_not_depend_on_thread_count() {
        let (x, y) = synthetic(3000, 50, 9);
        let params = FitParams::default();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| fit(&x, &y, &params))
            .unwrap();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| fit(&x, &y, &params))
            .unwrap();
        assert_eq!(one, two);
    }

    #[test]
    fn a_weight_of_two_equals_a_duplicated_row() {
        let (x, y) = synthetic(300, 20, 4);
        // Duplicate the first 100 rows ...
        let mut doubled = CsrMatrix::new(20);
        let mut y_doubled = y.clone();
        let mut row = SparseRow::new();
        for i in 0..300 {
            let (columns, values) = x.row(i);
            row.columns = columns.to_vec();
            row.values = values.to_vec();
            doubled.push_row(&row);
        }
        for (i, &target) in y.iter().enumerate().take(100) {
            let (columns, values) = x.row(i);
            row.columns = columns.to_vec();
            row.values = values.to_vec();
            doubled.push_row(&row);
            y_doubled.push(target);
        }
        // ... or weigh them 2.
        let weights: Vec<f64> = (0..300).map(|i| if i < 100 { 2.0 } else { 1.0 }).collect();
        let params = FitParams {
            gradient_tolerance: 1e-9,
            ..FitParams::default()
        };
        let a = fit(&doubled, &y_doubled, &params).unwrap();
        let b = fit_weighted(&x, &y, Some(&weights), &params).unwrap();
        for (wa, wb) in a.weights.iter().zip(&b.weights) {
            assert!((wa - wb).abs() < 1e-5, "{wa} vs {wb}");
        }
        assert!((a.intercept - b.intercept).abs() < 1e-5);
        // Unit weights are the unweighted objective exactly.
        let ones = vec![1.0; 300];
        assert_eq!(
            fit_weighted(&x, &y, Some(&ones), &params).unwrap(),
            fit(&x, &y, &params).unwrap()
        );
        assert!(fit_weighted(&x, &y, Some(&[-1.0; 300]), &params).is_err());
        let linfa = FitParams {
            solver: Solver::Linfa,
            ..params
        };
        assert!(fit_weighted(&x, &y, Some(&weights), &linfa).is_err());
    }
}
