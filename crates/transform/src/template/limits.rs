//! Bounds on what a template may cost: a body, a response and a registry document are
//! all untrusted, so parsing and execution stop with an error naming the limit.

/// The bounds one template parse and execution run within.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Bytes of template text.
    pub max_template_bytes: usize,
    /// Bytes of output.
    pub max_output_bytes: usize,
    /// Nodes and commands evaluated, all together.
    pub max_steps: u64,
    /// `range` iterations, all loops together.
    pub max_iterations: u64,
    /// Nesting of blocks and parentheses.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_template_bytes: 1 << 20,
            // As large as the largest answer the engine reads (`--http.response.maxBytes`).
            max_output_bytes: 256 << 20,
            max_steps: 50_000_000,
            max_iterations: 10_000_000,
            max_depth: 100,
        }
    }
}
