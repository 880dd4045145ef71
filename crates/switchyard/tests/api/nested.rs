//! Nested executions (Developer Guide, "Start workflow executions from a task state"):
//! `arn:aws:states:::states:startExecution` with each integration pattern, answered by the
//! server itself, and `aws-sdk:sfn:*` calls back into it.

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use crate::support::{create_machine, history, json, start, types, unique, wait_done, Server};

/// One Task state starting an execution of the machine in `$.child`, named `$.name`, with
/// the parent's execution ARN in the child's input as the guide shows.
fn parent(resource: &str) -> Value {
    json!({
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {
                    "StateMachineArn.$": "$.child",
                    "Name.$": "$.name",
                    "Input": {
                        "value.$": "$.value",
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"
                    }
                },
                "End": true
            }
        }
    })
}

/// A child that doubles `$.value`, or fails when it is negative.
fn doubler() -> Value {
    json!({
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.value", "NumericLessThan": 0, "Next": "Refuse"}],
                "Default": "Double"
            },
            "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.value, $.value)"}, "End": true},
            "Refuse": {"Type": "Fail", "Error": "Negative", "Cause": "no negative values"}
        }
    })
}

/// Run `resource` as the parent's Task on `value`; returns the parent's and child's ARNs.
async fn run_parent(client: &Client, resource: &str, value: i64) -> (String, String) {
    let child = create_machine(client, &unique("child"), &doubler()).await;
    let machine = create_machine(client, &unique("parent"), &parent(resource)).await;
    let name = unique("nested");
    let input = json!({"child": child, "name": name, "value": value});
    let execution = start(client, &machine, &input).await;
    wait_done(client, &execution, Duration::from_secs(30)).await;
    let child_execution = child.replace(":stateMachine:", ":execution:") + ":" + &name;
    (execution, child_execution)
}

// Request Response: the Task's result is StartExecution's answer; the child runs on its own
// and gets the parent's execution ARN in its input.
#[tokio::test]
async fn request_response_starts_the_child_and_returns_its_arn() {
    let server = Server::start(0.0);
    let client = server.client();
    let (execution, child) = run_parent(&client, "arn:aws:states:::states:startExecution", 21).await;
    let done = wait_done(&client, &execution, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    let output = json(done.output());
    assert_eq!(output["ExecutionArn"], child.as_str());
    assert!(output["StartDate"].is_string(), "{output}");
    assert_eq!(output["SdkHttpMetadata"]["HttpStatusCode"], 200);

    let child_done = wait_done(&client, &child, Duration::from_secs(10)).await;
    assert_eq!(
        json(child_done.input()),
        json!({"value": 21, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": execution})
    );
    assert_eq!(json(child_done.output()), json!({"doubled": 42}));
}

// Run a Job: `.sync` waits for the child and returns its description with the output as
// JSON text, `.sync:2` with the output parsed; both record TaskSubmitted before the result.
#[tokio::test]
async fn sync_waits_for_the_child_and_sync2_parses_its_output() {
    let server = Server::start(0.0);
    let client = server.client();
    for (resource, output) in [
        ("arn:aws:states:::states:startExecution.sync", json!("{\"doubled\":42}")),
        ("arn:aws:states:::states:startExecution.sync:2", json!({"doubled": 42})),
    ] {
        let (execution, child) = run_parent(&client, resource, 21).await;
        let done = wait_done(&client, &execution, Duration::from_secs(5)).await;
        assert_eq!(
            done.status(),
            &ExecutionStatus::Succeeded,
            "{resource}: {:?}",
            done.cause()
        );
        let result = json(done.output());
        assert_eq!(result["Output"], output, "{resource}");
        assert_eq!(result["ExecutionArn"], child.as_str());
        assert_eq!(result["Status"], "SUCCEEDED");
        assert!(result["StopDate"].is_string(), "{result}");
        let kinds = types(&history(&client, &execution, false, 100).await);
        let submitted = kinds.iter().position(|t| t == "TaskSubmitted").expect("TaskSubmitted");
        let succeeded = kinds.iter().position(|t| t == "TaskSucceeded").expect("TaskSucceeded");
        assert!(submitted < succeeded, "{kinds:?}");
    }
}

// A failed child fails a `.sync` Task with States.TaskFailed, its description as the cause.
#[tokio::test]
async fn a_failed_child_fails_the_sync_task() {
    let server = Server::start(0.0);
    let client = server.client();
    let (execution, child) = run_parent(&client, "arn:aws:states:::states:startExecution.sync:2", -1).await;
    let done = wait_done(&client, &execution, Duration::from_secs(5)).await;
    assert_eq!(done.status(), &ExecutionStatus::Failed);
    assert_eq!(done.error(), Some("States.TaskFailed"));
    let cause: Value = serde_json::from_str(done.cause().unwrap_or_default()).expect("a JSON cause");
    assert_eq!(cause["ExecutionArn"], child.as_str());
    assert_eq!(cause["Status"], "FAILED");
    assert_eq!(cause["Error"], "Negative");
}

// Wait for Callback: the child gets the parent's task token and answers it through the
// `aws-sdk:sfn:sendTaskSuccess` integration, which this server serves too.
#[tokio::test]
async fn a_child_answers_its_parents_callback() {
    let server = Server::start(0.0);
    let client = server.client();
    let child = create_machine(
        &client,
        &unique("answerer"),
        &json!({
            "StartAt": "Answer",
            "States": {
                "Answer": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
                    "Parameters": {"TaskToken.$": "$.token", "Output.$": "States.JsonToString($.reply)"},
                    "End": true
                }
            }
        }),
    )
    .await;
    let machine = create_machine(
        &client,
        &unique("asker"),
        &json!({
            "StartAt": "Ask",
            "States": {
                "Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.waitForTaskToken",
                    "Parameters": {
                        "StateMachineArn": child,
                        "Input": {"token.$": "$$.Task.Token", "reply": {"answered.$": "$.question"}}
                    },
                    "TimeoutSeconds": 30,
                    "End": true
                }
            }
        }),
    )
    .await;
    let execution = start(&client, &machine, &json!({"question": "ready?"})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(30)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    assert_eq!(json(done.output()), json!({"answered": "ready?"}));
    let kinds = types(&history(&client, &execution, false, 100).await);
    assert!(kinds.contains(&"TaskSubmitted".to_owned()), "{kinds:?}");
}
