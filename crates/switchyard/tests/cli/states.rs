//! Pass, Succeed, Fail and Wait states.

use serde_json::json;

use crate::support::{machine, single, single_def};
use crate::{check_failures, check_outputs, fail_row, row};

// Developer Guide: Pass workflow state. The page's example ("No-op") puts a fixed Result at
// $.coords of the input; a Pass state without Result passes its input on; Parameters builds
// a new payload, with ".$" keys taking values from paths.
#[test]
fn pass_state() {
    check_outputs(vec![
        row(
            "doc No-op example: Result placed at ResultPath $.coords",
            single_def(json!({
                "Type": "Pass",
                "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355},
                "ResultPath": "$.coords"
            })),
            json!({"georefOf": "Home"}),
            json!({"georefOf": "Home", "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355}}),
        ),
        row(
            "no Result: the input is the output",
            single_def(json!({"Type": "Pass"})),
            json!({"a": [1, 2, {"b": null}]}),
            json!({"a": [1, 2, {"b": null}]}),
        ),
        row(
            "Result without ResultPath replaces the input",
            single_def(json!({"Type": "Pass", "Result": "done"})),
            json!({"a": 1}),
            json!("done"),
        ),
        row(
            "Result can be any JSON value (array)",
            single_def(json!({"Type": "Pass", "Result": [1, "two", null, false]})),
            json!({}),
            json!([1, "two", null, false]),
        ),
        row(
            "ResultPath null discards the result and keeps the input",
            single_def(json!({"Type": "Pass", "Result": {"x": 1}, "ResultPath": null})),
            json!({"keep": "me"}),
            json!({"keep": "me"}),
        ),
        row(
            "ResultPath creates missing intermediate objects",
            single_def(json!({"Type": "Pass", "Result": 7, "ResultPath": "$.a.b.c"})),
            json!({"z": 0}),
            json!({"z": 0, "a": {"b": {"c": 7}}}),
        ),
        row(
            "ResultPath into an existing object keeps its siblings",
            single_def(json!({"Type": "Pass", "Result": 7, "ResultPath": "$.a.new"})),
            json!({"a": {"old": 1}}),
            json!({"a": {"old": 1, "new": 7}}),
        ),
        row(
            "ResultPath overwrites an existing field",
            single_def(json!({"Type": "Pass", "Result": "new", "ResultPath": "$.a"})),
            json!({"a": "old", "b": 2}),
            json!({"a": "new", "b": 2}),
        ),
        row(
            "ResultPath $ is the same as no ResultPath",
            single_def(json!({"Type": "Pass", "Result": {"r": 1}, "ResultPath": "$"})),
            json!({"a": 1}),
            json!({"r": 1}),
        ),
        row(
            "Parameters: static values and .$ paths",
            single_def(json!({
                "Type": "Pass",
                "Parameters": {"static": "v", "fromInput.$": "$.a.b", "nested": {"n.$": "$.list[1]"}}
            })),
            json!({"a": {"b": "B"}, "list": [10, 20, 30]}),
            json!({"static": "v", "fromInput": "B", "nested": {"n": 20}}),
        ),
        row(
            "Parameters .$ may select a whole object, an array or null",
            single_def(json!({
                "Type": "Pass",
                "Parameters": {"obj.$": "$.o", "arr.$": "$.l", "nil.$": "$.n", "all.$": "$"}
            })),
            json!({"o": {"k": 1}, "l": [1], "n": null}),
            json!({"obj": {"k": 1}, "arr": [1], "nil": null, "all": {"o": {"k": 1}, "l": [1], "n": null}}),
        ),
        row(
            "Parameters then ResultPath: the result goes into the raw input",
            single_def(json!({"Type": "Pass", "Parameters": {"v.$": "$.a"}, "ResultPath": "$.r"})),
            json!({"a": 1}),
            json!({"a": 1, "r": {"v": 1}}),
        ),
        row(
            "InputPath selects the part of the input the state works on",
            single_def(json!({"Type": "Pass", "InputPath": "$.a"})),
            json!({"a": {"b": 1}, "c": 2}),
            json!({"b": 1}),
        ),
        row(
            "InputPath null gives {} as the effective input",
            single_def(json!({"Type": "Pass", "InputPath": null})),
            json!({"a": 1}),
            json!({}),
        ),
        row(
            "InputPath does not change what ResultPath writes into",
            single_def(json!({"Type": "Pass", "InputPath": "$.a", "ResultPath": "$.r"})),
            json!({"a": {"b": 1}, "c": 2}),
            json!({"a": {"b": 1}, "c": 2, "r": {"b": 1}}),
        ),
        row(
            "OutputPath selects part of the output",
            single_def(json!({"Type": "Pass", "Result": {"x": {"y": 1}, "z": 2}, "OutputPath": "$.x"})),
            json!({}),
            json!({"y": 1}),
        ),
        row(
            "OutputPath null sends {} on",
            single_def(json!({"Type": "Pass", "OutputPath": null})),
            json!({"a": 1}),
            json!({}),
        ),
        row(
            "bracket notation and array indexes in paths",
            single_def(json!({"Type": "Pass", "Parameters": {"v.$": "$['my key'][0]"}})),
            json!({"my key": ["first", "second"]}),
            json!({"v": "first"}),
        ),
        row(
            "two Pass states chain: the first's output is the second's input",
            json!({"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Result": 1, "ResultPath": "$.a", "Next": "B"},
                "B": {"Type": "Pass", "Result": 2, "ResultPath": "$.b", "End": true}
            }}),
            json!({}),
            json!({"a": 1, "b": 2}),
        ),
    ]);
}

