//! `--history`: the events, shaped as AWS GetExecutionHistory returns them.

use serde_json::{json, Value};

use crate::support::{machine, mock_config, Outcome};

/// `(id, previousEventId, type)` of every event.
fn chain(outcome: &Outcome) -> Vec<(u64, u64, String)> {
    outcome
        .history()
        .iter()
        .map(|e| {
            (
                e["id"].as_u64().unwrap(),
                e["previousEventId"].as_u64().unwrap(),
                e["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn triples(rows: &[(u64, u64, &str)]) -> Vec<(u64, u64, String)> {
    rows.iter().map(|(i, p, t)| (*i, *p, (*t).to_owned())).collect()
}

/// Every event has a numeric timestamp (never earlier than the one before), and ids count
/// up from 1.
fn check_common_shape(outcome: &Outcome) {
    let mut last = 0.0;
    for (n, event) in outcome.history().iter().enumerate() {
        let timestamp = event["timestamp"].as_f64().unwrap_or_default();
        assert!(timestamp >= last, "timestamps go back: {event}");
        last = timestamp;
        assert_eq!(event["id"], json!(n + 1), "{event}");
        assert!(event["timestamp"].is_number(), "{event}");
        assert!(event["previousEventId"].as_u64().unwrap() <= n as u64, "{event}");
    }
}

// API Reference: GetExecutionHistory / HistoryEvent, as AWS returns it for a Pass -> Pass
// machine: ExecutionStarted (1, previous 0), the first state's entered event (2, previous 0),
// then each event pointing at the one before; payloads are JSON text with "...Details":
// {"truncated": false}.
#[test]
fn pass_then_pass() {
    let outcome = machine(json!({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "Second"},
        "Second": {"Type": "Pass", "End": true}
    }}))
    .input(json!({"a": 1}))
    .history()
    .run();
    outcome.output();
    check_common_shape(&outcome);
    assert_eq!(
        chain(&outcome),
        triples(&[
            (1, 0, "ExecutionStarted"),
            (2, 0, "PassStateEntered"),
            (3, 2, "PassStateExited"),
            (4, 3, "PassStateEntered"),
            (5, 4, "PassStateExited"),
            (6, 5, "ExecutionSucceeded"),
        ])
    );
    let h = outcome.history();
    let started = &h[0]["executionStartedEventDetails"];
    assert_eq!(started["input"], r#"{"a":1}"#);
    assert_eq!(started["inputDetails"], json!({"truncated": false}));
    assert!(started["roleArn"].as_str().unwrap().starts_with("arn:aws:iam::"));
    assert_eq!(
        h[1]["stateEnteredEventDetails"],
        json!({"name": "First", "input": "{\"a\":1}", "inputDetails": {"truncated": false}})
    );
    assert_eq!(
        h[2]["stateExitedEventDetails"],
        json!({"name": "First", "output": "{\"a\":1,\"r\":{\"x\":1}}", "outputDetails": {"truncated": false}})
    );
    assert_eq!(h[3]["stateEnteredEventDetails"]["name"], "Second");
    assert_eq!(
        h[5]["executionSucceededEventDetails"],
        json!({"output": "{\"a\":1,\"r\":{\"x\":1}}", "outputDetails": {"truncated": false}})
    );
}

// API Reference: GetExecutionHistory, for a Fail state: FailStateEntered (no exited event),
// then ExecutionFailed carrying the error and cause.
#[test]
fn fail_state_events() {
    let outcome = machine(json!({"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Next": "Fail"},
        "Fail": {"Type": "Fail", "Error": "ErrorA", "Cause": "Kaiju attack"}
    }}))
    .history()
    .run();
    outcome.failure();
    check_common_shape(&outcome);
    assert_eq!(
        chain(&outcome),
        triples(&[
            (1, 0, "ExecutionStarted"),
            (2, 0, "PassStateEntered"),
            (3, 2, "PassStateExited"),
            (4, 3, "FailStateEntered"),
            (5, 4, "ExecutionFailed"),
        ])
    );
    assert_eq!(
        outcome.history()[4]["executionFailedEventDetails"],
        json!({"error": "ErrorA", "cause": "Kaiju attack"})
    );
}

// API Reference: GetExecutionHistory, for an inline Map with MaxConcurrency 1 over two items:
// MapStateEntered, MapStateStarted (length 2), for each item MapIterationStarted, the
// iteration's own state events and MapIterationSucceeded (with the index and the Map state's
// name), then MapStateSucceeded and MapStateExited.
#[test]
fn map_with_max_concurrency_one() {
    let outcome = machine(json!({"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}
    }}}))
    .input(json!(["a", "b"]))
    .history()
    .run();
    assert_eq!(outcome.output(), &json!(["a", "b"]));
    check_common_shape(&outcome);
    assert_eq!(
        outcome.event_types(),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapIterationStarted",
            "PassStateEntered",
            "PassStateExited",
            "MapIterationSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded",
        ]
    );
    assert_eq!(
        chain(&outcome)[..7],
        triples(&[
            (1, 0, "ExecutionStarted"),
            (2, 0, "MapStateEntered"),
            (3, 2, "MapStateStarted"),
            (4, 3, "MapIterationStarted"),
            (5, 4, "PassStateEntered"),
            (6, 5, "PassStateExited"),
            (7, 6, "MapIterationSucceeded"),
        ])
    );
    let h = outcome.history();
    assert_eq!(h[2]["mapStateStartedEventDetails"], json!({"length": 2}));
    assert_eq!(
        h[3]["mapIterationStartedEventDetails"],
        json!({"index": 0, "name": "Map"})
    );
    assert_eq!(
        h[6]["mapIterationSucceededEventDetails"],
        json!({"index": 0, "name": "Map"})
    );
    assert_eq!(
        h[7]["mapIterationStartedEventDetails"],
        json!({"index": 1, "name": "Map"})
    );
    assert_eq!(
        h[10]["mapIterationSucceededEventDetails"],
        json!({"index": 1, "name": "Map"})
    );
    assert_eq!(h[4]["stateEnteredEventDetails"]["input"], "\"a\"");
    assert_eq!(h[8]["stateEnteredEventDetails"]["input"], "\"b\"");
    assert_eq!(h[12]["stateExitedEventDetails"]["output"], "[\"a\",\"b\"]");
    assert_eq!(
        h[13]["previousEventId"], h[12]["id"],
        "ExecutionSucceeded follows MapStateExited"
    );
}

