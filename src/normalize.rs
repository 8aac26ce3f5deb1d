//! Text normalization, shared by training and prediction.
//!
//! [`Normalizer::normalize_into`] is the one function both `train` and
//! `predict` call, so the model can never see text prepared differently at
//! the two ends. It:
//!
//! 1. applies NFKC (not NFKD, which would split が into か + ゛), which also
//!    folds full-width letters and digits and mathematical bold/italic
//!    letters (𝐀𝐦𝐚𝐳𝐨𝐧 → Amazon) that scammers use to slip past filters;
//! 2. drops zero-width and control characters and folds Latin case;
//! 3. removes spaces inserted between Japanese characters (ア マ ゾ ン) and
//!    between single Latin letters (a m a z o n);
//! 4. replaces URLs, e-mail addresses, phone numbers and long digit runs by a
//!    separator and records *entity tokens* for them: a placeholder
//!    (`<url>`, `<phone>`, …) plus a few tokens describing their shape
//!    (`dom:…`, `tld:…`, `url:shortener`, `url:ip`, `phone:mobile`, …).
//!
//! The entity tokens become features of their own; the remaining text goes
//! to the tokenizer. Bump [`NORMALIZATION_VERSION`] whenever the output of
//! this module changes: the version is stored in every model and checked
//! when the model is loaded.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use regex::Regex;
use unicode_normalization::{IsNormalized, UnicodeNormalization};

use crate::links::LinkFacts;

/// Version of the normalization rules; stored in models and checked on load.
pub const NORMALIZATION_VERSION: u32 = 5;

/// Messages are cut to this many bytes of *visible* text (on a character
/// boundary): invisible characters and repeated whitespace do not count, so
/// padding cannot push a message out of the scored window. A real SMS is a
/// few hundred bytes; the cap bounds the work one hostile multi-megabyte
/// line can cost, and lindera additionally splits sentences longer than
/// 32 KiB (lindera issue 871).
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Second-level labels under `.jp` that make the registrable domain three labels long.
const JP_SECOND_LEVEL: &[&str] = &["co", "ne", "or", "ac", "go", "lg", "ed", "gr", "ad"];

/// Top-level domains accepted for a bare domain written without `http://`.
const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "jp", "top", "xyz", "cn", "icu", "info", "vip", "shop", "cc", "me", "io",
    "co", "biz", "club", "online", "site", "work", "link", "live", "app", "ly", "gd", "to", "asia",
    "tk", "ml", "ga", "cf", "buzz", "fun", "pw", "ru", "hk", "tw", "kr", "us", "cyou", "monster",
    "rest", "bond", "sbs", "store", "tokyo",
];

/// The result of normalizing one message. Reuse one value across messages
/// (via [`Normalizer::normalize_into`]) to avoid allocating per message.
#[derive(Debug, Default, Clone)]
pub struct Normalized {
    /// Normalized text, with entities replaced by a space.
    pub text: String,
    entity_text: String,
    entity_ends: Vec<usize>,
    scratch: String,
    /// The input without zero-width characters, when it needs NFKC.
    visible: String,
    /// NFKC of `visible`.
    nfkc: String,
    /// The input with right-to-left overrides resolved, when it has one.
    reordered: String,
    /// Hosts and paths of the links found (`host path` pairs, for the
    /// sender checks after all entities are known).
    link_text: String,
    /// (host start, host end = path start, path end) in `link_text`.
    link_ends: Vec<(usize, usize, usize)>,
    senders: Vec<crate::links::SenderId>,
    /// The visible text was longer than [`MAX_MESSAGE_BYTES`] and was cut.
    truncated: bool,
}

impl Normalized {
    /// An empty value to pass to [`Normalizer::normalize_into`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The entity and signal tokens found, in order of appearance.
    pub fn entities(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.entity_ends.iter().map(move |&end| {
            let token = &self.entity_text[start..end];
            start = end;
            token
        })
    }

    /// True when the message's visible text was longer than
    /// [`MAX_MESSAGE_BYTES`] and only its start was normalized.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    fn clear(&mut self) {
        self.text.clear();
        self.entity_text.clear();
        self.entity_ends.clear();
        self.scratch.clear();
        self.visible.clear();
        self.nfkc.clear();
        self.reordered.clear();
        self.link_text.clear();
        self.link_ends.clear();
        self.senders.clear();
        self.truncated = false;
    }

    fn push_entity(&mut self, parts: &[&str]) {
        for part in parts {
            self.entity_text.push_str(part);
        }
        self.entity_ends.push(self.entity_text.len());
    }
}

/// Applies the normalization rules. Cheap to create and clone: the
/// compiled regexes are shared, and so are the link facts.
#[derive(Debug, Clone)]
pub struct Normalizer {
    links: Arc<LinkFacts>,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::new()
    }
}

struct Patterns {
    entity: Regex,
    entity_without_email: Regex,
    spaced_letters: Regex,
}

