//! Word wrapping of table cells with minimal raggedness, as the table writer StackQL uses
//! wraps them: words are what lies between single spaces (so runs of spaces survive as
//! empty words), a line holds as many words as fit in `limit` terminal columns, a word
//! wider than the limit raises the limit to its width (words are never cut), and among
//! all ways to break the text the one with the least total squared slack wins.

use unicode_width::UnicodeWidthStr;

/// Terminal columns `s` takes (East Asian wide characters count two, combining marks none).
pub(crate) fn display_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// What a line wider than the limit adds to the cost of a break: only a break that avoids
/// several very ragged lines is worth one too-long line.
const TOO_LONG_PENALTY: i64 = 100_000;

/// `text` (newlines count as spaces) broken into lines of at most `limit` columns, unless
/// one word is wider: then that word's width is the limit.
pub(crate) fn wrap(text: &str, limit: usize) -> Vec<String> {
    let text = text.replace('\n', " ");
    let words: Vec<&str> = text.split(' ').collect();
    let widths: Vec<usize> = words.iter().map(|w| display_width(w)).collect();
    let limit = widths.iter().copied().fold(limit, usize::max);
    breaks(&widths, limit)
        .windows(2)
        .map(|w| words[w[0]..w[1]].join(" "))
        .collect()
}

/// The start of every line and the end of the last, for words of `widths` separated by
/// one column each: the break with the least sum over lines (but the last) of
/// `(limit - line width)²`, plus [`TOO_LONG_PENALTY`] for each line wider than `limit`.
///
/// Ties go to the shortest first line, as in the original dynamic programme. That one
/// started each cost at `i32::MAX` and crashed when every break cost more (a word of
/// tens of thousands of columns among short ones); here every cost is comparable.
fn breaks(widths: &[usize], limit: usize) -> Vec<usize> {
    let n = widths.len();
    // prefix[k]: columns taken by the first k words, without the spaces between them.
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0usize);
    for w in widths {
        prefix.push(prefix.last().copied().unwrap_or(0) + w);
    }
    // Columns of words i..=j on one line.
    let line_width = |i: usize, j: usize| prefix[j + 1] - prefix[i] + (j - i);
    let limit_i = limit as i64;

    let mut cost = vec![i64::MAX; n];
    let mut next = vec![n; n];
    for i in (0..n).rev() {
        if line_width(i, n - 1) <= limit {
            cost[i] = 0;
            next[i] = n;
            continue;
        }
        for j in i + 1..n {
            let width = line_width(i, j - 1);
            let slack = limit_i - width as i64;
            let mut c = slack.saturating_mul(slack);
            if width > limit {
                c = c.saturating_add(TOO_LONG_PENALTY);
                // Wider lines only cost more from here on, whatever follows them.
                if c >= cost[i] {
                    break;
                }
            }
            let c = c.saturating_add(cost[j]);
            if c < cost[i] {
                cost[i] = c;
                next[i] = j;
            }
        }
    }
    let mut starts = vec![0];
    let mut i = 0;
    while i < n {
        i = next[i];
        starts.push(i);
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_stays_on_one_line() {
        assert_eq!(wrap("hello world", 30), vec!["hello world"]);
        assert_eq!(wrap("", 0), vec![""]);
    }

    #[test]
    fn minimal_raggedness_not_greedy() {
        // Greedy filling gives "aaa bb" / "cc" / "dddddd" (slack 0 + 16 on the middle
        // line); balancing gives "aaa" / "bb cc" / "dddddd" (9 + 1).
        assert_eq!(wrap("aaa bb cc dddddd", 6), vec!["aaa", "bb cc", "dddddd"]);
    }

    #[test]
    fn long_words_raise_the_limit_and_stay_whole() {
        let arn = "arn:aws:iam::123456789012:role/service-role/a-rather-long-name";
        assert_eq!(wrap(&format!("x {arn} y"), 10), vec!["x", arn, "y"]);
        assert_eq!(wrap(arn, 10), vec![arn]);
    }

    #[test]
    fn runs_of_spaces_are_kept_and_newlines_are_spaces() {
        assert_eq!(wrap("a  b", 30), vec!["a  b"]);
        assert_eq!(wrap("one\ntwo", 30), vec!["one two"]);
    }

    #[test]
    fn wide_characters_count_two_columns() {
        // Each word is 4 columns: two fit in 9 (4 + 1 + 4), three do not; the slack of the
        // last line costs nothing, so the first line is the full one.
        assert_eq!(wrap("東京 大阪 札幌", 9), vec!["東京 大阪", "札幌"]);
        assert_eq!(wrap("東京 大阪 札幌", 8), vec!["東京", "大阪", "札幌"]);
    }

    #[test]
    fn many_words_wrap_in_reasonable_time() {
        let text = vec!["word"; 20_000].join(" ");
        let lines = wrap(&text, 30);
        assert!(lines.iter().all(|l| display_width(l) <= 30));
        assert_eq!(lines.join(" "), text);
    }
}