// API Reference: GetExecutionHistory, for a Parallel state: ParallelStateEntered,
// ParallelStateStarted, the branches' events, ParallelStateSucceeded, ParallelStateExited.
#[test]
fn parallel_events() {
    let outcome = machine(json!({"StartAt": "P", "States": {"P": {
        "Type": "Parallel", "End": true,
        "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}
        ]
    }}}))
    .history()
    .run();
    outcome.output();
    check_common_shape(&outcome);
    let types = outcome.event_types();
    assert_eq!(
        types[..3],
        ["ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted"]
    );
    assert_eq!(
        types[types.len() - 3..],
        ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]
    );
    assert_eq!(outcome.count_events("PassStateEntered"), 2);
    assert_eq!(outcome.count_events("PassStateExited"), 2);
    let names: Vec<&Value> = outcome
        .events("PassStateEntered")
        .iter()
        .map(|e| &e["stateEnteredEventDetails"]["name"])
        .collect();
    assert!(
        names.contains(&&json!("A")) && names.contains(&&json!("B")),
        "{names:?}"
    );
    let h = outcome.history();
    assert_eq!(h[2]["previousEventId"], 2);
}

// API Reference: GetExecutionHistory, for a Task (a service integration such as
// "arn:aws:states:::lambda:invoke" shows resourceType "lambda" and resource "invoke") that
// fails once and is retried: TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed, then
// again TaskScheduled, TaskStarted, TaskSucceeded, and TaskStateExited.
#[test]
fn task_events_with_a_retry() {
    let definition = json!({"StartAt": "Invoke", "States": {"Invoke": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
        "Parameters": {"FunctionName": "HelloWorldFunction", "Payload.$": "$"},
        "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 1}]
    }}});
    let answers = json!({
        "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "try again"}},
        "1": {"Return": {"StatusCode": 200, "Payload": "hi"}}
    });
    let outcome = machine(definition)
        .mock(mock_config(&[("Invoke", answers)]), "T")
        .input(json!({"k": 1}))
        .history()
        .run();
    assert_eq!(outcome.output(), &json!({"StatusCode": 200, "Payload": "hi"}));
    check_common_shape(&outcome);
    assert_eq!(
        outcome.event_types(),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    );
    let h = outcome.history();
    let scheduled = &h[2]["taskScheduledEventDetails"];
    assert_eq!(scheduled["resourceType"], "lambda");
    assert_eq!(scheduled["resource"], "invoke");
    assert_eq!(scheduled["region"], "us-east-1");
    let parameters: Value = serde_json::from_str(scheduled["parameters"].as_str().unwrap()).unwrap();
    assert_eq!(
        parameters,
        json!({"FunctionName": "HelloWorldFunction", "Payload": {"k": 1}})
    );
    assert_eq!(
        h[4]["taskFailedEventDetails"],
        json!({"resourceType": "lambda", "resource": "invoke", "error": "Lambda.ServiceException", "cause": "try again"})
    );
    let succeeded = &h[7]["taskSucceededEventDetails"];
    assert_eq!(succeeded["resourceType"], "lambda");
    assert_eq!(succeeded["output"], r#"{"StatusCode":200,"Payload":"hi"}"#);
    assert_eq!(h[8]["stateExitedEventDetails"]["name"], "Invoke");
}

