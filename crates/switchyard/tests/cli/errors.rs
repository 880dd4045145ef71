//! Retry and Catch: matching rules, attempt counting, backoff, Catch output, and the
//! execution-level TimeoutSeconds.

use serde_json::{json, Value};

use crate::support::{machine, mock_config, single_def, without_unreferenced_states, Outcome};

const LAMBDA: &str = "arn:aws:states:::lambda:invoke";

fn throw(error: &str, cause: &str) -> Value {
    json!({"Throw": {"Error": error, "Cause": cause}})
}

/// Mocked responses with one answer, for the first invocation.
fn once(answer: Value) -> Value {
    json!({"0": answer})
}

/// A machine whose Task `T` has these Retry/Catch fields; catchers go to `Handled` (which
/// passes its input on), so a caught error ends SUCCEEDED with the Catch output.
fn task_machine(extra: Value) -> Value {
    let mut task = json!({"Type": "Task", "Resource": LAMBDA, "End": true});
    for (k, v) in extra.as_object().unwrap() {
        task[k] = v.clone();
    }
    without_unreferenced_states(json!({"StartAt": "T", "States": {
        "T": task,
        "Handled": {"Type": "Pass", "End": true},
        "Other": {"Type": "Pass", "Result": "other handler", "End": true}
    }}))
}

/// Run `definition` with the Task `T` answering `answers` (keys are invocation numbers).
fn run_task(definition: Value, answers: Value, input: Value) -> Outcome {
    machine(definition)
        .mock(mock_config(&[("T", answers)]), "T")
        .input(input)
        .history()
        .run()
}

