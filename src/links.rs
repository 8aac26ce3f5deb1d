//! Link knowledge: which domains brands and public bodies really use, which
//! hosts are link shorteners or open to anyone, which brand words look-alike
//! domains borrow, and which names in a message point to which sender.
//! Genuine notices link to their sender's own domain and scams to somewhere
//! else, so these facts become features (`url:official`, `url:lookalike`,
//! `brand:own_link`, `brand:other_link`, …) that the model can weigh.
//!
//! The facts ship in `data/links.txt` (embedded at build time); a user adds
//! more with `train --links FILE` in the same syntax, and the model stores
//! those extra lines so that prediction sees the same facts as training.
//! Every look-up is a hash look-up per host label or a single automaton pass
//! over the text, so the cost does not grow with the number of facts.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};

/// The shipped facts, as text.
pub const SHIPPED: &str = include_str!("../data/links.txt");

/// The sender name that stands for every public body: its own links are
/// the hosts under a `public` suffix (go.jp, lg.jp, …).
pub const PUBLIC_SENDER: &str = "public";

/// What one fact line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Official,
    OfficialShort,
    Shortener,
    Public,
    Brand,
    Open,
    Name,
    Channel,
}

/// A sender, by its index in [`LinkFacts`]' sender list.
pub type SenderId = u32;

/// Parsed link facts.
#[derive(Debug, Clone, Default)]
pub struct LinkFacts {
    /// Official domain → the senders that own it (possibly none named).
    official: HashMap<String, Vec<SenderId>>,
    official_short: HashSet<String>,
    shorteners: HashSet<String>,
    public: HashSet<String>,
    brands: HashSet<String>,
    /// Hosts where anyone can publish, each with an optional path prefix
    /// (`line.me` + `/ti/p` is an account page, not LINE itself).
    open: HashMap<String, Vec<String>>,
    /// Sender names as written in messages (normalized), with their sender
    /// and whether the name is one of the sender's own channels (its app or
    /// member site) rather than the sender itself.
    names: Vec<(String, SenderId, bool)>,
    senders: Vec<String>,
    sender_ids: HashMap<String, SenderId>,
    /// Built on first use from `names`.
    name_matcher: OnceLock<Option<AhoCorasick>>,
}

impl PartialEq for LinkFacts {
    fn eq(&self, other: &Self) -> bool {
        self.official == other.official
            && self.official_short == other.official_short
            && self.shorteners == other.shorteners
            && self.public == other.public
            && self.brands == other.brands
            && self.open == other.open
            && self.names == other.names
            && self.senders == other.senders
    }
}

/// What the facts say about one link.
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
    /// A host (or page) where anyone can publish: never evidence of a
    /// genuine sender, even under a brand's domain.
    pub open: bool,
}

/// The host itself and each parent domain, longest first
/// (`a.b.jp`, `b.jp`, `jp`).
fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    std::iter::once(host).chain(
        host.char_indices()
            .filter(|&(_, c)| c == '.')
            .map(move |(i, _)| &host[i + 1..]),
    )
}

