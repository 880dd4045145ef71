//! InputPath, Parameters, ResultSelector, ResultPath and OutputPath, in the order the
//! Developer Guide applies them, with its examples.

use serde_json::{json, Value};

use crate::support::{machine, mock_config, single_def, Outcome};
use crate::{check_outputs, row};

const LAMBDA: &str = "arn:aws:states:::lambda:invoke";

/// Run a one-Task machine whose task returns `result`.
fn task(state: Value, result: Value, input: Value) -> Outcome {
    let mut state = state;
    state["Type"] = json!("Task");
    state["Resource"] = json!(LAMBDA);
    machine(single_def(state))
        .mock(mock_config(&[("S", json!({"0": {"Return": result}}))]), "T")
        .input(input)
        .history()
        .run()
}

/// The parameters the task was called with (from the TaskScheduled event).
fn scheduled_parameters(outcome: &Outcome) -> Value {
    let event = outcome.events("TaskScheduled")[0];
    serde_json::from_str(event["taskScheduledEventDetails"]["parameters"].as_str().unwrap()).unwrap()
}

// Developer Guide: Processing input and output ("Using InputPath to select parts of the
// input"): the page's example selects "$.dataset2".
#[test]
fn input_path_doc_example() {
    check_outputs(vec![row(
        "InputPath $.dataset2",
        single_def(json!({"Type": "Pass", "InputPath": "$.dataset2"})),
        json!({
            "comment": "Example for InputPath.",
            "dataset1": {"val1": 1, "val2": 2, "val3": 3},
            "dataset2": {"val1": "a", "val2": "b", "val3": "c"}
        }),
        json!({"val1": "a", "val2": "b", "val3": "c"}),
    )]);
}

// Developer Guide: Processing input and output ("Parameters"): the page's example picks
// fields of the input into a new object with static values beside them.
#[test]
fn parameters_doc_example() {
    check_outputs(vec![row(
        "Parameters with MyDetails",
        single_def(json!({"Type": "Pass", "Parameters": {
            "comment": "Selecting what I care about.",
            "MyDetails": {
                "size.$": "$.product.details.size",
                "exists.$": "$.product.availability",
                "StaticValue": "foo"
            }
        }})),
        json!({
            "comment": "Example for Parameters.",
            "product": {
                "details": {"color": "blue", "size": "small", "material": "cotton"},
                "availability": "in stock",
                "sku": "2317",
                "cost": "$23"
            }
        }),
        json!({
            "comment": "Selecting what I care about.",
            "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"}
        }),
    )]);
}

