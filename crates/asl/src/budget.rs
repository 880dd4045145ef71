//! The budget one evaluation of a state's JSONPath, intrinsic functions or JSONata runs
//! under, so that no small input can make an evaluation grow without bound.
//!
//! A path such as `$..*..*..*..*` selects every combination of four nested nodes: on a
//! 421-byte object nested 70 deep that is millions of copies of deep subtrees, gigabytes
//! before the result's size could be checked against the payload limit. So the limit is
//! checked while the result is built. A [`Budget`] counts two things as an evaluation goes:
//!
//! - **memory**: every value it selects or builds costs its approximate size in memory,
//!   allocations included ([`Budget::charge_value`]); at most [`MEMORY_FACTOR`] times the payload limit (32 MiB
//!   for AWS's 256 KiB). A payload at the limit takes about 10 to 40 times its text size once
//!   parsed, so legitimate evaluations, whose results must fit a payload, stay far below.
//! - **work**: every node a path visits costs one step; at most [`WORK_FACTOR`] times the
//!   payload limit (16 Mi steps), far more than visiting every node of a payload at the
//!   limit many times over.
//!
//! The payload limit is the engine's setting (`--max-payload-bytes`), so raising it raises
//! both. Charges only add up: what an evaluation built and dropped again still counts, which
//! also bounds the time it takes. An exhausted budget fails the state with
//! `States.DataLimitExceeded` (JSONPath, intrinsic functions) or
//! `States.QueryEvaluationError` (JSONata).
//!
//! ```
//! use asl::budget::{Budget, OverBudget};
//! use serde_json::json;
//!
//! let budget = Budget::for_payload(1024);
//! assert!(budget.charge_value(&json!({"small": [1, 2, 3]})).is_ok());
//! let big = json!(vec!["x".repeat(1000); 1000]);
//! assert!(matches!(budget.charge_value(&big), Err(OverBudget::Memory { .. })));
//! ```

use std::cell::Cell;
use std::mem::size_of;

use serde_json::Value;

/// AWS's payload limit for a state's input and output: 256 KiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// How many times the payload limit an evaluation may hold in memory.
pub const MEMORY_FACTOR: usize = 128;

/// How many times the payload limit (in bytes) an evaluation may take steps.
pub const WORK_FACTOR: usize = 64;

/// What one heap allocation costs besides its contents (the allocator's header and
/// rounding), roughly.
pub const ALLOCATION_OVERHEAD: usize = 16;

/// What one object member costs besides its key's text and its value: its hash, the key's
/// `String` and that string's allocation, and the map's index entry.
pub const MEMBER_OVERHEAD: usize = size_of::<u64>() + size_of::<String>() + ALLOCATION_OVERHEAD + 16;

/// What one object costs besides its members: its two allocations (entries and index) and
/// the index's spare room.
pub const OBJECT_OVERHEAD: usize = 2 * ALLOCATION_OVERHEAD + 32;

/// The memory and work one evaluation may still use. Not thread-safe: one evaluation runs
/// on one thread.
#[derive(Debug)]
pub struct Budget {
    memory_limit: usize,
    memory_used: Cell<usize>,
    work_limit: usize,
    work_done: Cell<usize>,
}

/// An evaluation needed more than its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OverBudget {
    /// The values it selected or built would take more memory than `limit` bytes.
    #[error("the evaluation needs more than {limit} bytes of memory")]
    Memory { limit: usize },
    /// It would take more than `limit` steps.
    #[error("the evaluation needs more than {limit} steps")]
    Work { limit: usize },
}

impl Budget {
    /// The budget of an evaluation whose results must fit in payloads of
    /// `max_payload_bytes`.
    pub fn for_payload(max_payload_bytes: usize) -> Budget {
        Budget::new(
            max_payload_bytes.saturating_mul(MEMORY_FACTOR),
            max_payload_bytes.saturating_mul(WORK_FACTOR),
        )
    }

    /// A budget of `memory_limit` bytes and `work_limit` steps.
    pub fn new(memory_limit: usize, work_limit: usize) -> Budget {
        Budget {
            memory_limit,
            memory_used: Cell::new(0),
            work_limit,
            work_done: Cell::new(0),
        }
    }

    /// A budget that is never exhausted.
    pub fn unlimited() -> Budget {
        Budget::new(usize::MAX, usize::MAX)
    }

    /// The memory the evaluation may use, in bytes.
    pub fn memory_limit(&self) -> usize {
        self.memory_limit
    }

