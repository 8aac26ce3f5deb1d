//! Text from files (model headers, CSV headers and labels, file names) on
//! its way to a terminal or a log: control characters are shown escaped,
//! so a forged model or a hostile file name cannot move the cursor, change
//! colours, start a fake line or hide text.

use std::borrow::Cow;

/// True for characters a terminal acts on instead of showing: C0 and C1
/// controls (NUL, ESC, line breaks, tabs, DEL), the Unicode line and
/// paragraph separators, and the bidirectional controls that reorder text.
fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `text` with every control character escaped as Rust writes it (`\n`,
/// `\0`, `\u{1b}`); borrowed when there is none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if is_control(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path for a message, escaped as [`escape_controls`] does.
pub fn escape_path(path: &std::path::Path) -> String {
    escape_controls(&path.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(escape_controls("詐欺 scam"), Cow::Borrowed(_)));
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\nfake\0\u{202e}x\u{9b}"),
            "a\\u{1b}[2Jb\\nfake\\0\\u{202e}x\\u{9b}"
        );
        assert_eq!(
            escape_path(std::path::Path::new("dir/a\rb.csv")),
            "dir/a\\rb.csv"
        );
    }
}
