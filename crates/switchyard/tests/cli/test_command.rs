//! `switchyard test MOCKFILE --definition NAME=FILE`: every test case of a mock
//! configuration runs and is checked against the expectations file beside it.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{switchyard, Outcome, Scratch};

fn lambda_then_sqs() -> Value {
    json!({
        "StartAt": "LambdaState",
        "States": {
            "LambdaState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
                "OutputPath": "$.Payload",
                "Next": "SQSState"
            },
            "SQSState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": "q", "MessageBody.$": "$"},
                "ResultPath": "$.sqs",
                "End": true
            }
        }
    })
}

fn mock_config() -> Value {
    json!({
        "StateMachines": {"Machine": {"TestCases": {
            "Happy": {"LambdaState": "Echo", "SQSState": "Sent"},
            "Flaky": {"LambdaState": "FailOnceThenEcho", "SQSState": "Sent"},
            "Broken": {"LambdaState": "AlwaysFails"}
        }}},
        "MockedResponses": {
            "Echo": {"0": {"Return": {"Payload": {"n": 1}}}},
            "FailOnceThenEcho": {
                "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "hiccup"}},
                "1": {"Return": {"Payload": {"n": 2}}}
            },
            "AlwaysFails": {"0-9": {"Throw": {"Error": "Lambda.Unknown", "Cause": "down"}}},
            "Sent": {"0": {"Return": {"MessageId": "m-1"}}}
        }
    })
}

fn expectations() -> Value {
    json!({"Machine": {
        "Happy": {"input": {"ignored": true}, "status": "SUCCEEDED", "output": {"n": 1, "sqs": {"MessageId": "m-1"}}},
        "Flaky": {"output": {"n": 2, "sqs": {"MessageId": "m-1"}}},
        "Broken": {"error": "Lambda.Unknown", "cause": "down"}
    }})
}

/// A scratch directory with `MockConfigFile.json`, `Machine.json` and, when given,
/// `MockConfigFile.expect.json`.
fn files(config: &Value, expect: Option<&Value>) -> (Scratch, PathBuf, PathBuf) {
    let scratch = Scratch::new();
    let mock = scratch.write("MockConfigFile.json", &config.to_string());
    let definition = scratch.write("Machine.json", &lambda_then_sqs().to_string());
    if let Some(expect) = expect {
        scratch.write("MockConfigFile.expect.json", &expect.to_string());
    }
    (scratch, mock, definition)
}