// Developer Guide: Processing input and output ("ResultPath", "InputPath", "OutputPath"):
// a path that selects nothing, or a ResultPath that cannot be applied, fails the state.
#[test]
fn pass_state_path_errors() {
    check_failures(vec![
        fail_row(
            "InputPath selects nothing",
            single_def(json!({"Type": "Pass", "InputPath": "$.missing"})),
            json!({"a": 1}),
            "States.Runtime",
            Some("$.missing"),
        ),
        fail_row(
            "OutputPath selects nothing",
            single_def(json!({"Type": "Pass", "OutputPath": "$.missing"})),
            json!({"a": 1}),
            "States.Runtime",
            Some("$.missing"),
        ),
        fail_row(
            "Parameters path selects nothing",
            single_def(json!({"Type": "Pass", "Parameters": {"v.$": "$.missing"}})),
            json!({"a": 1}),
            "States.Runtime",
            Some("$.missing"),
        ),
        fail_row(
            "ResultPath into a string input",
            single_def(json!({"Type": "Pass", "Result": 1, "ResultPath": "$.a.b"})),
            json!({"a": "text"}),
            "States.ResultPathMatchFailure",
            None,
        ),
    ]);
}

// Developer Guide: Handling errors ("States.DataLimitExceeded": "when the output of a state
// is larger than payload size quota", 256 KiB).
#[test]
fn oversized_state_output_fails_the_execution() {
    let big = "a".repeat(257 * 1024);
    let outcome = single(json!({"Type": "Pass", "Result": {"Arg1": big}})).history().run();
    let (error, cause) = outcome.failure();
    assert_eq!(error, "States.DataLimitExceeded");
    assert!(cause.unwrap_or_default().contains("'S'"));
    assert_eq!(
        outcome.event_types(),
        ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]
    );

    let fits = single(json!({"Type": "Pass", "Result": {"Arg1": "a".repeat(200 * 1024)}})).run();
    assert_eq!(fits.status(), "SUCCEEDED");
}

// Developer Guide: Succeed workflow state. "A Succeed state ... stops an execution
// successfully"; it has no Next and may use InputPath and OutputPath.
#[test]
fn succeed_state() {
    check_outputs(vec![
        row(
            "Succeed passes its input on as the execution output",
            single_def(json!({"Type": "Succeed"})),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        row(
            "Succeed applies InputPath and OutputPath",
            single_def(json!({"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"})),
            json!({"a": {"b": {"c": 3}}}),
            json!({"c": 3}),
        ),
        row(
            "Succeed stops the execution where it stands",
            json!({"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Result": "from A", "Next": "Done"},
                "Done": {"Type": "Succeed"}
            }}),
            json!({}),
            json!("from A"),
        ),
    ]);
}

