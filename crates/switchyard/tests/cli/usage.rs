//! `switchyard run` usage: inputs, exit codes and invalid definitions.

use serde_json::json;

use crate::support::{machine, machine_text, single, switchyard};

fn echo() -> serde_json::Value {
    json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}})
}

// Exit codes: 0 on SUCCEEDED, 1 on another final status, 2 on an invalid definition or usage.
#[test]
fn exit_codes() {
    assert_eq!(machine(echo()).run().code, Some(0));
    let failed = single(json!({"Type": "Fail", "Error": "E"})).run();
    assert_eq!(failed.code, Some(1));
    assert_eq!(failed.status(), "FAILED");
}

// The input: --input text, --input-file, or {} by default; any JSON value will do.
#[test]
fn inputs() {
    assert_eq!(machine(echo()).run().output(), &json!({}));
    for input in [
        json!({"a": [1, 2]}),
        json!([1]),
        json!("text"),
        json!(3.5),
        json!(null),
        json!(true),
    ] {
        assert_eq!(machine(echo()).input(input.clone()).run().output(), &input);
    }
    assert_eq!(
        machine(echo()).input_file("{\"from\": \"file\"}\n").run().output(),
        &json!({"from": "file"})
    );
    // Large integers and precise decimals survive the trip.
    let precise = json!({"big": 9007199254740993u64, "precise": 0.1234567890123456});
    assert_eq!(machine(echo()).input(precise.clone()).run().output(), &precise);
}

// Developer Guide: StartExecution rejects input that is not JSON (InvalidExecutionInput).
#[test]
fn bad_input_json_is_a_usage_error() {
    for bad in ["{not json", "", "{\"a\": 1} trailing"] {
        let outcome = machine(echo()).raw_input(bad).run();
        assert_eq!(outcome.code, Some(2), "input {bad:?}: {outcome:?}");
        assert!(
            outcome.json.is_null(),
            "no result for input {bad:?}: {}",
            outcome.stdout
        );
    }
    let outcome = machine(echo()).input_file("[1, 2").run();
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
}

// API Reference: CreateStateMachine rejects an invalid definition (InvalidDefinition): the
// run does not start, the diagnostics go to stderr, exit 2.
#[test]
fn invalid_definition_is_a_usage_error() {
    let missing_target = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}});
    let outcome = machine(missing_target).run();
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
    assert!(outcome.json.is_null(), "{}", outcome.stdout);
    assert!(
        outcome.stderr.contains("MISSING_TRANSITION_TARGET"),
        "{}",
        outcome.stderr
    );

    let not_json = machine_text("{\"StartAt\": ").run();
    assert_eq!(not_json.code, Some(2), "{not_json:?}");
    assert!(
        not_json.stderr.contains("INVALID_JSON_DESCRIPTION"),
        "{}",
        not_json.stderr
    );
}

// A YAML definition runs like its JSON form.
#[test]
fn yaml_definition_runs() {
    let yaml = "StartAt: Hello\nStates:\n  Hello:\n    Type: Pass\n    Result:\n      greeting: hi\n    End: true\n";
    assert_eq!(machine_text(yaml).run().output(), &json!({"greeting": "hi"}));
}

// Usage errors from the command line itself.
#[test]
fn command_line_errors() {
    let missing = switchyard(&["run".into(), "/nonexistent/switchyard/machine.json".into()]);
    assert_eq!(missing.code, Some(2), "{missing:?}");
    let no_case = machine(echo()).arg("--mock-config").arg("/dev/null").run();
    assert_eq!(no_case.code, Some(2), "--mock-config needs --test-case: {no_case:?}");
    let both_inputs = machine(echo()).input(json!({})).input_file("{}").run();
    assert_eq!(
        both_inputs.code,
        Some(2),
        "--input and --input-file conflict: {both_inputs:?}"
    );
    let unknown = switchyard(&["frobnicate".into()]);
    assert_eq!(unknown.code, Some(2), "{unknown:?}");
}

// The result is one JSON object on stdout with the status and the execution ARN.
#[test]
fn result_shape() {
    let outcome = machine(echo()).input(json!({"x": 1})).run();
    assert_eq!(outcome.stdout.trim().lines().count(), 1, "{}", outcome.stdout);
    let keys: Vec<&String> = outcome.json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["status", "executionArn", "output"]);
    assert!(outcome.json["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:us-east-1:123456789012:execution:Machine:"));

    let failed = single(json!({"Type": "Fail", "Error": "E", "Cause": "C"})).run();
    let mut keys: Vec<&String> = failed.json.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["cause", "error", "executionArn", "status"]);
}
