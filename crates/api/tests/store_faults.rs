//! The Step Functions API over a store whose commits fail (`store::fault::Faulty`): what
//! was not committed is not acknowledged, a running execution does not go past a step that
//! could not be committed, and once the store works again everything finishes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::{Api, ApiConfig, ApiError, Request};
use engine::service::{Engine, EngineConfig};
use serde_json::{json, Value};
use store::fault::Faulty;
use store::memory::Memory;

fn serve(store: Arc<Faulty<Memory>>) -> Arc<Api> {
    let engine = Engine::new(
        store,
        EngineConfig {
            wait_scale: 0.2,
            executors: 1,
            ..EngineConfig::default()
        },
    );
    Api::new(engine, ApiConfig::default())
}

async fn try_call(api: &Api, operation: &str, request: Value) -> Result<Value, ApiError> {
    let Value::Object(members) = request else {
        panic!("a request is an object")
    };
    api.call(operation, Request(members)).await
}

async fn call(api: &Api, operation: &str, request: Value) -> Value {
    try_call(api, operation, request)
        .await
        .unwrap_or_else(|e| panic!("{operation}: {} {}", e.code, e.message))
}

async fn status(api: &Api, execution: &str) -> String {
    let described = call(api, "DescribeExecution", json!({"executionArn": execution})).await;
    described["status"].as_str().unwrap().to_owned()
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn until_status(api: &Api, execution: &str, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(api, execution).await != wanted {
        assert!(Instant::now() < deadline, "{execution} never {wanted}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn history_types(api: &Api, execution: &str) -> Vec<String> {
    let history = call(api, "GetExecutionHistory", json!({"executionArn": execution})).await;
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn create(api: &Api, name: &str, definition: Value) -> String {
    let created = call(
        api,
        "CreateStateMachine",
        json!({"name": name, "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    created["stateMachineArn"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn what_was_not_committed_is_not_acknowledged_and_nothing_runs_past_it() {
    let store = Arc::new(Faulty::new(Memory::new()));
    let api = serve(store.clone());
    let machine = create(
        &api,
        "naps",
        json!({"StartAt": "Nap1", "States": {
            "Nap1": {"Type": "Wait", "Seconds": 5, "Next": "Nap2"},
            "Nap2": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
            "Done": {"Type": "Pass", "Result": "done", "End": true}
        }}),
    )
    .await;

    // A StartExecution whose commit fails answers an error, and no execution exists.
    store.fail_next(1);
    let refused = try_call(
        &api,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": "refused"}),
    )
    .await;
    assert_eq!(refused.map_err(|e| e.code).unwrap_err(), "InternalFailure");
    let arn = machine.replace(":stateMachine:", ":execution:") + ":refused";
    let missing = try_call(&api, "DescribeExecution", json!({"executionArn": arn})).await;
    assert_eq!(missing.map_err(|e| e.code).unwrap_err(), "ExecutionDoesNotExist");

    // A running execution whose next step cannot be committed stays in Nap1, RUNNING, long
    // after it would have ended.
    let started = call(
        &api,
        "StartExecution",
        json!({"stateMachineArn": machine, "name": "held"}),
    )
    .await;
    let execution = started["executionArn"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !history_types(&api, &execution)
        .await
        .contains(&"WaitStateEntered".to_owned())
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    store.fail_commits();
    until("the next step has failed a few times", || store.stats().failed >= 3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status(&api, &execution).await, "RUNNING");
    let kinds = history_types(&api, &execution).await;
    assert_eq!(kinds, ["ExecutionStarted", "WaitStateEntered"]);

    store.heal();
    until_status(&api, &execution, "SUCCEEDED").await;
    let described = call(&api, "DescribeExecution", json!({"executionArn": execution})).await;
    assert_eq!(described["output"], "\"done\"");
    let kinds = history_types(&api, &execution).await;
    assert_eq!(kinds.first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(kinds.last().map(String::as_str), Some("ExecutionSucceeded"));
    assert_eq!(kinds.len(), 8, "{kinds:?}");
}

#[tokio::test]
async fn a_task_answer_that_was_not_committed_is_refused_and_can_be_sent_again() {
    let store = Arc::new(Faulty::new(Memory::new()));
    let api = serve(store.clone());
    let activity = call(&api, "CreateActivity", json!({"name": "approve"})).await;
    let activity = activity["activityArn"].as_str().unwrap().to_owned();
    let machine = create(
        &api,
        "approval",
        json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": activity, "End": true}}}),
    )
    .await;
    let started = call(
        &api,
        "StartExecution",
        json!({"stateMachineArn": machine, "input": "{\"ask\": 1}"}),
    )
    .await;
    let execution = started["executionArn"].as_str().unwrap().to_owned();
    let task = call(&api, "GetActivityTask", json!({"activityArn": activity})).await;
    let token = task["taskToken"].as_str().expect("a task").to_owned();

    store.fail_commits();
    let refused = try_call(
        &api,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{\"yes\": true}"}),
    )
    .await;
    assert_eq!(refused.map_err(|e| e.code).unwrap_err(), "InternalFailure");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        status(&api, &execution).await,
        "RUNNING",
        "an answer not committed is not used"
    );

    store.heal();
    call(
        &api,
        "SendTaskSuccess",
        json!({"taskToken": token, "output": "{\"yes\": true}"}),
    )
    .await;
    until_status(&api, &execution, "SUCCEEDED").await;
    let described = call(&api, "DescribeExecution", json!({"executionArn": execution})).await;
    assert_eq!(described["output"], "{\"yes\":true}");
}
