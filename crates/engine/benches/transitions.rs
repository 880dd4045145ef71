//! Prints in-memory engine throughput: state transitions per second for a chain of 1,000
//! Pass states (each with `Parameters` and `ResultPath`), the same for 1,000 JSONata Pass
//! states (each with `Output` and `Assign`), and the time of an inline Map over 10,000
//! items with a 3-state iterator. Run with `cargo bench -p engine`; `cargo bench -p engine --
//! jsonata` runs only the measurements whose name contains `jsonata` (to profile one).

use std::time::{Duration, Instant};

use asl::definition::StateMachine;
use engine::execution::{run, ExecutionInput, ExecutionSpec, Options, Outcome, Status, SystemClock};
use serde_json::{json, Value};

fn pass_chain(states: usize) -> Value {
    let mut map = serde_json::Map::new();
    for i in 0..states {
        let mut state = json!({
            "Type": "Pass",
            "Parameters": {"i": i, "prev.$": "$.last.i", "seed.$": "$.seed"},
            "ResultPath": "$.last",
        });
        if i + 1 == states {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("P{}", i + 1));
        }
        map.insert(format!("P{i}"), state);
    }
    json!({"StartAt": "P0", "States": map})
}

/// JSONata states: every expression was parsed when the definition loaded; each run only
/// evaluates.
fn jsonata_chain(states: usize) -> Value {
    let mut map = serde_json::Map::new();
    for i in 0..states {
        let mut state = json!({
            "Type": "Pass",
            "Output": {"i": i, "prev": "{% $states.input.i %}", "total": "{% $total + 1 %}"},
            "Assign": {"total": "{% $total + 1 %}", "last": "{% $states.input.i %}"},
        });
        if i + 1 == states {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("J{}", i + 1));
        }
        map.insert(format!("J{i}"), state);
    }
    map.insert(
        "Init".into(),
        json!({"Type": "Pass", "Assign": {"total": 0}, "Output": {"i": -1}, "Next": "J0"}),
    );
    json!({"QueryLanguage": "JSONata", "StartAt": "Init", "States": map})
}

fn inline_map() -> Value {
    json!({
        "StartAt": "Map",
        "States": {"Map": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": true,
            "ItemProcessor": {"StartAt": "Format", "States": {
                "Format": {"Type": "Pass", "Parameters": {"n.$": "$.n", "s.$": "States.Format('item-{}', $.n)"}, "Next": "Check"},
                "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 5000, "Next": "Big"}], "Default": "Small"},
                "Small": {"Type": "Pass", "Parameters": {"v.$": "States.Format('small-{}', $.s)"}, "OutputPath": "$.v", "End": true},
                "Big": {"Type": "Pass", "Parameters": {"v.$": "States.Format('big-{}', $.s)"}, "OutputPath": "$.v", "End": true}
            }}
        }}
    })
}

fn spec(input: &Value) -> ExecutionSpec {
    ExecutionSpec {
        execution_arn: "arn:aws:states:us-east-1:123456789012:execution:bench:run".into(),
        execution_name: "run".into(),
        state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:bench".into(),
        state_machine_name: "bench".into(),
        role_arn: "arn:aws:iam::123456789012:role/bench".into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        input: ExecutionInput::from_value(input.clone()),
    }
}

fn execute(machine: &StateMachine, input: &Value, keep_history: bool) -> (Outcome, Duration) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let options = Options {
        wait_scale: 0.0,
        keep_history,
        ..Options::default()
    };
    let spec = spec(input);
    let started = Instant::now();
    let outcome = runtime.block_on(run(machine, &spec, &integrations::Unconfigured, &SystemClock, &options));
    (outcome, started.elapsed())
}

fn best_of(runs: usize, mut f: impl FnMut() -> (Outcome, Duration)) -> (Outcome, Duration) {
    let mut best = f();
    for _ in 1..runs {
        let next = f();
        if next.1 < best.1 {
            best = next;
        }
    }
    best
}

fn main() {
    // cargo bench passes `--bench`; any other argument selects measurements by name.
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with("--"));
    let selected = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if selected("pass-chain") {
        pass_chain_bench();
    }
    if selected("jsonata-chain") {
        jsonata_chain_bench();
    }
    if selected("inline-map") {
        inline_map_bench();
    }
}

fn pass_chain_bench() {
    let chain = asl::loader::load(&pass_chain(1000)).expect("valid chain");
    let input = json!({"seed": 42, "last": {"i": -1}});
    for keep in [false, true] {
        let (outcome, elapsed) = best_of(20, || execute(&chain, &input, keep));
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(
            outcome.output.as_ref().unwrap()["last"],
            json!({"i": 999, "prev": 998, "seed": 42})
        );
        println!(
            "pass-chain (1,000 Pass states, history {}): {:.0} transitions/s ({:.2} ms per execution)",
            if keep { "kept" } else { "counted only" },
            outcome.transitions as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}

fn jsonata_chain_bench() {
    let chain = asl::loader::load(&jsonata_chain(1000)).expect("valid JSONata chain");
    let input = json!({});
    for keep in [false, true] {
        let (outcome, elapsed) = best_of(10, || execute(&chain, &input, keep));
        assert_eq!(outcome.status, Status::Succeeded);
        assert_eq!(
            outcome.output.as_ref().unwrap(),
            &json!({"i": 999, "prev": 998, "total": 1000})
        );
        println!(
            "jsonata-chain (1,000 JSONata Pass states with Output and Assign, history {}): {:.0} transitions/s ({:.2} ms per execution)",
            if keep { "kept" } else { "counted only" },
            outcome.transitions as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}

fn inline_map_bench() {
    let map = asl::loader::load(&inline_map()).expect("valid map");
    let items: Vec<Value> = (0..10_000).map(|n| json!({"n": n})).collect();
    let input = json!({"items": items});
    for keep in [false, true] {
        let (outcome, elapsed) = best_of(5, || execute(&map, &input, keep));
        assert_eq!(outcome.status, Status::Succeeded);
        let output = outcome.output.as_ref().unwrap();
        assert_eq!(output[0], json!("small-item-0"));
        assert_eq!(output[9999], json!("big-item-9999"));
        println!(
            "inline-map (10,000 items x 3 states, history {}): {:.1} ms ({:.0} transitions/s)",
            if keep { "kept" } else { "counted only" },
            elapsed.as_secs_f64() * 1e3,
            outcome.transitions as f64 / elapsed.as_secs_f64()
        );
    }
}
