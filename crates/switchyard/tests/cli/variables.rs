//! JSONata states and workflow variables, from the AWS Developer Guide pages "Passing data
//! between states with variables" (cited as *Variables*) and "Transforming data with JSONata
//! in Step Functions" (cited as *JSONata*): each row is one of their examples, run whole.

use serde_json::{json, Value};

use crate::support::{machine, single};
use crate::{check_failures, check_outputs, fail_row, row};

fn jsonata(states: Value, start: &str) -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": start, "States": states})
}

#[test]
fn developer_guide_examples() {
    check_outputs(vec![
        // Variables, "Evaluation order in an assign field": starting from $x=3, $a=6,
        // `"x": "{% $a %}", "nextX": "{% $x %}"` ends with $x=6, $nextX=3.
        row(
            "variables: evaluation order",
            jsonata(
                json!({
                    "Start": {"Type": "Pass", "Assign": {"x": 3, "a": 6}, "Next": "Swap"},
                    "Swap": {"Type": "Pass", "Assign": {"x": "{% $a %}", "nextX": "{% $x %}"}, "Next": "Show"},
                    "Show": {"Type": "Pass", "Output": {"x": "{% $x %}", "nextX": "{% $nextX %}"}, "End": true}
                }),
                "Start",
            ),
            json!({}),
            json!({"x": 6, "nextX": 3}),
        ),
        // Variables, "Assign field in ASL": a state stores values from its input.
        row(
            "variables: store inputs",
            jsonata(
                json!({
                    "Store inputs": {"Type": "Pass", "Next": "Use", "Assign": {
                        "desiredPrice": "{% $states.input.desired_price %}",
                        "maximumWait": "{% $states.input.max_days %}"}},
                    "Use": {"Type": "Pass", "Output": {"price": "{% $desiredPrice %}", "wait": "{% $maximumWait %}"}, "End": true}
                }),
                "Store inputs",
            ),
            json!({"desired_price": 24.5, "max_days": 7}),
            json!({"price": 24.5, "wait": 7}),
        ),
        // Variables, "Using variables in JSONPath states": `Assign` with paths; for a Pass
        // state `$` is its result.
        row(
            "variables: JSONPath assign",
            json!({"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Assign": {"products.$": "$.order..product", "orderTotal.$": "$.order.total"}, "Next": "B"},
                "B": {"Type": "Pass", "Parameters": {"p.$": "$products", "t.$": "$orderTotal"}, "End": true}}}),
            json!({"order": {"total": 30, "items": [{"product": "a"}, {"product": "b"}]}}),
            json!({"p": ["a", "b"], "t": 30}),
        ),
        // Variables, "Variable scope": a Map iteration reads the outer variables; what it
        // assigns stays inside it, and Output carries data out.
        row(
            "variables: map scope",
            jsonata(
                json!({
                    "Init": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Map"},
                    "Map": {"Type": "Map", "Items": "{% $states.input.xs %}", "ItemProcessor": {"StartAt": "Mul", "States": {
                        "Mul": {"Type": "Pass", "Assign": {"inner": "{% $states.input * $factor %}"}, "Next": "Out"},
                        "Out": {"Type": "Pass", "Output": "{% $inner %}", "End": true}}},
                        "Output": {"results": "{% $states.result %}", "innerIsGone": "{% $exists($inner) %}"}, "End": true}
                }),
                "Init",
            ),
            json!({"xs": [1, 2, 3]}),
            json!({"results": [10, 20, 30], "innerIsGone": false}),
        ),
        // JSONata, "Filtering with JSONata".
        row(
            "jsonata: filter products",
            jsonata(
                json!({"FilterDietProducts": {"Type": "Pass", "Output": {"dietProducts": "{% $states.input.products[calories=0] %}"}, "End": true}}),
                "FilterDietProducts",
            ),
            json!({"products": [{"name": "cola", "calories": 140}, {"name": "diet cola", "calories": 0}]}),
            json!({"dietProducts": {"name": "diet cola", "calories": 0}}),
        ),
        // JSONata, "JSONata functions provided by Step Functions": $partition, $range, $hash,
        // $parse, each in an Assign.
        row(
            "jsonata: Step Functions functions",
            jsonata(
                json!({
                    "A": {"Type": "Pass", "Assign": {
                        "arrayPartition": "{% $partition([1,2,3,4], $states.input.chunkSize) %}",
                        "arrayRange": "{% $range(0, 10, 2) %}",
                        "myHash": "{% $hash($states.input.content, $states.input.algorithm) %}",
                        "deserializedPayload": "{% $parse($states.input.json_string) %}"}, "Next": "B"},
                    "B": {"Type": "Pass", "Output": {
                        "partition": "{% $arrayPartition %}", "range": "{% $arrayRange %}",
                        "hash": "{% $myHash %}", "parsed": "{% $deserializedPayload %}"}, "End": true}
                }),
                "A",
            ),
            json!({"chunkSize": 2, "content": "Hello", "algorithm": "SHA-256", "json_string": "{\"a\": [1]}"}),
            json!({
                "partition": [[1, 2], [3, 4]],
                "range": [0, 2, 4, 6, 8, 10],
                "hash": "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969",
                "parsed": {"a": [1]}
            }),
        ),
    ]);
}