/// Normalizes a sender name the way message text is normalized (NFKC, Latin
/// lower case), so that the automaton matches normalized text.
fn normalize_name(name: &str) -> String {
    name.nfkc()
        .map(|c| {
            if c.is_uppercase() && (c as u32) < 0x0530 {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
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
        // Training, loading and every scorer thread ask for the same facts:
        // the last set parsed is kept, so a long list is parsed once.
        static LAST: std::sync::Mutex<Option<(Vec<String>, Arc<LinkFacts>)>> =
            std::sync::Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((lines, facts)) = last.as_ref()
            && lines.as_slice() == extra
        {
            return Ok(facts.clone());
        }
        let mut facts = (*LinkFacts::shipped()).clone();
        facts.name_matcher = OnceLock::new();
        facts.add(&extra.join("\n"), "the model's extra link facts")?;
        let facts = Arc::new(facts);
        *last = Some((extra.to_vec(), facts.clone()));
        Ok(facts)
    }

    /// Parses fact lines (`KIND VALUE [SENDER]`, `#` comments, blank lines).
    ///
    /// # Errors
    /// [`Error::Config`] with `origin` and the line number of a bad line.
    pub fn parse(text: &str, origin: &str) -> Result<LinkFacts> {
        let mut facts = LinkFacts::default();
        facts.add(text, origin)?;
        Ok(facts)
    }

    fn sender_id(&mut self, sender: &str) -> SenderId {
        if let Some(&id) = self.sender_ids.get(sender) {
            return id;
        }
        let id = SenderId::try_from(self.senders.len()).unwrap_or(SenderId::MAX);
        self.senders.push(sender.to_owned());
        self.sender_ids.insert(sender.to_owned(), id);
        id
    }

    fn add(&mut self, text: &str, origin: &str) -> Result<()> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut seen_names: HashSet<(String, SenderId, bool)> =
            self.names.iter().cloned().collect();
        for (number, line) in text.lines().enumerate() {
            let Some(fact) = parse_line(line)
                .map_err(|reason| Error::Config(format!("{origin}:{}: {reason}", number + 1)))?
            else {
                continue;
            };
            let sender = fact.sender.as_deref().map(|s| self.sender_id(s));
            match fact.kind {
                Kind::Official | Kind::OfficialShort => {
                    if fact.kind == Kind::OfficialShort {
                        self.official_short.insert(fact.value.clone());
                    }
                    let owners = self.official.entry(fact.value).or_default();
                    if let Some(id) = sender
                        && !owners.contains(&id)
                    {
                        owners.push(id);
                    }
                }
                Kind::Shortener => {
                    self.shorteners.insert(fact.value);
                }
                Kind::Public => {
                    self.public.insert(fact.value);
                }
                Kind::Brand => {
                    self.brands.insert(fact.value);
                }
                Kind::Open => {
                    let (host, path) = match fact.value.find('/') {
                        Some(at) => (&fact.value[..at], &fact.value[at..]),
                        None => (fact.value.as_str(), ""),
                    };
                    let paths = self.open.entry(host.to_owned()).or_default();
                    if !paths.iter().any(|p| p == path) {
                        paths.push(path.to_owned());
                    }
                }
                Kind::Name | Kind::Channel => {
                    let id = sender.expect("parse_line requires a sender for `name` and `channel`");
                    let entry = (normalize_name(&fact.value), id, fact.kind == Kind::Channel);
                    if seen_names.insert(entry.clone()) {
                        self.names.push(entry);
                    }
                }
            }
        }
        Ok(())
    }

    /// What the facts say about a link to `host` (lower case, without port
    /// or trailing dot) with `path` (lower case, from the first `/`).
    pub(crate) fn url(&self, host: &str, path: &str) -> HostFacts {
        let any_within = |set: &HashSet<String>| suffixes(host).any(|d| set.contains(d));
        let open = suffixes(host).any(|d| {
            self.open.get(d).is_some_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.is_empty() || path_starts_with(path, p))
            })
        });
        let official_short = !open && any_within(&self.official_short);
        let official =
            !open && (official_short || suffixes(host).any(|d| self.official.contains_key(d)));
        let public = any_within(&self.public);
        let shortener = !official && any_within(&self.shorteners);
        let lookalike = !official && !public && !shortener && self.borrows_brand(host);
        HostFacts {
            official,
            official_short,
            shortener,
            public,
            lookalike,
            open,
        }
    }

    /// What the facts say about `host` (a link without a path).
    #[cfg(test)]
    pub(crate) fn host(&self, host: &str) -> HostFacts {
        self.url(host, "")
    }

    /// Short brand words (au, nta, …) must be a whole label part; longer ones
    /// may start one (amazon-jp, appleid).
    fn borrows_brand(&self, host: &str) -> bool {
        host.split(['.', '-']).any(|part| {
            self.brands.contains(part)
                || (4..part.len())
                    .any(|len| part.is_char_boundary(len) && self.brands.contains(&part[..len]))
        })
    }

    /// True when a link to `host` + `path` is the own link of one of
    /// `senders`: an official domain of that sender, or any host under a
    /// public suffix for the public-body sender. Open hosts never are.
    pub fn is_own_link(&self, host: &str, path: &str, senders: &[SenderId]) -> bool {
        let facts = self.url(host, path);
        if facts.open {
            return false;
        }
        let public_sender = self.sender_ids.get(PUBLIC_SENDER);
        if facts.public && public_sender.is_some_and(|id| senders.contains(id)) {
            return true;
        }
        suffixes(host).any(|d| {
            self.official
                .get(d)
                .is_some_and(|owners| owners.iter().any(|o| senders.contains(o)))
        })
    }

    /// The senders named in normalized `text` (sorted, without repeats),
    /// written to `found`; true when the text names one of their own
    /// channels (an app or member site). Latin names must stand alone (`au`
    /// is not found in `audio`); names in other scripts may sit anywhere.
    pub fn senders_named(&self, text: &str, found: &mut Vec<SenderId>) -> bool {
        found.clear();
        let mut channel = false;
        let matcher = self.name_matcher.get_or_init(|| {
            if self.names.is_empty() {
                return None;
            }
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(self.names.iter().map(|(name, _, _)| name.as_str()))
                .ok()
        });
        let Some(matcher) = matcher else {
            return false;
        };
        let bytes = text.as_bytes();
        for m in matcher.find_iter(text) {
            let name = &self.names[m.pattern().as_usize()];
            let latin_edge = |b: u8| b.is_ascii_alphanumeric();
            let starts_latin = name.0.as_bytes().first().copied().is_some_and(latin_edge);
            let ends_latin = name.0.as_bytes().last().copied().is_some_and(latin_edge);
            let glued_before = starts_latin && m.start() > 0 && latin_edge(bytes[m.start() - 1]);
            let glued_after = ends_latin && bytes.get(m.end()).copied().is_some_and(latin_edge);
            if !glued_before && !glued_after {
                found.push(name.1);
                channel |= name.2;
            }
        }
        found.sort_unstable();
        found.dedup();
        channel
    }
}