fn patterns() -> &'static Patterns {
    static PATTERNS: OnceLock<Patterns> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        // One pass finds every kind of entity; the alternatives are tried in
        // order at each position, so a URL wins over the digits inside it.
        //
        // An alternative that can run on without matching (an e-mail local
        // part waiting for its `@`, domain labels waiting for a TLD) is
        // bounded, to the limits of real addresses (64-byte local parts,
        // 63-byte labels, at most 10 labels): unbounded, every restart of
        // the search scanned to the end of the text, and a 64 KiB message
        // of `1.` repeated took seconds (quadratic time).
        // The authority may hold userinfo (`user@host`), percent-encoding
        // and backslashes, as browsers accept them: the host is parsed out
        // of it in `url_entities`, so a name before `@` cannot pose as it.
        const URL: &str = r"(?P<url>h(?:tt|xx)ps?:[/\\]{2}[a-z0-9.\-_*〇○●×%@:~!$&+=\\]+(?:[/?#][\x21-\x7e]*)?)";
        const EMAIL: &str = r"|(?P<email>[a-z0-9._%+\-]{1,64}@[a-z0-9\-]+(?:\.[a-z0-9\-]+)+)";
        const REST: &str = concat!(
            r"|(?P<bare>(?:www\.)?(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.){1,10}[a-z]{2,63}(?:[/?#][\x21-\x7e]*)?)",
            r"|(?P<maskedphone>(?:\+81|0\d{0,4}|x{2,5})[\-‐−ー](?:x{2,4}|\d{2,4})[\-‐−ー](?:x{3,4}))",
            // A code or number the quoting page masked (`G-XXXXXX`,
            // `◯◯◯◯◯◯`): a number all the same, of unknown value.
            r"|(?P<maskednum>(?-u:\b)x{4,16}(?-u:\b)|◯{4,16}|○{4,16}|●{4,16}|\*{4,16})",
            // Spaces separate digit groups only in phone shapes, so that a
            // number followed by another ("0120-123-456 24時間") stays two.
            r"|(?P<intl>\+\d{1,3}(?:[ \-]?\(?\d+\)?)+)",
            r"|(?P<spacedphone>0\d{1,4} \d{1,4} \d{4})",
            r"|(?P<digits>\(?\d+\)?(?:[\-‐‑‒–—―−ー,]?\(?\d+\)?)*)",
        );
        let entity = Regex::new(&format!("{URL}{EMAIL}{REST}")).expect("entity pattern is valid");
        // The same without the e-mail alternative, for text without an `@`
        // (where it cannot match): the same matches, found faster.
        let entity_without_email =
            Regex::new(&format!("{URL}{REST}")).expect("entity pattern is valid");
        let spaced_letters =
            Regex::new(r"(?:^|[^a-z])((?:[a-z] ){2,}[a-z])(?:$|[^a-z])").expect("valid pattern");
        Patterns {
            entity,
            entity_without_email,
            spaced_letters,
        }
    })
}

fn is_emoji_joiner(c: char) -> bool {
    matches!(c, '\u{200D}' | '\u{FE00}'..='\u{FE0F}')
}

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}'
    ) || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || ('\u{FE00}'..='\u{FE0F}').contains(&c)
}

/// Kana, kanji and the prolonged sound mark: scripts written without spaces.
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{3005}' | '\u{3006}')
}

fn is_math_alphanumeric(c: char) -> bool {
    ('\u{1D400}'..='\u{1D7FF}').contains(&c)
}

const RIGHT_TO_LEFT_OVERRIDE: char = '\u{202E}';

/// Writes `input` to `out` with every right-to-left override span (from
/// U+202E to the next U+202C, U+2069 or line break, or the end) reversed:
/// the order in which such text is shown, and so read. Scammers write a
/// message backwards inside an override so that it shows normally but is
/// stored as nonsense.
fn resolve_overrides(input: &str, out: &mut String) {
    out.clear();
    let mut span: Vec<char> = Vec::new();
    let mut in_override = false;
    for c in input.chars() {
        if in_override {
            if matches!(c, '\u{202C}' | '\u{2069}' | '\n' | '\r') {
                out.extend(span.drain(..).rev());
                in_override = false;
                out.push(c);
            } else if c == RIGHT_TO_LEFT_OVERRIDE {
                out.extend(span.drain(..).rev());
            } else {
                span.push(c);
            }
        } else {
            out.push(c);
            in_override = c == RIGHT_TO_LEFT_OVERRIDE;
        }
    }
    out.extend(span.drain(..).rev());
}

impl Normalizer {
    /// A normalizer with the current rules ([`NORMALIZATION_VERSION`]) and
    /// the shipped link facts.
    pub fn new() -> Self {
        Normalizer {
            links: LinkFacts::shipped(),
        }
    }

    /// A normalizer whose URL features use `links`.
    pub fn with_links(links: Arc<LinkFacts>) -> Self {
        Normalizer { links }
    }

    /// Normalizes `input` into `out`, reusing its buffers.
    pub fn normalize_into(&self, input: &str, out: &mut Normalized) {
        out.clear();
        // A right-to-left override shows its text reversed: read it as shown.
        let input = if input.contains(RIGHT_TO_LEFT_OVERRIDE) {
            resolve_overrides(input, &mut out.reordered);
            out.reordered.as_str()
        } else {
            input
        };
        let mut had_zero_width = false;
        let mut had_math = false;
        let mut after_space = false;
        let mut budget = MAX_MESSAGE_BYTES;
        let mut truncated = false;
        let scratch = &mut out.scratch;
        let visible = input
            .chars()
            .filter(|&c| {
                let zero_width = is_zero_width(c);
                // Zero-width joiners and variation selectors are part of
                // ordinary emoji; only the other invisible characters are a
                // sign of filter evasion.
                had_zero_width |= zero_width && !is_emoji_joiner(c);
                had_math |= is_math_alphanumeric(c);
                if zero_width || (c.is_control() && !c.is_whitespace()) {
                    return false;
                }
                // Later stages fold a run of whitespace into one space
                // anyway; dropping the rest here keeps padding out of the
                // byte budget.
                let space = c.is_whitespace();
                let repeated = space && after_space;
                after_space = space;
                !repeated
            })
            .take_while(|c| {
                let fits = c.len_utf8() <= budget;
                budget = budget.saturating_sub(c.len_utf8());
                truncated |= !fits;
                fits
            });
        // NFKC runs over the whole stream (not char by char) so that
        // half-width ｶ + ﾞ compose into ガ. Most messages are already in
        // NFKC; the quick check lets them skip the (costly) normalizer.
        if is_nfkc_quick_yes(input) {
            fold_and_space(visible, scratch);
        } else {
            let visible_text = &mut out.visible;
            visible_text.extend(visible);
            push_nfkc(visible_text, &mut out.nfkc);
            fold_and_space(out.nfkc.chars(), scratch);
        }
        out.truncated = truncated;
        collapse_spaced_letters(scratch, &mut out.text);
        std::mem::swap(&mut out.text, &mut out.scratch);
        out.text.clear();

        if had_zero_width {
            out.push_entity(&["sig:zero_width"]);
        }
        if had_math {
            out.push_entity(&["sig:math_letters"]);
        }
        extract_entities(out, &self.links);
        sender_entities(out, &self.links);
    }