// Developer Guide: Fail workflow state (and the States Language spec's "Kaiju attack"
// example). "Error" and "Cause" name the failure; ErrorPath and
// CausePath take them from the input, and CausePath may use an intrinsic function (the page's
// example uses States.Format).
#[test]
fn fail_state() {
    let cases = [
        (
            "spec example: literal Error and Cause",
            json!({"Type": "Fail", "Error": "ErrorA", "Cause": "Kaiju attack"}),
            json!({}),
            "ErrorA",
            Some("Kaiju attack"),
        ),
        (
            "doc example: ErrorPath and CausePath",
            json!({"Type": "Fail", "Comment": "my error comment", "ErrorPath": "$.Error", "CausePath": "$.Cause"}),
            json!({"Error": "the Error", "Cause": "the Cause"}),
            "the Error",
            Some("the Cause"),
        ),
        (
            "doc example: CausePath with States.Format",
            json!({
                "Type": "Fail",
                "ErrorPath": "$.Error",
                "CausePath": "States.Format('this is the error: {}, and this is the cause: {}', $.Error, $.Cause)"
            }),
            json!({"Error": "MyError", "Cause": "MyCause"}),
            "MyError",
            Some("this is the error: MyError, and this is the cause: MyCause"),
        ),
        (
            "ErrorPath with an intrinsic function",
            json!({"Type": "Fail", "ErrorPath": "States.Format('{}.{}', $.service, $.code)", "CausePath": "$.detail"}),
            json!({"service": "Orders", "code": "NotFound", "detail": "order 7 is missing"}),
            "Orders.NotFound",
            Some("order 7 is missing"),
        ),
        (
            "Error without Cause",
            json!({"Type": "Fail", "Error": "OnlyError"}),
            json!({}),
            "OnlyError",
            None,
        ),
        (
            "ErrorPath from the Context object",
            json!({"Type": "Fail", "ErrorPath": "$$.State.Name", "Cause": "c"}),
            json!({}),
            "S",
            Some("c"),
        ),
    ];
    for (name, state, input, error, cause) in cases {
        let outcome = single(state).input(input).run();
        let (got_error, got_cause) = outcome.failure();
        assert_eq!(got_error, error, "{name}");
        assert_eq!(got_cause.as_deref(), cause, "{name}");
        assert!(
            outcome.json.get("cause").is_some() == cause.is_some(),
            "{name}: {}",
            outcome.stdout
        );
    }
}

// Developer Guide: Fail workflow state: "Fail states stop the execution of the state machine";
// nothing after it runs, whatever came before.
#[test]
fn fail_state_ends_the_execution_from_a_branch_of_choices() {
    let definition = json!({"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": false, "Next": "Boom"}], "Default": "Fine"},
        "Boom": {"Type": "Fail", "Error": "NotOk", "Cause": "ok was false"},
        "Fine": {"Type": "Succeed"}
    }});
    let failed = machine(definition.clone()).input(json!({"ok": false})).run();
    assert_eq!(failed.failure(), ("NotOk".to_owned(), Some("ok was false".to_owned())));
    let fine = machine(definition).input(json!({"ok": true})).run();
    assert_eq!(fine.output(), &json!({"ok": true}));
}

