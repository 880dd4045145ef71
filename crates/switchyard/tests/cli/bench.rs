//! `switchyard bench`: the server figures and the sfn-bench workloads, run small. The
//! workload definitions here are this test's own (shorter machines computing the outputs
//! the harness checks), written to a scratch folder; the shared ones are not needed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{switchyard, Outcome, Scratch};

fn five_states(big: &str) -> Value {
    json!({"StartAt": "Route", "States": {
        "Route": {"Type": "Choice",
                  "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 500, "Next": "Big"}],
                  "Default": "Small"},
        "Big": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag": "w", "size": big}, "End": true},
        "Small": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag": "w", "size": "small"}, "End": true}
    }})
}

/// Definitions that compute what the harness expects of each workload.
fn write_workloads(scratch: &Scratch) {
    let chain = json!({"StartAt": "P98", "States": {
        "P98": {"Type": "Pass", "Parameters": {"i": 98, "prev.$": "$.last.i", "seed.$": "$.seed"},
                "ResultPath": "$.last", "Next": "P99"},
        "P99": {"Type": "Pass", "Parameters": {"i": 99, "prev.$": "$.last.i", "seed.$": "$.seed"},
                "ResultPath": "$.last", "End": true}
    }});
    let map = json!({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "ItemsPath": "$.items", "End": true,
        "ItemProcessor": {"StartAt": "Check", "States": {
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.id", "NumericLessThan": 5000, "Next": "Low"}],
                      "Default": "High"},
            "Low": {"Type": "Pass", "Parameters": {"v.$": "States.Format('i{}-lo', $.id)"}, "OutputPath": "$.v", "End": true},
            "High": {"Type": "Pass", "Parameters": {"v.$": "States.Format('i{}-hi', $.id)"}, "OutputPath": "$.v", "End": true}
        }}
    }}});
    let branches: Vec<Value> = (0..10)
        .map(|b| json!({"StartAt": format!("S{b}"), "States": {format!("S{b}"): {"Type": "Pass", "Parameters": {"x.$": "$.x", "b": b, "j": 9}, "End": true}}}))
        .collect();
    let parallel =
        json!({"StartAt": "Fanout", "States": {"Fanout": {"Type": "Parallel", "Branches": branches, "End": true}}});
    let wait = json!({"StartAt": "Sleep", "States": {
        "Sleep": {"Type": "Wait", "Seconds": 1, "Next": "After"},
        "After": {"Type": "Pass", "Parameters": {"n.$": "$.n", "woke": true}, "End": true}
    }});
    for (file, definition) in [
        ("w1_pass_chain.asl.json", chain),
        ("w2_many_executions.asl.json", five_states("big")),
        ("w3_inline_map.asl.json", map),
        ("w4_parallel_fanout.asl.json", parallel),
        ("w5_wait_timer.asl.json", wait),
        ("w6_express_sync.asl.json", five_states("big")),
    ] {
        scratch.write(file, &definition.to_string());
    }
}

fn bench(args: &[&str]) -> Outcome {
    let args: Vec<String> = ["bench"].iter().chain(args).map(|s| (*s).to_owned()).collect();
    switchyard(&args)
}