    /// Normalizes `input` into a new value. Convenient; allocates.
    pub fn normalize(&self, input: &str) -> Normalized {
        let mut out = Normalized::new();
        self.normalize_into(input, &mut out);
        out
    }
}

/// Characters that NFKC leaves alone in any context (quick check Yes,
/// combining class 0) and that are recognised without the Unicode tables:
/// ASCII, kana, the prolonged sound mark, CJK ideographs and 、。. Almost
/// every character of a message is one of these. Checked exhaustively
/// against the tables in the tests.
fn is_plain_nfkc(c: char) -> bool {
    matches!(c,
        '\0'..='\x7f' | '\u{3001}'..='\u{3002}' | '\u{3041}'..='\u{3096}'
        | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{4E00}'..='\u{9FFF}')
}

/// Same as `is_nfkc_quick(text.chars()) == IsNormalized::Yes`, with the
/// tables consulted only for characters that are not plain: a plain
/// character resets the quick check's state (it is a starter that is
/// allowed), so the check splits into independent runs between them.
fn is_nfkc_quick_yes(text: &str) -> bool {
    text.split(is_plain_nfkc).all(|run| {
        run.is_empty() || unicode_normalization::is_nfkc_quick(run.chars()) == IsNormalized::Yes
    })
}

/// True if NFKC never changes text across the start of `c`: `c` is quick
/// check Yes with combining class 0, a normalization boundary (UAX #15).
fn is_nfkc_boundary(c: char) -> bool {
    is_plain_nfkc(c)
        || (unicode_normalization::char::canonical_combining_class(c) == 0
            && unicode_normalization::is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes)
}

/// Appends NFKC of `text` to `out`; the same as `text.nfkc()`. Text is split
/// at normalization boundaries, and only the pieces holding a character that
/// is not a boundary (a full-width letter, a combining mark, …) go through
/// the normalizer; the rest is copied.
fn push_nfkc(text: &str, out: &mut String) {
    // text[..copied] is done; the current piece starts at piece_start.
    let mut copied = 0;
    let mut piece_start = 0;
    let mut piece_changes = false;
    for (at, c) in text.char_indices() {
        if is_nfkc_boundary(c) {
            if piece_changes {
                out.push_str(&text[copied..piece_start]);
                out.extend(text[piece_start..at].nfkc());
                copied = at;
                piece_changes = false;
            }
            piece_start = at;
        } else {
            piece_changes = true;
        }
    }
    if piece_changes {
        out.push_str(&text[copied..piece_start]);
        out.extend(text[piece_start..].nfkc());
    } else {
        out.push_str(&text[copied..]);
    }
}

/// Folds case, turns whitespace into single spaces, drops control
/// characters, and removes spaces inside Japanese text.
fn fold_and_space(chars: impl Iterator<Item = char>, scratch: &mut String) {
    let mut pending_space = false;
    let mut previous: Option<char> = None;
    for c in chars {
        // Kana and kanji (most characters here) need none of the checks below.
        let c = if is_japanese(c) {
            c
        } else if c.is_whitespace() {
            // Line breaks and tabs become spaces: an SMS line break is layout.
            ' '
        } else if c.is_control() || is_zero_width(c) {
            continue;
        } else if c.is_uppercase() && (c as u32) < 0x0530 {
            c.to_lowercase().next().unwrap_or(c)
        } else {
            c
        };
        if c == ' ' {
            pending_space = previous.is_some();
            continue;
        }
        if pending_space {
            // Japanese is written without spaces; a space between two
            // Japanese characters is padding or filter evasion.
            if !(previous.is_some_and(is_japanese) && is_japanese(c)) {
                scratch.push(' ');
            }
            pending_space = false;
        }
        scratch.push(c);
        previous = Some(c);
    }
}

/// Joins "a m a z o n" into "amazon" (letters spaced out to dodge filters).
fn collapse_spaced_letters(input: &str, output: &mut String) {
    output.clear();
    let spaced = input.as_bytes().windows(4).any(|w| {
        w[0].is_ascii_lowercase() && w[1] == b' ' && w[2].is_ascii_lowercase() && w[3] == b' '
    });
    if !spaced {
        output.push_str(input);
        return;
    }
    let mut last = 0;
    for caps in patterns().spaced_letters.captures_iter(input) {
        let Some(run) = caps.get(1) else { continue };
        output.push_str(&input[last..run.start()]);
        output.extend(run.as_str().chars().filter(|&c| c != ' '));
        last = run.end();
    }
    output.push_str(&input[last..]);
}

/// Finds entities in `out.scratch`, writes the text without them to
/// `out.text`, and records entity tokens.
fn extract_entities(out: &mut Normalized, links: &LinkFacts) {
    let source = std::mem::take(&mut out.scratch);
    let mut last = 0;
    // Many messages need no regex at all: every entity has a digit, a dot,
    // an `@`, a colon (masked URLs), an `x`, `*`, circle (0xE2 lead byte)
    // or hyphen (masked numbers).
    let may_have_entities = source
        .bytes()
        .any(|b| b.is_ascii_digit() || matches!(b, b'.' | b'@' | b'-' | b':' | b'x' | b'*' | 0xE2));
    let entity = if source.contains('@') {
        &patterns().entity
    } else {
        &patterns().entity_without_email
    };
    let matches = may_have_entities
        .then(|| entity.find_iter(&source))
        .into_iter()
        .flatten();
    for found in matches {
        // `find_iter` is much faster than captures; the alternatives are
        // told apart by what they can contain (see the pattern).
        let matched = found.as_str();
        let replaced = if matched.contains(":/") || matched.contains(":\\") {
            let (url_text, _) = trim_url_tail(matched);
            url_entities(out, url_text, true, links);
            Some(found.start()..found.start() + url_text.len())
        } else if matched.contains('@') {
            let domain = matched.rsplit('@').next().unwrap_or("");
            out.push_entity(&["<email>"]);
            if let Some(tld) = domain.rsplit('.').next() {
                out.push_entity(&["tld:", tld]);
            }
            Some(found.range())
        } else if matched.contains('.') {
            let (url_text, _) = trim_url_tail(matched);
            let host = url_text.split(['/', '?', '#']).next().unwrap_or("");
            let tld = host.rsplit('.').next().unwrap_or("");
            if BARE_TLDS.contains(&tld) {
                url_entities(out, url_text, false, links);
                Some(found.start()..found.start() + url_text.len())
            } else {
                None
            }
        } else if matched
            .chars()
            .all(|c| matches!(c, 'x' | '◯' | '○' | '●' | '*'))
        {
            // A masked code keeps its length: six masked digits are a
            // one-time code as much as six real ones.
            out.push_entity(&["<num>"]);
            out.push_entity(&["num:masked"]);
            out.push_entity(&["num:len", number_length_class(matched.chars().count())]);
            Some(found.range())
        } else if matched.contains('x') {
            out.push_entity(&["<phone>"]);
            out.push_entity(&["phone:masked"]);
            Some(found.range())
        } else {
            digit_entities(out, matched, found.start())
        };
        if let Some(range) = replaced {
            push_joined(&mut out.text, &source[last..range.start]);
            push_joined(&mut out.text, " ");
            last = range.end;
        }
    }
    push_joined(&mut out.text, &source[last..]);
    let trimmed_len = out.text.trim_end().len();
    out.text.truncate(trimmed_len);
    out.scratch = source;
}

/// Appends `piece`, dropping its leading space when `text` already ends in one.
fn push_joined(text: &mut String, piece: &str) {
    let piece = if text.ends_with(' ') || text.is_empty() {
        piece.trim_start_matches(' ')
    } else {
        piece
    };
    text.push_str(piece);
}

/// Strips trailing punctuation that belongs to the sentence, not the URL.
fn trim_url_tail(url: &str) -> (&str, &str) {
    let trimmed = url.trim_end_matches(['.', ',', '!', '?', ')', ']', '\'', '"', ';', ':']);
    (trimmed, &url[trimmed.len()..])
}

/// Splits a URL (after any scheme) into its host and path as a browser
/// does: userinfo before the last `@` of the authority is dropped, a port
/// and trailing dots too, and `%XX` escapes in the host are decoded.
/// Returns (host, path, spoofed): `spoofed` when the authority held
/// userinfo or a backslash, tricks that show one host and open another.
fn split_url(url: &str, has_scheme: bool) -> (Cow<'_, str>, &str, bool) {
    let rest = if has_scheme {
        let after_colon = url.find(':').map_or(url, |at| &url[at + 1..]);
        after_colon.trim_start_matches(['/', '\\'])
    } else {
        url
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let userinfo = authority.contains('@');
    let backslash = authority.contains('\\');
    let host = authority.rsplit('@').next().unwrap_or("");
    // Browsers end the host at a backslash; other link readers read on.
    // Either way the link is a spoof, and the host before it is not trusted.
    let host = host.split('\\').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    // Borrowed unless an escape had to be decoded: no allocation per link.
    let host = match percent_decode_host(host) {
        Cow::Borrowed(host) => Cow::Borrowed(host.trim_end_matches('.')),
        Cow::Owned(host) => Cow::Owned(host.trim_end_matches('.').to_owned()),
    };
    (host, path, userinfo || backslash)
}

/// Decodes `%XX` escapes that stand for ASCII letters, digits, `.` and
/// `-`; other escapes stay as they are (and make the host unrecognizable).
fn percent_decode_host(host: &str) -> Cow<'_, str> {
    if !host.contains('%') {
        return Cow::Borrowed(host);
    }
    let bytes = host.as_bytes();
    let mut decoded = String::with_capacity(host.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'%')
            .then(|| host.get(at + 1..at + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
        match escaped {
            Some(b) => {
                decoded.push(char::from(b.to_ascii_lowercase()));
                at += 3;
            }
            None => {
                decoded.push(char::from(bytes[at]));
                at += 1;
            }
        }
    }
    Cow::Owned(decoded)
}

fn url_entities(out: &mut Normalized, url: &str, has_scheme: bool, links: &LinkFacts) {
    let (host, path, spoofed) = split_url(url, has_scheme);
    let host = host.as_ref();
    out.push_entity(&["<url>"]);
    if !has_scheme {
        out.push_entity(&["url:bare"]);
    }
    if url.starts_with("http://") || url.starts_with("http:\\") {
        out.push_entity(&["url:http"]);
    }
    if path.contains('?') {
        out.push_entity(&["url:query"]);
    }
    if spoofed {
        out.push_entity(&["url:userinfo"]);
    }
    if host.contains("xxx") || host.contains(['*', '〇', '○', '●', '×']) || host.is_empty() {
        out.push_entity(&["url:masked"]);
        return;
    }
    // Every link that is not masked takes part in the sender checks; a
    // spoofed one under an impossible host so that it is never "own".
    let start = out.link_text.len();
    out.link_text
        .push_str(if spoofed { "spoofed.invalid" } else { host });
    let host_end = out.link_text.len();
    out.link_text.push_str(path);
    out.link_ends.push((start, host_end, out.link_text.len()));
    if host.split('.').count() == 4 && host.split('.').all(|p| p.parse::<u8>().is_ok()) {
        out.push_entity(&["url:ip"]);
        return;
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let registrable_len = match labels.as_slice() {
        [.., second, "jp"] if JP_SECOND_LEVEL.contains(second) => 3,
        _ => 2,
    };
    let start = labels.len().saturating_sub(registrable_len);
    let registrable_start = labels[..start].iter().map(|l| l.len() + 1).sum::<usize>();
    let host_trimmed = host.trim_matches('.');
    let registrable = host_trimmed
        .get(registrable_start..)
        .unwrap_or(host_trimmed);
    let tld = labels.last().copied().unwrap_or("");
    out.push_entity(&["dom:", registrable]);
    out.push_entity(&["tld:", tld]);
    if labels.iter().any(|l| l.starts_with("xn--")) {
        out.push_entity(&["url:punycode"]);
    }
    link_fact_entities(out, links, host, path, spoofed);
    let subdomains = labels.len().saturating_sub(registrable_len);
    if subdomains > 0 && !(subdomains == 1 && labels[0] == "www") {
        out.push_entity(&["url:subdomain"]);
    }
    if registrable.contains('-') {
        out.push_entity(&["url:hyphen"]);
    }
    if registrable.bytes().any(|b| b.is_ascii_digit()) {
        out.push_entity(&["url:digits"]);
    }
}

/// What `data/links.txt` (and the model's extension) knows of a link's
/// host: official, a shortener, a public body, a look-alike, open to anyone.
fn link_fact_entities(
    out: &mut Normalized,
    links: &LinkFacts,
    host: &str,
    path: &str,
    spoofed: bool,
) {
    let mut facts = links.url(host, path);
    if spoofed {
        facts.official = false;
        facts.official_short = false;
    }
    let named = [
        (facts.shortener, "url:shortener"),
        (facts.official, "url:official"),
        (facts.official_short, "url:short"),
        (facts.public, "url:public"),
        (facts.lookalike, "url:lookalike"),
        (facts.open, "url:open"),
    ];
    for (_, entity) in named.iter().filter(|(holds, _)| *holds) {
        out.push_entity(&[entity]);
    }
}

/// Facts that need the whole message: whether it names a sender, and if so
/// whether its links go only to that sender's own domains. (A message
/// without a link or phone number needs no fact of its own: the knowledge
/// block is binary, so the absence of `<url>` says it.)
fn sender_entities(out: &mut Normalized, links: &LinkFacts) {
    let mut senders = std::mem::take(&mut out.senders);
    let channel_named = links.senders_named(&out.text, &mut senders);
    if !senders.is_empty() {
        out.push_entity(&["brand:named"]);
        let own = out.link_ends.iter().all(|&(host_start, host_end, end)| {
            links.is_own_link(
                &out.link_text[host_start..host_end],
                &out.link_text[host_end..end],
                &senders,
            )
        });
        if !out.link_ends.is_empty() {
            out.push_entity(&[if own {
                "brand:own_link"
            } else {
                "brand:other_link"
            }]);
        }
        // Sending the reader to the sender's own app or member site, and
        // nowhere else, is what a genuine notice does; a phishing text that
        // names the app links away from it.
        if channel_named && own {
            out.push_entity(&["brand:own_channel"]);
        }
    }
    out.senders = senders;
}

/// Classifies a run of digits (with separators). Returns the byte range to
/// replace, or `None` to leave short numbers in the text.
fn digit_entities(
    out: &mut Normalized,
    run: &str,
    offset: usize,
) -> Option<std::ops::Range<usize>> {
    // A trailing space or separator is not part of the number.
    let run_trimmed = run.trim_end_matches(|c: char| !c.is_ascii_digit() && c != ')');
    let digits: usize = run_trimmed.bytes().filter(u8::is_ascii_digit).count();
    let first_digit = run_trimmed.trim_start_matches(['+', '(']);
    let range = offset..offset + run_trimmed.len();
    if let Some(national) = run_trimmed.strip_prefix("+81") {
        let national = national.trim_start_matches([' ', '-', '(', '0']);
        out.push_entity(&["<phone>"]);
        out.push_entity(&["phone:intl81"]);
        out.push_entity(&["phone:", phone_kind(&format!("0{national}"))]);
        return Some(range);
    }
    if run_trimmed.starts_with('+') && (8..=15).contains(&digits) {
        out.push_entity(&["<phone>"]);
        out.push_entity(&["phone:intl"]);
        return Some(range);
    }
    // 010 is the prefix for calling abroad from Japan.
    if first_digit.starts_with("010") && (11..=17).contains(&digits) && !run_trimmed.contains(',') {
        out.push_entity(&["<phone>"]);
        out.push_entity(&["phone:intl"]);
        return Some(range);
    }
    if first_digit.starts_with('0') && (10..=11).contains(&digits) && !run_trimmed.contains(',') {
        out.push_entity(&["<phone>"]);
        out.push_entity(&["phone:", phone_kind(first_digit)]);
        return Some(range);
    }
    if digits >= 4 {
        out.push_entity(&["<num>"]);
        let separated = run_trimmed.contains(',') || run_trimmed.contains(['-', ' ']);
        if separated {
            out.push_entity(&["num:grouped"]);
        }
        out.push_entity(&["num:len", number_length_class(digits)]);
        return Some(range);
    }
    None
}

/// A number's size class, not its value: an 8-digit order number and a
/// 6-digit passcode mean different things.
fn number_length_class(digits: usize) -> &'static str {
    const LENGTHS: [&str; 14] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13+",
    ];
    LENGTHS[digits.min(13)]
}

/// Japanese phone number type from its leading digits.
fn phone_kind(number: &str) -> &'static str {
    let digits: String = number
        .chars()
        .filter(char::is_ascii_digit)
        .take(4)
        .collect();
    if digits.starts_with("0120") || digits.starts_with("0800") {
        "freedial"
    } else if digits.starts_with("0570") {
        "navidial"
    } else if digits.starts_with("050") {
        "ip"
    } else if digits.starts_with("070") || digits.starts_with("080") || digits.starts_with("090") {
        "mobile"
    } else {
        "landline"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> (String, Vec<String>) {
        let n = Normalizer::new().normalize(text);
        (n.text.clone(), n.entities().map(str::to_owned).collect())
    }

    #[test]
    fn nfkc_keeps_voiced_kana_composed() {
        let (text, _) = norm("が ｶﾞ");
        // Half-width ｶﾞ becomes ガ; が stays one character. The space between
        // two Japanese characters is dropped.
        assert_eq!(text, "がガ");
    }

    #[test]
    fn folds_full_width_math_letters_and_case() {
        assert_eq!(norm("Ａｍａｚｏｎ").0, "amazon");
        assert_eq!(norm("𝐀𝐦𝐚𝐳𝐨𝐧").0, "amazon");
        let (_, entities) = norm("𝐀𝐦𝐚𝐳𝐨𝐧");
        assert!(entities.contains(&"sig:math_letters".to_owned()));
    }

    #[test]
    fn drops_zero_width_and_control_characters() {
        let (text, entities) = norm("Ama\u{200B}zon\u{0007}です");
        assert_eq!(text, "amazonです");
        assert_eq!(entities, vec!["sig:zero_width", "brand:named"]);
    }

    #[test]
    fn joins_spaced_out_words() {
        assert_eq!(norm("ア マ ゾ ン から").0, "アマゾンから");
        assert_eq!(norm("a m a z o n より").0, "amazon より");
        assert_eq!(norm("I am a cat").0, "i am a cat");
    }

    #[test]
    fn url_becomes_placeholder_with_shape_tokens() {
        let (text, entities) = norm("こちら https://kq7x.amazon-co-jp.xyz/login?id=3 から");
        assert_eq!(text, "こちら から");
        for want in [
            "<url>",
            "dom:amazon-co-jp.xyz",
            "tld:xyz",
            "url:lookalike",
            "url:subdomain",
            "url:query",
            "url:hyphen",
        ] {
            assert!(
                entities.contains(&want.to_owned()),
                "missing {want} in {entities:?}"
            );
        }
    }

    #[test]
    fn full_width_url_is_recognised() {
        let (_, entities) = norm("ｈｔｔｐｓ：／／ｂｉｔ．ｌｙ／３ｘＹ再配達");
        assert!(
            entities.contains(&"url:shortener".to_owned()),
            "{entities:?}"
        );
    }

    #[test]
    fn official_jp_domains_and_bare_ips() {
        let (_, e) = norm("https://www.kuronekoyamato.co.jp/ytc/");
        assert!(e.contains(&"dom:kuronekoyamato.co.jp".to_owned()), "{e:?}");
        assert!(e.contains(&"url:official".to_owned()));
        let (_, e) = norm("http://45.77.12.203/jp");
        assert!(e.contains(&"url:ip".to_owned()), "{e:?}");
        let (_, e) = norm("https://xxxx に");
        assert!(e.contains(&"url:masked".to_owned()), "{e:?}");
    }

    #[test]
    fn bare_domain_in_japanese_text() {
        let (text, e) = norm("amazon.co.jpで購入");
        assert_eq!(text, "で購入");
        assert!(e.contains(&"dom:amazon.co.jp".to_owned()), "{e:?}");
    }

    #[test]
    fn japanese_phone_formats() {
        for (input, kind) in [
            ("0359620597", "landline"),
            ("03-5962-0597", "landline"),
            ("090-1234-5678", "mobile"),
            ("０９０－１２３４－５６７８", "mobile"),
            ("0120-123-456", "freedial"),
            ("0570-01-2345", "navidial"),
            ("050-1234-5678", "ip"),
            ("06(1234)5678", "landline"),
            ("+81 90 1234 5678", "mobile"),
            ("+8190-1234-5678", "mobile"),
        ] {
            let (text, e) = norm(&format!("連絡先{input}まで"));
            assert!(e.contains(&"<phone>".to_owned()), "{input}: {e:?}");
            assert!(e.contains(&format!("phone:{kind}")), "{input}: {e:?}");
            assert_eq!(text, "連絡先 まで", "{input}");
        }
        let (_, e) = norm("アマゾンサポートセンター XX-XXXX-XXXX");
        assert!(e.contains(&"phone:masked".to_owned()), "{e:?}");
    }

    #[test]
    fn a_phone_number_does_not_swallow_the_next_number() {
        let (_, e) = norm("お問い合わせ：0120-123-456 (24時間受付)");
        assert!(e.contains(&"phone:freedial".to_owned()), "{e:?}");
        let (_, e) = norm("連絡先 090-1234-5678 24時間対応");
        assert!(e.contains(&"phone:mobile".to_owned()), "{e:?}");
        let (_, e) = norm("03 1234 5678 まで");
        assert!(e.contains(&"phone:landline".to_owned()), "{e:?}");
        let (_, e) = norm("サポート XXーXXXXーXXXX まで");
        assert!(e.contains(&"phone:masked".to_owned()), "{e:?}");
    }

    #[test]
    fn lookalike_needs_a_brand_word_not_a_substring() {
        for host in [
            "https://example.online/",
            "https://rental-car.com/",
            "https://sketchbook.jp/",
        ] {
            let (_, e) = norm(host);
            assert!(!e.contains(&"url:lookalike".to_owned()), "{host}: {e:?}");
        }
        for host in [
            "https://amazon-co-jp.xyz",
            "https://au-pay.top",
            "https://appleid-verify.com",
        ] {
            let (_, e) = norm(host);
            assert!(e.contains(&"url:lookalike".to_owned()), "{host}: {e:?}");
        }
    }

    #[test]
    fn emoji_joiners_are_not_an_obfuscation_signal() {
        let (_, e) = norm("ありがとう❤️ またね 👨‍👩‍👧");
        assert!(!e.contains(&"sig:zero_width".to_owned()), "{e:?}");
    }

    #[test]
    fn long_digit_runs_become_placeholders_short_ones_stay() {
        let (text, e) = norm("認証コードは123456です。3日以内");
        assert_eq!(text, "認証コードは です。3日以内");
        assert_eq!(e, vec!["<num>", "num:len6"]);
        for (masked, len) in [
            ("G-XXXXXX", "6"),
            ("コードは◯◯◯◯◯◯です", "6"),
            ("番号****", "4"),
        ] {
            let (_, e) = norm(masked);
            assert_eq!(
                e,
                vec!["<num>", "num:masked", &format!("num:len{len}")],
                "{masked}"
            );
        }
        let (_, e) = norm("090-xxxx-xxxx");
        assert_eq!(e, vec!["<phone>", "phone:masked"]);
    }

    #[test]
    fn email_placeholder() {
        let (text, e) = norm("連絡はinfo@example.comへ");
        assert_eq!(text, "連絡は へ");
        assert_eq!(e, vec!["<email>", "tld:com"]);
    }

    /// Messages of the committed corpus, and their text without zero-width
    /// characters (what the NFKC step sees).
    fn corpus_texts() -> Vec<String> {
        let mut texts = crate::test_support::corpus_texts();
        let visible: Vec<String> = texts
            .iter()
            .map(|t| t.chars().filter(|&c| !is_zero_width(c)).collect())
            .collect();
        texts.extend(visible);
        // Shapes the corpus may lack: combining marks after plain
        // characters, out-of-order marks, Hangul jamo, compatibility forms.
        for tricky in [
            "か\u{3099}き\u{309A}",
            "ｶﾞｷﾞ",
            "e\u{301}\u{327}",
            "a\u{327}\u{301}x",
            "\u{1100}\u{1161}\u{11A8}",
            "가\u{11A8}",
            "㍻㈱①ﬁ",
            "Ａ\u{300}",
            "゛゜ヿゟ",
            "\u{3099}",
            "あ\u{200B}\u{3099}",
            "°C ℃ Å",
        ] {
            texts.push(tricky.to_owned());
        }
        texts
    }

    #[test]
    fn plain_characters_are_nfkc_starters() {
        let ranges = [
            ('\0', '\x7f'),
            ('\u{3001}', '\u{3002}'),
            ('\u{3041}', '\u{3096}'),
            ('\u{30A1}', '\u{30FA}'),
            ('\u{30FC}', '\u{30FC}'),
            ('\u{4E00}', '\u{9FFF}'),
        ];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let listed = ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c));
            assert_eq!(is_plain_nfkc(c), listed, "{c:?}");
            if listed {
                assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0);
                assert_eq!(
                    unicode_normalization::is_nfkc_quick(std::iter::once(c)),
                    IsNormalized::Yes,
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn fast_nfkc_matches_the_normalizer_on_the_corpus() {
        for text in corpus_texts() {
            let quick = unicode_normalization::is_nfkc_quick(text.chars()) == IsNormalized::Yes;
            assert_eq!(is_nfkc_quick_yes(&text), quick, "{text:?}");
            let mut fast = String::new();
            push_nfkc(&text, &mut fast);
            assert_eq!(fast, text.nfkc().collect::<String>(), "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_nfkc_matches_the_normalizer_on_mixed_text(
            text in "[a-zA-Z0-9 あかがアカガｶﾞﾟ가각\u{1100}\u{1161}\u{11A8}\u{3099}\u{309A}\u{300}\u{301}\u{327}\u{200B}\u{FF21}\u{3000}\u{2460}\u{3231}。、ー漢字]{0,12}"
        ) {
            let quick = unicode_normalization::is_nfkc_quick(text.chars()) == IsNormalized::Yes;
            proptest::prop_assert_eq!(is_nfkc_quick_yes(&text), quick);
            let mut fast = String::new();
            push_nfkc(&text, &mut fast);
            proptest::prop_assert_eq!(fast, text.nfkc().collect::<String>());
        }
    }

    #[test]
    fn overlong_input_is_cut_on_a_char_boundary() {
        let long = "あ".repeat(MAX_MESSAGE_BYTES);
        let n = Normalizer::new().normalize(&long);
        assert!(n.text.len() <= MAX_MESSAGE_BYTES);
        assert!(n.text.chars().all(|c| c == 'あ'));
        assert!(n.truncated(), "a message over the window says so");
        assert!(!Normalizer::new().normalize("あいう").truncated());
    }

    const SEED_SCAM: &str = "会員登録の未納金が発生しております。本日中にご連絡なき場合、法的手続きに移行します。Amazonカスタマーセンター0359620597";

    /// Padding of invisible characters or whitespace does not count toward
    /// the scored window, so it cannot push the message out of it.
    #[test]
    fn padding_cannot_push_a_message_out_of_the_window() {
        let normalizer = Normalizer::new();
        let plain = normalizer.normalize(SEED_SCAM);
        for padding in [
            "\u{200B}".repeat(22_000),
            " ".repeat(70_000),
            "\n\t ".repeat(30_000),
            "\u{3000}".repeat(30_000),
        ] {
            let padded = normalizer.normalize(&format!("{padding}{SEED_SCAM}"));
            assert_eq!(padded.text, plain.text, "padding {:?}…", &padding[..3]);
            assert!(!padded.truncated());
            let plain_entities: Vec<&str> = plain.entities().collect();
            assert!(
                plain_entities
                    .iter()
                    .all(|e| padded.entities().any(|p| p == *e)),
                "same facts as the plain message"
            );
        }
    }

    /// Text written backwards inside a right-to-left override is shown, and
    /// so read, forwards.
    #[test]
    fn right_to_left_override_is_read_as_shown() {
        let normalizer = Normalizer::new();
        let reversed: String = SEED_SCAM.chars().rev().collect();
        for wrapped in [
            format!("\u{202E}{reversed}\u{202C}"),
            format!("\u{202E}{reversed}"),
        ] {
            let n = normalizer.normalize(&wrapped);
            assert_eq!(n.text, normalizer.normalize(SEED_SCAM).text);
            assert!(n.entities().any(|e| e == "sig:zero_width"));
        }
        let mixed = normalizer.normalize("ご確認\u{202E}いさだく\u{202C}ください");
        assert_eq!(mixed.text, "ご確認くださいください");
    }

    /// What a browser opens is what counts: the host after userinfo, with
    /// escapes decoded and trailing dots dropped.
    #[test]
    fn the_host_is_parsed_as_a_browser_does() {
        for (url, official) in [
            ("https://www.amazon.co.jp@amazon-verify-jp.top/login", false),
            ("https://www.amazon.co.jp\\@amazon-verify-jp.top/", false),
            ("https://user:pw@www.amazon.co.jp/x", false),
            ("https://www.amazon.co.jp./gp", true),
            ("https://www.%61mazon.co.jp/gp", true),
            ("https://www.amazon.co.jp:443/gp", true),
        ] {
            let (_, entities) = norm(&format!("ご確認ください {url}"));
            let has = |e: &str| entities.iter().any(|x| x == e);
            assert_eq!(has("url:official"), official, "{url}: {entities:?}");
            if url.contains('@') {
                assert!(has("url:userinfo"), "{url}: {entities:?}");
            }
        }
        let (_, entities) = norm("https://www.amazon.co.jp@amazon-verify-jp.top/login");
        assert!(entities.contains(&"dom:amazon-verify-jp.top".to_owned()));
        assert!(entities.contains(&"url:lookalike".to_owned()));
        let (_, entities) = norm("https://xn--amazn-mye.com/");
        assert!(entities.contains(&"url:punycode".to_owned()));
    }

    #[test]
    fn sender_and_link_agreement_is_a_fact() {
        let facts = |text: &str| norm(text).1;
        let own = facts("三井住友カードです。ご利用確認はこちら https://www.smbc-card.com/x");
        assert!(own.contains(&"brand:named".to_owned()));
        assert!(own.contains(&"brand:own_link".to_owned()), "{own:?}");
        let other = facts("三井住友カードです。ご利用確認はこちら https://smbc-card-check.top/x");
        assert!(other.contains(&"brand:other_link".to_owned()), "{other:?}");
        let public =
            facts("日本学生支援機構です。書類を提出してください https://www.jasso.go.jp/x");
        assert!(public.contains(&"brand:own_link".to_owned()), "{public:?}");
        let open = facts("アマゾンです。確認はこちら https://amazon-check.web.app/");
        assert!(open.contains(&"brand:other_link".to_owned()), "{open:?}");
        assert!(open.contains(&"url:open".to_owned()), "{open:?}");
        let spoof = facts("アマゾンです https://www.amazon.co.jp@amazon-verify.top/");
        assert!(spoof.contains(&"brand:other_link".to_owned()), "{spoof:?}");
        let none = facts("明日は雨だって");
        assert!(!none.iter().any(|e| e.starts_with("brand:")), "{none:?}");
    }

    #[test]
    fn naming_the_senders_own_app_is_a_fact_unless_a_link_leads_elsewhere() {
        let facts = |text: &str| norm(text).1;
        let has = |e: &[String], f: &str| e.iter().any(|x| x == f);
        let app = facts("【楽天カード】ご利用確認のお願い。楽天e-NAVIよりご回答ください");
        assert!(has(&app, "brand:own_channel"), "{app:?}");
        assert!(has(&app, "brand:named"), "{app:?}");
        let spaced = facts("My docomoでご確認ください");
        assert!(has(&spaced, "brand:own_channel"), "{spaced:?}");
        let own = facts("Vpassでご確認ください https://www.smbc-card.com/x");
        assert!(has(&own, "brand:own_channel"), "{own:?}");
        let away = facts("Vpassの確認が必要です https://vpass-check.top/x");
        assert!(!has(&away, "brand:own_channel"), "{away:?}");
        assert!(has(&away, "brand:other_link"), "{away:?}");
        let name_only = facts("三井住友カードです。ご利用確認のお願い");
        assert!(!has(&name_only, "brand:own_channel"), "{name_only:?}");
    }

    proptest::proptest! {
        /// Nothing written before an `@` in a link's authority changes what
        /// the link facts say about the host after it.
        #[test]
        fn userinfo_never_changes_the_host_facts(userinfo in "[a-z0-9.:%\\\\-]{0,40}") {
            let host = "amazon-verify-jp.top/login";
            let link_facts = |text: &str| -> Vec<String> {
                norm(text).1.into_iter()
                    .filter(|e| (e.starts_with("url:") && e != "url:userinfo") || e.starts_with("dom:"))
                    .collect()
            };
            let plain = link_facts(&format!("確認 https://x@{host}"));
            let spoofed = link_facts(&format!("確認 https://{userinfo}@{host}"));
            proptest::prop_assert_eq!(plain, spoofed);
        }
    }
}
