//! The six workloads of the shared `sfn-bench` harness (`bench.py`, `workloads.py`), as data:
//! which definition file, how many executions from how many clients, each execution's input
//! and its exact expected output. The definitions themselves are read from the folder given
//! with `--workloads`, so this binary measures the same machines the Python harness does.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Value};

/// Items of the inline Map of `w3` at scale 1.
pub(crate) const W3_ITEMS: usize = 10_000;

/// One workload.
#[derive(Clone)]
pub(crate) struct Workload {
    /// `w1` … `w6`.
    pub(crate) key: &'static str,
    pub(crate) name: &'static str,
    /// The definition's file name in the workload folder.
    pub(crate) file: &'static str,
    /// Executions per run at scale 1.
    pub(crate) executions: usize,
    /// Client connections, each running its share of the executions one after another.
    pub(crate) clients: usize,
    pub(crate) kind: Kind,
    pub(crate) machine_type: &'static str,
    /// Run through StartSyncExecution instead of StartExecution + DescribeExecution.
    pub(crate) sync: bool,
    /// State transitions per execution (`w3`: counted from its items).
    transitions: u64,
    /// Every execution must last at least this long (server dates), in seconds.
    pub(crate) min_duration_s: Option<f64>,
    /// Whether `--scale` changes the execution count (`w3` scales its items instead).
    scalable: bool,
}

/// What a workload's executions compute, which decides their inputs and expected outputs.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    PassChain,
    FiveStates,
    InlineMap,
    ParallelFanout,
    WaitTimer,
}

/// The six workloads, in `bench.py`'s order.
pub(crate) fn all() -> Vec<Workload> {
    let w = |key, name, file, executions, clients, kind, transitions| Workload {
        key,
        name,
        file,
        executions,
        clients,
        kind,
        machine_type: "STANDARD",
        sync: false,
        transitions,
        min_duration_s: None,
        scalable: true,
    };
    vec![
        Workload {
            scalable: false,
            ..w("w1", "pass-chain", "w1_pass_chain.asl.json", 1, 1, Kind::PassChain, 100)
        },
        w(
            "w2",
            "many-executions",
            "w2_many_executions.asl.json",
            1000,
            8,
            Kind::FiveStates,
            4,
        ),
        Workload {
            scalable: false,
            ..w(
                "w3",
                "inline-map",
                "w3_inline_map.asl.json",
                1,
                1,
                Kind::InlineMap,
                1 + 3 * W3_ITEMS as u64,
            )
        },
        w(
            "w4",
            "parallel-fanout",
            "w4_parallel_fanout.asl.json",
            100,
            8,
            Kind::ParallelFanout,
            101,
        ),
        Workload {
            min_duration_s: Some(1.0),
            ..w("w5", "wait-timer", "w5_wait_timer.asl.json", 500, 8, Kind::WaitTimer, 3)
        },
        Workload {
            machine_type: "EXPRESS",
            sync: true,
            ..w(
                "w6",
                "express-sync",
                "w6_express_sync.asl.json",
                2000,
                8,
                Kind::FiveStates,
                4,
            )
        },
    ]
}

impl Workload {
    /// The definition text from the workload folder.
    pub(crate) fn definition(&self, folder: &Path) -> Result<String> {
        let path = folder.join(self.file);
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let value: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        Ok(value.to_string())
    }

    /// Executions per run at `scale` (`bench.py`: `max(1, round(n * scale))`).
    pub(crate) fn scaled_executions(&self, scale: f64) -> usize {
        if self.scalable {
            scaled(self.executions, scale)
        } else {
            self.executions
        }
    }

    /// The inputs of one run's `count` executions.
    pub(crate) fn inputs(&self, count: usize, scale: f64) -> Vec<Value> {
        (0..count).map(|i| self.input(i, scale)).collect()
    }

    fn input(&self, i: usize, scale: f64) -> Value {
        match self.kind {
            Kind::PassChain => json!({"seed": format!("s{i}"), "last": {"i": -1}}),
            Kind::FiveStates => json!({"n": i % 1000}),
            Kind::InlineMap => {
                let items: Vec<Value> = (0..scaled(W3_ITEMS, scale)).map(|k| json!({"id": k})).collect();
                json!({ "items": items })
            }
            Kind::ParallelFanout => json!({"x": i}),
            Kind::WaitTimer => json!({"n": i}),
        }
    }

    /// The exact output the execution of `input` must produce.
    pub(crate) fn expected(&self, input: &Value) -> Value {
        match self.kind {
            Kind::PassChain => {
                json!({"seed": input["seed"], "last": {"i": 99, "prev": 98, "seed": input["seed"]}})
            }
            Kind::FiveStates => {
                let n = &input["n"];
                let big = n.as_i64().is_some_and(|n| n >= 500);
                json!({"n": n, "tag": "w", "size": if big { "big" } else { "small" }})
            }
            Kind::InlineMap => input["items"]
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|item| {
                            let id = item["id"].as_i64().unwrap_or_default();
                            json!(format!("i{id}-{}", if id < 5000 { "lo" } else { "hi" }))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Kind::ParallelFanout => (0..10).map(|b| json!({"x": input["x"], "b": b, "j": 9})).collect(),
            Kind::WaitTimer => json!({"n": input["n"], "woke": true}),
        }
    }

    /// State transitions of the execution of `input`.
    pub(crate) fn transitions(&self, input: &Value) -> u64 {
        match self.kind {
            Kind::InlineMap => 1 + 3 * input["items"].as_array().map_or(0, Vec::len) as u64,
            _ => self.transitions,
        }
    }
}

/// `max(1, round(n * scale))` with Python's rounding (half to even).
fn scaled(n: usize, scale: f64) -> usize {
    ((n as f64 * scale).round_ties_even() as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_outputs_follow_the_harness() {
        let by_key = |key: &str| all().into_iter().find(|w| w.key == key).unwrap();
        let w1 = by_key("w1");
        let input = &w1.inputs(1, 1.0)[0];
        assert_eq!(
            w1.expected(input),
            json!({"seed": "s0", "last": {"i": 99, "prev": 98, "seed": "s0"}})
        );
        let w2 = by_key("w2");
        let inputs = w2.inputs(1000, 1.0);
        assert_eq!(w2.expected(&inputs[499])["size"], "small");
        assert_eq!(w2.expected(&inputs[500])["size"], "big");
        let w3 = by_key("w3");
        let input = &w3.inputs(1, 1.0)[0];
        let expected = w3.expected(input);
        assert_eq!(expected.as_array().unwrap().len(), W3_ITEMS);
        assert_eq!(expected[4999], "i4999-lo");
        assert_eq!(expected[5000], "i5000-hi");
        assert_eq!(w3.transitions(input), 30_001);
        assert_eq!(w3.inputs(1, 0.01)[0]["items"].as_array().unwrap().len(), 100);
        assert_eq!(
            by_key("w4").expected(&json!({"x": 3}))[9],
            json!({"x": 3, "b": 9, "j": 9})
        );
    }

    #[test]
    fn scaling_rounds_like_python() {
        assert_eq!(scaled(1000, 0.05), 50);
        assert_eq!(scaled(1000, 0.0001), 1);
        assert_eq!(scaled(5, 0.5), 2);
    }
}
