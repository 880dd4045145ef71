//! Issue 12, defect 1: one small execution must not take the server down. A deep scan
//! (`$..*..*..*..*`) over a 421-byte input nested 70 deep, a JSONata range of ten million
//! numbers and a huge `States.ArrayRange` each fail their state with AWS's error, with the
//! server's memory bounded; and such an execution, stored when the server died, fails
//! after the restart instead of killing the server again.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{json, Value};

use crate::support::{create_machine, start, unique, wait_done, wait_for_event, Server, TempDir};

/// `{"a":{"a":...1}}`, `depth` objects deep: 421 bytes at depth 70.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, _| json!({ "a": inner }))
}

/// The most memory a server may take while failing these executions. Without the budget,
/// depth 50 peaked at 869 MB and depth 70 at 3.8 GB before the process aborted.
const MAX_RSS: u64 = 250 << 20;

fn deep_scan_machine() -> Value {
    json!({
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "$..*..*..*..*"}, "End": true}}
    })
}

#[tokio::test]
async fn runaway_evaluations_fail_their_state_cleanly() {
    assert_eq!(nested(70).to_string().len(), 421);
    let server = Server::start(1.0);
    let client = server.client();
    let deep_scan = create_machine(&client, &unique("deep-scan"), &deep_scan_machine()).await;
    let range = create_machine(
        &client,
        &unique("jsonata-range"),
        &json!({
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Output": "{% $sum([1..10000000]) %}", "End": true}}
        }),
    )
    .await;
    let array_range = create_machine(
        &client,
        &unique("array-range"),
        &json!({
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "States.ArrayRange(1, 100000000, 1)"}, "End": true}}
        }),
    )
    .await;
    let output_path = create_machine(
        &client,
        &unique("output-path"),
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$..*..*..*..*", "End": true}}}),
    )
    .await;
    let table = [
        (&deep_scan, nested(70), "States.DataLimitExceeded"),
        (&deep_scan, nested(50), "States.DataLimitExceeded"),
        (&output_path, nested(70), "States.DataLimitExceeded"),
        (&range, json!({}), "States.QueryEvaluationError"),
        (&array_range, json!({}), "States.IntrinsicFailure"),
    ];
    for (machine, input, error) in table {
        let started = Instant::now();
        let execution = start(&client, machine, &input).await;
        let out = wait_done(&client, &execution, Duration::from_secs(30)).await;
        assert_eq!(out.status, ExecutionStatus::Failed, "{machine}");
        assert_eq!(out.error(), Some(error), "{machine}: {:?}", out.cause());
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{machine} took {:?}",
            started.elapsed()
        );
    }
    // Within its budget, a deep scan still works.
    let execution = start(&client, &deep_scan, &nested(8)).await;
    let out = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(out.status, ExecutionStatus::Succeeded);
    let peak = server.peak_rss_bytes().expect("the server's peak RSS");
    eprintln!("server peak RSS over the runaway executions: {} MB", peak >> 20);
    assert!(peak < MAX_RSS, "the server peaked at {} MB", peak >> 20);
}

/// The poison pill: the bad execution is stored (it waits before its Pass state) when the
/// server is killed; after the restart the server answers at once and the execution ends
/// FAILED on its own, instead of aborting the server on every start.
#[tokio::test]
async fn a_stored_runaway_execution_fails_after_restart() {
    let dir = TempDir::new();
    let mut server = Server::start_in(dir.path(), 1.0);
    let client = server.client();
    let mut definition = deep_scan_machine();
    definition["StartAt"] = json!("Nap");
    definition["States"]["Nap"] = json!({"Type": "Wait", "Seconds": 2, "Next": "P"});
    let machine = create_machine(&client, "poison", &definition).await;
    let execution = start(&client, &machine, &nested(70)).await;
    wait_for_event(&client, &execution, "WaitStateEntered").await;
    server.kill();

    server.restart();
    let restarted = Instant::now();
    let client = server.client();
    let listed = client.list_state_machines().send().await.expect("list state machines");
    assert_eq!(listed.state_machines.len(), 1);
    assert!(
        restarted.elapsed() < Duration::from_secs(2),
        "answered after {:?}",
        restarted.elapsed()
    );

    let out = wait_done(&client, &execution, Duration::from_secs(15)).await;
    assert_eq!(out.status, ExecutionStatus::Failed);
    assert_eq!(out.error(), Some("States.DataLimitExceeded"), "{:?}", out.cause());
    assert!(
        restarted.elapsed() < Duration::from_secs(10),
        "failed after {:?}",
        restarted.elapsed()
    );
    // The server is still there, and the failure is final: a second restart resumes nothing.
    client.list_state_machines().send().await.expect("still serving");
    let peak = server.peak_rss_bytes().expect("the server's peak RSS");
    eprintln!("restarted server peak RSS: {} MB", peak >> 20);
    assert!(peak < MAX_RSS, "the server peaked at {} MB", peak >> 20);
    server.kill();
    server.restart();
    let client = server.client();
    let again = client
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("describe after the second restart");
    assert_eq!(again.status, ExecutionStatus::Failed);
}
