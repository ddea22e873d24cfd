//! Generated identifiers: request tokens and request ids (UUID v4 text), resource ids,
//! and the opaque, hex-encoded pagination tokens.
//!
//! A small SplitMix64 generator is enough here: these ids must be unique and look like
//! AWS's, not be unguessable, and it keeps the dependency list short.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A lock-free id source shared by all request handlers.
#[derive(Debug)]
pub struct IdGen {
    state: AtomicU64,
}

impl IdGen {
    /// Seeded from the clock so two emulators (or a restart) do not hand out the same tokens.
    pub fn from_clock() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        IdGen::seeded(nanos ^ (std::process::id() as u64) << 32)
    }

    pub fn seeded(seed: u64) -> Self {
        IdGen {
            state: AtomicU64::new(seed),
        }
    }

    /// SplitMix64: one atomic add per number, so concurrent callers never share a value.
    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in [0, 1), for fault rates and jitter.
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// UUID v4 text, the shape of Cloud Control request tokens and `x-amzn-RequestId`.
    pub fn uuid(&self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        let hi = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let lo = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xFFFF,
            hi & 0xFFFF,
            lo >> 48,
            lo & 0xFFFF_FFFF_FFFF
        )
    }

    /// A short lowercase id for generated resource identifiers (`Id`-like properties).
    pub fn short_id(&self) -> String {
        format!("{:016x}", self.next_u64())
    }
}

/// Pagination tokens are the hex of a cursor: opaque to clients, and within the
/// `[-A-Za-z0-9+/=]+` pattern the model gives `NextToken`.
pub fn encode_token(cursor: &str) -> String {
    let mut out = String::with_capacity(cursor.len() * 2 + 2);
    out.push_str("v1");
    for b in cursor.as_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The inverse of [`encode_token`]; `None` for anything this emulator did not hand out.
pub fn decode_token(token: &str) -> Option<String> {
    let hex = token.strip_prefix("v1")?;
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let g = IdGen::seeded(1);
        let u = g.uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, g.uuid());
    }

    #[test]
    fn token_round_trip() {
        let t = encode_token("AWS::X::Y\u{1}arn:aws:x|y");
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(decode_token(&t).unwrap(), "AWS::X::Y\u{1}arn:aws:x|y");
        assert_eq!(decode_token("nope"), None);
        assert_eq!(decode_token("v1zz"), None);
    }
}
