//! Japanese tokenization with lindera and the IPADIC dictionary.
//!
//! The dictionary is compiled from the IPADIC source in `data/ipadic/` by
//! `build.rs` and embedded in the binary; it is loaded once per process
//! ([`Tokenizer::shared`]) and shared by all threads. Each thread tokenizes
//! through its own [`TokenizerWorker`], which reuses lindera's lattice
//! buffers between messages.

use std::sync::OnceLock;

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use lindera::worker::SegmentWorker;

use crate::error::{Error, Result};

mod embedded {
    lindera_dictionary::embedded_dictionary!("/ipadic", IpadicLoader);
}

/// Identity of the dictionary the tokenizer uses; stored in every model so a
/// model trained with one tokenization is never scored with another.
/// `build.rs` writes it from the archive it compiles.
pub const DICTIONARY_ID: &str = env!("JSCAM_DICTIONARY_ID");

/// The shared tokenizer: the loaded dictionary and segmenter settings.
pub struct Tokenizer {
    segmenter: Segmenter,
}

impl Tokenizer {
    /// The process-wide tokenizer, loading the embedded dictionary on first use.
    ///
    /// # Errors
    /// Fails only if the embedded dictionary is damaged, which a build
    /// cannot produce; the error is reported rather than panicking anyway.
    pub fn shared() -> Result<&'static Tokenizer> {
        static SHARED: OnceLock<std::result::Result<Tokenizer, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| {
                let dictionary = embedded::load().map_err(|err| err.to_string())?;
                Ok(Tokenizer {
                    segmenter: Segmenter::new(Mode::Normal, dictionary, None),
                })
            })
            .as_ref()
            .map_err(|reason| Error::Tokenizer(format!("loading the IPADIC dictionary: {reason}")))
    }

    /// A per-thread worker with its own reusable buffers.
    pub fn worker(&self) -> TokenizerWorker {
        TokenizerWorker {
            worker: self.segmenter.new_worker(),
        }
    }
}

/// Tokenizes messages one after another, reusing its buffers.
pub struct TokenizerWorker {
    worker: SegmentWorker,
}

impl TokenizerWorker {
    /// Calls `each` with every token (surface form) of `text`, in order.
    /// Whitespace is not a token; one-character tokens are kept.
    ///
    /// # Errors
    /// Returns an error if lindera fails on the text.
    pub fn for_each_token<'t>(
        &mut self,
        text: &'t str,
        mut each: impl FnMut(&'t str),
    ) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let tokens = self
            .worker
            .segment(text)
            .map_err(|err| Error::Tokenizer(err.to_string()))?;
        for token in &tokens {
            each(&text[token.byte_start..token.byte_end]);
        }
        Ok(())
    }

    /// The tokens of `text` as owned strings (convenient; allocates).
    ///
    /// # Errors
    /// Returns an error if lindera fails on the text.
    pub fn tokens(&mut self, text: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        self.for_each_token(text, |t| out.push(t.to_owned()))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_the_fake_billing_message() {
        let mut worker = Tokenizer::shared().unwrap().worker();
        let tokens = worker
            .tokens("会員登録の未納金が発生しております。")
            .unwrap();
        assert_eq!(tokens[..6], ["会員", "登録", "の", "未", "納金", "が"]);
    }

    #[test]
    fn whitespace_is_not_a_token_and_one_char_tokens_stay() {
        let mut worker = Tokenizer::shared().unwrap().worker();
        let tokens = worker.tokens("私 は 猫").unwrap();
        assert_eq!(tokens, ["私", "は", "猫"]);
        assert!(worker.tokens("").unwrap().is_empty());
    }

    #[test]
    fn very_long_text_without_delimiters_is_tokenized() {
        let mut worker = Tokenizer::shared().unwrap().worker();
        let text = "あ".repeat(50_000);
        let joined: String = worker.tokens(&text).unwrap().concat();
        assert_eq!(joined, text);
    }
}
