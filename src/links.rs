//! Link knowledge: which domains brands and public bodies really use, which
//! hosts are link shorteners, and which brand words look-alike domains
//! borrow. Genuine brand notices carry official links and scams carry
//! look-alikes, so these facts are features (`url:official`,
//! `url:lookalike`, …) that the model can weigh.
//!
//! The facts ship in `data/links.txt` (embedded at build time); a user adds
//! more with `train --links FILE` in the same syntax, and the model stores
//! those extra lines so that prediction sees the same facts as training.
#![doc(hidden)]

use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};

/// The shipped facts, as text.
pub const SHIPPED: &str = include_str!("../data/links.txt");

/// What one fact line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Official,
    OfficialShort,
    Shortener,
    Public,
    Brand,
}

/// Parsed link facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkFacts {
    official: Vec<String>,
    official_short: Vec<String>,
    shorteners: Vec<String>,
    public: Vec<String>,
    brands: Vec<String>,
}

/// What the facts say about one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostFacts {
    /// A brand's or public body's own domain (or a subdomain of one).
    pub official: bool,
    /// A brand's own shortener.
    pub official_short: bool,
    /// A public shortener that hides its target.
    pub shortener: bool,
    /// Under a suffix only public bodies can register.
    pub public: bool,
    /// Not official, but borrows a brand word.
    pub lookalike: bool,
}

/// True when `host` is `domain` or one of its subdomains.
fn within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

impl LinkFacts {
    /// The shipped facts (parsed once).
    pub fn shipped() -> Arc<LinkFacts> {
        static SHIPPED_FACTS: OnceLock<Arc<LinkFacts>> = OnceLock::new();
        SHIPPED_FACTS
            .get_or_init(|| {
                Arc::new(
                    LinkFacts::parse(SHIPPED, "data/links.txt")
                        .expect("the shipped link facts parse (tested)"),
                )
            })
            .clone()
    }

    /// The shipped facts plus `extra` lines (as `train --links` stores them).
    ///
    /// # Errors
    /// [`Error::Config`] naming the line of `extra` that does not parse.
    pub fn with_extra(extra: &[String]) -> Result<Arc<LinkFacts>> {
        if extra.is_empty() {
            return Ok(LinkFacts::shipped());
        }
        let mut facts = (*LinkFacts::shipped()).clone();
        facts.add(&extra.join("\n"), "the model's extra link facts")?;
        Ok(Arc::new(facts))
    }

    /// Parses fact lines (`KIND VALUE`, `#` comments, blank lines).
    ///
    /// # Errors
    /// [`Error::Config`] with `origin` and the line number of a bad line.
    pub fn parse(text: &str, origin: &str) -> Result<LinkFacts> {
        let mut facts = LinkFacts::default();
        facts.add(text, origin)?;
        Ok(facts)
    }

    fn add(&mut self, text: &str, origin: &str) -> Result<()> {
        for (number, line) in text.lines().enumerate() {
            let Some((kind, value)) = parse_line(line)
                .map_err(|reason| Error::Config(format!("{origin}:{}: {reason}", number + 1)))?
            else {
                continue;
            };
            let list = match kind {
                Kind::Official => &mut self.official,
                Kind::OfficialShort => &mut self.official_short,
                Kind::Shortener => &mut self.shorteners,
                Kind::Public => &mut self.public,
                Kind::Brand => &mut self.brands,
            };
            if !list.contains(&value) {
                list.push(value);
            }
        }
        Ok(())
    }

    /// What the facts say about `host` (lower case, without port).
    pub fn host(&self, host: &str) -> HostFacts {
        let any_within = |list: &[String]| list.iter().any(|d| within(host, d));
        let official_short = any_within(&self.official_short);
        let official = official_short || any_within(&self.official);
        let public = any_within(&self.public);
        let shortener = !official && any_within(&self.shorteners);
        // Short brand words (au, nta, etc) must be a whole label part;
        // longer ones may start one (amazon-jp, appleid).
        let lookalike = !official
            && !public
            && !shortener
            && host.split(['.', '-']).any(|part| {
                self.brands
                    .iter()
                    .any(|brand| part == brand || (brand.len() >= 4 && part.starts_with(brand)))
            });
        HostFacts {
            official,
            official_short,
            shortener,
            public,
            lookalike,
        }
    }
}

/// Reads one line: `None` for a blank or comment line.
fn parse_line(line: &str) -> std::result::Result<Option<(Kind, String)>, String> {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(kind), Some(value), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("expected `KIND VALUE`, found {line:?}"));
    };
    let kind = match kind {
        "official" => Kind::Official,
        "official-short" => Kind::OfficialShort,
        "shortener" => Kind::Shortener,
        "public" => Kind::Public,
        "brand" => Kind::Brand,
        other => {
            return Err(format!(
                "unknown kind {other:?} (official, official-short, shortener, public, brand)"
            ));
        }
    };
    let value = value.trim_matches('.').to_ascii_lowercase();
    let valid = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !valid {
        return Err(format!(
            "{value:?} is not a domain or word of a-z, 0-9, '.', '-'"
        ));
    }
    if kind != Kind::Brand && !value.contains('.') {
        return Err(format!("{value:?} is not a domain (no dot)"));
    }
    Ok(Some((kind, value)))
}

/// Reads a user's link-facts file into the lines a model stores.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Config`] for a bad
/// line, with the file and line.
pub fn read_extra(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    LinkFacts::parse(&text, &path.display().to_string())?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_facts_parse_and_classify_hosts() {
        let facts = LinkFacts::shipped();
        assert!(facts.host("www.amazon.co.jp").official);
        assert!(facts.host("amzn.to").official_short);
        assert!(facts.host("bit.ly").shortener);
        assert!(facts.host("www.city.sapporo.lg.jp").public);
        assert!(facts.host("amazon-security.top").lookalike);
        assert!(facts.host("mail.sagawa-exp.co.jp").official);
        assert!(!facts.host("sagawa-exp.co.jp.example.top").official);
        assert!(facts.host("sagawa-exp.co.jp.example.top").lookalike);
        assert_eq!(facts.host("example.org"), HostFacts::default());
        // "au" must be a whole label part, not a substring of "audio".
        assert!(!facts.host("audio-shop.com").lookalike);
        assert!(facts.host("au-pay.top").lookalike);
    }

    #[test]
    fn extra_facts_extend_and_bad_lines_name_their_line() {
        let extra = vec!["official example-bank.co.jp".to_owned()];
        let facts = LinkFacts::with_extra(&extra).unwrap();
        assert!(facts.host("www.example-bank.co.jp").official);
        assert!(!LinkFacts::shipped().host("www.example-bank.co.jp").official);
        let err = LinkFacts::parse("# c\nofficial a.jp\nwrong x.jp\n", "f.txt")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.txt:3") && err.contains("unknown kind"),
            "{err}"
        );
        assert!(LinkFacts::parse("official nodot", "f").is_err());
        assert!(LinkFacts::parse("official a.jp extra", "f").is_err());
    }
}
