//! The Context object (`$$`).

use serde_json::{json, Value};

use crate::support::{machine, mock_config, single, single_def};
use crate::{check_outputs, row};

fn context_of(fields: Value) -> Value {
    json!({"Type": "Pass", "Parameters": fields})
}

fn is_iso_timestamp(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() >= 20 && s.as_bytes()[10] == b'T' && s.ends_with('Z') && s.starts_with("20")
}

// Developer Guide: Accessing execution data from the Context object in Step Functions. The
// object has Execution (Id, Input, Name, RoleArn, StartTime), State (EnteredTime, Name),
// StateMachine (Id, Name); Execution.Input is the execution's original input, whatever the
// states did to it since.
#[test]
fn context_object_fields() {
    let definition = json!({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Result": {"changed": true}, "Next": "Second"},
        "Second": context_of(json!({
            "input.$": "$$.Execution.Input",
            "executionId.$": "$$.Execution.Id",
            "executionName.$": "$$.Execution.Name",
            "roleArn.$": "$$.Execution.RoleArn",
            "startTime.$": "$$.Execution.StartTime",
            "stateName.$": "$$.State.Name",
            "enteredTime.$": "$$.State.EnteredTime",
            "machineId.$": "$$.StateMachine.Id",
            "machineName.$": "$$.StateMachine.Name",
            "current.$": "$"
        }))
    }});
    let mut definition = definition;
    definition["States"]["Second"]["End"] = json!(true);
    let outcome = machine(definition).stem("OrderFlow").input(json!({"order": 7})).run();
    let out = outcome.output().clone();
    assert_eq!(out["input"], json!({"order": 7}));
    assert_eq!(out["current"], json!({"changed": true}));
    assert_eq!(out["stateName"], "Second");
    assert_eq!(out["machineName"], "OrderFlow");
    assert_eq!(
        out["machineId"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:OrderFlow"
    );
    let name = out["executionName"].as_str().unwrap();
    assert!(!name.is_empty());
    assert_eq!(
        out["executionId"],
        format!("arn:aws:states:us-east-1:123456789012:execution:OrderFlow:{name}")
    );
    assert_eq!(out["executionId"], outcome.json["executionArn"]);
    assert!(out["roleArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:iam::123456789012:role/"));
    assert!(is_iso_timestamp(&out["startTime"]), "{}", out["startTime"]);
    assert!(is_iso_timestamp(&out["enteredTime"]), "{}", out["enteredTime"]);
    assert!(out["enteredTime"].as_str() >= out["startTime"].as_str());
}

// Developer Guide: Accessing the Context object: StateMachine.Name is the state machine's
// name: here the definition file's stem, or --name.
#[test]
fn state_machine_name_from_file_stem_or_name_flag() {
    let state = context_of(json!({"name.$": "$$.StateMachine.Name", "id.$": "$$.StateMachine.Id"}));
    let by_stem = single(state.clone()).stem("my-flow").run();
    assert_eq!(by_stem.output()["name"], "my-flow");
    let by_flag = single(state).stem("my-flow").arg("--name").arg("Renamed").run();
    assert_eq!(by_flag.output()["name"], "Renamed");
    assert_eq!(
        by_flag.output()["id"],
        "arn:aws:states:us-east-1:123456789012:stateMachine:Renamed"
    );
    assert!(by_flag.json["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:us-east-1:123456789012:execution:Renamed:"));
}

// Developer Guide: Accessing the Context object: each execution has its own name and id.
#[test]
fn each_run_is_a_new_execution() {
    let state = context_of(json!({"name.$": "$$.Execution.Name"}));
    let a = single(state.clone()).run().output()["name"].clone();
    let b = single(state).run().output()["name"].clone();
    assert_ne!(a, b);
}

