//! Scoring in parallel: one [`Scorer`] per worker thread, reused across calls.

use std::sync::Mutex;

use rayon::prelude::*;

use crate::error::Result;
use crate::model::{Model, Scorer};

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

#[cfg(test)]
mod tests {
    use super::*;

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
