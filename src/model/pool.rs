//! Scoring in parallel: one [`Scorer`] per worker thread, reused across calls.
//! [`ScorerPool`] borrows the model and runs on the current rayon pool;
//! [`OwnedScorerPool`] owns both, for holders that cannot keep a borrow
//! (a Python object, a server's state).

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::fitted::{Model, Score, Scorer};
use crate::error::{Error, Result};
use crate::features::{Extractor, SparseRow};

/// One scorer per rayon thread (each with its own tokenizer worker and
/// buffers), so that scoring many messages allocates nothing per message.
/// Each thread locks only its own slot, so the locks are never contended.
pub struct ScorerPool<'m> {
    scorers: Vec<Mutex<Scorer<'m>>>,
}

impl<'m> ScorerPool<'m> {
    /// A scorer for each thread of the current rayon pool.
    ///
    /// # Errors
    /// Fails if the dictionary cannot be loaded.
    pub fn new(model: &'m Model) -> Result<Self> {
        let scorers = (0..rayon::current_num_threads())
            .map(|_| model.scorer().map(Mutex::new))
            .collect::<Result<_>>()?;
        Ok(ScorerPool { scorers })
    }

    /// `score(scorer, item)` for every item, in parallel, results in order.
    ///
    /// # Errors
    /// The first error `score` returns.
    pub fn map<T: Sync, R: Send>(
        &self,
        items: &[T],
        score: impl Fn(&mut Scorer<'m>, &T) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        items
            .par_iter()
            .map(|item| {
                let slot = rayon::current_thread_index().unwrap_or(0) % self.scorers.len();
                let mut scorer = self.scorers[slot]
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                score(&mut scorer, item)
            })
            .collect()
    }

    /// P(positive) of every text, in order.
    ///
    /// # Errors
    /// Tokenizer failure.
    pub fn probabilities(&self, texts: &[String]) -> Result<Vec<f64>> {
        self.map(texts, |scorer, text| Ok(scorer.score(text)?.probability))
    }
}

/// A scorer's buffers without its borrow of the model: what an
/// [`OwnedScorerPool`] keeps between calls.
struct ScorerBuffers {
    extractor: Extractor,
    row: SparseRow,
}

/// Messages scored per lock of a thread's buffers.
const OWNED_CHUNK: usize = 64;

/// A [`ScorerPool`] that owns what it needs: the model (shared through an
/// [`Arc`]), a rayon thread pool of its own size, and one set of scorer
/// buffers per thread. It can be kept anywhere a borrow cannot (a binding's
/// object, a long-lived service), and calls from several threads at once
/// are safe: each of its threads locks only its own buffers.
pub struct OwnedScorerPool {
    model: Arc<Model>,
    threads: rayon::ThreadPool,
    buffers: Vec<Mutex<Option<ScorerBuffers>>>,
}

impl OwnedScorerPool {
    /// A pool of `threads` worker threads (0: one per core) scoring with `model`.
    ///
    /// # Errors
    /// [`Error::Config`] if the threads cannot be started; fails if the
    /// dictionary cannot be loaded.
    pub fn new(model: Arc<Model>, threads: usize) -> Result<Self> {
        let threads = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("jscam-score-{i}"))
            .build()
            .map_err(|e| Error::Config(format!("cannot start scoring threads: {e}")))?;
        let buffers = (0..threads.current_num_threads())
            .map(|_| Ok(Mutex::new(Some(ScorerBuffers::for_model(&model)?))))
            .collect::<Result<_>>()?;
        Ok(OwnedScorerPool {
            model,
            threads,
            buffers,
        })
    }

    /// The model it scores with.
    pub fn model(&self) -> &Arc<Model> {
        &self.model
    }

    /// Its number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads.current_num_threads()
    }

    /// `score(scorer, item)` for every item, on the pool's threads, results
    /// in order.
    ///
    /// # Errors
    /// The first error `score` returns.
    pub fn map<T: Sync, R: Send>(
        &self,
        items: &[T],
        score: impl Fn(&mut Scorer<'_>, &T) -> Result<R> + Sync,
    ) -> Result<Vec<R>> {
        let chunks = self.threads.install(|| {
            items
                .par_chunks(OWNED_CHUNK)
                .map(|chunk| {
                    let slot = rayon::current_thread_index().unwrap_or(0) % self.buffers.len();
                    let mut held = self.buffers[slot]
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    // Empty only if a `score` panicked while holding them.
                    let buffers = match held.take() {
                        Some(buffers) => buffers,
                        None => ScorerBuffers::for_model(&self.model)?,
                    };
                    let mut scorer = Scorer {
                        model: &self.model,
                        extractor: buffers.extractor,
                        row: buffers.row,
                    };
                    let scored = chunk
                        .iter()
                        .map(|item| score(&mut scorer, item))
                        .collect::<Result<Vec<R>>>();
                    *held = Some(ScorerBuffers {
                        extractor: scorer.extractor,
                        row: scorer.row,
                    });
                    scored
                })
                .collect::<Result<Vec<Vec<R>>>>()
        })?;
        Ok(chunks.into_iter().flatten().collect())
    }

    /// The score of every text, in order.
    ///
    /// # Errors
    /// Tokenizer failure.
    pub fn scores<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Score>> {
        self.map(texts, |scorer, text| scorer.score(text.as_ref()))
    }
}

impl ScorerBuffers {
    fn for_model(model: &Model) -> Result<Self> {
        let Scorer { extractor, row, .. } = model.scorer()?;
        Ok(ScorerBuffers { extractor, row })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_pool_scores_in_input_order_like_one_scorer_and_needs_no_borrow() {
        fn held_without_borrow<T: Send + Sync + 'static>(_: &T) {}
        let model = Model::embedded_default().unwrap();
        let texts: Vec<String> = (0..300)
            .map(|i| format!("未納料金{i}円のお知らせ http://pay{i}.top まで"))
            .collect();
        let pool = OwnedScorerPool::new(Arc::new(model.clone()), 2).unwrap();
        assert_eq!(pool.threads(), 2);
        held_without_borrow(&pool);
        let mut scorer = model.scorer().unwrap();
        for _ in 0..2 {
            let scores = pool.scores(&texts).unwrap();
            assert_eq!(scores.len(), texts.len());
            for (text, score) in texts.iter().zip(scores) {
                assert_eq!(scorer.score(text).unwrap(), score, "{text}");
            }
        }
        let lengths = pool.map(&texts, |_, text| Ok(text.len())).unwrap();
        assert_eq!(lengths, texts.iter().map(String::len).collect::<Vec<_>>());
    }

    #[test]
    fn pool_scores_in_input_order_like_one_scorer() {
        let model = Model::embedded_default().unwrap();
        let texts: Vec<String> = (0..200)
            .map(|i| format!("お荷物のお届け{i}件 http://example{i}.top"))
            .collect();
        let pooled = ScorerPool::new(model)
            .unwrap()
            .probabilities(&texts)
            .unwrap();
        let mut scorer = model.scorer().unwrap();
        for (text, p) in texts.iter().zip(pooled) {
            assert_eq!(scorer.score(text).unwrap().probability, p);
        }
    }
}
