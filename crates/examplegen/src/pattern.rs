//! A string matching a schema's `pattern` within `minLength`/`maxLength`: the pattern is
//! parsed with `regex-syntax` and walked, taking the first alternative, a readable character
//! of each class and a bounded number of repetitions; the result is checked with `regex`.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Patterns longer than this are not walked (registry documents are hostile input).
const MAX_PATTERN: usize = 4096;
/// Nesting depth of the walk, for the same reason.
const MAX_DEPTH: usize = 64;
/// Longest string produced.
const MAX_OUTPUT: usize = 4096;

/// A string matching `pattern` (searched unanchored, as the validators do) whose length in
/// characters lies within `min..=max`; None when the walk finds none.
pub fn example_matching(pattern: &str, min: usize, max: Option<usize>) -> Option<String> {
    if pattern.len() > MAX_PATTERN {
        return None;
    }
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(MAX_DEPTH as u32)
        .build()
        .parse(pattern)
        .ok()?;
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 22)
        .build()
        .ok()?;
    let fits = |s: &str| {
        let n = s.chars().count();
        n >= min && max.is_none_or(|m| n <= m) && re.is_match(s)
    };
    // More repetitions until the string is long enough; a filler character appended or
    // prepended where the pattern leaves the ends open.
    for extra in [0usize, 1, 2, 3, 5, 8, 16, 32, 64, 128, 256, 512] {
        let mut out = String::new();
        emit(&hir, extra, &mut out, 0);
        if fits(&out) {
            return Some(out);
        }
        let short = out.chars().count() < min;
        if short {
            let pad = "a".repeat(min - out.chars().count());
            for candidate in [format!("{out}{pad}"), format!("{pad}{out}")] {
                if fits(&candidate) {
                    return Some(candidate);
                }
            }
        } else if extra > 0 {
            break;
        }
    }
    None
}

fn emit(h: &Hir, extra: usize, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH || out.len() > MAX_OUTPUT {
        return;
    }
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => {
            if let Some(c) = pick(class) {
                out.push(c);
            }
        }
        HirKind::Repetition(rep) => {
            let base = rep.min.max(1) as usize;
            let mut n = base.saturating_add(extra);
            if let Some(max) = rep.max {
                n = n.min(max as usize);
            }
            for _ in 0..n {
                emit(&rep.sub, extra, out, depth + 1);
                if out.len() > MAX_OUTPUT {
                    break;
                }
            }
        }
        HirKind::Capture(cap) => emit(&cap.sub, extra, out, depth + 1),
        HirKind::Concat(parts) => {
            for p in parts {
                emit(p, extra, out, depth + 1);
            }
        }
        HirKind::Alternation(alts) => {
            // The first alternative that produces something: `(|x)` would give nothing.
            let chosen = alts
                .iter()
                .find(|a| !matches!(a.kind(), HirKind::Empty))
                .unwrap_or(&alts[0]);
            emit(chosen, extra, out, depth + 1);
        }
    }
}

/// A readable member of a class: a lower-case letter, then upper-case, a digit, then the
/// first member that is not a control character.
fn pick(class: &Class) -> Option<char> {
    let contains = |c: char| match class {
        Class::Unicode(u) => u.ranges().iter().any(|r| r.start() <= c && c <= r.end()),
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .any(|r| (r.start() as char) <= c && c <= (r.end() as char)),
    };
    for c in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
        if contains(c) {
            return Some(c);
        }
    }
    let firsts: Vec<char> = match class {
        Class::Unicode(u) => u.ranges().iter().map(|r| r.start()).collect(),
        Class::Bytes(b) => b.ranges().iter().map(|r| r.start() as char).collect(),
    };
    for c in ['-', '_', '.', '/', ':', ' ', '@', '+', '='] {
        if contains(c) {
            return Some(c);
        }
    }
    firsts
        .into_iter()
        .find(|c| !c.is_control())
        .or_else(|| match class {
            Class::Unicode(u) => u.ranges().first().map(|r| r.start()),
            Class::Bytes(b) => b.ranges().first().map(|r| r.start() as char),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, min: usize, max: Option<usize>) -> String {
        let s = example_matching(pattern, min, max)
            .unwrap_or_else(|| panic!("no example for {pattern}"));
        let re = regex::Regex::new(pattern).unwrap();
        assert!(re.is_match(&s), "{s:?} does not match {pattern}");
        let n = s.chars().count();
        assert!(n >= min && max.is_none_or(|m| n <= m), "{s:?} length {n}");
        s
    }

    #[test]
    fn arns_names_and_classes() {
        assert_eq!(check("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", 1, Some(63)), "a-a");
        let arn = check("^arn:aws(-[\\w]+)*:iam::[0-9]{12}:role/.*$", 20, Some(2048));
        assert!(arn.starts_with("arn:aws"), "{arn}");
        assert!(arn.contains(":iam::000000000000:role/"), "{arn}");
        check("^[0-9]{12}$", 12, Some(12));
        check("(?:[a-z]|\\d)+", 5, Some(10));
    }

    #[test]
    fn lengths_grow_repetitions_or_pad_open_ends() {
        assert_eq!(check("^[a-z]+$", 10, Some(10)), "aaaaaaaaaa");
        // Unanchored: padding is enough.
        check("[A-Z]", 8, Some(8));
        // Alternation: the first non-empty branch.
        assert_eq!(check("^(|ENABLED|DISABLED)$", 0, None), "ENABLED");
    }

    #[test]
    fn impossible_or_hostile_patterns_give_none() {
        assert_eq!(example_matching("^[a-z]{3}$", 5, None), None);
        assert_eq!(example_matching("(unclosed", 0, None), None);
        assert_eq!(
            example_matching(&"a".repeat(MAX_PATTERN + 1), 0, None),
            None
        );
    }
}
