//! Bounded jsonnet evaluation of `<<<jsonnet` data blocks: a thread of its own, a deadline, a recursion limit and a cap on the result's size.
//!
//! Jsonnet is lazy, so a few lines can describe an astronomically large value
//! (`local a = [a0, a0]` doubled forty times); jrsonnet keeps such arrays and
//! strings as cheap trees until they are written out. The value is therefore
//! turned into JSON here, counting values and string bytes as it goes and
//! stopping at [`Limits`], instead of by jrsonnet's own writer (which would
//! build the whole text first). Evaluation runs on its own thread with a known
//! stack and jrsonnet's call-depth limit; the caller stops waiting at the
//! deadline. jrsonnet cannot be interrupted from outside, so a block that
//! spends its time inside one builtin call keeps that thread busy until the call
//! returns; writing out the result stops as soon as the caller gave up.
//!
//! As in StackQL, `--var` values are the block's jsonnet external variables
//! (`std.extVar('region')`): every string-valued template variable is one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use jrsonnet_evaluator::trace::PathResolver;
use jrsonnet_evaluator::{State, Val};
use serde_json::Value as Json;

use crate::JsonnetLimits;

/// The evaluation thread's stack: deep enough for `max_call_depth` nested calls.
const STACK_SIZE: usize = 64 << 20;

/// Evaluate `source` within `limits`; the error is a message for the user.
pub(crate) fn evaluate(
    source: &str,
    vars: &crate::Vars,
    limits: &JsonnetLimits,
) -> Result<Json, String> {
    let (tx, rx) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + limits.timeout;
    let worker = {
        let source = source.to_string();
        let ext_vars = external_variables(vars);
        let limits = limits.clone();
        let cancel = Arc::clone(&cancel);
        move || {
            let result = evaluate_here(&source, &ext_vars, &limits, deadline, &cancel);
            // The caller may have stopped waiting; nothing to do then.
            let _ = tx.send(result);
        }
    };
    std::thread::Builder::new()
        .name("jsonnet".into())
        .stack_size(STACK_SIZE)
        .spawn(worker)
        .map_err(|e| format!("cannot start jsonnet evaluation: {e}"))?;
    match rx.recv_timeout(limits.timeout) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            cancel.store(true, Ordering::Relaxed);
            Err(too_slow(limits))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("jsonnet evaluation stopped unexpectedly".to_string())
        }
    }
}

fn too_slow(limits: &JsonnetLimits) -> String {
    format!(
        "evaluation took longer than {} s; simplify the block or move its data to --iqldata",
        limits.timeout.as_secs_f64()
    )
}

/// The variables jsonnet sees through `std.extVar`: StackQL passes its `--var` values,
/// which are strings; `--iqldata` strings come along (a superset breaks no block).
fn external_variables(vars: &crate::Vars) -> Vec<(String, String)> {
    vars.iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

fn evaluate_here(
    source: &str,
    ext_vars: &[(String, String)],
    limits: &JsonnetLimits,
    deadline: Instant,
    cancel: &AtomicBool,
) -> Result<Json, String> {
    let _depth = jrsonnet_evaluator::stack::limit_stack_depth(limits.max_call_depth);
    let mut builder = State::builder();
    let context = jrsonnet_stdlib::ContextInitializer::new(PathResolver::FileName);
    for (name, value) in ext_vars {
        context.add_ext_str(name.as_str().into(), value.as_str().into());
    }
    builder.context_initializer(context);
    let state = builder.build();
    let mut budget = Budget {
        limits,
        values: 0,
        bytes: 0,
        deadline,
        cancel,
    };
    state
        .evaluate_snippet("<data block>", source)
        .map_err(|e| e.to_string())
        .and_then(|val| budget.convert(val, 0))
        // jrsonnet's text suggests its own command-line flag; say what the limit is instead.
        .map_err(|e| {
            e.replace(
                "stack overflow, try to reduce recursion, or set --max-stack to bigger value",
                &format!(
                    "stack overflow: calls nested deeper than {}",
                    limits.max_call_depth
                ),
            )
        })
}

struct Budget<'a> {
    limits: &'a JsonnetLimits,
    values: usize,
    bytes: usize,
    deadline: Instant,
    cancel: &'a AtomicBool,
}

impl Budget<'_> {
    fn count_value(&mut self) -> Result<(), String> {
        self.values += 1;
        if self.values > self.limits.max_values {
            return Err(format!(
                "the result has more than {} values; data blocks are for small data",
                self.limits.max_values
            ));
        }
        // Checking the clock on every value would cost more than the conversion.
        if self.values.is_multiple_of(1024)
            && (self.cancel.load(Ordering::Relaxed) || Instant::now() > self.deadline)
        {
            return Err(too_slow(self.limits));
        }
        Ok(())
    }

    fn count_bytes(&mut self, n: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.max_bytes {
            return Err(format!(
                "the result holds more than {} MiB of text; data blocks are for small data",
                self.limits.max_bytes >> 20
            ));
        }
        Ok(())
    }

    fn convert(&mut self, val: Val, nesting: usize) -> Result<Json, String> {
        self.count_value()?;
        if nesting > self.limits.max_nesting {
            return Err(format!(
                "the result is nested more than {} levels deep",
                self.limits.max_nesting
            ));
        }
        Ok(match val {
            Val::Null => Json::Null,
            Val::Bool(b) => Json::Bool(b),
            Val::Num(n) => number(n.get()),
            Val::Str(s) => {
                // The length is known before the (possibly huge) string is built.
                self.count_bytes(s.len())?;
                Json::String(s.into_flat().to_string())
            }
            Val::Arr(arr) => {
                if arr.len() > self.limits.max_values {
                    return Err(format!(
                        "the result has an array of {} elements, more than the {} values allowed",
                        arr.len(),
                        self.limits.max_values
                    ));
                }
                let mut items = Vec::with_capacity(arr.len());
                for item in arr.iter() {
                    items.push(self.convert(item.map_err(|e| e.to_string())?, nesting + 1)?);
                }
                Json::Array(items)
            }
            Val::Obj(obj) => {
                obj.run_assertions().map_err(|e| e.to_string())?;
                let mut map = serde_json::Map::new();
                // Fields in the order they were written.
                for (key, value) in obj.iter(true) {
                    self.count_bytes(key.len())?;
                    let value = value.map_err(|e| e.to_string())?;
                    map.insert(key.to_string(), self.convert(value, nesting + 1)?);
                }
                Json::Object(map)
            }
            Val::Func(_) => return Err("a function cannot be written out as data".to_string()),
        })
    }
}

/// Jsonnet numbers are doubles; whole ones are written without a fraction, as jsonnet does.
fn number(n: f64) -> Json {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if n.fract() == 0.0 && n.abs() < EXACT {
        Json::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)
    }
}