/// The `{"type": "sfn-bench", ...}` summary lines, by workload key.
fn summaries(outcome: &Outcome) -> Vec<Value> {
    outcome
        .stdout
        .lines()
        .filter(|l| l.starts_with(r#"{"type": "sfn-bench""#))
        .map(|l| serde_json::from_str(l).expect("a summary line is JSON"))
        .collect()
}

#[test]
fn runs_the_six_workloads_and_reports_the_harness_metrics() {
    let scratch = Scratch::new();
    write_workloads(&scratch);
    let folder = scratch.path().display().to_string();
    let outcome = bench(&[
        "--executions",
        "0",
        "--stored",
        "0",
        "--map-items",
        "0",
        "--workloads",
        &folder,
        "--runs",
        "1",
        "--scale",
        "0.01",
    ]);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    let lines = summaries(&outcome);
    let keys: Vec<&str> = lines.iter().map(|s| s["workload"].as_str().unwrap()).collect();
    assert_eq!(keys, ["w1", "w2", "w3", "w4", "w5", "w6"], "{outcome:?}");
    for s in &lines {
        assert_eq!(s["status"], "OK", "{s}");
        assert_eq!(s["verified_runs"], 1, "{s}");
        for key in [
            "wall_s",
            "exec_per_s",
            "transitions_per_s",
            "lat_p50_ms",
            "rss_peak_mb",
            "startup_s",
        ] {
            assert!(s[key].as_f64().is_some_and(|v| v > 0.0), "{key} in {s}");
        }
    }
    let by = |key: &str| lines.iter().find(|s| s["workload"] == key).unwrap();
    // Transitions are the harness's counts (100 for w1 whatever the definition), and the
    // scale shrinks the counts as bench.py does.
    assert_eq!(by("w1")["transitions"], 100);
    assert_eq!(by("w2")["n"], 10);
    assert_eq!(by("w3")["transitions"], 1 + 3 * 100);
    assert_eq!(by("w6")["n"], 20);
    // Every Wait lasted its second.
    assert!(by("w5")["makespan_s"].as_f64().unwrap() >= 1.0, "{}", by("w5"));
    assert!(by("w1")["server_duration_s"].as_f64().is_some());
    // The closing table names the metrics.
    for text in [
        "w3 inline-map",
        "transitions_per_s",
        "makespan_s",
        "rss_peak_mb",
        "startup_s",
    ] {
        assert!(outcome.stdout.contains(text), "{text} missing from\n{}", outcome.stdout);
    }
}

#[test]
fn a_wrong_answer_fails_the_workload_without_figures() {
    let scratch = Scratch::new();
    write_workloads(&scratch);
    // Every n of the first 1% of w2 is below 500: the answer must be "small".
    scratch.write(
        "w2_many_executions.asl.json",
        &five_states("big").to_string().replace("500", "0"),
    );
    let folder = scratch.path().display().to_string();
    let outcome = bench(&[
        "--executions",
        "0",
        "--stored",
        "0",
        "--map-items",
        "0",
        "--workloads",
        &folder,
        "--only",
        "w2,w6",
        "--runs",
        "2",
        "--scale",
        "0.01",
    ]);
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    let lines = summaries(&outcome);
    assert_eq!(lines[0]["status"], "FAILED", "{outcome:?}");
    assert_eq!(lines[0]["failures"], json!({"WRONG_OUTPUT": 10}));
    assert_eq!(lines[0]["runs"], 1, "a failing workload is not run again");
    assert!(lines[0].get("exec_per_s").is_none());
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .contains(r#"want {"n":0,"tag":"w","size":"small"}"#));
    assert_eq!(lines[1]["status"], "OK", "{outcome:?}");
}

#[test]
fn server_figures_include_the_inline_map_peak_rss() {
    let outcome = bench(&[
        "--executions",
        "20",
        "--connections",
        "4",
        "--stored",
        "50",
        "--map-items",
        "200",
    ]);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    for text in [
        "server start to first answered request:",
        "standard (durable, 5 states): 20 executions (20 succeeded)",
        "express (StartSyncExecution, 5 states): 20 executions (20 succeeded)",
        "inline Map (200 items x 3 states, Standard, through the API)",
        "restart with 50 stored executions to first answered request:",
    ] {
        assert!(
            outcome.stdout.contains(text),
            "{text:?} missing from\n{}",
            outcome.stdout
        );
    }
    let rss_line = outcome.stdout.lines().find(|l| l.starts_with("inline Map")).unwrap();
    let peak: f64 = rss_line
        .split("server peak RSS ")
        .nth(1)
        .and_then(|r| r.split(" MB").next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in {rss_line}"));
    assert!(peak > 1.0 && peak < 4096.0, "{rss_line}");
}

/// A `switchyard serve --in-memory` on a free port, stopped when dropped.
struct Serve(Child, u16);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve() -> Serve {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--in-memory", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start switchyard serve");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "serve did not listen");
        std::thread::sleep(Duration::from_millis(10));
    }
    Serve(child, port)
}

#[test]
fn measures_a_running_server_at_an_endpoint() {
    let server = serve();
    let scratch = Scratch::new();
    write_workloads(&scratch);
    let folder = scratch.path().display().to_string();
    let endpoint = format!("http://127.0.0.1:{}", server.1);
    let pid = server.0.id().to_string();
    let outcome = bench(&[
        "--endpoint",
        &endpoint,
        "--server-pid",
        &pid,
        "--executions",
        "10",
        "--map-items",
        "50",
        "--workloads",
        &folder,
        "--only",
        "pass-chain",
        "--runs",
        "1",
        "--name",
        "running",
    ]);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    assert!(!outcome.stdout.contains("server start to first"), "{}", outcome.stdout);
    assert!(!outcome.stdout.contains("restart with"), "{}", outcome.stdout);
    assert!(outcome.stdout.contains("inline Map (50 items"), "{}", outcome.stdout);
    let lines = summaries(&outcome);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["target"], "running");
    assert_eq!(lines[0]["status"], "OK", "{outcome:?}");
    assert!(lines[0]["rss_peak_mb"].as_f64().is_some(), "{}", lines[0]);
    assert!(lines[0]["startup_s"].is_null(), "{}", lines[0]);
}

#[test]
fn refuses_an_endpoint_off_this_machine() {
    let outcome = bench(&["--endpoint", "http://192.0.2.1:8083", "--executions", "1"]);
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
    assert!(outcome.stderr.contains("non-loopback"), "{}", outcome.stderr);
}
