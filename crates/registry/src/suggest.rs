//! "Did you mean" suggestions for unknown names, by edit similarity.

/// Up to three known names closest to `wanted`, best first; only reasonably close ones.
pub fn closest_names<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted_lower = wanted.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = known
        .map(|k| {
            let k_lower = k.to_ascii_lowercase();
            let mut score = strsim::jaro_winkler(&wanted_lower, &k_lower);
            // A prefix or containment match ("image" vs "images") is a strong hint.
            if k_lower.starts_with(&wanted_lower) || wanted_lower.starts_with(&k_lower) {
                score = score.max(0.9);
            }
            (score, k)
        })
        .filter(|(s, _)| *s >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, k)| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn suggests_close_names_only() {
        let known = ["images", "image", "apps", "domains"];
        assert_eq!(closest_names("imags", known.iter().copied())[0], "images");
        assert!(closest_names("zzzzzz", known.iter().copied()).is_empty());
    }
}
