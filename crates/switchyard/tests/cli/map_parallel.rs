//! Map and Parallel states.

use serde_json::{json, Value};

use crate::support::{machine, single, single_def, without_unreferenced_states};
use crate::{check_failures, check_outputs, fail_row, row};

fn pass_processor() -> Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}})
}

// Developer Guide: Map state (inline mode). The page's example ("Validate-All") reads the
// items at ItemsPath "$.shipped" of the InputPath "$.detail" selection and writes the results
// back with ResultPath "$.detail.shipped"; ItemSelector builds each iteration's input, where
// "$" is the Map state's input and "$$.Map.Item.Value" the item.
#[test]
fn map_state() {
    let shipped = json!([
        {"prod": "R31", "dest-code": 9511, "quantity": 1344},
        {"prod": "S39", "dest-code": 9511, "quantity": 40},
        {"prod": "R31", "dest-code": 9833, "quantity": 12}
    ]);
    check_outputs(vec![
        row(
            "doc Validate-All: InputPath, ItemsPath, ResultPath",
            single_def(json!({
                "Type": "Map",
                "InputPath": "$.detail",
                "ItemsPath": "$.shipped",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Validate",
                    "States": {"Validate": {"Type": "Pass", "Parameters": {"prod.$": "$.prod", "valid": true}, "End": true}}
                },
                "ResultPath": "$.detail.shipped"
            })),
            json!({"ship-date": "2016-03-14T01:59:00Z", "detail": {"delivery-partner": "UQS", "shipped": shipped}}),
            json!({"ship-date": "2016-03-14T01:59:00Z", "detail": {"delivery-partner": "UQS", "shipped": [
                {"prod": "R31", "valid": true}, {"prod": "S39", "valid": true}, {"prod": "R31", "valid": true}
            ]}}),
        ),
        row(
            "doc ItemSelector: parcel from the item, courier from the Map input",
            single_def(json!({
                "Type": "Map",
                "ItemsPath": "$.detail.shipped",
                "ItemSelector": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.detail.delivery-partner"},
                "ItemProcessor": pass_processor()
            })),
            json!({"detail": {"delivery-partner": "UQS", "shipped": [{"prod": "R31"}, {"prod": "S39"}]}}),
            json!([
                {"parcel": {"prod": "R31"}, "courier": "UQS"},
                {"parcel": {"prod": "S39"}, "courier": "UQS"}
            ]),
        ),
        row(
            "legacy Iterator and Parameters",
            single_def(json!({
                "Type": "Map",
                "ItemsPath": "$.items",
                "Parameters": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
                "Iterator": pass_processor()
            })),
            json!({"items": ["a", "b"]}),
            json!([{"i": 0, "v": "a"}, {"i": 1, "v": "b"}]),
        ),
        row(
            "ItemsPath defaults to $: the input array",
            single_def(json!({"Type": "Map", "ItemProcessor": pass_processor()})),
            json!([1, "two", null, {"four": 4}]),
            json!([1, "two", null, {"four": 4}]),
        ),
        row(
            "an empty array gives an empty array",
            single_def(json!({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": pass_processor()})),
            json!({"items": []}),
            json!([]),
        ),
        row(
            "results keep the item order, whatever the MaxConcurrency",
            single_def(json!({
                "Type": "Map",
                "MaxConcurrency": 2,
                "ItemProcessor": {"StartAt": "Double", "States": {"Double": {
                    "Type": "Pass", "Parameters": {"n.$": "States.MathAdd($, $)"}, "End": true
                }}}
            })),
            json!([1, 2, 3, 4, 5]),
            json!([{"n": 2}, {"n": 4}, {"n": 6}, {"n": 8}, {"n": 10}]),
        ),
        row(
            "ResultSelector over the results array, then ResultPath",
            single_def(json!({
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": pass_processor(),
                "ResultSelector": {"first.$": "$[0]", "count.$": "States.ArrayLength($)"},
                "ResultPath": "$.summary"
            })),
            json!({"items": ["x", "y"]}),
            json!({"items": ["x", "y"], "summary": {"first": "x", "count": 2}}),
        ),
        row(
            "an iteration runs a whole state machine (Choice inside)",
            single_def(json!({
                "Type": "Map",
                "ItemProcessor": {"StartAt": "C", "States": {
                    "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 1, "Next": "Big"}], "Default": "Small"},
                    "Big": {"Type": "Pass", "Result": "big", "End": true},
                    "Small": {"Type": "Pass", "Result": "small", "End": true}
                }}
            })),
            json!([0, 5, 1]),
            json!(["small", "big", "small"]),
        ),
        row(
            "nested Map",
            single_def(json!({
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {
                    "Type": "Map",
                    "ItemSelector": {"outer.$": "$$.Map.Item.Index"},
                    "ItemProcessor": pass_processor(),
                    "End": true
                }}}
            })),
            json!([[10, 20], [30]]),
            json!([[{"outer": 0}, {"outer": 1}], [{"outer": 0}]]),
        ),
    ]);
}

