//! `switchyard validate`: diagnostics as `file:line:col: SEVERITY CODE: message (at /pointer)`,
//! exit 1 when any is an error.

use serde_json::json;

use crate::support::{switchyard, validate};

/// One printed diagnostic.
#[derive(Debug, PartialEq)]
struct Diagnostic {
    position: Option<(usize, usize)>,
    severity: String,
    code: String,
    message: String,
    pointer: String,
}

/// Parse the diagnostics `validate` printed for `file`.
fn diagnostics(stdout: &str, file: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for line in stdout.lines() {
        let rest = line
            .strip_prefix(file)
            .unwrap_or_else(|| panic!("a line not about {file}: {line}"));
        if rest == ": OK" {
            continue;
        }
        let (position, rest) = match rest.strip_prefix(':').and_then(|r| r.split_once(": ")) {
            Some((pos, rest)) if pos.contains(':') => {
                let (l, c) = pos.split_once(':').unwrap();
                (Some((l.parse().unwrap(), c.parse().unwrap())), rest)
            }
            _ => (None, rest.strip_prefix(": ").unwrap_or(rest)),
        };
        let (severity, rest) = rest.split_once(' ').unwrap();
        let (code, rest) = rest.split_once(": ").unwrap();
        let (message, pointer) = rest.rsplit_once(" (at ").unwrap();
        out.push(Diagnostic {
            position,
            severity: severity.to_owned(),
            code: code.to_owned(),
            message: message.to_owned(),
            pointer: pointer.trim_end_matches(')').to_owned(),
        });
    }
    out
}

fn check(text: &str) -> (Option<i32>, Vec<Diagnostic>, String) {
    let (outcome, path) = validate("definition.asl.json", text);
    let file = path.display().to_string();
    (outcome.code, diagnostics(&outcome.stdout, &file), outcome.stdout)
}

// API Reference: ValidateStateMachineDefinition: a valid definition has no diagnostics.
#[test]
fn valid_definition() {
    let text = serde_json::to_string_pretty(&json!({
        "Comment": "A Hello World example",
        "StartAt": "Hello",
        "States": {
            "Hello": {"Type": "Pass", "Result": "Hello", "Next": "World"},
            "World": {"Type": "Pass", "Result": "World", "End": true}
        }
    }))
    .unwrap();
    let (outcome, path) = validate("hello.json", &text);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
    assert_eq!(outcome.stdout.trim(), format!("{}: OK", path.display()));
}

// Developer Guide: Getting started / States Language spec: definitions may be YAML too (the
// console and Workflow Studio accept it); a valid one validates.
#[test]
fn valid_yaml_definition() {
    let text = "StartAt: Hello\nStates:\n  Hello:\n    Type: Pass\n    End: true\n";
    let (outcome, _) = validate("hello.asl.yaml", text);
    assert_eq!(outcome.code, Some(0), "{outcome:?}");
}

// API Reference: ValidateStateMachineDefinition (diagnostic code MISSING_TRANSITION_TARGET,
// location a JSON pointer); switchyard adds the line and column of the member in the file.
#[test]
fn missing_next_target_has_a_position() {
    let text = r#"{
  "StartAt": "A",
  "States": {
    "A": {
      "Type": "Pass",
      "Next": "Nowhere"
    }
  }
}"#;
    let (code, found, stdout) = check(text);
    assert_eq!(code, Some(1), "{stdout}");
    // The machine also has no terminal state (MISSING_END_STATE, which has no location).
    assert_eq!(found.len(), 2, "{stdout}");
    assert!(found.iter().any(|d| d.code == "MISSING_END_STATE"), "{stdout}");
    let d = found
        .iter()
        .find(|d| d.code == "MISSING_TRANSITION_TARGET")
        .expect("the missing target");
    assert_eq!(d.severity, "ERROR");
    assert_eq!(d.code, "MISSING_TRANSITION_TARGET");
    assert_eq!(d.pointer, "/States/A/Next");
    assert_eq!(d.position, Some((6, 7)));
    assert!(d.message.contains("Nowhere"), "{}", d.message);
}

