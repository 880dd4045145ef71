//! Table tests of the intrinsic functions. Each table cites where its expectations come
//! from: the AWS Developer Guide page "Intrinsic functions for JSONPath states in Step
//! Functions" ("doc"), or behaviour AWS was observed to have ("AWS").

use std::collections::VecDeque;

use serde_json::{json, Value};

use super::{Failure, Function, Intrinsic, IntrinsicEnv, IntrinsicError, ResolveError};

/// Resolves paths from a fixed table and hands out a fixed sequence of random numbers.
struct FakeEnv {
    paths: Bindings,
    randoms: VecDeque<u64>,
}

impl FakeEnv {
    fn new(paths: Bindings) -> FakeEnv {
        FakeEnv {
            paths,
            randoms: VecDeque::new(),
        }
    }
}

impl IntrinsicEnv for FakeEnv {
    fn resolve_path(&mut self, path: &str) -> Result<Value, ResolveError> {
        self.paths
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| ResolveError::NotFound {
                path: path.to_owned(),
                input: "{}".to_owned(),
            })
    }

    fn random_u64(&mut self) -> u64 {
        self.randoms.pop_front().unwrap_or(0)
    }
}

/// Path texts and the values they resolve to.
type Bindings = Vec<(&'static str, Value)>;

fn eval_with(text: &str, env: &mut FakeEnv) -> Result<Value, IntrinsicError> {
    Intrinsic::parse(text)
        .unwrap_or_else(|e| panic!("{text} should parse: {e}"))
        .evaluate(env)
}

/// Evaluates `text` with `$.x` bound to `x`.
fn eval_x(text: &str, x: Value) -> Result<Value, IntrinsicError> {
    eval_with(text, &mut FakeEnv::new(vec![("$.x", x)]))
}

/// Evaluates `text` with `$.x` and `$.y` bound.
fn eval_xy(text: &str, x: Value, y: Value) -> Result<Value, IntrinsicError> {
    eval_with(text, &mut FakeEnv::new(vec![("$.x", x), ("$.y", y)]))
}

fn failure_of(result: Result<Value, IntrinsicError>) -> (Function, Failure) {
    match result {
        Err(IntrinsicError::Failure { function, reason }) => (function, reason),
        other => panic!("expected an intrinsic failure, got {other:?}"),
    }
}

#[test]
fn format_prints_each_json_type_as_aws() {
    // AWS: strings raw, numbers as written, null as "null", objects from a path as a Java
    // map; a string holding JSON text stays as it is.
    let cases = [
        (json!(""), "Formatting argument ."),
        (json!(" "), "Formatting argument  ."),
        (json!("HelloWorld"), "Formatting argument HelloWorld."),
        (json!(null), "Formatting argument null."),
        (json!(1), "Formatting argument 1."),
        (json!(1.1), "Formatting argument 1.1."),
        (json!(true), "Formatting argument true."),
        (
            json!("{\"Arg1\": 1, \"Arg2\": []}"),
            "Formatting argument {\"Arg1\": 1, \"Arg2\": []}.",
        ),
        (json!({"Arg1": 1, "Arg2": []}), "Formatting argument {Arg1=1, Arg2=[]}."),
        (
            json!(["a", null, 1.5, {"k": "v"}]),
            "Formatting argument [a, null, 1.5, {k=v}].",
        ),
    ];
    for (x, expected) in cases {
        let got = eval_x("States.Format('Formatting argument {}.', $.x)", x.clone());
        assert_eq!(got, Ok(json!(expected)), "x = {x}");
    }
}

#[test]
fn format_fills_placeholders_in_order() {
    let cases: [(&str, Bindings, &str); 6] = [
        // AWS
        (
            "States.Format('Formatting arguments fst={} and snd={}.', $.fst, $.snd)",
            vec![("$.fst", json!(1)), ("$.snd", json!("two"))],
            "Formatting arguments fst=1 and snd=two.",
        ),
        // AWS: a context object prints as a Java map.
        (
            "States.Format('fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)",
            vec![
                ("$$.Execution.Name", json!("exec-1")),
                (
                    "$$.StateMachine",
                    json!({"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:sm", "Name": "sm"}),
                ),
            ],
            "fst=exec-1 and snd={Id=arn:aws:states:us-east-1:111111111111:stateMachine:sm, Name=sm}.",
        ),
        // doc: literal arguments of any type.
        (
            "States.Format('Your name is {}, we are in the year {}', $.name, 2020)",
            vec![("$.name", json!("Foo"))],
            "Your name is Foo, we are in the year 2020",
        ),
        // doc: the template itself may come from a path; AWS: from a variable too.
        (
            "States.Format($AnswerTemplate, $$.Map.Item.Value)",
            vec![
                ("$AnswerTemplate", json!("It's {}!")),
                ("$$.Map.Item.Value", json!("Pikachu")),
            ],
            "It's Pikachu!",
        ),
        // doc: escaped braces are literal braces, not placeholders.
        (
            "States.Format('\\{} is {}, \\{\\} too, \\\\ and \\'', $.a)",
            vec![("$.a", json!("x"))],
            "{} is x, {} too, \\ and '",
        ),
        // AWS: a Fail state's CausePath built with Format.
        (
            "States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)",
            vec![("$.Error", json!("error string")), ("$.Cause", json!("cause string"))],
            "This is a custom error message for error string, caused by cause string.",
        ),
    ];
    for (text, paths, expected) in cases {
        assert_eq!(eval_with(text, &mut FakeEnv::new(paths)), Ok(json!(expected)), "{text}");
    }
}

#[test]
fn format_rejects_mismatched_placeholders_and_non_string_templates() {
    // doc: "There MUST be as many remaining arguments ... as there are occurrences of {}".
    assert_eq!(
        failure_of(eval_x("States.Format('{} {}', $.x)", json!(1))),
        (
            Function::Format,
            Failure::PlaceholderMismatch {
                placeholders: 2,
                values: 1
            }
        )
    );
    assert_eq!(
        failure_of(eval_x("States.Format('\\{}', $.x)", json!(1))),
        (
            Function::Format,
            Failure::PlaceholderMismatch {
                placeholders: 0,
                values: 1
            }
        )
    );
    assert_eq!(
        failure_of(eval_x("States.Format($.x)", json!(3))),
        (
            Function::Format,
            Failure::WrongType {
                argument: 1,
                expected: "a string",
                found: "an integer"
            }
        )
    );
}

#[test]
fn string_to_json_parses_json_text() {
    // AWS: blank text gives null; "-0" gives 0; every JSON type round-trips.
    let cases = [
        ("", json!(null)),
        (" ", json!(null)),
        ("\r\n\t ", json!(null)),
        ("null", json!(null)),
        ("-0", json!(0)),
        ("[-0, -0.0, \"-0\", {\"k\": -0}]", json!([0, -0.0, "-0", {"k": 0}])),
        ("1", json!(1)),
        ("1.1", json!(1.1)),
        ("true", json!(true)),
        ("\"HelloWorld\"", json!("HelloWorld")),
        ("[1, 2, \"HelloWorld\"]", json!([1, 2, "HelloWorld"])),
        ("{\"Arg1\": 1, \"Arg2\": []}", json!({"Arg1": 1, "Arg2": []})),
    ];
    for (text, expected) in cases {
        let got = eval_x("States.StringToJson($.x)", json!(text));
        assert_eq!(got, Ok(expected.clone()), "{text:?}");
        // The integer/float distinction survives: "1" is not "1.0".
        assert_eq!(got.map(|v| v.to_string()), Ok(expected.to_string()), "{text:?}");
    }
}

#[test]
fn string_to_json_fails_on_bad_input() {
    let (function, reason) = failure_of(eval_x("States.StringToJson($.x)", json!("{")));
    assert_eq!(function, Function::StringToJson);
    assert!(matches!(reason, Failure::InvalidJson { .. }), "{reason:?}");
    for invalid in ["1-0", "--0", "[1 -0]", "\u{a0}"] {
        let (_, reason) = failure_of(eval_x("States.StringToJson($.x)", json!(invalid)));
        assert!(matches!(reason, Failure::InvalidJson { .. }), "{invalid}");
    }
    assert_eq!(
        failure_of(eval_x("States.StringToJson($.x)", json!(1))).1,
        Failure::WrongType {
            argument: 1,
            expected: "a string",
            found: "an integer"
        }
    );
}

#[test]
fn json_to_string_is_compact_and_keeps_key_order() {
    // doc: {"name": "Foo", "year": 2020} gives {"name":"Foo","year":2020}; AWS: {"test":"object"}.
    let cases = [
        (json!({"name": "Foo", "year": 2020}), r#"{"name":"Foo","year":2020}"#),
        (json!({"test": "object"}), r#"{"test":"object"}"#),
        (
            json!({"z": [1, 1.0, null], "a": "q\"uote"}),
            r#"{"z":[1,1.0,null],"a":"q\"uote"}"#,
        ),
        (json!("text"), r#""text""#),
        (json!(7), "7"),
    ];
    for (x, expected) in cases {
        assert_eq!(
            eval_x("States.JsonToString($.x)", x.clone()),
            Ok(json!(expected)),
            "{x}"
        );
    }
}

#[test]
fn array_collects_its_arguments() {
    // AWS: States.Array() is []; each value, including null, objects and JSON-looking
    // strings, is kept as it is.
    assert_eq!(eval_x("States.Array()", json!(0)), Ok(json!([])));
    for x in [
        json!(""),
        json!(null),
        json!(1),
        json!(1.1),
        json!("{\"Arg1\": 1, \"Arg2\": []}"),
        json!({"Arg1": 1, "Arg2": []}),
    ] {
        assert_eq!(eval_x("States.Array($.x, $.x)", x.clone()), Ok(json!([x, x])));
    }
    // doc: literals of every kind; numbers keep their form.
    assert_eq!(
        eval_x(
            "States.Array('Foo', 2020, $.x, null, true, false, -2, 1.0, 1e2)",
            json!({"random": "abcdefg"})
        )
        .map(|v| v.to_string()),
        Ok(r#"["Foo",2020,{"random":"abcdefg"},null,true,false,-2,1.0,100.0]"#.to_owned())
    );
}

#[test]
fn array_partition_chunks() {
    // AWS: every array of 0..=3 items with chunk sizes 1..=5.
    let cases = [
        (json!([]), 1, json!([])),
        (json!([]), 5, json!([])),
        (json!([0]), 1, json!([[0]])),
        (json!([0]), 5, json!([[0]])),
        (json!([0, 1]), 1, json!([[0], [1]])),
        (json!([0, 1]), 2, json!([[0, 1]])),
        (json!([0, 1]), 3, json!([[0, 1]])),
        (json!([0, 1, 2]), 2, json!([[0, 1], [2]])),
        (json!([0, 1, 2, 3]), 1, json!([[0], [1], [2], [3]])),
        (json!([0, 1, 2, 3]), 2, json!([[0, 1], [2, 3]])),
        (json!([0, 1, 2, 3]), 3, json!([[0, 1, 2], [3]])),
        (json!([0, 1, 2, 3]), 4, json!([[0, 1, 2, 3]])),
        (json!([0, 1, 2, 3]), 5, json!([[0, 1, 2, 3]])),
        // doc
        (
            json!([1, 2, 3, 4, 5, 6, 7, 8, 9]),
            4,
            json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ),
    ];
    for (array, size, expected) in cases {
        assert_eq!(
            eval_xy("States.ArrayPartition($.x, $.y)", array.clone(), json!(size)),
            Ok(expected),
            "{array} by {size}"
        );
    }
}

#[test]
fn array_partition_rejects_bad_arguments() {
    // doc: "a non-zero, positive integer for the second argument".
    for size in [0, -1] {
        assert_eq!(
            failure_of(eval_xy("States.ArrayPartition($.x, $.y)", json!([1]), json!(size))),
            (Function::ArrayPartition, Failure::ChunkSize { size })
        );
    }
    assert_eq!(
        failure_of(eval_x("States.ArrayPartition($.x, 2)", json!("abc"))).1,
        Failure::WrongType {
            argument: 1,
            expected: "an array",
            found: "a string"
        }
    );
}

#[test]
fn array_contains_uses_json_equality() {
    // AWS
    let cases = [
        (json!([]), json!(null), false),
        (json!([]), json!([]), false),
        (json!([]), json!(1), false),
        (json!([[1, 2, 3], 2]), json!(null), false),
        (json!([[1, 2, 3], 2]), json!([1, 2, 3]), true),
        (json!([{"1": 2, "2": []}]), json!([]), false),
        (json!([{"1": 2, "2": []}]), json!({"1": 2, "2": []}), true),
        (json!([true, false]), json!(true), true),
        (json!([true, false]), json!(false), true),
        // doc
        (json!([1, 2, 3, 4, 5, 6, 7, 8, 9]), json!(5), true),
        // Key order does not matter; an integer is not a float.
        (json!([{"a": 1, "b": 2}]), json!({"b": 2, "a": 1}), true),
        (json!([1]), json!(1.0), false),
    ];
    for (array, value, expected) in cases {
        assert_eq!(
            eval_xy("States.ArrayContains($.x, $.y)", array.clone(), value.clone()),
            Ok(json!(expected)),
            "{array} contains {value}"
        );
    }
}

#[test]
fn array_range_counts_by_step() {
    let cases = [
        // AWS
        ((0, 9, 3), json!([0, 3, 6, 9])),
        ((0, 10, 3), json!([0, 3, 6, 9])),
        ((1, 9, 9), json!([1])),
        ((1, 9, 2), json!([1, 3, 5, 7, 9])),
        // doc (the variables example runs 1..10 by 2)
        ((1, 10, 2), json!([1, 3, 5, 7, 9])),
        ((9, 1, -2), json!([9, 7, 5, 3, 1])),
        ((5, 1, 1), json!([])),
        ((3, 3, -1), json!([3])),
    ];
    for ((first, last, step), expected) in cases {
        let text = format!("States.ArrayRange({first}, {last}, {step})");
        assert_eq!(eval_x(&text, json!(0)), Ok(expected), "{text}");
    }
    // doc: up to 1000 items.
    let thousand = eval_x("States.ArrayRange(1, 1000, 1)", json!(0));
    assert_eq!(thousand.map(|v| v.as_array().map(Vec::len)), Ok(Some(1000)));
    assert_eq!(
        failure_of(eval_x("States.ArrayRange(0, 1000, 1)", json!(0))),
        (Function::ArrayRange, Failure::RangeTooLarge { count: 1001 })
    );
    assert_eq!(
        failure_of(eval_x(
            "States.ArrayRange(-9223372036854775808, 9223372036854775807, 1)",
            json!(0)
        ))
        .1,
        Failure::RangeTooLarge { count: 1 << 64 }
    );
    // doc: "a non-zero value for the third argument".
    assert_eq!(
        failure_of(eval_x("States.ArrayRange(0, 9, 0)", json!(0))),
        (Function::ArrayRange, Failure::ZeroStep)
    );
}

#[test]
fn array_get_item_and_length() {
    let items = json!([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // doc
    assert_eq!(eval_x("States.ArrayGetItem($.x, 5)", items.clone()), Ok(json!(6)));
    assert_eq!(eval_x("States.ArrayLength($.x)", items.clone()), Ok(json!(9)));
    // AWS: a mixed array of 20 items.
    assert_eq!(
        eval_x(
            "States.ArrayLength($.x)",
            json!([null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 1}])
        ),
        Ok(json!(20))
    );
    assert_eq!(
        failure_of(eval_x("States.ArrayGetItem($.x, 9)", items.clone())),
        (
            Function::ArrayGetItem,
            Failure::IndexOutOfBounds { index: 9, length: 9 }
        )
    );
    assert_eq!(
        failure_of(eval_x("States.ArrayGetItem($.x, -1)", items)).1,
        Failure::IndexOutOfBounds { index: -1, length: 9 }
    );
    assert_eq!(
        failure_of(eval_x("States.ArrayLength($.x)", json!({"a": 1}))).1,
        Failure::WrongType {
            argument: 1,
            expected: "an array",
            found: "an object"
        }
    );
}

#[test]
fn nested_calls_evaluate_inside_out() {
    // AWS: the first dash-separated part of the state machine's name.
    let mut env = FakeEnv::new(vec![("$$.StateMachine.Name", json!("machine-abc-123"))]);
    assert_eq!(
        eval_with(
            "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)",
            &mut env
        ),
        Ok(json!("machine"))
    );
    // AWS: nested MathAdd over variables.
    let mut env = FakeEnv::new(vec![
        ("$yCurrent", json!(1)),
        ("$xCurrent", json!(2)),
        ("$zCurrent", json!(3)),
        ("$bias", json!(-10)),
    ]);
    assert_eq!(
        eval_with(
            "States.MathAdd(States.MathAdd(States.MathAdd($yCurrent, $xCurrent), $zCurrent), $bias)",
            &mut env
        ),
        Ok(json!(-4))
    );
    // AWS: a merge with a parsed literal.
    let mut env = FakeEnv::new(vec![(
        "$$.Execution.Input.input_field",
        json!({"constant_input_field": "constant_value"}),
    )]);
    assert_eq!(
        eval_with(
            "States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), $$.Execution.Input.input_field, false)",
            &mut env
        )
        .map(|v| v.to_string()),
        Ok(r#"{"constant_input_field":"constant_value","constant_in_literal":"false"}"#.to_owned())
    );
}

#[test]
fn array_unique_keeps_first_occurrences() {
    let cases = [
        // doc
        (json!([1, 2, 3, 3, 3, 3, 3, 3, 4]), json!([1, 2, 3, 4])),
        // AWS
        (json!([1, 2, 2, 3, 3, 4]), json!([1, 2, 3, 4])),
        (
            json!([null, null, true, true, false, false, 1, 1, 1.1, 0, 0, "HelloWorld", "HelloWorld", [], [], [null], [null], {"a": 1, "b": 2}, {"a": 1, "b": 2}, {"a": 1, "b": 1}]),
            json!([null, true, false, 1, 1.1, 0, "HelloWorld", [], [null], {"a": 1, "b": 2}, {"a": 1, "b": 1}]),
        ),
        // Key order does not matter; an integer is not a float.
        (
            json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}, 1, 1.0, 2]),
            json!([{"a": 1, "b": 2}, 1, 1.0, 2]),
        ),
    ];
    for (array, expected) in cases {
        assert_eq!(
            eval_x("States.ArrayUnique($.x)", array.clone()),
            Ok(expected),
            "{array}"
        );
    }
}

#[test]
fn base64_round_trips() {
    // AWS and doc.
    let cases = [
        ("", ""),
        ("Data to encode", "RGF0YSB0byBlbmNvZGU="),
        ("Hello World", "SGVsbG8gV29ybGQ="),
        ("é✓", "w6ninJM="),
    ];
    for (plain, encoded) in cases {
        assert_eq!(eval_x("States.Base64Encode($.x)", json!(plain)), Ok(json!(encoded)));
        assert_eq!(eval_x("States.Base64Decode($.x)", json!(encoded)), Ok(json!(plain)));
    }
}

#[test]
fn base64_decode_is_lenient_as_mime() {
    // doc: "decode data based on MIME Base64 decoding scheme": line breaks are skipped and
    // padding is optional.
    for encoded in ["SGVs\r\nbG8=", "SGVsbG8", "SGVs bG8="] {
        assert_eq!(
            eval_x("States.Base64Decode($.x)", json!(encoded)),
            Ok(json!("Hello")),
            "{encoded:?}"
        );
    }
    assert_eq!(
        failure_of(eval_x("States.Base64Decode($.x)", json!("A"))),
        (Function::Base64Decode, Failure::InvalidBase64)
    );
}

#[test]
fn base64_and_hash_limit_input_to_10000_characters() {
    // doc: "a data string of up to 10,000 characters".
    let at_limit = "a".repeat(10_000);
    let over = "a".repeat(10_001);
    assert!(eval_x("States.Base64Encode($.x)", json!(at_limit)).is_ok());
    for text in [
        "States.Base64Encode($.x)",
        "States.Base64Decode($.x)",
        "States.Hash($.x, 'MD5')",
    ] {
        assert_eq!(
            failure_of(eval_x(text, json!(over))).1,
            Failure::TooLong {
                length: 10_001,
                limit: 10_000
            },
            "{text}"
        );
    }
}

#[test]
fn hash_supports_the_five_algorithms() {
    // AWS
    let cases = [
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        (
            "SHA-256",
            "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
        ),
        (
            "SHA-384",
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
        ),
        (
            "SHA-512",
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
        ),
    ];
    for (algorithm, digest) in cases {
        assert_eq!(
            eval_xy("States.Hash($.x, $.y)", json!("input data"), json!(algorithm)),
            Ok(json!(digest)),
            "{algorithm}"
        );
    }
    assert_eq!(
        eval_x("States.Hash($.x, 'SHA-256')", json!("Hash this string")),
        Ok(json!(
            "1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e"
        ))
    );
    assert_eq!(
        failure_of(eval_x("States.Hash($.x, 'sha-256')", json!("a"))).1,
        Failure::UnsupportedAlgorithm {
            algorithm: "sha-256".to_owned()
        }
    );
}

#[test]
fn json_merge_is_shallow_in_java_hash_map_order() {
    let cases = [
        // AWS
        (
            json!({"a": 1, "b": 2}),
            json!({"c": 3, "d": 4}),
            r#"{"a":1,"b":2,"c":3,"d":4}"#,
        ),
        (
            json!({"constant_in_literal": "false"}),
            json!({"constant_input_field": "constant_value"}),
            r#"{"constant_input_field":"constant_value","constant_in_literal":"false"}"#,
        ),
        // doc: the second object's "a" replaces the first's whole.
        (
            json!({"a": {"a1": 1, "a2": 2}, "b": 2}),
            json!({"a": {"a3": 1, "a4": 2}, "c": 3}),
            r#"{"a":{"a3":1,"a4":2},"b":2,"c":3}"#,
        ),
        // "Aa" and "BB" share a Java hash code, so they share a bucket: insertion order.
        (json!({"BB": 1}), json!({"Aa": 2}), r#"{"BB":1,"Aa":2}"#),
        (json!({"Aa": 1}), json!({"BB": 2}), r#"{"Aa":1,"BB":2}"#),
        // One key each makes a table of 4 buckets: "e" (hash 101) lands in bucket 1 and "b"
        // (hash 98) in bucket 2, although in a table of 16 "b" would come first.
        (json!({"e": 1}), json!({"b": 2}), r#"{"e":1,"b":2}"#),
        (json!({}), json!({}), "{}"),
    ];
    for (first, second, expected) in cases {
        assert_eq!(
            eval_xy("States.JsonMerge($.x, $.y, false)", first.clone(), second.clone()).map(|v| v.to_string()),
            Ok(expected.to_owned()),
            "{first} + {second}"
        );
    }
}

#[test]
fn json_merge_matches_java_hash_map_order() {
    // Orders printed by OpenJDK 17 for `new HashMap<>(first)` then `putAll(second)`, keys
    // chosen at random (some shared). The last row: 13 keys pre-size a 32-bucket table.
    let cases: [(&[&str], &[&str], &[&str]); 4] = [
        (
            &["MJ", "lOY5Bxguuwlv", "5", "vX1B", "eJH3S5up", "qCHs"],
            &[
                "GS9DbyIO",
                "eJH3S5up",
                "qCHs",
                "YY5iV65D",
                "35BbY",
                "mX0QJztT",
                "IZyS_iGjV",
                "F5i",
                "NNjMD6_TXO7r",
            ],
            &[
                "vX1B",
                "qCHs",
                "NNjMD6_TXO7r",
                "YY5iV65D",
                "35BbY",
                "lOY5Bxguuwlv",
                "IZyS_iGjV",
                "5",
                "mX0QJztT",
                "eJH3S5up",
                "F5i",
                "MJ",
                "GS9DbyIO",
            ],
        ),
        (
            &[
                "D",
                "fHnSQ3jS79",
                "B",
                "sni5ICo2I2",
                "JnfDj",
                "n",
                "JHhGUWWXf_",
                "F1",
                "renHKRdZ6",
                "HlNBg2Qwb",
                "f6CJtMj",
                "dce",
                "8lNU",
            ],
            &["gS", "yPkfY28Ecz26", "iu", "r", "JnfDj", "D"],
            &[
                "8lNU",
                "B",
                "yPkfY28Ecz26",
                "D",
                "dce",
                "F1",
                "gS",
                "iu",
                "sni5ICo2I2",
                "JnfDj",
                "n",
                "renHKRdZ6",
                "f6CJtMj",
                "r",
                "JHhGUWWXf_",
                "fHnSQ3jS79",
                "HlNBg2Qwb",
            ],
        ),
        (
            &[
                "zvkO", "2RYsZ0", "vZIH", "sW0d", "WmUVG", "7s_xD", "2r9nHGe", "Y21Z", "WY3Jh", "wBvSKIN", "fIuW",
                "xk", "Mzb",
            ],
            &[
                "RI",
                "m",
                "Kvb0JufzLF3K",
                "y9",
                "zvkO",
                "YRKSWKQ5B",
                "fIuW",
                "Hlf",
                "YQXxmWDXnhk",
            ],
            &[
                "y9",
                "wBvSKIN",
                "Hlf",
                "YRKSWKQ5B",
                "2r9nHGe",
                "fIuW",
                "Y21Z",
                "Kvb0JufzLF3K",
                "WmUVG",
                "sW0d",
                "m",
                "YQXxmWDXnhk",
                "2RYsZ0",
                "7s_xD",
                "xk",
                "Mzb",
                "vZIH",
                "RI",
                "zvkO",
                "WY3Jh",
            ],
        ),
        (
            &[
                "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12",
            ],
            &[],
            &[
                "k0", "k1", "k2", "k3", "k4", "k5", "k11", "k6", "k10", "k7", "k8", "k12", "k9",
            ],
        ),
    ];
    for (first, second, expected) in cases {
        let object =
            |keys: &[&str]| -> Value { Value::Object(keys.iter().map(|k| (k.to_string(), json!(0))).collect()) };
        let merged = eval_xy("States.JsonMerge($.x, $.y, false)", object(first), object(second));
        let keys: Vec<String> = match merged {
            Ok(Value::Object(map)) => map.keys().cloned().collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(keys, expected, "{first:?} + {second:?}");
    }
}

#[test]
fn json_merge_rejects_deep_merge_and_non_objects() {
    // doc: "you must specify the boolean value as false".
    assert_eq!(
        failure_of(eval_xy("States.JsonMerge($.x, $.y, true)", json!({}), json!({}))),
        (Function::JsonMerge, Failure::DeepMerge)
    );
    assert_eq!(
        failure_of(eval_xy("States.JsonMerge($.x, $.y, false)", json!({}), json!([]))).1,
        Failure::WrongType {
            argument: 2,
            expected: "an object",
            found: "an array"
        }
    );
}

#[test]
fn math_add_rounds_half_up() {
    // AWS: non-integers are rounded half up (Java's Math.round) before adding.
    let cases = [
        (json!(-9), json!(3), -6),
        (json!(1.49), json!(1.5), 3),
        (json!(1.5), json!(1.51), 4),
        (json!(-1.49), json!(-1.5), -2),
        (json!(-1.5), json!(-1.51), -3),
        (json!(1.49), json!(0), 1),
        (json!(1.49), json!(-1.49), 0),
        (json!(1.5), json!(0), 2),
        (json!(1.51), json!(0), 2),
        (json!(-1.49), json!(0), -1),
        (json!(-1.5), json!(0), -1),
        (json!(-1.51), json!(0), -2),
        (json!(0.5), json!(0), 1),
        (json!(2.5), json!(0), 3),
        (json!(3.5), json!(0), 4),
        (json!(-0.5), json!(0.5), 1),
        (json!(-0.5), json!(0), 0),
        (json!(-2.5), json!(0), -2),
        (json!(-3.5), json!(0), -3),
        // doc
        (json!(111), json!(-1), 110),
        // Just below one half stays below.
        (json!(0.49999999999999994), json!(0), 0),
    ];
    for (x, y, expected) in cases {
        let got = eval_xy("States.MathAdd($.x, $.y)", x.clone(), y.clone());
        assert_eq!(got, Ok(json!(expected)), "{x} + {y}");
    }
    assert_eq!(
        failure_of(eval_xy("States.MathAdd($.x, $.y)", json!(i64::MAX), json!(1))),
        (
            Function::MathAdd,
            Failure::Overflow {
                left: i64::MAX,
                right: 1
            }
        )
    );
    assert_eq!(
        failure_of(eval_xy("States.MathAdd($.x, $.y)", json!(1e300), json!(1))).1,
        Failure::IntegerOutOfRange { argument: 1 }
    );
    assert_eq!(
        failure_of(eval_xy("States.MathAdd($.x, $.y)", json!("5"), json!(1))).1,
        Failure::WrongType {
            argument: 1,
            expected: "an integer",
            found: "a string"
        }
    );
}

#[test]
fn math_random_with_a_seed_is_java_random() {
    // start + new java.util.Random(seed).nextInt(end - start + 1): Random(0).nextInt(100)
    // is 60, Random(42).nextInt(10) is 0 and Random(42).nextInt(16) is 11.
    let cases = [("0, 99, 0", 60), ("0, 9, 42", 0), ("0, 15, 42", 11), ("10, 109, 0", 70)];
    for (args, expected) in cases {
        let text = format!("States.MathRandom({args})");
        assert_eq!(eval_x(&text, json!(0)), Ok(json!(expected)), "{text}");
    }
    // AWS: seeded draws repeat.
    let seeded = "States.MathRandom($.x, $.y, 3)";
    let first = eval_xy(seeded, json!(0), json!(999));
    assert_eq!(first, eval_xy(seeded, json!(0), json!(999)));
    assert!(first.is_ok_and(|v| v.as_i64().is_some_and(|n| (0..=999).contains(&n))));
}

#[test]
fn math_random_without_a_seed_uses_the_engine() {
    // AWS accepts non-integer bounds (rounded half up: 13 to 45, 33 values).
    let mut env = FakeEnv::new(vec![("$.x", json!(12.5)), ("$.y", json!(44.51))]);
    env.randoms = VecDeque::from([100, 32]);
    assert_eq!(eval_with("States.MathRandom($.x, $.y)", &mut env), Ok(json!(14)));
    assert_eq!(eval_with("States.MathRandom($.x, $.y)", &mut env), Ok(json!(45)));
    let mut env = FakeEnv::new(vec![("$.x", json!(-99999)), ("$.y", json!(-9999))]);
    env.randoms = VecDeque::from([u64::MAX]);
    let drawn = eval_with("States.MathRandom($.x, $.y)", &mut env);
    assert!(drawn.is_ok_and(|v| v.as_i64().is_some_and(|n| (-99999..=-9999).contains(&n))));
    assert_eq!(
        failure_of(eval_x("States.MathRandom(5, 4)", json!(0))),
        (Function::MathRandom, Failure::RandomRange { start: 5, end: 4 })
    );
}

#[test]
fn string_split_drops_empty_pieces() {
    let cases = [
        // AWS
        (" ", ",", json!([" "])),
        (" , ", ",", json!([" ", " "])),
        (", , ,", ",", json!([" ", " "])),
        (",,,,", ",", json!([])),
        ("1,2,3,4,5", ",", json!(["1", "2", "3", "4", "5"])),
        (
            "This.is+a,test=string",
            ".+,=",
            json!(["This", "is", "a", "test", "string"]),
        ),
        (
            "split on T and \nnew line",
            "T\n",
            json!(["split on ", " and ", "new line"]),
        ),
        // Edge cases of a character set of delimiters.
        ("", ",", json!([])),
        ("abc", "", json!(["abc"])),
    ];
    for (text, delimiters, expected) in cases {
        assert_eq!(
            eval_xy("States.StringSplit($.x, $.y)", json!(text), json!(delimiters)),
            Ok(expected),
            "{text:?} on {delimiters:?}"
        );
    }
    // AWS: a literal may hold a raw line break (the definition's JSON decodes "\n" to one).
    assert_eq!(
        eval_x("States.StringSplit('Hello\nWorld', '\n')", json!(0)),
        Ok(json!(["Hello", "World"]))
    );
}

#[test]
fn uuid_is_version_4() {
    let mut env = FakeEnv::new(vec![]);
    env.randoms = VecDeque::from([0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210]);
    assert_eq!(
        eval_with("States.UUID()", &mut env),
        Ok(json!("01234567-89ab-4def-bedc-ba9876543210"))
    );
}

#[test]
fn path_errors_pass_through_as_runtime_errors() {
    let err = eval_with("States.Array($.missing)", &mut FakeEnv::new(vec![]));
    assert_eq!(
        err,
        Err(IntrinsicError::Path(ResolveError::NotFound {
            path: "$.missing".to_owned(),
            input: "{}".to_owned()
        }))
    );
    assert_eq!(err.as_ref().map_err(IntrinsicError::error_name), Err("States.Runtime"));
    let failure = eval_x("States.ArrayLength($.x)", json!(1));
    assert_eq!(
        failure.as_ref().map_err(IntrinsicError::error_name),
        Err("States.IntrinsicFailure")
    );
    assert_eq!(
        failure.map_err(|e| e.to_string()),
        Err("Invalid arguments in States.ArrayLength: argument 1 must be an array, but was an integer".to_owned())
    );
}

#[test]
fn looks_like_call_routes_on_the_call_shape() {
    let cases = [
        ("States.Format('{}', $.a)", true),
        ("States.UUID()", true),
        ("States.Foo(", true),
        ("States.Format", false),
        ("States.(", false),
        ("States.Format ('x')", false),
        (" States.Array()", false),
        ("$.a", false),
        ("$States.Array()", false),
        ("", false),
    ];
    for (text, expected) in cases {
        assert_eq!(Intrinsic::looks_like_call(text), expected, "{text:?}");
    }
}

#[test]
fn parse_accepts_whitespace_and_lists_paths() {
    let call = Intrinsic::parse(
        "States.Format( '{} {} {} {} {}' , $.a,States.Array($$.Execution.Name, $var.x) , $['a,b'], $.list[0:2], $.f.length() ) ",
    );
    assert_eq!(
        call.as_ref().map(Intrinsic::paths),
        Ok(vec![
            "$.a",
            "$$.Execution.Name",
            "$var.x",
            "$['a,b']",
            "$.list[0:2]",
            "$.f.length()"
        ])
    );
}

#[test]
fn parse_rejects_malformed_calls() {
    let cases = [
        // AWS rejects a definition whose literal escapes a double quote.
        (
            r#"States.Format('He said, \"Hello, {}!\"', 'Test \"Name\" Here')"#,
            IntrinsicError::InvalidEscape {
                position: 24,
                escaped: '"',
            },
        ),
        (
            r"States.StringSplit('a\nb', ',')",
            IntrinsicError::InvalidEscape {
                position: 21,
                escaped: 'n',
            },
        ),
        (
            "States.Foo(1)",
            IntrinsicError::UnknownFunction {
                name: "States.Foo".to_owned(),
            },
        ),
        (
            "States.format('x')",
            IntrinsicError::UnknownFunction {
                name: "States.format".to_owned(),
            },
        ),
        (
            "States.ArrayLength()",
            IntrinsicError::Arity {
                function: Function::ArrayLength,
                given: 0,
            },
        ),
        (
            "States.UUID(1)",
            IntrinsicError::Arity {
                function: Function::Uuid,
                given: 1,
            },
        ),
        (
            "States.MathRandom(1, 2, 3, 4)",
            IntrinsicError::Arity {
                function: Function::MathRandom,
                given: 4,
            },
        ),
        (
            "States.Format()",
            IntrinsicError::Arity {
                function: Function::Format,
                given: 0,
            },
        ),
        (
            "States.Array(abc)",
            IntrinsicError::InvalidLiteral {
                position: 13,
                text: "abc".to_owned(),
            },
        ),
        (
            "States.Array(01)",
            IntrinsicError::InvalidLiteral {
                position: 13,
                text: "01".to_owned(),
            },
        ),
        (
            "States.Array(1.)",
            IntrinsicError::InvalidLiteral {
                position: 13,
                text: "1.".to_owned(),
            },
        ),
        (
            "States.Array(+1)",
            IntrinsicError::InvalidLiteral {
                position: 13,
                text: "+1".to_owned(),
            },
        ),
        (
            "States.Array(1e999)",
            IntrinsicError::InvalidLiteral {
                position: 13,
                text: "1e999".to_owned(),
            },
        ),
        (
            "States.Array(\"a\")",
            IntrinsicError::InvalidLiteral {
                position: 13,
                text: "\"a\"".to_owned(),
            },
        ),
        (
            "States.Array(1,)",
            IntrinsicError::Syntax {
                position: 15,
                expected: "an argument",
            },
        ),
        (
            "States.Array(1 2)",
            IntrinsicError::Syntax {
                position: 15,
                expected: "',' or ')' after an argument",
            },
        ),
        (
            "States.Array('é",
            IntrinsicError::Syntax {
                position: 13,
                expected: "a closing quote for this string",
            },
        ),
        (
            "States.Array($.a",
            IntrinsicError::Syntax {
                position: 16,
                expected: "',' or ')' after an argument",
            },
        ),
        (
            "States.Array() x",
            IntrinsicError::Syntax {
                position: 15,
                expected: "the end of the text after the closing ')'",
            },
        ),
        (
            "States.Array",
            IntrinsicError::Syntax {
                position: 12,
                expected: "'(' after the function name",
            },
        ),
        (
            "$.a",
            IntrinsicError::Syntax {
                position: 0,
                expected: "an intrinsic function call starting with 'States.'",
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Intrinsic::parse(text), Err(expected), "{text}");
    }
}

#[test]
fn parse_limits_nesting_to_ten() {
    // doc: "You can nest up to 10 intrinsic functions within a field".
    let nested = |depth: usize| format!("{}1{}", "States.Array(".repeat(depth), ")".repeat(depth));
    assert!(Intrinsic::parse(&nested(10)).is_ok());
    assert_eq!(Intrinsic::parse(&nested(11)), Err(IntrinsicError::TooDeep));
    // Far deeper input fails the same way, without exhausting the stack.
    assert_eq!(Intrinsic::parse(&nested(100_000)), Err(IntrinsicError::TooDeep));
}

#[test]
fn parse_never_panics_on_odd_text() {
    let texts = [
        "States.",
        "States.Array(",
        "States.Array('",
        "States.Array('\\",
        "States.Array($['a",
        "States.Array($.a[)",
        "States.Array($.a))",
        "States.Array(é)",
        "States.Format('{}', $.a, ",
        "States.Array(\u{0})",
        "States.Array(-)",
        "States.Array(1e)",
    ];
    for text in texts {
        assert!(Intrinsic::parse(text).is_err(), "{text:?}");
    }
}

#[test]
fn error_messages_read_well() {
    let cases = [
        (
            Intrinsic::parse("States.ArrayRange(1, 2)"),
            "States.ArrayRange takes exactly 3 arguments, but was given 2",
        ),
        (
            Intrinsic::parse("States.MathRandom(1)"),
            "States.MathRandom takes 2 to 3 arguments, but was given 1",
        ),
        (
            Intrinsic::parse("States.Format('\\x')"),
            "invalid escape sequence '\\x' at character 15: only \\', \\{, \\} and \\\\ are allowed",
        ),
    ];
    for (result, expected) in cases {
        assert_eq!(result.map_err(|e| e.to_string()), Err(expected.to_owned()));
    }
}

/// A xorshift generator: deterministic, so a failure reproduces.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NAMES: [&str; 19] = [
    "Format",
    "StringToJson",
    "JsonToString",
    "Array",
    "ArrayPartition",
    "ArrayContains",
    "ArrayRange",
    "ArrayGetItem",
    "ArrayLength",
    "ArrayUnique",
    "Base64Encode",
    "Base64Decode",
    "Hash",
    "JsonMerge",
    "MathRandom",
    "MathAdd",
    "StringSplit",
    "UUID",
    "Nope",
];

const ATOMS: [&str; 16] = [
    "$.a",
    "$",
    "$$",
    "-0",
    "1",
    "0",
    "2.5",
    "-1e3",
    "1000",
    "true",
    "false",
    "null",
    "'SHA-1'",
    "'{\"k\":[1,-0]}'",
    "'x{}y'",
    "'{}'",
];

/// A well-formed call of random functions and arguments (arity and types may be wrong).
fn generated_call(rng: &mut Xorshift, depth: usize) -> String {
    let args: Vec<String> = (0..rng.next() % 4)
        .map(|_| {
            if depth < 3 && rng.next() & 3 == 0 {
                generated_call(rng, depth + 1)
            } else {
                rng.pick(&ATOMS).to_owned()
            }
        })
        .collect();
    format!("States.{}({})", rng.pick(&NAMES), args.join(", "))
}

#[test]
fn generated_text_never_panics() {
    // Well-formed calls evaluated with every path bound to each JSON type in turn, so every
    // function meets every type; then the same texts cut and spliced, which must not parse
    // into anything that panics either.
    let values = [
        json!(null),
        json!(true),
        json!(-3),
        json!(2.5),
        json!("a,b{}"),
        json!([1, [2], {"k": 1}, 1]),
        json!({"k": [1], "j": "v"}),
        json!(1e300),
    ];
    let mut rng = Xorshift(0x9E37_79B9_7F4A_7C15);
    let mut evaluated = 0;
    for round in 0..20_000 {
        let mut text = generated_call(&mut rng, 0);
        if round % 2 == 1 {
            let cut = (rng.next() as usize) % (text.len() + 1);
            let insert = rng.pick(&["(", ")", ",", "'", "\\", "{", "[", "$", "é", " "]);
            if text.is_char_boundary(cut) {
                text.insert_str(cut, insert);
            }
        }
        if let Ok(call) = Intrinsic::parse(&text) {
            let value = values[round % values.len()].clone();
            let mut env = FakeEnv::new(vec![("$", value.clone()), ("$.a", value.clone()), ("$$", value)]);
            env.randoms = VecDeque::from([rng.next(), rng.next()]);
            if call.evaluate(&mut env).is_ok() {
                evaluated += 1;
            }
        }
    }
    assert!(evaluated > 300, "only {evaluated} generated calls evaluated");
}

/// Every argument and result is charged to the evaluation's budget as it is built:
/// `States.DataLimitExceeded` instead of growing.
#[test]
fn evaluation_runs_out_of_budget_instead_of_growing() {
    use crate::budget::{Budget, OverBudget};
    let big = json!("x".repeat(10_000));
    let many = format!("States.Array({})", vec!["$.x"; 200].join(", "));
    let format = format!("States.Format('{}', {})", "{}".repeat(200), vec!["$.x"; 200].join(", "));
    let table = [
        many.as_str(),
        format.as_str(),
        "States.StringSplit(States.Format('{}{}{}{}', $.x, $.x, $.x, $.x), 'y')",
        "States.StringSplit(States.Format('{}{}{}{}', $.x, $.x, $.x, $.x), 'x')",
        "States.ArrayPartition(States.Array($.x, $.x, $.x, $.x, $.x, $.x, $.x, $.x, $.x, $.x), 1)",
    ];
    for text in table {
        let call = Intrinsic::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let budget = Budget::new(100_000, usize::MAX);
        let result = call.evaluate_within(&mut FakeEnv::new(vec![("$.x", big.clone())]), &budget);
        assert_eq!(
            result.as_ref().map_err(IntrinsicError::error_name),
            Err("States.DataLimitExceeded"),
            "{text}"
        );
        assert!(
            matches!(
                result,
                Err(IntrinsicError::OverBudget(OverBudget::Memory { limit: 100_000 }))
            ),
            "{text}"
        );
    }
    // Within the budget, the same calls work.
    let call = Intrinsic::parse("States.StringSplit(States.Format('{}{}', $.x, $.x), 'y')").unwrap();
    let budget = Budget::new(200_000, usize::MAX);
    let result = call.evaluate_within(&mut FakeEnv::new(vec![("$.x", big.clone())]), &budget);
    assert_eq!(result.map(|v| v.to_string().len()), Ok(20_004));
}

/// A long list of delimiters costs a lookup per character, not a scan of the list.
#[test]
fn string_split_with_many_delimiters_stays_fast() {
    let text: String = ('a'..='z').cycle().take(100_000).collect();
    let delimiters: String = ('\u{100}'..'\u{3000}').collect();
    let started = std::time::Instant::now();
    let result = eval_xy("States.StringSplit($.x, $.y)", json!(text), json!(delimiters + "m"));
    assert_eq!(result.map(|v| v.as_array().map(Vec::len)), Ok(Some(3847)));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
