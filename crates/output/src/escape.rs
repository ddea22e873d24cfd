//! Terminal safety of the human-readable formats (`table`, `text`): cloud data may hold
//! control characters, and printed raw an ESC sequence could recolour, retitle or rewrite
//! the user's terminal. Every control character a format does not lay out itself (C0, DEL
//! and C1, ESC included) is shown as a Rust-style escape, `\u{1b}`, so the bytes are
//! visible and nothing reaches the terminal as a command. csv and json quote or escape
//! values themselves and are left as they are.

/// `text` with every control character except those in `keep` written as `\u{XX}`.
pub(crate) fn escape_controls(text: &str, keep: &[char]) -> String {
    if !text.chars().any(|c| c.is_control() && !keep.contains(&c)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && !keep.contains(&c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_del_c1_and_esc_are_shown_not_sent() {
        assert_eq!(
            escape_controls("\u{1b}[31mred\u{7}\u{7f}\u{9b}2J", &[]),
            "\\u{1b}[31mred\\u{7}\\u{7f}\\u{9b}2J"
        );
        assert_eq!(escape_controls("a\tb\nc", &['\t', '\n']), "a\tb\nc");
        assert_eq!(escape_controls("plain ü 日本", &[]), "plain ü 日本");
    }
}