// States Language spec ("Structure of a State Machine", "States", "Retry", "Catch") as
// ValidateStateMachineDefinition reports it: each row a definition, the code and pointer
// expected among its diagnostics.
#[test]
fn rule_violations() {
    let rows = [
        (
            "unknown field in a state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Foo": 1}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "unknown top-level field",
            json!({"StartAt": "A", "Bogus": true, "States": {"A": {"Type": "Pass", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/",
        ),
        (
            "States.ALL not the last retrier",
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["Specific"]}]}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/T/Retry[0]/ErrorEquals",
        ),
        (
            "States.ALL not the last catcher",
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}, {"ErrorEquals": ["Specific"], "Next": "H"}]},
                "H": {"Type": "Succeed"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/T/Catch[0]/ErrorEquals",
        ),
        (
            "unreachable state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "Orphan": {"Type": "Succeed"}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/Orphan",
        ),
        (
            "StartAt names no state",
            json!({"StartAt": "Nope", "States": {"A": {"Type": "Pass", "End": true}}}),
            "MISSING_TRANSITION_TARGET",
            "/StartAt",
        ),
        (
            "Choice Default names no state",
            json!({"StartAt": "C", "States": {"C": {"Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "D"}], "Default": "Nope"},
                "D": {"Type": "Succeed"}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/C/Default",
        ),
        (
            "Catch Next names no state",
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nope"}]}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/T/Catch[0]/Next",
        ),
        (
            "a state inside a Parallel branch names no state",
            json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Outside"}}}]}}}),
            "MISSING_TRANSITION_TARGET",
            "/States/P/Branches[0]/States/B/Next",
        ),
        (
            "an unknown state type",
            json!({"StartAt": "A", "States": {"A": {"Type": "Sleep", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Type",
        ),
        (
            "Next and End together",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Next": "A"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "neither Next nor End",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "Result on a Succeed state",
            json!({"StartAt": "A", "States": {"A": {"Type": "Succeed", "Result": 1}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A",
        ),
        (
            "a Task without Resource",
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/T",
        ),
        (
            "a Choice without Choices",
            json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Default": "D"}, "D": {"Type": "Succeed"}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/C",
        ),
        (
            "both Seconds and SecondsPath on a Wait",
            json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/W",
        ),
        (
            "an invalid ResultPath",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "ResultPath": "not a path", "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/ResultPath",
        ),
        (
            "a Parameters .$ value that is not a path",
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "plain text"}, "End": true}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/A/Parameters",
        ),
        (
            "States.ALL beside other names in ErrorEquals",
            json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
                "Retry": [{"ErrorEquals": ["States.ALL", "Other"]}]}}}),
            "SCHEMA_VALIDATION_FAILED",
            "/States/T/Retry[0]/ErrorEquals",
        ),
    ];
    let mut failures = Vec::new();
    for (name, definition, code, pointer) in rows {
        let (exit, found, stdout) = check(&serde_json::to_string_pretty(&definition).unwrap());
        if exit != Some(1) {
            failures.push(format!("{name}: exit {exit:?}\n{stdout}"));
        }
        match found.iter().find(|d| d.code == code && d.pointer == pointer) {
            None => failures.push(format!("{name}: no {code} at {pointer}\n{stdout}")),
            Some(d) => {
                if d.severity != "ERROR" || d.message.is_empty() {
                    failures.push(format!("{name}: {d:?}"));
                }
                if d.position.is_none() {
                    failures.push(format!("{name}: no line:column for {pointer}\n{stdout}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// API Reference: ValidateStateMachineDefinition reports every problem, not just the first.
#[test]
fn all_problems_at_once() {
    let text = serde_json::to_string_pretty(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Missing1", "Extra": 1},
        "B": {"Type": "Pass", "Next": "Missing2"}
    }}))
    .unwrap();
    let (code, found, stdout) = check(&text);
    assert_eq!(code, Some(1));
    let pointers: Vec<&str> = found.iter().map(|d| d.pointer.as_str()).collect();
    for expected in ["/States/A/Next", "/States/A", "/States/B/Next"] {
        assert!(pointers.contains(&expected), "{expected} missing:\n{stdout}");
    }
}

// API Reference: ValidateStateMachineDefinition (code INVALID_JSON_DESCRIPTION for text that
// does not parse).
#[test]
fn invalid_json() {
    let (outcome, _) = validate("broken.json", "{\"StartAt\": \"A\", \"States\": {");
    assert_eq!(outcome.code, Some(1), "{outcome:?}");
    assert!(
        outcome.stdout.contains("ERROR INVALID_JSON_DESCRIPTION"),
        "{}",
        outcome.stdout
    );
}

// A file that cannot be read is a usage error: exit 2.
#[test]
fn missing_file() {
    let outcome = switchyard(&["validate".into(), "/nonexistent/switchyard/definition.json".into()]);
    assert_eq!(outcome.code, Some(2), "{outcome:?}");
}