fn test(mock: &Path, definitions: &[String], extra: &[&str]) -> Outcome {
    let mut args = vec!["test".to_owned(), mock.display().to_string()];
    for definition in definitions {
        args.extend(["--definition".to_owned(), definition.clone()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    switchyard(&args)
}

fn machine_definition(path: &Path) -> Vec<String> {
    vec![format!("Machine={}", path.display())]
}

/// The `(test case, result)` of each row of the table, and its detail.
fn rows(outcome: &Outcome) -> Vec<(String, String, String)> {
    outcome
        .stdout
        .lines()
        .filter(|l| l.starts_with("Machine "))
        .map(|l| {
            let cells: Vec<&str> = l.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
            (cells[1].to_owned(), cells[2].to_owned(), cells[3..].join("  "))
        })
        .collect()
}

#[test]
fn every_test_case_meets_its_expectations() {
    let (_scratch, mock, definition) = files(&mock_config(), Some(&expectations()));
    let outcome = test(&mock, &machine_definition(&definition), &[]);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    let results: Vec<(String, String)> = rows(&outcome).into_iter().map(|(c, r, _)| (c, r)).collect();
    let expected = [("Broken", "PASS"), ("Flaky", "PASS"), ("Happy", "PASS")];
    assert_eq!(
        results,
        expected.map(|(c, r)| (c.to_owned(), r.to_owned())),
        "{}",
        outcome.stdout
    );
    assert!(
        outcome.stdout.contains("STATE MACHINE"),
        "a header row: {}",
        outcome.stdout
    );
    assert!(outcome.stdout.contains("3 passed, 0 failed"), "{}", outcome.stdout);
}

#[test]
fn unmet_expectations_fail_with_what_differed() {
    let mut expect = expectations();
    expect["Machine"]["Happy"]["output"] = json!({"n": 99});
    expect["Machine"]["Broken"] = json!({"status": "SUCCEEDED"});
    expect["Machine"]["Flaky"] = json!({"status": "FAILED", "error": "Lambda.ServiceException"});
    let (_scratch, mock, definition) = files(&mock_config(), Some(&expect));
    let outcome = test(&mock, &machine_definition(&definition), &[]);
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    let rows = rows(&outcome);
    assert!(rows.iter().all(|(_, result, _)| result == "FAIL"), "{}", outcome.stdout);
    let detail = |case: &str| rows.iter().find(|r| r.0 == case).unwrap().2.clone();
    assert_eq!(
        detail("Happy"),
        r#"output: expected {"n":99}, got {"n":1,"sqs":{"MessageId":"m-1"}}"#
    );
    assert_eq!(
        detail("Broken"),
        "expected SUCCEEDED, got FAILED (Lambda.Unknown: down)"
    );
    assert_eq!(detail("Flaky"), "expected FAILED, got SUCCEEDED");
    assert!(outcome.stdout.contains("0 passed, 3 failed"), "{}", outcome.stdout);
}

// Without an expectations file every test case is expected to succeed with input {}.
#[test]
fn without_expectations_test_cases_must_succeed() {
    let (_scratch, mock, definition) = files(&mock_config(), None);
    let outcome = test(&mock, &machine_definition(&definition), &[]);
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    let results: Vec<(String, String)> = rows(&outcome).into_iter().map(|(c, r, _)| (c, r)).collect();
    let expected = [("Broken", "FAIL"), ("Flaky", "PASS"), ("Happy", "PASS")];
    assert_eq!(results, expected.map(|(c, r)| (c.to_owned(), r.to_owned())));
    assert!(outcome.stderr.contains("no expectations file"), "{}", outcome.stderr);
}

// A test case that mocks a state the definition has no Task of (a typo, a renamed state)
// fails without running: its mock would silently never be used.
#[test]
fn a_mock_for_a_state_the_definition_lacks_fails_its_test_case() {
    let mut config = mock_config();
    config["StateMachines"]["Machine"]["TestCases"]["Happy"] = json!({"LambdaStat": "Echo", "SQSState": "Sent"});
    let (_scratch, mock, definition) = files(&config, Some(&expectations()));
    let outcome = test(&mock, &machine_definition(&definition), &[]);
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    let happy = rows(&outcome).into_iter().find(|r| r.0 == "Happy").unwrap();
    assert_eq!(
        (happy.1.as_str(), happy.2.as_str()),
        ("FAIL", "mocks LambdaStat, which the definition has no Task state of")
    );
}

// Mistakes in the files or the command line are usage errors (exit 2) that say where.
#[test]
fn bad_files_and_arguments_are_usage_errors() {
    let scratch = Scratch::new();
    let definition = scratch.write("Machine.json", &lambda_then_sqs().to_string());
    let good_mock = scratch.write("Good.json", &mock_config().to_string());
    let mut bad_mock = mock_config();
    bad_mock["MockedResponses"]["Echo"] = json!({"zero": {"Return": 1}});
    let bad_mock = scratch.write("Bad.json", &bad_mock.to_string());
    let invalid_definition = scratch.write("Invalid.json", r#"{"StartAt": "Nowhere", "States": {}}"#);
    let expect = |name: &str, value: Value| scratch.write(name, &value.to_string()).display().to_string();
    let typo = expect("typo.json", json!({"Machine": {"Happy": {"outptu": {}}}}));
    let unknown_case = expect("unknown.json", json!({"Machine": {"Sad": {}}}));
    let impossible = expect(
        "impossible.json",
        json!({"Machine": {"Happy": {"status": "FAILED", "output": {}}}}),
    );
    let machine = format!("Machine={}", definition.display());
    let cases: Vec<(Vec<String>, &Path, Vec<String>, &str)> = vec![
        (
            vec![machine.clone()],
            &bad_mock,
            vec![],
            "MockedResponses.Echo.\"zero\"",
        ),
        (
            vec![machine.clone()],
            &good_mock,
            vec!["--expect".into(), typo],
            "unknown field `outptu`",
        ),
        (
            vec![machine.clone()],
            &good_mock,
            vec!["--expect".into(), unknown_case],
            "expectations Machine.Sad",
        ),
        (
            vec![machine.clone()],
            &good_mock,
            vec!["--expect".into(), impossible],
            "'output' is only for a SUCCEEDED execution",
        ),
        (
            vec![machine.clone()],
            &good_mock,
            vec!["--expect".into(), "/nonexistent/expect.json".into()],
            "cannot read /nonexistent/expect.json",
        ),
        (
            vec![machine.clone(), format!("Other={}", definition.display())],
            &good_mock,
            vec![],
            "no state machine 'Other'",
        ),
        (
            vec![definition.display().to_string()],
            &good_mock,
            vec![],
            "expected NAME=FILE",
        ),
        (
            vec![format!("Machine={}", invalid_definition.display())],
            &good_mock,
            vec![],
            "is not a valid definition",
        ),
    ];
    for (definitions, mock, extra, message) in cases {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let outcome = test(mock, &definitions, &extra);
        assert_eq!(outcome.code, Some(2), "{definitions:?} {extra:?}: {outcome:?}");
        assert!(
            outcome.stderr.contains(message),
            "{message:?} not in {}",
            outcome.stderr
        );
    }

    let two_machines = scratch.write(
        "Two.json",
        &json!({"StateMachines": {"Machine": {"TestCases": {}}, "Second": {"TestCases": {}}}, "MockedResponses": {}})
            .to_string(),
    );
    let outcome = test(&two_machines, &[machine], &[]);
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("no --definition for the mock configuration's state machines: Second"),
        "{}",
        outcome.stderr
    );
}

// README, "Testing state machines": the example runs as written, from the repository root.
#[test]
fn the_readme_example_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let outcome = switchyard(&[
        "test".into(),
        root.join("examples/mocks/MockConfigFile.json").display().to_string(),
        "--definition".into(),
        format!(
            "LambdaSQSIntegration={}",
            root.join("examples/mocks/LambdaSQSIntegration.json").display()
        ),
    ]);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    assert!(outcome.stdout.contains("3 passed, 0 failed"), "{}", outcome.stdout);
}