/// `path` starts with `prefix` at a segment boundary (`/ti/p` matches
/// `/ti/p/@shop` but not `/ti/pro`).
fn path_starts_with(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

struct Fact {
    kind: Kind,
    value: String,
    sender: Option<String>,
}

/// Reads one line: `None` for a blank or comment line.
fn parse_line(line: &str) -> std::result::Result<Option<Fact>, String> {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() {
        return Ok(None);
    }
    // A name may hold spaces (`my docomo`): for `name` and `channel` the
    // sender is the last word and the name the words between, joined by one
    // space as normalized message text has them.
    let words: Vec<&str> = line.split_whitespace().collect();
    let joined;
    let parts = match words.as_slice() {
        [kind @ ("name" | "channel"), name @ .., sender] if name.len() > 1 => {
            joined = name.join(" ");
            vec![*kind, joined.as_str(), *sender]
        }
        _ => words,
    };
    let (Some(&kind), Some(&value), sender, None) = (
        parts.first(),
        parts.get(1),
        parts.get(2).copied(),
        parts.get(3),
    ) else {
        return Err(format!("expected `KIND VALUE [SENDER]`, found {line:?}"));
    };
    let kind = parse_kind(kind)?;
    let sender = parse_sender(kind, sender)?;
    let value = if matches!(kind, Kind::Name | Kind::Channel) {
        value.to_owned()
    } else {
        parse_host_value(kind, value)?
    };
    Ok(Some(Fact {
        kind,
        value,
        sender,
    }))
}

fn parse_kind(kind: &str) -> std::result::Result<Kind, String> {
    Ok(match kind {
        "official" => Kind::Official,
        "official-short" => Kind::OfficialShort,
        "shortener" => Kind::Shortener,
        "public" => Kind::Public,
        "brand" => Kind::Brand,
        "open" => Kind::Open,
        "name" => Kind::Name,
        "channel" => Kind::Channel,
        other => {
            return Err(format!(
                "unknown kind {other:?} (official, official-short, shortener, public, brand, open, name, channel)"
            ));
        }
    })
}

/// The sender word, required for `name` and `channel`, allowed for
/// `official` and `official-short`, refused elsewhere.
fn parse_sender(kind: Kind, sender: Option<&str>) -> std::result::Result<Option<String>, String> {
    match (kind, sender) {
        (Kind::Official | Kind::OfficialShort | Kind::Name | Kind::Channel, Some(s)) => {
            let valid = s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(format!("sender {s:?} is not a word of a-z, 0-9, '-', '_'"));
            }
            Ok(Some(s.to_ascii_lowercase()))
        }
        (Kind::Name, None) => Err("`name` needs a sender: `name NAME SENDER`".into()),
        (Kind::Channel, None) => Err("`channel` needs a sender: `channel NAME SENDER`".into()),
        (_, Some(extra)) => Err(format!(
            "unexpected {extra:?}: only official, official-short, name and channel take a sender"
        )),
        (_, None) => Ok(None),
    }
}