// API Reference: GetExecutionHistory: Choice, Wait and Succeed states have their own entered
// and exited event types.
#[test]
fn choice_wait_succeed_events() {
    let outcome = machine(json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "W"}]},
        "W": {"Type": "Wait", "Seconds": 1, "Next": "S"},
        "S": {"Type": "Succeed"}
    }}))
    .input(json!({"go": true}))
    .history()
    .run();
    outcome.output();
    check_common_shape(&outcome);
    assert_eq!(
        chain(&outcome),
        triples(&[
            (1, 0, "ExecutionStarted"),
            (2, 0, "ChoiceStateEntered"),
            (3, 2, "ChoiceStateExited"),
            (4, 3, "WaitStateEntered"),
            (5, 4, "WaitStateExited"),
            (6, 5, "SucceedStateEntered"),
            (7, 6, "SucceedStateExited"),
            (8, 7, "ExecutionSucceeded"),
        ])
    );
}

// Without --history the output has no history.
#[test]
fn history_only_when_asked() {
    let outcome = machine(json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}})).run();
    outcome.output();
    assert!(outcome.json.get("history").is_none(), "{}", outcome.stdout);
}

// API Reference: GetExecutionHistory, for a Task whose error a Catch handles: TaskFailed, then
// TaskStateExited with the Catch output (here the input with the error at ResultPath), then
// the handler's events; an uncaught error goes from TaskFailed straight to ExecutionFailed.
#[test]
fn caught_and_uncaught_task_errors() {
    let answers = json!({"0": {"Throw": {"Error": "CustomError", "Cause": "oops"}}});
    let caught = machine(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler", "ResultPath": "$.error"}]},
        "Handler": {"Type": "Pass", "End": true}
    }}))
    .mock(mock_config(&[("T", answers.clone())]), "T")
    .input(json!({"k": 1}))
    .history()
    .run();
    caught.output();
    check_common_shape(&caught);
    assert_eq!(
        chain(&caught),
        triples(&[
            (1, 0, "ExecutionStarted"),
            (2, 0, "TaskStateEntered"),
            (3, 2, "TaskScheduled"),
            (4, 3, "TaskStarted"),
            (5, 4, "TaskFailed"),
            (6, 5, "TaskStateExited"),
            (7, 6, "PassStateEntered"),
            (8, 7, "PassStateExited"),
            (9, 8, "ExecutionSucceeded"),
        ])
    );
    let exited: Value = serde_json::from_str(
        caught.history()[5]["stateExitedEventDetails"]["output"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        exited,
        json!({"k": 1, "error": {"Error": "CustomError", "Cause": "oops"}})
    );

    let uncaught = machine(json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}
    }}))
    .mock(mock_config(&[("T", answers)]), "T")
    .history()
    .run();
    uncaught.failure();
    assert_eq!(
        chain(&uncaught),
        triples(&[
            (1, 0, "ExecutionStarted"),
            (2, 0, "TaskStateEntered"),
            (3, 2, "TaskScheduled"),
            (4, 3, "TaskStarted"),
            (5, 4, "TaskFailed"),
            (6, 5, "ExecutionFailed"),
        ])
    );
    assert_eq!(
        uncaught.history()[5]["executionFailedEventDetails"],
        json!({"error": "CustomError", "cause": "oops"})
    );
}
