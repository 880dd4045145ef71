//! The 18 intrinsic functions, one row each with the Developer Guide's example.

use serde_json::{json, Value};

use crate::support::{single, single_def};
use crate::{check_outputs, row};

/// A Pass state whose Parameters are `{"result.$": call}`.
fn call(text: &str) -> Value {
    single_def(json!({"Type": "Pass", "Parameters": {"result.$": text}}))
}

// Developer Guide: Intrinsic functions for JSONPath states in Step Functions. One row per
// function, with the page's example input and result.
#[test]
fn every_intrinsic_with_the_documented_example() {
    let one_to_nine = json!([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    check_outputs(vec![
        row(
            "States.Format",
            call("States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)"),
            json!({"firstName": "John", "lastName": "Doe"}),
            json!({"result": "Welcome to John Doe's playlist."}),
        ),
        row(
            "States.StringToJson",
            call("States.StringToJson($.escapedJsonString)"),
            json!({"escapedJsonString": "{\"foo\": \"bar\"}"}),
            json!({"result": {"foo": "bar"}}),
        ),
        row(
            "States.JsonToString",
            call("States.JsonToString($.unescapedJson)"),
            json!({"unescapedJson": {"foo": "bar"}}),
            json!({"result": "{\"foo\":\"bar\"}"}),
        ),
        row(
            "States.Array",
            call("States.Array($.Id)"),
            json!({"Id": 123456}),
            json!({"result": [123456]}),
        ),
        row(
            "States.ArrayPartition",
            call("States.ArrayPartition($.inputArray,4)"),
            json!({"inputArray": one_to_nine}),
            json!({"result": [[1, 2, 3, 4], [5, 6, 7, 8], [9]]}),
        ),
        row(
            "States.ArrayContains",
            call("States.ArrayContains($.inputArray, $.lookingFor)"),
            json!({"inputArray": one_to_nine, "lookingFor": 5}),
            json!({"result": true}),
        ),
        row(
            "States.ArrayRange",
            call("States.ArrayRange(1, 9, 2)"),
            json!({}),
            json!({"result": [1, 3, 5, 7, 9]}),
        ),
        row(
            "States.ArrayGetItem",
            call("States.ArrayGetItem($.inputArray, $.index)"),
            json!({"inputArray": one_to_nine, "index": 5}),
            json!({"result": 6}),
        ),
        row(
            "States.ArrayLength",
            call("States.ArrayLength($.inputArray)"),
            json!({"inputArray": one_to_nine}),
            json!({"result": 9}),
        ),
        row(
            "States.ArrayUnique",
            call("States.ArrayUnique($.inputArray)"),
            json!({"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}),
            json!({"result": [1, 2, 3, 4]}),
        ),
        row(
            "States.Base64Encode",
            call("States.Base64Encode($.input)"),
            json!({"input": "Data to encode"}),
            json!({"result": "RGF0YSB0byBlbmNvZGU="}),
        ),
        row(
            "States.Base64Decode",
            call("States.Base64Decode($.base64)"),
            json!({"base64": "RGF0YSB0byBlbmNvZGU="}),
            json!({"result": "Data to encode"}),
        ),
        row(
            "States.Hash",
            call("States.Hash($.Data, $.Algorithm)"),
            json!({"Data": "input data", "Algorithm": "SHA-1"}),
            json!({"result": "aaff4a450a104cd177d28d18d74485e8cae074b7"}),
        ),
        row(
            "States.JsonMerge (shallow: json2's \"a\" replaces json1's)",
            call("States.JsonMerge($.json1, $.json2, false)"),
            json!({"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}}),
            json!({"result": {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}}),
        ),
        row(
            "States.MathAdd",
            call("States.MathAdd($.value1, $.step)"),
            json!({"value1": 111, "step": -1}),
            json!({"result": 110}),
        ),
        row(
            "States.StringSplit",
            call("States.StringSplit($.inputString, $.splitter)"),
            json!({"inputString": "1,2,3,4,5", "splitter": ","}),
            json!({"result": ["1", "2", "3", "4", "5"]}),
        ),
        row(
            "States.StringSplit with several delimiter characters",
            call("States.StringSplit($.inputString, $.splitter)"),
            json!({"inputString": "This.is+a,test=string", "splitter": ".+,="}),
            json!({"result": ["This", "is", "a", "test", "string"]}),
        ),
        row(
            "nested calls (the page nests StringSplit in ArrayGetItem in Format)",
            call("States.Format('{}.{}', States.ArrayGetItem(States.StringSplit($.v, '.'), 0), States.ArrayGetItem(States.StringSplit($.v, '.'), 2))"),
            json!({"v": "1.2.3"}),
            json!({"result": "1.3"}),
        ),
        row(
            "literal arguments of every kind",
            call("States.Array('a', 1, 2.5, true, null)"),
            json!({}),
            json!({"result": ["a", 1, 2.5, true, null]}),
        ),
    ]);
}

// Developer Guide: Intrinsic functions: States.MathRandom returns a random integer between
// start and end (the page's example: $.start 1, $.end 999); a seed makes it repeatable.
#[test]
fn math_random() {
    for _ in 0..3 {
        let outcome = single(json!({"Type": "Pass", "Parameters": {"random.$": "States.MathRandom($.start, $.end)"}}))
            .input(json!({"start": 1, "end": 999}))
            .run();
        let n = outcome.output()["random"].as_i64().expect("an integer");
        assert!((1..=999).contains(&n), "{n} out of range");
    }
    let seeded = || {
        single(json!({"Type": "Pass", "Parameters": {"random.$": "States.MathRandom($.start, $.end, $.seed)"}}))
            .input(json!({"start": 1, "end": 1000000, "seed": 42}))
            .run()
            .output()["random"]
            .clone()
    };
    let first = seeded();
    assert!(first.is_i64());
    assert_eq!(first, seeded(), "the same seed gives the same number");
}

// Developer Guide: Intrinsic functions: States.UUID returns a version 4 UUID, different each
// call.
#[test]
fn uuid() {
    let outcome = single(json!({"Type": "Pass", "Parameters": {"a.$": "States.UUID()", "b.$": "States.UUID()"}})).run();
    let output = outcome.output();
    let (a, b) = (output["a"].as_str().unwrap(), output["b"].as_str().unwrap());
    for id in [a, b] {
        let parts: Vec<&str> = id.split('-').collect();
        let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
        assert_eq!(lengths, [8, 4, 4, 4, 12], "{id}");
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{id}"
        );
        assert!(parts[2].starts_with('4'), "version 4: {id}");
        assert!(
            matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "variant: {id}"
        );
    }
    assert_ne!(a, b);
}

// Developer Guide: Intrinsic functions ("Fields that support intrinsic functions": Pass
// Parameters; Task Parameters and ResultSelector; Parallel and Map Parameters and
// ResultSelector).
#[test]
fn intrinsics_in_every_supporting_field() {
    check_outputs(vec![
        row(
            "Parallel Parameters and ResultSelector",
            single_def(json!({
                "Type": "Parallel",
                "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"},
                "ResultSelector": {"count.$": "States.ArrayLength($)", "first.$": "$[0]"},
                "Branches": [
                    {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
                    {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "End": true}}}
                ]
            })),
            json!({"a": 2, "b": 3}),
            json!({"count": 2, "first": {"sum": 5}}),
        ),
        row(
            "Map ItemSelector and ResultSelector",
            single_def(json!({
                "Type": "Map",
                "ItemSelector": {"label.$": "States.Format('item {}', $$.Map.Item.Value)"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "ResultSelector": {"joined.$": "States.JsonToString($)"}
            })),
            json!(["a", "b"]),
            json!({"joined": "[{\"label\":\"item a\"},{\"label\":\"item b\"}]"}),
        ),
    ]);
}