/// A domain (or a brand word, or for `open` a host with a path), lower
/// case, without surrounding dots.
fn parse_host_value(kind: Kind, value: &str) -> std::result::Result<String, String> {
    let value = value.trim_matches('.').to_ascii_lowercase();
    let (host, path) = match value.find('/') {
        Some(at) if kind == Kind::Open => (&value[..at], &value[at..]),
        _ => (value.as_str(), ""),
    };
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && path.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(format!(
            "{value:?} is not a domain or word of a-z, 0-9, '.', '-'"
        ));
    }
    if kind != Kind::Brand && !host.contains('.') {
        return Err(format!("{value:?} is not a domain (no dot)"));
    }
    Ok(value)
}

/// Reads a user's link-facts file into the lines a model stores.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Config`] for a bad
/// line, with the file and line.
pub fn read_extra(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    LinkFacts::parse(text, &path.display().to_string())?;
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

    /// Hosts where anyone can publish are never official, even under a
    /// brand's domain, and never a sender's own link.
    #[test]
    fn open_hosts_are_never_evidence_of_a_genuine_sender() {
        let facts = LinkFacts::shipped();
        let mut amazon = Vec::new();
        facts.senders_named("アマゾンからのお知らせ", &mut amazon);
        let mut line = Vec::new();
        facts.senders_named("lineからのお知らせ", &mut line);
        let mut google = Vec::new();
        facts.senders_named("googleからのお知らせ", &mut google);
        for (host, path, named) in [
            ("lin.ee", "/abcdef", &line),
            ("line.me", "/ti/p/@shop", &line),
            ("line.me", "/r/ti/p/@shop", &line),
            ("example.page.link", "/x", &google),
            ("sites.google.com", "/view/amazon", &google),
            ("docs.google.com", "/forms/d/x", &google),
            ("forms.gle", "/abc", &google),
            ("amazon-check.web.app", "/", &amazon),
            ("amazon-jp.firebaseapp.com", "/", &amazon),
            ("amazon-jp.github.io", "/login", &amazon),
            ("www.google.com", "/url?q=x", &google),
            ("storage.googleapis.com", "/b/amazon.html", &google),
            ("amazon.s3.amazonaws.com", "/x", &amazon),
            ("forms.office.com", "/r/x", &google),
        ] {
            let f = facts.url(host, path);
            assert!(f.open, "{host}{path} should be open");
            assert!(!f.official, "{host}{path} must not be official");
            assert!(
                !facts.is_own_link(host, path, named),
                "{host}{path} must not be a sender's own link"
            );
        }
        // LINE's own pages stay official.
        assert!(facts.url("line.me", "/ja/").official);
        assert!(facts.is_own_link("line.me", "/ja/", &line));
    }

    #[test]
    fn names_point_to_senders_and_own_links() {
        let facts = LinkFacts::shipped();
        let mut found = Vec::new();
        facts.senders_named("三井住友カードです。ご利用確認のお願い", &mut found);
        assert_eq!(found.len(), 1);
        assert!(facts.is_own_link("www.smbc-card.com", "/x", &found));
        assert!(!facts.is_own_link("smbc-card.top", "/x", &found));
        assert!(!facts.is_own_link("www.amazon.co.jp", "/", &found));
        facts.senders_named("日本学生支援機構です", &mut found);
        assert!(facts.is_own_link("www.jasso.go.jp", "/", &found));
        facts.senders_named("市役所 納税課です", &mut found);
        assert!(facts.is_own_link("www.city.sapporo.lg.jp", "/", &found));
        assert!(!facts.is_own_link("city-sapporo.top", "/", &found));
        // Latin names must stand alone.
        facts.senders_named("audio を買った", &mut found);
        assert!(found.is_empty(), "{found:?}");
        facts.senders_named("auからのお知らせ", &mut found);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn extra_facts_extend_and_bad_lines_name_their_line() {
        let extra = vec![
            "official example-bank.co.jp examplebank".to_owned(),
            "name エグザンプル銀行 examplebank".to_owned(),
        ];
        let facts = LinkFacts::with_extra(&extra).unwrap();
        assert!(facts.host("www.example-bank.co.jp").official);
        assert!(!LinkFacts::shipped().host("www.example-bank.co.jp").official);
        let mut found = Vec::new();
        facts.senders_named("エグザンプル銀行です", &mut found);
        assert!(facts.is_own_link("www.example-bank.co.jp", "/", &found));
        let err = LinkFacts::parse("# c\nofficial a.jp\nwrong x.jp\n", "f.txt")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("f.txt:3") && err.contains("unknown kind"),
            "{err}"
        );
        assert!(LinkFacts::parse("official nodot", "f").is_err());
        assert!(LinkFacts::parse("official a.jp s extra", "f").is_err());
        assert!(LinkFacts::parse("shortener a.jp sender", "f").is_err());
        assert!(LinkFacts::parse("name アマゾン", "f").is_err());
        assert!(LinkFacts::parse("channel 楽天e-navi", "f").is_err());
        let spaced = LinkFacts::parse("channel\tmy example  app examplebank", "f").unwrap();
        let mut found = Vec::new();
        assert!(spaced.senders_named("my example appで確認", &mut found));
        assert_eq!(found.len(), 1);
        assert!(!spaced.senders_named("my exampleで確認", &mut found));
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let facts = LinkFacts::parse("\u{feff}official a-bank.jp\n", "f").unwrap();
        assert!(facts.host("a-bank.jp").official);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("links.txt");
        std::fs::write(&path, "\u{feff}official b-bank.jp\n").unwrap();
        assert_eq!(read_extra(&path).unwrap(), ["official b-bank.jp"]);
    }

    /// Many facts cost a hash look-up each, not a scan: 200,000 lines with
    /// repeats parse to the distinct facts, and each is found.
    #[test]
    fn many_facts_deduplicate_and_stay_searchable() {
        let text: String = (0..200_000)
            .map(|i| format!("official d{}.example.jp\n", i % 100_000))
            .collect();
        let facts = LinkFacts::parse(&text, "big").unwrap();
        assert_eq!(facts.official.len(), 100_000);
        assert!(facts.host("www.d99999.example.jp").official);
        assert!(!facts.host("d100000.example.jp").official);
    }
}
