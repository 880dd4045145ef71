//! Choice states: every comparison operator, its `...Path` form, the type tests, And/Or/Not,
//! Default and States.NoChoiceMatched.

use serde_json::{json, Value};

use crate::support::machine;
use crate::{check_failures, fail_row};

/// A machine whose Choice state `C` goes to `Yes` when `rule` matches and to `No` otherwise;
/// the execution output is "yes" or "no".
fn decide(rule: &Value) -> Value {
    let mut branch = rule.clone();
    branch["Next"] = json!("Yes");
    json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [branch], "Default": "No"},
        "Yes": {"Type": "Pass", "Result": "yes", "End": true},
        "No": {"Type": "Pass", "Result": "no", "End": true}
    }})
}

/// Run `(rule, input, expected match)` rows; report every mismatch at once.
fn check_rules(rows: &[(Value, Value, bool)]) {
    let mut failures = Vec::new();
    for (rule, input, expected) in rows {
        let outcome = machine(decide(rule)).input(input.clone()).run();
        let want = if *expected { "yes" } else { "no" };
        if outcome.json["status"] != "SUCCEEDED" || outcome.json["output"] != want {
            failures.push(format!(
                "rule {rule} on {input}: expected {want}, got {}{}",
                outcome.stdout.trim(),
                outcome.stderr.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn rule(operator: &str, operand: Value) -> Value {
    json!({"Variable": "$.v", operator: operand})
}

fn path_rule(operator: &str) -> Value {
    json!({"Variable": "$.v", operator: "$.w"})
}

// States Language spec: Choice Rules (string comparisons: "StringEquals, StringLessThan,
// StringGreaterThan, StringLessThanEquals, StringGreaterThanEquals", each also as ...Path,
// where the operand is a path into the input). A value of another type does not match.
#[test]
fn string_comparisons() {
    check_rules(&[
        (rule("StringEquals", json!("abc")), json!({"v": "abc"}), true),
        (rule("StringEquals", json!("abc")), json!({"v": "abd"}), false),
        (rule("StringEquals", json!("abc")), json!({"v": "ABC"}), false),
        (rule("StringEquals", json!("1")), json!({"v": 1}), false),
        (rule("StringEquals", json!("")), json!({"v": ""}), true),
        (rule("StringLessThan", json!("b")), json!({"v": "a"}), true),
        (rule("StringLessThan", json!("b")), json!({"v": "b"}), false),
        (rule("StringLessThan", json!("b")), json!({"v": "c"}), false),
        (rule("StringGreaterThan", json!("b")), json!({"v": "c"}), true),
        (rule("StringGreaterThan", json!("b")), json!({"v": "b"}), false),
        (rule("StringGreaterThan", json!("b")), json!({"v": "a"}), false),
        (rule("StringLessThanEquals", json!("b")), json!({"v": "b"}), true),
        (rule("StringLessThanEquals", json!("b")), json!({"v": "a"}), true),
        (rule("StringLessThanEquals", json!("b")), json!({"v": "c"}), false),
        (rule("StringGreaterThanEquals", json!("b")), json!({"v": "b"}), true),
        (rule("StringGreaterThanEquals", json!("b")), json!({"v": "c"}), true),
        (rule("StringGreaterThanEquals", json!("b")), json!({"v": "a"}), false),
        (rule("StringLessThan", json!("abc")), json!({"v": "ab"}), true),
        (path_rule("StringEqualsPath"), json!({"v": "x", "w": "x"}), true),
        (path_rule("StringEqualsPath"), json!({"v": "x", "w": "y"}), false),
        (path_rule("StringLessThanPath"), json!({"v": "a", "w": "b"}), true),
        (path_rule("StringLessThanPath"), json!({"v": "b", "w": "a"}), false),
        (path_rule("StringGreaterThanPath"), json!({"v": "b", "w": "a"}), true),
        (path_rule("StringGreaterThanPath"), json!({"v": "a", "w": "b"}), false),
        (path_rule("StringLessThanEqualsPath"), json!({"v": "a", "w": "a"}), true),
        (
            path_rule("StringLessThanEqualsPath"),
            json!({"v": "b", "w": "a"}),
            false,
        ),
        (
            path_rule("StringGreaterThanEqualsPath"),
            json!({"v": "a", "w": "a"}),
            true,
        ),
        (
            path_rule("StringGreaterThanEqualsPath"),
            json!({"v": "a", "w": "b"}),
            false,
        ),
    ]);
}

// States Language spec: Choice Rules (numeric comparisons, each also as ...Path). Numbers
// compare by value, so 1 equals 1.0; a string that looks like a number does not match.
#[test]
fn numeric_comparisons() {
    check_rules(&[
        (rule("NumericEquals", json!(1)), json!({"v": 1}), true),
        (rule("NumericEquals", json!(1)), json!({"v": 1.0}), true),
        (rule("NumericEquals", json!(1.5)), json!({"v": 1.5}), true),
        (rule("NumericEquals", json!(1)), json!({"v": 2}), false),
        (rule("NumericEquals", json!(1)), json!({"v": "1"}), false),
        (rule("NumericEquals", json!(-3)), json!({"v": -3}), true),
        (rule("NumericLessThan", json!(10)), json!({"v": 9.99}), true),
        (rule("NumericLessThan", json!(10)), json!({"v": 10}), false),
        (rule("NumericGreaterThan", json!(10)), json!({"v": 10.01}), true),
        (rule("NumericGreaterThan", json!(10)), json!({"v": 10}), false),
        (rule("NumericLessThanEquals", json!(10)), json!({"v": 10}), true),
        (rule("NumericLessThanEquals", json!(10)), json!({"v": 11}), false),
        (rule("NumericGreaterThanEquals", json!(10)), json!({"v": 10}), true),
        (rule("NumericGreaterThanEquals", json!(10)), json!({"v": 9}), false),
        (path_rule("NumericEqualsPath"), json!({"v": 2, "w": 2.0}), true),
        (path_rule("NumericEqualsPath"), json!({"v": 2, "w": 3}), false),
        (path_rule("NumericLessThanPath"), json!({"v": 2, "w": 3}), true),
        (path_rule("NumericLessThanPath"), json!({"v": 3, "w": 3}), false),
        (path_rule("NumericGreaterThanPath"), json!({"v": 4, "w": 3}), true),
        (path_rule("NumericGreaterThanPath"), json!({"v": 3, "w": 3}), false),
        (path_rule("NumericLessThanEqualsPath"), json!({"v": 3, "w": 3}), true),
        (path_rule("NumericLessThanEqualsPath"), json!({"v": 4, "w": 3}), false),
        (path_rule("NumericGreaterThanEqualsPath"), json!({"v": 3, "w": 3}), true),
        (
            path_rule("NumericGreaterThanEqualsPath"),
            json!({"v": 2, "w": 3}),
            false,
        ),
    ]);
}

// States Language spec: Choice Rules (BooleanEquals, BooleanEqualsPath).
#[test]
fn boolean_comparisons() {
    check_rules(&[
        (rule("BooleanEquals", json!(true)), json!({"v": true}), true),
        (rule("BooleanEquals", json!(true)), json!({"v": false}), false),
        (rule("BooleanEquals", json!(false)), json!({"v": false}), true),
        (rule("BooleanEquals", json!(true)), json!({"v": "true"}), false),
        (rule("BooleanEquals", json!(false)), json!({"v": 0}), false),
        (path_rule("BooleanEqualsPath"), json!({"v": true, "w": true}), true),
        (path_rule("BooleanEqualsPath"), json!({"v": true, "w": false}), false),
    ]);
}

// States Language spec: Choice Rules (timestamp comparisons) and "Timestamps": RFC 3339
// values compared as points in time, so the same instant written with another offset is equal.
#[test]
fn timestamp_comparisons() {
    let t = "2001-01-01T12:00:00Z";
    check_rules(&[
        (
            rule("TimestampEquals", json!(t)),
            json!({"v": "2001-01-01T12:00:00Z"}),
            true,
        ),
        (
            rule("TimestampEquals", json!(t)),
            json!({"v": "2001-01-01T14:00:00+02:00"}),
            true,
        ),
        (
            rule("TimestampEquals", json!(t)),
            json!({"v": "2001-01-01T12:00:01Z"}),
            false,
        ),
        (
            rule("TimestampEquals", json!(t)),
            json!({"v": "not a timestamp"}),
            false,
        ),
        (rule("TimestampEquals", json!(t)), json!({"v": 978350400}), false),
        (
            rule("TimestampLessThan", json!(t)),
            json!({"v": "2000-12-31T23:59:59Z"}),
            true,
        ),
        (rule("TimestampLessThan", json!(t)), json!({"v": t}), false),
        (
            rule("TimestampGreaterThan", json!(t)),
            json!({"v": "2001-01-01T12:00:00.001Z"}),
            true,
        ),
        (rule("TimestampGreaterThan", json!(t)), json!({"v": t}), false),
        (rule("TimestampLessThanEquals", json!(t)), json!({"v": t}), true),
        (
            rule("TimestampLessThanEquals", json!(t)),
            json!({"v": "2002-01-01T00:00:00Z"}),
            false,
        ),
        (rule("TimestampGreaterThanEquals", json!(t)), json!({"v": t}), true),
        (
            rule("TimestampGreaterThanEquals", json!(t)),
            json!({"v": "2000-01-01T00:00:00Z"}),
            false,
        ),
        (path_rule("TimestampEqualsPath"), json!({"v": t, "w": t}), true),
        (
            path_rule("TimestampEqualsPath"),
            json!({"v": t, "w": "2002-01-01T00:00:00Z"}),
            false,
        ),
        (
            path_rule("TimestampLessThanPath"),
            json!({"v": t, "w": "2002-01-01T00:00:00Z"}),
            true,
        ),
        (
            path_rule("TimestampLessThanPath"),
            json!({"v": "2002-01-01T00:00:00Z", "w": t}),
            false,
        ),
        (
            path_rule("TimestampGreaterThanPath"),
            json!({"v": "2002-01-01T00:00:00Z", "w": t}),
            true,
        ),
        (path_rule("TimestampGreaterThanPath"), json!({"v": t, "w": t}), false),
        (path_rule("TimestampLessThanEqualsPath"), json!({"v": t, "w": t}), true),
        (
            path_rule("TimestampLessThanEqualsPath"),
            json!({"v": "2002-01-01T00:00:00Z", "w": t}),
            false,
        ),
        (
            path_rule("TimestampGreaterThanEqualsPath"),
            json!({"v": t, "w": t}),
            true,
        ),
        (
            path_rule("TimestampGreaterThanEqualsPath"),
            json!({"v": t, "w": "2002-01-01T00:00:00Z"}),
            false,
        ),
    ]);
}

// States Language spec: Choice Rules ("IsNull, IsPresent, IsNumeric, IsString, IsBoolean,
// IsTimestamp"; each takes true or false). IsPresent is the one test that may name a field
// that does not exist.
#[test]
fn type_tests() {
    check_rules(&[
        (rule("IsNull", json!(true)), json!({"v": null}), true),
        (rule("IsNull", json!(true)), json!({"v": 0}), false),
        (rule("IsNull", json!(false)), json!({"v": "x"}), true),
        (rule("IsNull", json!(false)), json!({"v": null}), false),
        (rule("IsPresent", json!(true)), json!({"v": null}), true),
        (rule("IsPresent", json!(true)), json!({}), false),
        (rule("IsPresent", json!(false)), json!({}), true),
        (rule("IsPresent", json!(false)), json!({"v": 1}), false),
        (rule("IsNumeric", json!(true)), json!({"v": 1.5}), true),
        (rule("IsNumeric", json!(true)), json!({"v": "1.5"}), false),
        (rule("IsNumeric", json!(false)), json!({"v": "1.5"}), true),
        (rule("IsString", json!(true)), json!({"v": "s"}), true),
        (rule("IsString", json!(true)), json!({"v": null}), false),
        (rule("IsString", json!(false)), json!({"v": 1}), true),
        (rule("IsBoolean", json!(true)), json!({"v": false}), true),
        (rule("IsBoolean", json!(true)), json!({"v": "false"}), false),
        (rule("IsBoolean", json!(false)), json!({"v": 0}), true),
        (
            rule("IsTimestamp", json!(true)),
            json!({"v": "2016-03-14T01:59:00Z"}),
            true,
        ),
        (
            rule("IsTimestamp", json!(true)),
            json!({"v": "2016-03-14T01:59:00.123+05:30"}),
            true,
        ),
        (rule("IsTimestamp", json!(true)), json!({"v": "2016-03-14"}), false),
        (rule("IsTimestamp", json!(true)), json!({"v": "yesterday"}), false),
        (rule("IsTimestamp", json!(false)), json!({"v": 1}), true),
        (rule("IsPresent", json!(true)), json!({"v": {"deep": [1]}}), true),
        (
            json!({"Variable": "$.v.deep", "IsPresent": true}),
            json!({"v": {"deep": false}}),
            true,
        ),
        (
            json!({"Variable": "$.v.deep", "IsPresent": true}),
            json!({"v": {}}),
            false,
        ),
    ]);
}

// States Language spec: Choice Rules (StringMatches): "*" matches any run of characters,
// including none (spec examples: "foo*.log" matches "foo23.log", "*.log" matches
// "zebra.log", "foo*.*" matches "foobar.zebra"; the Developer Guide's is "log-*.txt"); a
// literal "*" is written "\\*" and a literal backslash "\\\\". Nothing else is special.
#[test]
fn string_matches() {
    let m = |pattern: &str, value: &str, expected: bool| {
        (rule("StringMatches", json!(pattern)), json!({"v": value}), expected)
    };
    check_rules(&[
        m("foo*.log", "foo23.log", true),
        m("*.log", "zebra.log", true),
        m("foo*.*", "foobar.zebra", true),
        m("log-*.txt", "log-2024-01-01.txt", true),
        m("log-*.txt", "log-.txt", true),
        m("log-*.txt", "log-1.csv", false),
        m("log-*.txt", "xlog-1.txt", false),
        m("*", "", true),
        m("*", "anything at all", true),
        m("a*b*c", "aXbYc", true),
        m("a*b*c", "acb", false),
        m("exact", "exact", true),
        m("exact", "exactly", false),
        m("a?c", "abc", false),
        m("a?c", "a?c", true),
        m("a.c", "abc", false),
        m(r"a\*c", "a*c", true),
        m(r"a\*c", "abc", false),
        m(r"a\\c", r"a\c", true),
        m(r"\**", "*star", true),
        m(r"\**", "star", false),
        (rule("StringMatches", json!("*")), json!({"v": 1}), false),
    ]);
}

// Developer Guide: Choice workflow state (the "Not" example routes on "$.type" not being
// "Private"; the "And" example checks "$.value" is present, numeric, >= 20 and < 30) and
// States Language spec: Choice Rules (And/Or take non-empty arrays of rules, Not one rule;
// they nest).
#[test]
fn boolean_combinators() {
    let in_twenties = json!({"And": [
        {"Variable": "$.value", "IsPresent": true},
        {"Variable": "$.value", "IsNumeric": true},
        {"Variable": "$.value", "NumericGreaterThanEquals": 20},
        {"Variable": "$.value", "NumericLessThan": 30}
    ]});
    let not_private = json!({"Not": {"Variable": "$.type", "StringEquals": "Private"}});
    let small_or_big = json!({"Or": [
        {"Variable": "$.n", "NumericLessThan": 1},
        {"Variable": "$.n", "NumericGreaterThan": 100}
    ]});
    let nested = json!({"And": [
        {"Not": {"Variable": "$.a", "BooleanEquals": true}},
        {"Or": [{"Variable": "$.b", "StringEquals": "x"}, {"Variable": "$.b", "StringEquals": "y"}]}
    ]});
    check_rules(&[
        (not_private.clone(), json!({"type": "Public"}), true),
        (not_private, json!({"type": "Private"}), false),
        (in_twenties.clone(), json!({"value": 20}), true),
        (in_twenties.clone(), json!({"value": 29.9}), true),
        (in_twenties.clone(), json!({"value": 30}), false),
        (in_twenties.clone(), json!({"value": 19}), false),
        // IsPresent first: the later comparisons are not evaluated on a missing field.
        (in_twenties.clone(), json!({}), false),
        (in_twenties, json!({"value": "25"}), false),
        (small_or_big.clone(), json!({"n": 0}), true),
        (small_or_big.clone(), json!({"n": 101}), true),
        (small_or_big, json!({"n": 50}), false),
        (nested.clone(), json!({"a": false, "b": "y"}), true),
        (nested.clone(), json!({"a": true, "b": "y"}), false),
        (nested, json!({"a": false, "b": "z"}), false),
        (
            json!({"Not": {"Not": {"Variable": "$.v", "IsNull": true}}}),
            json!({"v": null}),
            true,
        ),
    ]);
}

// Developer Guide: Choice workflow state: the rules are tried in order and the first match
// wins; with none matching, "Default" is taken; the Choice state passes its input on
// (after InputPath/OutputPath).
#[test]
fn first_match_wins_and_input_passes_through() {
    let definition = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 10, "Next": "Big"},
            {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Positive"},
            {"Variable": "$.n", "NumericGreaterThan": 5, "Next": "Unreachable"}
        ], "Default": "Other"},
        "Big": {"Type": "Pass", "Result": "big", "ResultPath": "$.kind", "End": true},
        "Positive": {"Type": "Pass", "Result": "positive", "ResultPath": "$.kind", "End": true},
        "Unreachable": {"Type": "Pass", "Result": "unreachable", "ResultPath": "$.kind", "End": true},
        "Other": {"Type": "Pass", "Result": "other", "ResultPath": "$.kind", "End": true}
    }});
    for (n, kind) in [
        (11, "big"),
        (7, "positive"),
        (1, "positive"),
        (0, "other"),
        (-4, "other"),
    ] {
        let outcome = machine(definition.clone()).input(json!({"n": n})).run();
        assert_eq!(outcome.output(), &json!({"n": n, "kind": kind}), "n = {n}");
    }

    let filtered = machine(json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.keep",
              "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "End"}]},
        "End": {"Type": "Succeed"}
    }}))
    .input(json!({"inner": {"go": true, "keep": {"k": 1}}, "outer": 2}))
    .run();
    assert_eq!(filtered.output(), &json!({"k": 1}));
}

// Developer Guide: Choice workflow state / Handling errors: a Choice state with no matching
// rule and no Default fails with States.NoChoiceMatched. A comparison on a field that does not
// exist is a runtime error (the page recommends guarding with IsPresent).
#[test]
fn choice_failures() {
    let no_default = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "StringEquals": "a", "Next": "A"}]},
        "A": {"Type": "Succeed"}
    }});
    check_failures(vec![
        fail_row(
            "no match, no Default",
            no_default.clone(),
            json!({"v": "b"}),
            "States.NoChoiceMatched",
            None,
        ),
        fail_row(
            "missing variable in a comparison",
            no_default,
            json!({}),
            "States.Runtime",
            None,
        ),
        fail_row(
            "missing ...Path operand",
            decide(&path_rule("NumericEqualsPath")),
            json!({"v": 1}),
            "States.Runtime",
            None,
        ),
    ]);
}