    /// The longest sequence of values an evaluation can hold: one of `value_size` bytes
    /// per item would alone exhaust the memory budget beyond that.
    pub fn max_items(&self, value_size: usize) -> usize {
        self.memory_limit / value_size.max(1)
    }

    /// Counts `bytes` of memory.
    pub fn charge(&self, bytes: usize) -> Result<(), OverBudget> {
        let used = self.memory_used.get().saturating_add(bytes);
        self.memory_used.set(used);
        if used > self.memory_limit {
            return Err(OverBudget::Memory {
                limit: self.memory_limit,
            });
        }
        Ok(())
    }

    /// Counts one step of work.
    pub fn step(&self) -> Result<(), OverBudget> {
        self.steps(1)
    }

    /// Counts `count` steps of work.
    pub fn steps(&self, count: usize) -> Result<(), OverBudget> {
        let done = self.work_done.get().saturating_add(count);
        self.work_done.set(done);
        if done > self.work_limit {
            return Err(OverBudget::Work { limit: self.work_limit });
        }
        Ok(())
    }

    /// Counts the memory a copy of `value` takes. The walk stops as soon as the budget is
    /// exhausted, so charging a huge value costs no more than the budget allows; it keeps
    /// its own stack, so no value is too deep for it.
    pub fn charge_value(&self, value: &Value) -> Result<(), OverBudget> {
        let mut pending = vec![value];
        while let Some(value) = pending.pop() {
            let own = match value {
                Value::String(s) if s.is_empty() => 0,
                Value::String(s) => s.len() + ALLOCATION_OVERHEAD,
                Value::Array(items) => {
                    pending.extend(items.iter());
                    ALLOCATION_OVERHEAD
                }
                Value::Object(map) => {
                    pending.extend(map.values());
                    OBJECT_OVERHEAD + map.keys().map(|key| key.len() + MEMBER_OVERHEAD).sum::<usize>()
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => 0,
            };
            self.charge(size_of::<Value>() + own)?;
        }
        Ok(())
    }
}

impl Default for Budget {
    /// The budget for AWS's payload limit.
    fn default() -> Budget {
        Budget::for_payload(DEFAULT_MAX_PAYLOAD_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_scale_with_the_payload_limit() {
        let table = [
            (1024, 128 * 1024, 64 * 1024),
            (DEFAULT_MAX_PAYLOAD_BYTES, 32 << 20, 16 << 20),
            (usize::MAX, usize::MAX, usize::MAX),
        ];
        for (payload, memory, work) in table {
            let budget = Budget::for_payload(payload);
            assert_eq!((budget.memory_limit, budget.work_limit), (memory, work), "{payload}");
        }
    }

    #[test]
    fn charges_add_up_until_the_limit() {
        let budget = Budget::new(100, 3);
        assert_eq!(budget.charge(60), Ok(()));
        assert_eq!(budget.charge(40), Ok(()));
        assert_eq!(budget.charge(1), Err(OverBudget::Memory { limit: 100 }));
        assert_eq!(budget.charge(0), Err(OverBudget::Memory { limit: 100 }));
        for _ in 0..3 {
            assert_eq!(budget.step(), Ok(()));
        }
        assert_eq!(budget.step(), Err(OverBudget::Work { limit: 3 }));
    }

    #[test]
    fn values_cost_their_nodes_and_text() {
        let node = size_of::<Value>();
        let table = [
            (json!(null), node),
            (json!(12.5), node),
            (json!(""), node),
            (json!("abc"), node + 3 + ALLOCATION_OVERHEAD),
            (json!([1, 2]), 3 * node + ALLOCATION_OVERHEAD),
            (
                json!({"ab": [true]}),
                3 * node + OBJECT_OVERHEAD + 2 + MEMBER_OVERHEAD + ALLOCATION_OVERHEAD,
            ),
        ];
        for (value, cost) in table {
            let budget = Budget::unlimited();
            assert_eq!(budget.charge_value(&value), Ok(()));
            assert_eq!(budget.memory_used.get(), cost, "{value}");
        }
    }

    #[test]
    fn charging_a_huge_value_stops_early() {
        let budget = Budget::new(1000, 1);
        let huge = json!(vec![vec![0; 1000]; 1000]);
        assert_eq!(budget.charge_value(&huge), Err(OverBudget::Memory { limit: 1000 }));
        assert!(budget.memory_used.get() < 1000 + 2 * size_of::<Value>());
    }
}