// Developer Guide: Accessing the Context object: State.Name is the name of the state that
// reads it, in every state of the run.
#[test]
fn state_name_follows_the_current_state() {
    let definition = json!({"StartAt": "Alpha", "States": {
        "Alpha": {"Type": "Pass", "Parameters": {"n.$": "$$.State.Name"}, "ResultPath": "$.alpha", "Next": "Beta"},
        "Beta": {"Type": "Pass", "Parameters": {"n.$": "$$.State.Name"}, "ResultPath": "$.beta", "Next": "Gamma"},
        "Gamma": {"Type": "Wait", "Seconds": 1, "Next": "Delta"},
        "Delta": {"Type": "Pass", "Parameters": {"n.$": "$$.State.Name"}, "ResultPath": "$.delta", "End": true}
    }});
    let outcome = machine(definition).run();
    assert_eq!(
        outcome.output(),
        &json!({"alpha": {"n": "Alpha"}, "beta": {"n": "Beta"}, "delta": {"n": "Delta"}})
    );
}

// Developer Guide: Accessing the Context object: State.RetryCount counts the retries of the
// Task state reading it (0 on the first attempt).
#[test]
fn retry_count() {
    let definition = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
        "Parameters": {"retry.$": "$$.State.RetryCount"},
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]
    }}});
    let answers = json!({"0-1": {"Throw": {"Error": "E", "Cause": "c"}}, "2": {"Return": "ok"}});
    let outcome = machine(definition)
        .mock(mock_config(&[("T", answers)]), "T")
        .history()
        .run();
    assert_eq!(outcome.output(), &json!("ok"));
    let counts: Vec<String> = outcome
        .events("TaskScheduled")
        .iter()
        .map(|e| {
            e["taskScheduledEventDetails"]["parameters"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(counts, [r#"{"retry":0}"#, r#"{"retry":1}"#, r#"{"retry":2}"#]);
}

// Developer Guide: Accessing the Context object ("Context object data for Map states"):
// Map.Item.Index and Map.Item.Value in ItemSelector.
#[test]
fn map_item_index_and_value() {
    let outcome = single(json!({
        "Type": "Map",
        "ItemSelector": {"ContextIndex.$": "$$.Map.Item.Index", "ContextValue.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
    }))
    .input(json!([{"who": "bob"}, {"who": "meg"}, {"who": "joe"}]))
    .run();
    assert_eq!(
        outcome.output(),
        &json!([
            {"ContextIndex": 0, "ContextValue": {"who": "bob"}},
            {"ContextIndex": 1, "ContextValue": {"who": "meg"}},
            {"ContextIndex": 2, "ContextValue": {"who": "joe"}}
        ])
    );
}

// Developer Guide: Accessing the Context object: the Context object can be read from
// InputPath, OutputPath, ItemsPath (Map), Variable (Choice), ResultSelector, Parameters and
// the ...Path comparison operands.
#[test]
fn context_object_from_every_field() {
    check_outputs(vec![
        row(
            "InputPath",
            single_def(json!({"Type": "Pass", "InputPath": "$$.Execution.Input.inner"})),
            json!({"inner": {"v": 1}}),
            json!({"v": 1}),
        ),
        row(
            "OutputPath",
            single_def(json!({"Type": "Pass", "Result": "ignored", "OutputPath": "$$.Execution.Input"})),
            json!({"original": true}),
            json!({"original": true}),
        ),
        row(
            "ItemsPath",
            single_def(json!({
                "Type": "Map",
                "InputPath": "$.unrelated",
                "ItemsPath": "$$.Execution.Input.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}
            })),
            json!({"items": [1, 2], "unrelated": {}}),
            json!([1, 2]),
        ),
        row(
            "Choice Variable and a ...Path operand",
            json!({"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{
                    "Variable": "$$.Execution.Input.a", "NumericEqualsPath": "$$.Execution.Input.b", "Next": "Same"
                }], "Default": "Different"},
                "Same": {"Type": "Pass", "Result": "same", "End": true},
                "Different": {"Type": "Pass", "Result": "different", "End": true}
            }}),
            json!({"a": 3, "b": 3}),
            json!("same"),
        ),
        row(
            "ResultSelector",
            single_def(json!({
                "Type": "Parallel",
                "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}],
                "ResultSelector": {"state.$": "$$.State.Name", "branches.$": "$"}
            })),
            json!({"x": 1}),
            json!({"state": "S", "branches": [{"x": 1}]}),
        ),
    ]);
}
