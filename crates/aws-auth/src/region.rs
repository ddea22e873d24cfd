//! The form of an AWS region name, shared by the client (which refuses to put anything
//! else into an endpoint) and the emulator (which checks credential scopes), and the one
//! default region both fall back on.

/// The region when nothing names one: the example in messages and generated queries when
/// the registry gives no default, and the emulator's region for an unscoped request.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Whether `s` has the form of an AWS region: `^[a-z]{2,4}(-[a-z]+)+-[0-9]+$`. The prefix
/// is 2 to 4 letters because partitions use longer ones (`eusc-de-east-1`, `us-gov-west-1`
/// has a 2-letter prefix and a 3-letter second part).
pub fn is_region_form(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return false;
    };
    let letters = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    (2..=4).contains(&first.len())
        && letters(first)
        && !middle.is_empty()
        && middle.iter().all(|p| letters(p))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}