#[test]
fn variable_size_limits_fail_with_data_limit_exceeded() {
    // Variables, "Variable size limits": 256 KiB for one variable and for one Assign, 10 MiB
    // for all the variables of an execution. AWS does not document the error; Switchyard
    // fails with States.DataLimitExceeded, as for an output over the payload quota.
    check_failures(vec![
        fail_row(
            "one variable over 256 KiB",
            jsonata(
                json!({"A": {"Type": "Pass", "Assign": {"v": kib(257)}, "End": true}}),
                "A",
            ),
            json!({}),
            "States.DataLimitExceeded",
            Some("the variable 'v'"),
        ),
        fail_row(
            "one Assign over 256 KiB",
            jsonata(
                json!({"A": {"Type": "Pass", "Assign": {"v": kib(150), "w": kib(150)}, "End": true}}),
                "A",
            ),
            json!({}),
            "States.DataLimitExceeded",
            Some("assigned variables"),
        ),
    ]);
}

/// A JSONata expression for a string of `n` KiB (its JSON text is 2 bytes longer).
fn kib(n: usize) -> String {
    format!("{{% $pad('', {}, 'x') %}}", n * 1024)
}

/// 41 states each assigning its own 250 KiB variable: 10.0 MiB in all, just over AWS's total.
fn many_variables() -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..41 {
        let next = if i == 40 {
            json!({"End": true})
        } else {
            json!({"Next": format!("S{}", i + 1)})
        };
        let mut state = json!({"Type": "Pass", "Assign": {format!("v{i}"): kib(250)}});
        state.as_object_mut().unwrap().extend(next.as_object().unwrap().clone());
        states.insert(format!("S{i}"), state);
    }
    jsonata(Value::Object(states), "S0")
}

#[test]
fn the_execution_total_is_limited_and_every_limit_can_be_raised() {
    let outcome = machine(many_variables()).run();
    assert_eq!(outcome.status(), "FAILED", "{}", outcome.stdout);
    assert_eq!(outcome.error(), "States.DataLimitExceeded");
    let (_, cause) = outcome.failure();
    assert!(cause.unwrap_or_default().contains("10485760 bytes"));

    let raised = machine(many_variables())
        .arg("--max-execution-variable-bytes")
        .arg("20000000")
        .run();
    assert_eq!(raised.status(), "SUCCEEDED", "{}", raised.stdout);

    let big = single(json!({"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"v": kib(300)}}))
        .arg("--max-variable-bytes")
        .arg("400000")
        .run();
    assert_eq!(big.status(), "SUCCEEDED", "{}", big.stdout);
}