// Developer Guide: Map state: MaxConcurrency bounds how many iterations run at once (0 means
// as many as possible). Three iterations that each Wait 1 s (scaled by 0.3) take about 0.3 s
// together and 0.9 s one at a time.
#[test]
fn map_max_concurrency() {
    let with = |max: u64| {
        single(json!({
            "Type": "Map",
            "MaxConcurrency": max,
            "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}
        }))
        .input(json!([1, 2, 3]))
        .wait_scale(0.3)
        .run()
    };
    let serial = with(1);
    assert_eq!(serial.output(), &json!([1, 2, 3]));
    assert!(
        serial.elapsed.as_millis() >= 850,
        "MaxConcurrency 1 took {:?}",
        serial.elapsed
    );
    let unbounded = with(0);
    assert_eq!(unbounded.output(), &json!([1, 2, 3]));
    assert!(
        unbounded.elapsed.as_millis() < 800,
        "MaxConcurrency 0 took {:?}",
        unbounded.elapsed
    );

    // MaxConcurrencyPath reads the limit from the input.
    let from_path = single(json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "MaxConcurrencyPath": "$.max",
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}
    }))
    .input(json!({"items": [1, 2, 3], "max": 1}))
    .wait_scale(0.3)
    .run();
    assert_eq!(from_path.output(), &json!([1, 2, 3]));
    assert!(
        from_path.elapsed.as_millis() >= 850,
        "MaxConcurrencyPath 1 took {:?}",
        from_path.elapsed
    );
}

fn failing_map(extra: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "F"}], "Default": "Ok"},
            "F": {"Type": "Fail", "Error": "ItemError", "Cause": "a bad item"},
            "Ok": {"Type": "Pass", "End": true}
        }},
        "Next": "After"
    });
    for (k, v) in extra.as_object().unwrap() {
        map[k] = v.clone();
    }
    without_unreferenced_states(json!({"StartAt": "M", "States": {
        "M": map,
        "After": {"Type": "Pass", "End": true},
        "Caught": {"Type": "Pass", "End": true}
    }}))
}

// Developer Guide: Map state / Handling errors: an iteration that fails fails the Map state
// with that error; Retry re-runs the Map state, and Catch handles it like any other error.
#[test]
fn map_failures() {
    let outcome = machine(failing_map(json!({}))).input(json!(["ok", "bad", "ok"])).run();
    assert_eq!(
        outcome.failure(),
        ("ItemError".to_owned(), Some("a bad item".to_owned()))
    );

    let caught = machine(failing_map(json!({
        "ItemsPath": "$.items",
        "Retry": [{"ErrorEquals": ["ItemError"], "MaxAttempts": 1}],
        "Catch": [{"ErrorEquals": ["ItemError"], "Next": "Caught", "ResultPath": "$.error"}]
    })))
    .input(json!({"items": ["ok", "bad"]}))
    .history()
    .run();
    assert_eq!(
        caught.output(),
        &json!({"items": ["ok", "bad"], "error": {"Error": "ItemError", "Cause": "a bad item"}})
    );
    assert_eq!(caught.count_events("MapStateStarted"), 2, "one retry: two attempts");
    assert!(caught.event_types().contains(&"MapIterationFailed".to_owned()));

    let all = machine(failing_map(json!({
        "ItemsPath": "$.items",
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]
    })))
    .input(json!({"items": ["bad"]}))
    .run();
    assert_eq!(all.output(), &json!({"Error": "ItemError", "Cause": "a bad item"}));
}

