//! Bounds a caller can set on rendering (today: jsonnet data-block evaluation).

use std::time::Duration;

/// Bounds on one data block's evaluation.
#[derive(Clone, Debug)]
pub struct JsonnetLimits {
    /// Wall-clock time for evaluating and writing out the block.
    pub timeout: Duration,
    /// Values (scalars, arrays, objects) in the result.
    pub max_values: usize,
    /// Bytes of strings and object keys in the result.
    pub max_bytes: usize,
    /// Nested jsonnet calls (jrsonnet's stack depth).
    pub max_call_depth: usize,
    /// Nesting of arrays and objects in the result.
    pub max_nesting: usize,
}

impl Default for JsonnetLimits {
    fn default() -> Self {
        JsonnetLimits {
            timeout: Duration::from_secs(10),
            max_values: 1_000_000,
            max_bytes: 64 << 20,
            max_call_depth: 500,
            max_nesting: 128,
        }
    }
}