// Developer Guide: Wait workflow state. Seconds, SecondsPath, Timestamp and TimestampPath
// (the page's examples: 10 seconds, "2016-03-14T01:59:00Z", "$.expirydate"); the state's
// output is its input.
#[test]
fn wait_state() {
    check_outputs(vec![
        row(
            "doc: Seconds 10",
            single_def(json!({"Type": "Wait", "Seconds": 10})),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        row(
            "doc: Timestamp in the past",
            single_def(json!({"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z"})),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        row(
            "doc: TimestampPath $.expirydate",
            single_def(json!({"Type": "Wait", "TimestampPath": "$.expirydate"})),
            json!({"expirydate": "2016-03-14T01:59:00Z"}),
            json!({"expirydate": "2016-03-14T01:59:00Z"}),
        ),
        row(
            "SecondsPath with an integer",
            single_def(json!({"Type": "Wait", "SecondsPath": "$.s"})),
            json!({"s": 5}),
            json!({"s": 5}),
        ),
        row(
            "SecondsPath 0",
            single_def(json!({"Type": "Wait", "SecondsPath": "$.s"})),
            json!({"s": 0}),
            json!({"s": 0}),
        ),
        row(
            "Wait applies InputPath and OutputPath",
            single_def(json!({"Type": "Wait", "Seconds": 1, "InputPath": "$.a", "OutputPath": "$.b"})),
            json!({"a": {"b": 2}}),
            json!(2),
        ),
    ]);
}

// Developer Guide: Wait workflow state: SecondsPath must select a non-negative integer and
// TimestampPath an ISO-8601 timestamp; otherwise the state fails.
#[test]
fn wait_state_bad_paths() {
    let wait = |field: &str| single_def(json!({"Type": "Wait", field: "$.v"}));
    check_failures(vec![
        fail_row(
            "negative SecondsPath",
            wait("SecondsPath"),
            json!({"v": -1}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "non-integer SecondsPath",
            wait("SecondsPath"),
            json!({"v": 1.5}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "string SecondsPath",
            wait("SecondsPath"),
            json!({"v": "10"}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "missing SecondsPath",
            wait("SecondsPath"),
            json!({}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "TimestampPath not a timestamp",
            wait("TimestampPath"),
            json!({"v": "tomorrow"}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "TimestampPath without a time zone",
            wait("TimestampPath"),
            json!({"v": "2016-03-14T01:59:00"}),
            "States.Runtime",
            None,
        ),
    ]);
}

// Developer Guide: Wait workflow state: the state really waits (scaled here by --wait-scale),
// and a Timestamp in the past does not wait at all.
#[test]
fn wait_state_takes_its_time() {
    let waited = single(json!({"Type": "Wait", "Seconds": 2})).wait_scale(0.25).run();
    waited.output();
    assert!(waited.elapsed.as_millis() >= 480, "waited only {:?}", waited.elapsed);

    let from_path = single(json!({"Type": "Wait", "SecondsPath": "$.s"}))
        .input(json!({"s": 2}))
        .wait_scale(0.25)
        .run();
    from_path.output();
    assert!(
        from_path.elapsed.as_millis() >= 480,
        "waited only {:?}",
        from_path.elapsed
    );

    let past = single(json!({"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z"}))
        .wait_scale(1.0)
        .run();
    past.output();
    assert!(past.elapsed.as_secs() < 5, "a past timestamp waited {:?}", past.elapsed);
}

/// An RFC 3339 UTC timestamp `offset_ms` from now (civil-from-days, Howard Hinnant's method).
fn timestamp_from_now(offset_ms: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let ms = now + offset_ms;
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// Developer Guide: Wait workflow state: Timestamp and TimestampPath wait until that moment.
// Two seconds ahead at --wait-scale 0.5 is about one second.
#[test]
fn wait_until_a_future_timestamp() {
    let literal = single(json!({"Type": "Wait", "Timestamp": timestamp_from_now(2_000)}))
        .wait_scale(0.5)
        .run();
    literal.output();
    assert!(literal.elapsed.as_millis() >= 800, "waited only {:?}", literal.elapsed);
    assert!(literal.elapsed.as_millis() < 1_900, "waited {:?}", literal.elapsed);

    let ts = timestamp_from_now(2_000);
    let from_path = single(json!({"Type": "Wait", "TimestampPath": "$.until"}))
        .input(json!({"until": ts}))
        .wait_scale(0.5)
        .run();
    assert_eq!(from_path.output(), &json!({"until": ts}));
    assert!(
        from_path.elapsed.as_millis() >= 800,
        "waited only {:?}",
        from_path.elapsed
    );
}

// Developer Guide: Fail workflow state: Error and Cause are optional. API Reference:
// DescribeExecution / ExecutionFailedEventDetails: an execution that failed without an error
// name has no "error" field.
#[test]
fn fail_state_without_error_has_no_error_name() {
    let outcome = single(json!({"Type": "Fail", "Cause": "no name"})).history().run();
    assert_eq!(outcome.status(), "FAILED");
    // The history event is right: it leaves "error" out.
    let failed = outcome.events("ExecutionFailed")[0];
    assert_eq!(failed["executionFailedEventDetails"], json!({"cause": "no name"}));
    assert!(outcome.json.get("error").is_none(), "{}", outcome.json);
}