// Developer Guide: Map state: ItemsPath must select an array.
#[test]
fn map_items_path_errors() {
    check_failures(vec![
        fail_row(
            "ItemsPath selects an object",
            single_def(json!({"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": pass_processor()})),
            json!({"items": {"a": 1}}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "ItemsPath selects nothing",
            single_def(json!({"Type": "Map", "ItemsPath": "$.nope", "ItemProcessor": pass_processor()})),
            json!({}),
            "States.Runtime",
            None,
        ),
    ]);
}

fn branch(states: Value, start: &str) -> Value {
    json!({"StartAt": start, "States": states})
}

// Developer Guide: Parallel workflow state. Each branch gets the state's input (after
// InputPath/Parameters); the output is an array of the branches' outputs in branch order; the
// page's example runs "LookupAddress" and "LookupPhone" side by side.
#[test]
fn parallel_state() {
    check_outputs(vec![
        row(
            "doc LookupCustomerInfo: one output per branch, in order",
            single_def(json!({
                "Type": "Parallel",
                "Branches": [
                    branch(json!({"LookupAddress": {"Type": "Pass", "Parameters": {"address.$": "States.Format('{} Main St', $.id)"}, "End": true}}), "LookupAddress"),
                    branch(json!({"LookupPhone": {"Type": "Pass", "Parameters": {"phone.$": "States.Format('555-{}', $.id)"}, "End": true}}), "LookupPhone")
                ]
            })),
            json!({"id": 42}),
            json!([{"address": "42 Main St"}, {"phone": "555-42"}]),
        ),
        row(
            "InputPath and Parameters shape the branches' input; ResultPath places the array",
            single_def(json!({
                "Type": "Parallel",
                "InputPath": "$.in",
                "Parameters": {"n.$": "$.n"},
                "Branches": [
                    branch(json!({"A": {"Type": "Pass", "End": true}}), "A"),
                    branch(json!({"B": {"Type": "Pass", "Result": "fixed", "End": true}}), "B")
                ],
                "ResultPath": "$.results"
            })),
            json!({"in": {"n": 1, "other": 2}}),
            json!({"in": {"n": 1, "other": 2}, "results": [{"n": 1}, "fixed"]}),
        ),
        row(
            "ResultSelector and OutputPath",
            single_def(json!({
                "Type": "Parallel",
                "Branches": [
                    branch(json!({"A": {"Type": "Pass", "Result": {"a": 1}, "End": true}}), "A"),
                    branch(json!({"B": {"Type": "Pass", "Result": {"b": 2}, "End": true}}), "B")
                ],
                "ResultSelector": {"fromA.$": "$[0].a", "fromB.$": "$[1].b"},
                "ResultPath": "$.merged",
                "OutputPath": "$.merged"
            })),
            json!({}),
            json!({"fromA": 1, "fromB": 2}),
        ),
        row(
            "a branch is a whole state machine",
            single_def(json!({
                "Type": "Parallel",
                "Branches": [
                    branch(json!({
                        "One": {"Type": "Pass", "Result": 1, "ResultPath": "$.one", "Next": "Two"},
                        "Two": {"Type": "Pass", "Result": 2, "ResultPath": "$.two", "End": true}
                    }), "One"),
                    branch(json!({"Done": {"Type": "Succeed"}}), "Done")
                ]
            })),
            json!({"start": 0}),
            json!([{"start": 0, "one": 1, "two": 2}, {"start": 0}]),
        ),
    ]);
}

// Developer Guide: Parallel workflow state: the branches run at the same time; a slow first
// branch still comes first in the output.
#[test]
fn parallel_branches_run_concurrently_and_keep_order() {
    let outcome = single(json!({
        "Type": "Parallel",
        "Branches": [
            branch(json!({"Slow": {"Type": "Wait", "Seconds": 1, "Next": "SlowDone"}, "SlowDone": {"Type": "Pass", "Result": "slow", "End": true}}), "Slow"),
            branch(json!({"Slow2": {"Type": "Wait", "Seconds": 1, "Next": "Fast"}, "Fast": {"Type": "Pass", "Result": "second", "End": true}}), "Slow2"),
            branch(json!({"Quick": {"Type": "Pass", "Result": "quick", "End": true}}), "Quick")
        ]
    }))
    .wait_scale(0.3)
    .run();
    assert_eq!(outcome.output(), &json!(["slow", "second", "quick"]));
    assert!(outcome.elapsed.as_millis() >= 280, "{:?}", outcome.elapsed);
    assert!(
        outcome.elapsed.as_millis() < 580,
        "branches ran one after another: {:?}",
        outcome.elapsed
    );
}

// Developer Guide: Parallel workflow state: "If any branch fails ... the entire Parallel state
// fails", with the branch's error; Catch on the Parallel state handles it.
#[test]
fn parallel_failures() {
    let definition = |catch: Value| {
        let mut parallel = json!({
            "Type": "Parallel",
            "Branches": [
                branch(json!({"Ok": {"Type": "Pass", "End": true}}), "Ok"),
                branch(json!({"Bad": {"Type": "Fail", "Error": "BranchError", "Cause": "branch two failed"}}), "Bad")
            ],
            "Next": "After"
        });
        if !catch.is_null() {
            parallel["Catch"] = catch;
        }
        without_unreferenced_states(json!({"StartAt": "P", "States": {
            "P": parallel,
            "After": {"Type": "Pass", "End": true},
            "Recover": {"Type": "Pass", "End": true}
        }}))
    };
    let failed = machine(definition(Value::Null)).run();
    assert_eq!(
        failed.failure(),
        ("BranchError".to_owned(), Some("branch two failed".to_owned()))
    );

    let caught = machine(definition(
        json!([{"ErrorEquals": ["BranchError"], "Next": "Recover", "ResultPath": "$.error"}]),
    ))
    .input(json!({"order": 1}))
    .run();
    assert_eq!(
        caught.output(),
        &json!({"order": 1, "error": {"Error": "BranchError", "Cause": "branch two failed"}})
    );

    let other = machine(definition(
        json!([{"ErrorEquals": ["SomethingElse"], "Next": "Recover"}]),
    ))
    .run();
    assert_eq!(other.error(), "BranchError");

    let all = machine(definition(json!([{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]))).run();
    assert_eq!(
        all.output(),
        &json!({"Error": "BranchError", "Cause": "branch two failed"})
    );

    let no_choice = single(json!({
        "Type": "Parallel",
        "Branches": [branch(json!({"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "D"}]}, "D": {"Type": "Succeed"}}), "C")]
    }))
    .run();
    assert_eq!(no_choice.error(), "States.NoChoiceMatched");
}

// Developer Guide: Parallel workflow state: "If any branch fails, because of an unhandled
// error or by transitioning to a Fail state, the entire Parallel state fails, and all of its
// branches are stopped."
#[test]
fn parallel_failure_stops_the_other_branches() {
    let outcome = single(json!({
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Wait", "Seconds": 2, "End": true}}},
            {"StartAt": "Bad", "States": {"Bad": {"Type": "Fail", "Error": "Boom"}}}
        ]
    }))
    .wait_scale(0.5)
    .history()
    .run();
    assert_eq!(outcome.error(), "Boom");
    // The slow branch's 1 s Wait is cut short: it never exits.
    assert_eq!(outcome.count_events("WaitStateEntered"), 1);
    assert_eq!(outcome.count_events("WaitStateExited"), 0);
}

// Developer Guide: Map state (inline): an iteration that fails fails the Map state and the
// other iterations are stopped (their history shows MapIterationAborted).
#[test]
fn map_failure_aborts_the_running_iterations() {
    let outcome = single(json!({
        "Type": "Map",
        "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "F"}], "Default": "W"},
            "W": {"Type": "Wait", "Seconds": 2, "End": true},
            "F": {"Type": "Fail", "Error": "Boom"}
        }}
    }))
    .input(json!(["slow", "bad"]))
    .wait_scale(0.5)
    .history()
    .run();
    assert_eq!(outcome.error(), "Boom");
    let types = outcome.event_types();
    assert_eq!(outcome.count_events("MapIterationSucceeded"), 0, "{types:?}");
    let failed = types.iter().position(|t| t == "MapIterationFailed").unwrap();
    let aborted = types.iter().position(|t| t == "MapIterationAborted").unwrap();
    assert!(aborted > failed, "{types:?}");
}

// Developer Guide: Map state: MaxConcurrency is the number of iterations that may run at once;
// when one finishes, the next item starts.
#[test]
fn map_max_concurrency_refills_slots_as_iterations_finish() {
    // One slow item (8 s) and six quick ones (1 s), two at a time, at scale 0.125: the six
    // quick ones run one after another beside the slow one, about 1.0 s in all (were slots
    // held until earlier items finished, it would take about 1.375 s).
    let outcome = single(json!({
        "Type": "Map",
        "MaxConcurrency": 2,
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}}
    }))
    .input(json!([{"s": 8}, {"s": 1}, {"s": 1}, {"s": 1}, {"s": 1}, {"s": 1}, {"s": 1}]))
    .wait_scale(0.125)
    .run();
    assert_eq!(outcome.output().as_array().unwrap().len(), 7);
    assert!(
        outcome.elapsed.as_millis() < 1_300,
        "slots are refilled as iterations finish: {:?}",
        outcome.elapsed
    );
}