// Developer Guide: Handling errors in Step Functions workflows ("Retrying after an error":
// MaxAttempts defaults to 3, 0 means never retry; a retry happens only while the count of
// retries stays within MaxAttempts) with Step Functions Local mocked responses.
#[test]
fn retry_max_attempts() {
    let flaky = json!({"0-1": throw("Boom", "flaky"), "2": {"Return": {"ok": true}}});
    // (name, Retry fields, mocked answers, output or error, task invocations)
    type RetryRow = (&'static str, Value, Value, Result<Value, &'static str>, usize);
    let rows: Vec<RetryRow> = vec![
        (
            "two failures, MaxAttempts 2: third attempt succeeds",
            json!({"Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}]}),
            flaky.clone(),
            Ok(json!({"ok": true})),
            3,
        ),
        (
            "two failures, MaxAttempts 1: fails with the task's error",
            json!({"Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}]}),
            flaky.clone(),
            Err("Boom"),
            2,
        ),
        (
            "MaxAttempts 0 never retries",
            json!({"Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 0}]}),
            json!({"0": throw("Boom", "once"), "1": {"Return": 1}}),
            Err("Boom"),
            1,
        ),
        (
            "MaxAttempts defaults to 3: three failures then success",
            json!({"Retry": [{"ErrorEquals": ["Boom"]}]}),
            json!({"0-2": throw("Boom", "x"), "3": {"Return": "fourth"}}),
            Ok(json!("fourth")),
            4,
        ),
        (
            "MaxAttempts defaults to 3: four failures fail",
            json!({"Retry": [{"ErrorEquals": ["Boom"]}]}),
            json!({"0-3": throw("Boom", "x"), "4": {"Return": "fifth"}}),
            Err("Boom"),
            4,
        ),
        (
            "a retrier for another error does not retry",
            json!({"Retry": [{"ErrorEquals": ["Other"], "MaxAttempts": 5}]}),
            flaky.clone(),
            Err("Boom"),
            1,
        ),
        (
            "error names match exactly (case counts)",
            json!({"Retry": [{"ErrorEquals": ["boom"], "MaxAttempts": 5}]}),
            flaky.clone(),
            Err("Boom"),
            1,
        ),
        (
            "States.ALL retries any error",
            json!({"Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}]}),
            flaky.clone(),
            Ok(json!({"ok": true})),
            3,
        ),
        (
            "States.TaskFailed retries an error a task raised",
            json!({"Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}]}),
            flaky.clone(),
            Ok(json!({"ok": true})),
            3,
        ),
        (
            "ErrorEquals may list several names",
            json!({"Retry": [{"ErrorEquals": ["Other", "Boom"], "MaxAttempts": 2}]}),
            flaky,
            Ok(json!({"ok": true})),
            3,
        ),
    ];
    let mut failures = Vec::new();
    for (name, fields, answers, expected, attempts) in rows {
        let outcome = run_task(task_machine(fields), answers, json!({}));
        let got = match outcome.json["status"].as_str() {
            Some("SUCCEEDED") => Ok(outcome.json["output"].clone()),
            _ => Err(outcome.json["error"].as_str().unwrap_or("?").to_owned()),
        };
        let expected_str = expected.clone().map_err(str::to_owned);
        if got != expected_str {
            failures.push(format!("{name}: expected {expected:?}, got {}", outcome.stdout));
            continue;
        }
        let scheduled = outcome.count_events("TaskScheduled");
        if scheduled != attempts {
            failures.push(format!("{name}: expected {attempts} attempts, saw {scheduled}"));
        }
        let expected_code = if expected.is_ok() { 0 } else { 1 };
        if outcome.code != Some(expected_code) {
            failures.push(format!("{name}: exit code {:?}", outcome.code));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// Developer Guide: Handling errors in Step Functions workflows ("Retrying after an error"):
// the retriers are scanned in order and the first whose ErrorEquals names the error applies;
// each retrier counts its own attempts, and an exhausted retrier does not hand the error on
// to a later one.
#[test]
fn retrier_order_and_separate_counts() {
    let retry = json!({"Retry": [
        {"ErrorEquals": ["A"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}
    ]});
    let a_then_b = json!({"0": throw("A", "a"), "1": throw("B", "b"), "2": {"Return": "third time"}});
    let outcome = run_task(task_machine(retry.clone()), a_then_b, json!({}));
    assert_eq!(outcome.output(), &json!("third time"));
    assert_eq!(outcome.count_events("TaskScheduled"), 3);

    let a_twice = json!({"0-1": throw("A", "a"), "2": {"Return": "never"}});
    let outcome = run_task(task_machine(retry), a_twice, json!({}));
    assert_eq!(outcome.failure(), ("A".to_owned(), Some("a".to_owned())));
    assert_eq!(outcome.count_events("TaskScheduled"), 2);
}

// Developer Guide: Handling errors in Step Functions workflows ("Fallback states"): a caught
// error goes to the catcher's Next; without ResultPath the state's output is the error output
// {"Error", "Cause"}; with ResultPath "$.error" it is the input with the error output added;
// catchers are tried in order. The page's example catches "CustomError" and falls back with
// "This is a fallback from a custom Lambda function exception".
#[test]
fn catch() {
    let custom = throw("CustomError", "This is a custom error");
    let input = json!({"comment": "input"});
    let rows: Vec<(&str, Value, Value, Value)> = vec![
        (
            "doc example: CustomError to a fallback Pass state",
            json!({"StartAt": "T", "States": {
                "T": {"Type": "Task", "Resource": LAMBDA, "End": true,
                      "Catch": [{"ErrorEquals": ["CustomError"], "Next": "CustomErrorFallback"}]},
                "CustomErrorFallback": {"Type": "Pass",
                      "Result": "This is a fallback from a custom Lambda function exception", "End": true}
            }}),
            once(custom.clone()),
            json!("This is a fallback from a custom Lambda function exception"),
        ),
        (
            "no ResultPath: the output is the error output",
            task_machine(json!({"Catch": [{"ErrorEquals": ["CustomError"], "Next": "Handled"}]})),
            once(custom.clone()),
            json!({"Error": "CustomError", "Cause": "This is a custom error"}),
        ),
        (
            "ResultPath $.error: the input with the error output added",
            task_machine(
                json!({"Catch": [{"ErrorEquals": ["CustomError"], "Next": "Handled", "ResultPath": "$.error"}]}),
            ),
            once(custom.clone()),
            json!({"comment": "input", "error": {"Error": "CustomError", "Cause": "This is a custom error"}}),
        ),
        (
            "ResultPath null: the input unchanged",
            task_machine(json!({"Catch": [{"ErrorEquals": ["CustomError"], "Next": "Handled", "ResultPath": null}]})),
            once(custom.clone()),
            json!({"comment": "input"}),
        ),
        (
            "catchers are tried in order: a named error before States.ALL",
            task_machine(json!({"Catch": [
                {"ErrorEquals": ["CustomError"], "Next": "Handled", "ResultPath": "$.e"},
                {"ErrorEquals": ["States.ALL"], "Next": "Other"}
            ]})),
            once(custom.clone()),
            json!({"comment": "input", "e": {"Error": "CustomError", "Cause": "This is a custom error"}}),
        ),
        (
            "catchers are tried in order: States.ALL takes what the others do not",
            task_machine(json!({"Catch": [
                {"ErrorEquals": ["CustomError"], "Next": "Handled"},
                {"ErrorEquals": ["States.ALL"], "Next": "Other"}
            ]})),
            once(throw("SomethingElse", "x")),
            json!("other handler"),
        ),
        (
            "the first matching catcher wins even if a later one matches too",
            task_machine(json!({"Catch": [
                {"ErrorEquals": ["States.ALL"], "Next": "Other"}
            ]})),
            once(custom.clone()),
            json!("other handler"),
        ),
        (
            "States.TaskFailed catches an error the task raised",
            task_machine(json!({"Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}]})),
            once(custom.clone()),
            json!({"Error": "CustomError", "Cause": "This is a custom error"}),
        ),
        (
            "States.ALL catches States.Timeout",
            task_machine(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]})),
            once(throw("States.Timeout", "too slow")),
            json!({"Error": "States.Timeout", "Cause": "too slow"}),
        ),
        (
            "retries exhausted, then Catch",
            task_machine(json!({
                "Retry": [{"ErrorEquals": ["CustomError"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["CustomError"], "Next": "Handled", "ResultPath": "$.error"}]
            })),
            json!({"0-2": throw("CustomError", "third failure"), "3": {"Return": "too late"}}),
            json!({"comment": "input", "error": {"Error": "CustomError", "Cause": "third failure"}}),
        ),
    ];
    let mut failures = Vec::new();
    for (name, definition, answers, expected) in rows {
        let outcome = run_task(definition, answers, input.clone());
        if outcome.json["status"] != "SUCCEEDED" || outcome.json["output"] != expected {
            failures.push(format!("{name}: expected {expected}, got {}", outcome.stdout));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// Developer Guide: Handling errors in Step Functions workflows ("Error names"):
// "States.TaskFailed ... acts as a wildcard that matches any known error name except for
// States.Timeout"; an error no catcher names fails the execution with that error.
#[test]
fn uncaught_errors_fail_the_execution() {
    let rows = [
        (
            "States.TaskFailed does not catch States.Timeout",
            json!({"Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}]}),
            once(throw("States.Timeout", "too slow")),
            "States.Timeout",
            "too slow",
        ),
        (
            "States.TaskFailed does not retry States.Timeout",
            json!({"Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 3}]}),
            json!({"0": throw("States.Timeout", "once"), "1": {"Return": 1}}),
            "States.Timeout",
            "once",
        ),
        (
            "a catcher for another error",
            json!({"Catch": [{"ErrorEquals": ["Other"], "Next": "Handled"}]}),
            once(throw("CustomError", "c")),
            "CustomError",
            "c",
        ),
    ];
    for (name, fields, answers, error, cause) in rows {
        let outcome = run_task(task_machine(fields), answers, json!({}));
        assert_eq!(outcome.failure(), (error.to_owned(), Some(cause.to_owned())), "{name}");
    }
}

// Developer Guide: Handling errors in Step Functions workflows ("States.Runtime": "A retry or
// catch on States.ALL won't catch States.Runtime errors", e.g. a path that selects nothing).
#[test]
fn states_all_does_not_catch_states_runtime() {
    let definition = task_machine(json!({
        "OutputPath": "$.missing",
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]
    }));
    let outcome = run_task(definition, json!({"0-9": {"Return": {"present": 1}}}), json!({}));
    let (error, cause) = outcome.failure();
    assert_eq!(error, "States.Runtime");
    assert!(cause.unwrap_or_default().contains("$.missing"));
    assert_eq!(
        outcome.count_events("TaskScheduled"),
        1,
        "States.Runtime is not retried"
    );

    let parameters = task_machine(json!({
        "Parameters": {"x.$": "$.missing"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]
    }));
    let outcome = run_task(parameters, json!({"0": {"Return": 1}}), json!({}));
    assert_eq!(outcome.error(), "States.Runtime");
}

// Developer Guide: Handling errors in Step Functions workflows ("Retry behavior": the wait
// before retry n is IntervalSeconds * BackoffRate^(n-1), capped by MaxDelaySeconds). Delays
// are scaled by --wait-scale 0.1: 1 s, 2 s, 4 s become 0.1, 0.2 and 0.4 s.
#[test]
fn backoff_rate_and_max_delay() {
    let answers = json!({"0-2": throw("Boom", "x"), "3": {"Return": "ok"}});
    let with = |retrier: Value| {
        machine(task_machine(json!({"Retry": [retrier]})))
            .mock(mock_config(&[("T", answers.clone())]), "T")
            .wait_scale(0.1)
            .run()
    };
    let doubling = with(json!({"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}));
    assert_eq!(doubling.output(), &json!("ok"));
    assert!(
        doubling.elapsed.as_millis() >= 680,
        "1+2+4 s at scale 0.1 should take 0.7 s, took {:?}",
        doubling.elapsed
    );

    // The defaults: IntervalSeconds 1, BackoffRate 2.0 (1 + 2 + 4 s).
    let defaults = with(json!({"ErrorEquals": ["Boom"]}));
    assert_eq!(defaults.output(), &json!("ok"));
    assert!(defaults.elapsed.as_millis() >= 680, "took {:?}", defaults.elapsed);

    let capped = with(json!({
        "ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 10.0, "MaxDelaySeconds": 1
    }));
    assert_eq!(capped.output(), &json!("ok"));
    assert!(
        capped.elapsed.as_millis() >= 280,
        "three 1 s delays: {:?}",
        capped.elapsed
    );
    assert!(
        capped.elapsed.as_millis() < 5_000,
        "MaxDelaySeconds 1 caps 1+10+100 s (11.1 s at scale 0.1): took {:?}",
        capped.elapsed
    );
}

// Developer Guide: Handling errors in Step Functions workflows / States Language spec
// ("TimeoutSeconds" of the state machine): an execution that runs past it ends TIMED_OUT
// with States.Timeout. A Wait of 2 s under TimeoutSeconds 1 stops after about 1 s.
#[test]
fn execution_timeout() {
    let definition = json!({"TimeoutSeconds": 1, "StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 2, "Next": "After"},
        "After": {"Type": "Pass", "End": true}
    }});
    let outcome = machine(definition).wait_scale(1.0).history().run();
    assert_eq!(outcome.status(), "TIMED_OUT", "{}", outcome.stdout);
    assert_eq!(outcome.code, Some(1));
    assert_eq!(outcome.json["error"], "States.Timeout");
    assert!(outcome.json.get("output").is_none());
    assert!(
        outcome.elapsed.as_millis() >= 900,
        "stopped too early: {:?}",
        outcome.elapsed
    );
    assert!(
        outcome.elapsed.as_millis() < 1_900,
        "ran the whole Wait: {:?}",
        outcome.elapsed
    );
    let types = outcome.event_types();
    assert_eq!(types.last().map(String::as_str), Some("ExecutionTimedOut"), "{types:?}");
    assert!(!types.contains(&"PassStateEntered".to_owned()), "{types:?}");

    let mut within = single_def(json!({"Type": "Wait", "Seconds": 1}));
    within["TimeoutSeconds"] = json!(5);
    let quick = machine(within).wait_scale(0.1).run();
    assert_eq!(quick.status(), "SUCCEEDED", "a machine within its timeout succeeds");
}

// Developer Guide: Parallel workflow state / Handling errors: a failing branch fails the
// Parallel state with the branch's error, and Retry re-runs the whole state (each attempt
// shows a ParallelStateStarted event).
#[test]
fn retry_on_parallel_reruns_the_branches() {
    let definition = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true,
              "Retry": [{"ErrorEquals": ["BranchError"], "MaxAttempts": 2}],
              "Branches": [
                  {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": true}}},
                  {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "BranchError", "Cause": "always"}}}
              ]}
    }});
    let outcome = machine(definition).history().run();
    assert_eq!(outcome.failure(), ("BranchError".to_owned(), Some("always".to_owned())));
    assert_eq!(outcome.count_events("ParallelStateStarted"), 3);
}

// Developer Guide: Handling errors ("States.DataLimitExceeded": thrown "when the output of a
// connector is larger than payload size quota", 256 KiB): a Catch that names the error
// handles it, with the usual {"Error", "Cause"} output.
#[test]
fn oversized_task_result_caught_by_name() {
    let definition = task_machine(json!({"Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Handled"}]}));
    let big = "a".repeat(257 * 1024);
    let outcome = run_task(definition, once(json!({"Return": big})), json!({}));
    let output = outcome.output();
    assert_eq!(output["Error"], "States.DataLimitExceeded");
    assert!(output["Cause"].as_str().unwrap().contains("'T'"), "{output}");
}