// Developer Guide: Processing input and output ("ResultSelector"): the page's example keeps
// ClusterId and ResourceType of an EMR result and puts them at $.EMROutput.
#[test]
fn result_selector_doc_example() {
    let result = json!({
        "resourceType": "elasticmapreduce",
        "resource": "createCluster.sync",
        "output": {
            "SdkHttpMetadata": {"HttpHeaders": {"Content-Length": "1112"}, "HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": "1234-5678-9012"},
            "ClusterId": "AKIAIOSFODNN7EXAMPLE"
        }
    });
    let outcome = task(
        json!({
            "ResultSelector": {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"},
            "ResultPath": "$.EMROutput"
        }),
        result,
        json!({"input": "kept"}),
    );
    assert_eq!(
        outcome.output(),
        &json!({"input": "kept", "EMROutput": {"ClusterId": "AKIAIOSFODNN7EXAMPLE", "ResourceType": "elasticmapreduce"}})
    );
}

const HELLO_INPUT: &str = r#"{"comment": "This is a test of the input and output of a Task state.", "details": "Default example", "who": "AWS Step Functions"}"#;

// Developer Guide: Processing input and output ("Specifying state output using ResultPath"):
// a Lambda that returns "Hello, AWS Step Functions!"; ResultPath "$" (the default) keeps only
// the result, null keeps only the input, "$.taskresult" puts the result beside the input.
#[test]
fn result_path_doc_examples() {
    let input: Value = serde_json::from_str(HELLO_INPUT).unwrap();
    let hello = json!("Hello, AWS Step Functions!");
    let with = |result_path: Option<Value>| {
        let state = match result_path {
            Some(p) => json!({"ResultPath": p}),
            None => json!({}),
        };
        task(state, hello.clone(), input.clone())
    };
    assert_eq!(with(None).output(), &hello);
    assert_eq!(with(Some(json!("$"))).output(), &hello);
    assert_eq!(with(Some(Value::Null)).output(), &input);
    let mut with_result = input.clone();
    with_result["taskresult"] = hello.clone();
    assert_eq!(with(Some(json!("$.taskresult"))).output(), &with_result);
}

// Developer Guide: Processing input and output ("Use ResultPath to update a node in the input
// with the result", with InputPath "$.lambda" and OutputPath "$.data"): the task sees only
// $.lambda, its result lands at $.data.lambdaresult, and only $.data goes on.
#[test]
fn input_result_output_path_together() {
    let outcome = task(
        json!({"InputPath": "$.lambda", "ResultPath": "$.data.lambdaresult", "OutputPath": "$.data"}),
        json!("Hello, AWS Step Functions!"),
        json!({
            "comment": "An input comment.",
            "data": {"val1": 23, "val2": 17},
            "extra": "foo",
            "lambda": {"who": "AWS Step Functions"}
        }),
    );
    assert_eq!(scheduled_parameters(&outcome), json!({"who": "AWS Step Functions"}));
    assert_eq!(
        outcome.output(),
        &json!({"val1": 23, "val2": 17, "lambdaresult": "Hello, AWS Step Functions!"})
    );
}

// Developer Guide: Processing input and output: the order is InputPath, then Parameters (the
// task's arguments), then ResultSelector on the result, then ResultPath into the state's raw
// input, then OutputPath.
#[test]
fn processing_order_on_a_task() {
    let outcome = task(
        json!({
            "InputPath": "$.in",
            "Parameters": {"arg.$": "$.x", "fixed": 1},
            "ResultSelector": {"picked.$": "$.payload.value"},
            "ResultPath": "$.out.result",
            "OutputPath": "$.out"
        }),
        json!({"payload": {"value": 42, "noise": true}}),
        json!({"in": {"x": "X"}, "out": {"before": 0}}),
    );
    assert_eq!(scheduled_parameters(&outcome), json!({"arg": "X", "fixed": 1}));
    assert_eq!(outcome.output(), &json!({"before": 0, "result": {"picked": 42}}));
}

// Developer Guide: Processing input and output: Parameters values ending in ".$" may read the
// Context object with "$$." as well as the input with "$.".
#[test]
fn parameters_read_the_context_object() {
    let outcome = task(
        json!({"Parameters": {"state.$": "$$.State.Name", "input.$": "$$.Execution.Input.k", "own.$": "$.k"}}),
        json!("ok"),
        json!({"k": "v"}),
    );
    assert_eq!(
        scheduled_parameters(&outcome),
        json!({"state": "S", "input": "v", "own": "v"})
    );
}

// Developer Guide: Processing input and output ("Filtering state output using OutputPath"):
// OutputPath "$" is the whole output; the selection may be any JSON value.
#[test]
fn output_path_selections() {
    check_outputs(vec![
        row(
            "OutputPath $",
            single_def(json!({"Type": "Pass", "OutputPath": "$"})),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        row(
            "OutputPath to a number",
            single_def(json!({"Type": "Pass", "OutputPath": "$.a.b"})),
            json!({"a": {"b": 5}}),
            json!(5),
        ),
        row(
            "OutputPath to an array element",
            single_def(json!({"Type": "Pass", "OutputPath": "$.a[2]"})),
            json!({"a": ["x", "y", "z"]}),
            json!("z"),
        ),
        row(
            "InputPath to a non-object feeds it to Parameters as $",
            single_def(json!({"Type": "Pass", "InputPath": "$.n", "Parameters": {"got.$": "$"}})),
            json!({"n": 3}),
            json!({"got": 3}),
        ),
    ]);
}
