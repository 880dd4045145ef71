//! Nested executions run once across a crash: a parent waiting in
//! `arn:aws:states:::states:startExecution.sync:2` when the server is killed with SIGKILL
//! finds, after the restart, the child it had started (named or not) and waits for it,
//! instead of starting a second child (issue 11).

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use crate::support::{create_machine, json, start, wait_done, wait_for_event, Server, TempDir};

/// A child that naps for three seconds, then doubles `$.value`.
fn napping_doubler() -> Value {
    json!({
        "StartAt": "Nap",
        "States": {
            "Nap": {"Type": "Wait", "Seconds": 3, "Next": "Double"},
            "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.value, $.value)"}, "End": true}
        }
    })
}

/// A parent that runs `child` on its `$.value` and waits for it; `Name` only when `named`.
fn parent(child: &str, named: bool) -> Value {
    let mut parameters = json!({"StateMachineArn": child, "Input": {"value.$": "$.value"}});
    if named {
        parameters["Name.$"] = json!("$.name");
    }
    json!({
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": parameters,
                "ResultSelector": {"doubled.$": "$.Output.doubled", "child.$": "$.ExecutionArn"},
                "End": true
            }
        }
    })
}

async fn children(client: &Client, machine: &str) -> Vec<(String, ExecutionStatus)> {
    client
        .list_executions()
        .state_machine_arn(machine)
        .send()
        .await
        .expect("list executions")
        .executions()
        .iter()
        .map(|e| (e.execution_arn().to_owned(), e.status().clone()))
        .collect()
}

#[tokio::test]
async fn a_parent_killed_while_its_child_runs_waits_for_that_child_after_the_restart() {
    let dir = TempDir::new();
    let mut server = Server::start_in(dir.path(), 1.0);
    let client = server.client();

    let mut cases = Vec::new();
    for (label, named) in [("unnamed", false), ("named", true)] {
        let child = create_machine(&client, &format!("child-{label}"), &napping_doubler()).await;
        let machine = create_machine(&client, &format!("parent-{label}"), &parent(&child, named)).await;
        let value = if named { 5 } else { 21 };
        let execution = start(&client, &machine, &json!({"value": value, "name": "the-child"})).await;
        cases.push((label, child, execution, value));
    }
    // Each parent waits on its child, which naps, when the server dies.
    for (label, child, execution, _) in &cases {
        wait_for_event(&client, execution, "TaskSubmitted").await;
        let started = children(&client, child).await;
        assert_eq!(started.len(), 1, "{label}: {started:?}");
        assert_eq!(started[0].1, ExecutionStatus::Running, "{label}");
        wait_for_event(&client, &started[0].0, "WaitStateEntered").await;
    }
    let before: Vec<String> = {
        let mut arns = Vec::new();
        for (_, child, _, _) in &cases {
            arns.push(children(&client, child).await[0].0.clone());
        }
        arns
    };

    server.kill();
    server.restart();
    let client = server.client();

    for ((label, child, execution, value), child_before) in cases.iter().zip(&before) {
        let done = wait_done(&client, execution, Duration::from_secs(30)).await;
        assert_eq!(
            done.status(),
            &ExecutionStatus::Succeeded,
            "{label}: {:?} {:?}",
            done.error(),
            done.cause()
        );
        let output = json(done.output());
        assert_eq!(output["doubled"], json!(value * 2), "{label}: {output}");
        assert_eq!(
            output["child"],
            json!(child_before),
            "{label}: the parent waited for its first child"
        );
        let started = children(&client, child).await;
        assert_eq!(
            started,
            [(child_before.clone(), ExecutionStatus::Succeeded)],
            "{label}: exactly one child ran"
        );
    }
}
