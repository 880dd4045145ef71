//! Where a test cites "the AWS page", it is the AWS Developer Guide page "Transforming data
//! with JSONata in Step Functions"; "recorded" means the conformance cases recorded against
//! AWS.

use std::time::Duration;

use serde_json::{json, Value};

use super::*;

/// Evaluates `text` against no input and no bindings, with a random source that must not be
/// needed.
fn eval(text: &str) -> Result<Option<Value>, JsonataError> {
    Expression::parse(text)?.evaluate(&Value::Null, &[], &mut || panic!("no randomness expected"))
}

fn value(text: &str) -> Value {
    match eval(text) {
        Ok(Some(value)) => value,
        other => panic!("{text}: expected a value, got {other:?}"),
    }
}

fn error(text: &str) -> JsonataError {
    match eval(text) {
        Err(error) => error,
        other => panic!("{text}: expected an error, got {other:?}"),
    }
}

/// Evaluates `text` with a random source that yields `draws` in turn, returning the result
/// and how many numbers were drawn.
fn eval_drawing(text: &str, draws: &[u64]) -> (Value, usize) {
    let mut drawn = 0;
    let result = Expression::parse(text)
        .unwrap()
        .evaluate(&Value::Null, &[], &mut || {
            drawn += 1;
            draws[drawn - 1]
        })
        .unwrap()
        .unwrap();
    (result, drawn)
}

#[test]
fn evaluates_with_context_and_bindings() {
    let expression = Expression::parse("$states.input.a + $offset + x").unwrap();
    let states = json!({"input": {"a": 1}});
    let offset = json!(10);
    let unused = json!("never converted");
    let result = expression
        .evaluate(
            &json!({"x": 100}),
            &[("states", &states), ("$offset", &offset), ("unused", &unused)],
            &mut || 0,
        )
        .unwrap();
    assert_eq!(result, Some(json!(111)));
    assert_eq!(expression.as_str(), "$states.input.a + $offset + x");
}

#[test]
fn undefined_results_are_none() {
    // Recorded: `$doesNotExist` "returned nothing (undefined)".
    assert_eq!(eval("$doesNotExist").unwrap(), None);
    assert_eq!(eval("nothing.here").unwrap(), None);
}

#[test]
fn undefined_drops_out_of_arrays_and_objects() {
    assert_eq!(value("{'a': 1, 'b': $nothing}"), json!({"a": 1}));
    assert_eq!(value("[1, $nothing, 2]"), json!([1, 2]));
}

#[test]
fn integral_numbers_are_integers() {
    // Recorded: `$sum([1,2,3]) + 1` printed as `7`, and `$number("2")` as `2`.
    let seven = value("$sum([1, 2, 3]) + 1");
    assert!(seven.is_i64(), "{seven}");
    assert_eq!(seven.to_string(), "7");
    assert_eq!(value("$number('2')").to_string(), "2");
    assert_eq!(value("1.5 * 2").to_string(), "3");
    assert_eq!(value("-0").to_string(), "0");
    assert_eq!(value("0.1 + 0.2").to_string(), "0.30000000000000004");
    assert_eq!(value("1e300").to_string(), "1e+300");
    assert_eq!(value("-9007199254740993").to_string(), "-9007199254740992");
}

#[test]
fn functions_are_not_results() {
    // Recorded: `$fn := function($x){$x}` "returned an unsupported result type."
    for text in [
        "$fn := function($x){$x}",
        "$sum",
        "/ab+c/",
        "{'f': function(){1}}",
        "[1, $uppercase]",
    ] {
        assert!(
            matches!(error(text), JsonataError::UnsupportedResult(NotJson::Function)),
            "{text}"
        );
    }
}

#[test]
fn non_finite_numbers_are_not_results() {
    for text in ["1/0", "-1/0", "[1, 1/0]"] {
        assert!(
            matches!(error(text), JsonataError::UnsupportedResult(NotJson::NonFiniteNumber)),
            "{text}"
        );
    }
}

#[test]
fn results_nested_too_deeply_are_refused() {
    let nest = |levels: usize| format!("$reduce([1..{levels}], function($inner, $i) {{ {{'a': $inner}} }}, {{}})");
    // The reduction's initial `{}` is one more level.
    assert!(matches!(
        error(&nest(1000)),
        JsonataError::UnsupportedResult(NotJson::TooDeep)
    ));
    assert!(value(&nest(999)).is_object());
}

#[test]
fn eval_is_not_available() {
    // The AWS page: "$eval is not available—use $parse instead". An unavailable function
    // is a non-function; recorded for `$randomSeeded(...)`:
    // "... threw an error during evaluation. T1006: Attempted to invoke a non-function".
    let refused = error("$eval('1 + 1')");
    assert_eq!(refused.code(), Some("T1006"));
    assert_eq!(refused.to_string(), "T1006: Attempted to invoke a non-function");
    assert_eq!(eval("$type($eval)").unwrap(), None);
    assert_eq!(eval("$eval").unwrap(), None);
    // A variable the workflow names `eval` is still a variable.
    let eval_variable = json!(5);
    let expression = Expression::parse("$eval").unwrap();
    let result = expression.evaluate(&Value::Null, &[("eval", &eval_variable)], &mut || 0);
    assert_eq!(result.unwrap(), Some(json!(5)));
}

#[test]
fn unknown_functions_fail_as_aws_prints_them() {
    // Recorded: `$randomSeeded($states.input.FunctionInput.fst)`.
    let unknown = error("$randomSeeded(1)");
    assert_eq!(unknown.code(), Some("T1006"));
    assert_eq!(unknown.to_string(), "T1006: Attempted to invoke a non-function");
}

#[test]
fn evaluation_errors_carry_their_code() {
    let mismatch = error("'a' + 1");
    assert_eq!(mismatch.code(), Some("T2001"));
    assert!(mismatch.to_string().starts_with("T2001: "), "{mismatch}");
    assert!(matches!(mismatch, JsonataError::Evaluation { .. }));
}

#[test]
fn syntax_errors_carry_their_code() {
    let unfinished = Expression::parse("1 +").unwrap_err();
    assert!(matches!(unfinished, JsonataError::Syntax { .. }));
    assert_eq!(unfinished.code(), Some("S0207"));
    let comment = Expression::parse("1 /* no end").unwrap_err();
    assert_eq!(comment.to_string(), "S0106: Comment has no closing tag");
}

#[test]
fn operators_newer_than_jsonata_2_0_6_are_syntax_errors() {
    // The AWS page: "Step Functions implements JSONata based on the 2.0.6 specification";
    // `??` and `?:` arrived in JSONata 2.1.0.
    let coalesce = Expression::parse("$a ?? 1").unwrap_err();
    assert_eq!(
        coalesce.to_string(),
        "S0211: The symbol ? cannot be used as a unary operator"
    );
    let default = Expression::parse("[$a ?: 1]").unwrap_err();
    assert_eq!(
        default.to_string(),
        "S0211: The symbol : cannot be used as a unary operator"
    );
    assert_eq!(value("$exists($a) ? 1 : 2"), json!(2));
}

#[test]
fn partition_cuts_an_array_into_chunks() {
    // The AWS page's `$partition([1,2,3,4,5,6,7,8,9], 3)`, and a shorter last chunk.
    assert_eq!(
        value("$partition([1,2,3,4,5,6,7,8,9], 3)"),
        json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    );
    assert_eq!(value("$partition([1,2,3,4,5], 2)"), json!([[1, 2], [3, 4], [5]]));
    // Recorded: [0] by 1 is [[0]]; [0,1,2,3] by 5 is [[0,1,2,3]]; [0,1,2] by 2 is [[0,1],[2]].
    assert_eq!(value("$partition([0], 1)"), json!([[0]]));
    assert_eq!(value("$partition([0,1,2,3], 5)"), json!([[0, 1, 2, 3]]));
    assert_eq!(value("$partition([0,1,2], 2)"), json!([[0, 1], [2]]));
    assert_eq!(value("$partition([], 2)"), json!([]));
    assert_eq!(value("$partition('solo', 2)"), json!([["solo"]]));
    assert_eq!(value("$partition([1,2,3], 1e300)"), json!([[1, 2, 3]]));
    assert_eq!(eval("$partition($nothing, 2)").unwrap(), None);
    assert_eq!(error("$partition([1], '2')").code(), Some("T0410"));
    for size in ["0", "-1", "1.5"] {
        let refused = error(&format!("$partition([1,2], {size})"));
        assert!(refused.to_string().contains("positive integer"), "{refused}");
    }
}

#[test]
fn range_counts_by_a_step() {
    // The AWS page's `$range(0, 10, 2)`, and a negative step counting down.
    assert_eq!(value("$range(0, 10, 2)"), json!([0, 2, 4, 6, 8, 10]));
    assert_eq!(value("$range(1, 10, 4)"), json!([1, 5, 9]));
    assert_eq!(value("$range(10, 0, -5)"), json!([10, 5, 0]));
    assert_eq!(value("$range(0, 1, 0.25)"), json!([0, 0.25, 0.5, 0.75, 1]));
    assert_eq!(value("$range(5, 5, 1)"), json!([5]));
    assert_eq!(value("$range(0, 10, -1)"), json!([]));
    assert_eq!(error("$range(0, 10, 'x')").code(), Some("T0410"));
    assert!(error("$range(0, 10, 0)").to_string().contains("zero"));
    assert!(error("$range(0, 1e9, 1)").to_string().contains("more than"));
    assert!(error("$range(0, 1, 1/0)").to_string().contains("finite"));
}

#[test]
fn hash_digests_a_string() {
    // The AWS page lists MD5, SHA-1, SHA-256, SHA-384 and SHA-512; digests are lowercase hex
    // (as `States.Hash`). Expected values are the FIPS 180 / RFC 1321 test vectors.
    let cases = [
        ("MD5", "", "d41d8cd98f00b204e9800998ecf8427e"),
        ("SHA-1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "SHA-256",
            "abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "SHA-384",
            "abc",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            "SHA-512",
            "abc",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (algorithm, data, digest) in cases {
        assert_eq!(
            value(&format!("$hash('{data}', '{algorithm}')")),
            json!(digest),
            "{algorithm}"
        );
    }
    assert!(error("$hash('abc', 'SHA-3')").to_string().contains("SHA-256"));
    assert_eq!(error("$hash(1, 'MD5')").code(), Some("T0410"));
    assert_eq!(error("$hash('abc')").code(), Some("T0410"));
    assert_eq!(eval("$hash($nothing, 'MD5')").unwrap(), None);
}

#[test]
fn parse_reads_a_json_string() {
    // The AWS page: `$parse` turns stringified JSON into a value, in place of `$eval`.
    assert_eq!(
        value(r#"$parse('{"a": [1, 2.5, null, true]}')"#),
        json!({"a": [1, 2.5, null, true]})
    );
    assert_eq!(value("$parse('\"text\"')"), json!("text"));
    assert_eq!(value("$parse('[1]')"), json!([1]));
    assert!(error("$parse('{nope')").to_string().contains("not valid JSON"));
    assert_eq!(error("$parse(1)").code(), Some("T0410"));
    assert_eq!(eval("$parse($nothing)").unwrap(), None);
}

#[test]
fn random_without_a_seed_uses_the_callers_randomness() {
    // The AWS page: `$random()` is a number from 0 to 1 (exclusive).
    let (first, drawn) = eval_drawing("$random()", &[7]);
    assert_eq!(drawn, 1);
    let number = first.as_f64().unwrap();
    assert!((0.0..1.0).contains(&number), "{number}");
    assert_eq!(eval_drawing("$random()", &[7]).0, first, "same randomness, same number");
    assert_ne!(eval_drawing("$random()", &[8]).0, first);
    // Several draws in one evaluation still take one number from the caller, and differ.
    let (pair, drawn) = eval_drawing("[$random(), $random()]", &[7]);
    assert_eq!(drawn, 1);
    assert_ne!(pair[0], pair[1]);
    let wrong_seed = Expression::parse("$random('seed')")
        .unwrap()
        .evaluate(&Value::Null, &[], &mut || 7);
    assert_eq!(wrong_seed.unwrap_err().code(), Some("T0410"));
}

#[test]
fn random_with_a_seed_is_deterministic() {
    // The AWS page: with a seed, `$random(seed)` gives the same number every time. It is
    // `new java.util.Random(seed).nextDouble()`, whose value for 42 is 0.7275636800328681.
    let (seeded, _) = eval_drawing("$random(42)", &[1]);
    assert_eq!(seeded, json!(0.7275636800328681));
    assert_eq!(eval_drawing("$random(42)", &[2]).0, seeded);
    assert_eq!(
        eval_drawing("$random(42.9)", &[3]).0,
        seeded,
        "seeds truncate like Java's (long)"
    );
    assert_ne!(eval_drawing("$random(43)", &[1]).0, seeded);
}

#[test]
fn uuid_is_a_version_4_uuid_from_the_callers_randomness() {
    let (uuid, drawn) = eval_drawing("$uuid()", &[0x0123_4567_89ab_cdef]);
    assert_eq!(drawn, 1);
    let text = uuid.as_str().unwrap();
    let groups: Vec<&str> = text.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{text}"
    );
    assert!(text
        .chars()
        .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert!(groups[2].starts_with('4'), "version 4: {text}");
    assert!(
        matches!(&groups[3][..1], "8" | "9" | "a" | "b"),
        "RFC 4122 variant: {text}"
    );
    assert_eq!(eval_drawing("$uuid()", &[0x0123_4567_89ab_cdef]).0, uuid);
    let (several, _) = eval_drawing("[1..3].$uuid()", &[5]);
    let several = several.as_array().unwrap();
    assert_eq!(several.len(), 3);
    assert!(several[0] != several[1] && several[1] != several[2] && several[0] != several[2]);
}

#[test]
fn shuffle_uses_the_callers_randomness() {
    let (shuffled, drawn) = eval_drawing("$shuffle([1..20])", &[99]);
    assert_eq!(drawn, 1);
    assert_eq!(eval_drawing("$shuffle([1..20])", &[99]).0, shuffled);
    let mut sorted: Vec<i64> = shuffled
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .collect();
    assert_ne!(
        sorted,
        (1..=20).collect::<Vec<_>>(),
        "20 items stay in order with odds 1/20!"
    );
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=20).collect::<Vec<_>>());
    assert_eq!(eval_drawing("$shuffle('one')", &[1]).0, json!(["one"]));
}

#[test]
fn randomness_is_drawn_only_when_mentioned() {
    // `eval` panics if drawn from.
    assert_eq!(value("$count([1,2,3])"), json!(3));
    assert_eq!(value("$partition([1,2,3], 2)"), json!([[1, 2], [3]]));
}

#[test]
fn aws_functions_can_be_passed_around_and_shadowed() {
    assert_eq!(
        value("$map([[1,2,3], [4]], function($a) { $partition($a, 2) })"),
        json!([[[1, 2], [3]], [[4]]])
    );
    assert_eq!(value("($p := $partition; $p([1,2], 1))"), json!([[1], [2]]));
    assert_eq!(
        value("($partition := function($a, $n) { 'mine' }; $partition([1], 1))"),
        json!("mine")
    );
    assert_eq!(value("$type($hash)"), json!("function"));
}

#[test]
fn a_runaway_expression_is_stopped() {
    let expression = Expression::parse("($loop := function() { $loop() }; $loop())")
        .unwrap()
        .with_time_limit(Some(Duration::from_millis(50)));
    let stopped = expression.evaluate(&Value::Null, &[], &mut || 0).unwrap_err();
    assert_eq!(stopped.code(), Some("D1012"));
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let deep = error("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))");
    assert_eq!(deep.code(), Some("U1001"));
}

#[test]
fn expressions_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Expression>();
}

#[test]
fn split_code_finds_the_code_anywhere() {
    assert_eq!(
        split_code("T2001: The left side"),
        (Some("T2001".to_owned()), "The left side".to_owned())
    );
    assert_eq!(
        split_code("Invalid syntax: S0201: Syntax error: Semicolon"),
        (Some("S0201".to_owned()), "Syntax error: Semicolon".to_owned())
    );
    assert_eq!(split_code("no code here"), (None, "no code here".to_owned()));
    assert_eq!(split_code("X1234"), (None, "X1234".to_owned()));
}

#[test]
fn a_panic_inside_jsonata_core_fails_only_the_evaluation() {
    // jsonata-core 2.2.13 slices out of bounds on a picture component that starts with a
    // comma (found by mutating the suite's expressions). The panic message still reaches
    // stderr through the panic hook.
    let text = "$fromMillis(1521801216617, '[D1o] [,MN] [Y]')";
    assert!(matches!(error(text), JsonataError::Internal));
    assert_eq!(value("$fromMillis(0)"), json!("1970-01-01T00:00:00.000Z"));
}

/// A state's `$states` for `evaluate_in_state`, whose Context object must not be asked for
/// unless the expression reads it.
fn in_state(text: &str, input: &Value, context: Option<&Value>, result: Option<&Value>) -> Option<Value> {
    let context = || context.expect("the Context object was built although the expression does not read it");
    let states = States {
        input,
        context: &context,
        result,
        error_output: None,
    };
    let total = json!(41);
    let variable = |name: &str| (name == "total").then(|| total.clone());
    Expression::parse(text)
        .unwrap()
        .evaluate_in_state(&states, &variable, &mut || 0, &crate::budget::Budget::default())
        .unwrap()
}

#[test]
fn states_members_are_built_only_when_read() {
    let input = json!({"i": 7, "x": 1});
    assert_eq!(
        in_state("$states.input.i + $total", &input, None, None),
        Some(json!(48))
    );
    assert_eq!(
        in_state("$states.result.r", &input, None, Some(&json!({"r": 2}))),
        Some(json!(2))
    );
    let context = json!({"State": {"Name": "S"}});
    assert_eq!(
        in_state("$states.context.State.Name", &input, Some(&context), None),
        Some(json!("S"))
    );
    // `$states` used whole has every member the state has.
    assert_eq!(
        in_state("$keys($states)", &input, Some(&context), Some(&json!(1))),
        Some(json!(["input", "context", "result"]))
    );
    // The context value `$` is the state's input.
    assert_eq!(in_state("x + $states.input.i", &input, None, None), Some(json!(8)));
    assert_eq!(in_state("$.x", &input, None, None), Some(json!(1)));
}

#[test]
fn variables_are_the_free_dollar_names() {
    let variables = |text: &str| Expression::parse(text).unwrap().variables().to_vec();
    assert_eq!(variables("$states.input.a + $x"), ["x"]);
    assert_eq!(
        variables("$not($flag) and $count($list) > $min"),
        ["flag", "list", "min"]
    );
    assert_eq!(variables("($y := 2; $y + $z)"), ["z"]);
    assert_eq!(
        variables("$map($items, function($v) { $v * $factor })"),
        ["factor", "items"]
    );
    assert_eq!(variables("$ + $$"), Vec::<String>::new());
}

#[test]
fn whether_the_input_is_read_is_judged_conservatively() {
    let reads = |text: &str| Expression::parse(text).unwrap().reads_input;
    assert!(!reads("$states.input.a + $x"));
    assert!(!reads("$x.items[price > 10].name"));
    assert!(!reads("{'a': $x, 'b': [1, 2]}"));
    assert!(reads("a + 1"));
    assert!(reads("$"));
    assert!(reads("$$.a"));
    assert!(reads("$string()"));
    assert!(reads("$x.($$.a)"));
    assert!(reads("$x ? b : 1"));
}

/// Issue 12: `$sum([1..10000000])` peaked at 820 MB. A sequence longer than the budget
/// holds is refused before it is allocated (D2015), as is a `$range` that long.
#[test]
fn sequences_beyond_the_budget_are_refused() {
    for text in [
        "$sum([1..10000000])",
        "[1..1000000] ~> $count()",
        "$count($range(0, 5000000, 1))",
        "[1..1000].([1..1000])",
    ] {
        let failed = error(text);
        assert!(matches!(failed, JsonataError::Evaluation { .. }), "{text}: {failed:?}");
    }
    assert_eq!(value("$sum([1..100000])"), json!(5_000_050_000u64));
    assert_eq!(value("$count($range(0, 99999, 1))"), json!(100_000));
}

/// A result is charged to the budget before it is converted to JSON.
#[test]
fn results_beyond_the_budget_are_refused() {
    use crate::budget::Budget;
    let expression = Expression::parse("[1..1000].{'n': $}").unwrap();
    let input = json!({});
    let states = States {
        input: &input,
        context: &|| panic!("not read"),
        result: None,
        error_output: None,
    };
    // Room for the sequence of 1,000 items, not for 1,000 objects as JSON.
    let small = Budget::new(100_000, usize::MAX);
    let refused = expression.evaluate_in_state(&states, &|_| None, &mut || 0, &small);
    assert!(matches!(refused, Err(JsonataError::OverBudget(_))), "{refused:?}");
    let enough = Budget::new(1 << 20, usize::MAX);
    let converted = expression.evaluate_in_state(&states, &|_| None, &mut || 0, &enough);
    assert_eq!(
        converted.map(|v| v.and_then(|v| v.as_array().map(Vec::len))),
        Ok(Some(1000))
    );
}

/// Evaluates `text` with jsonata-core alone, none of AWS's functions or overrides
/// registered.
fn eval_by_jsonata_core(text: &str) -> Result<Option<Value>, JsonataError> {
    let ast = jsonata_core::parser::parse(text).map_err(|error| JsonataError::syntax(&error))?;
    let mut evaluator = Evaluator::with_options(Context::new(), EvaluatorOptions::default());
    let result = evaluator
        .evaluate(&ast, &JValue::Null)
        .map_err(JsonataError::evaluation)?;
    to_json(&result, 0)
}

/// Within the budget, `$pad` is jsonata-core's own: the same results and the same errors.
#[test]
fn pad_within_the_budget_is_jsonata_cores_own() {
    let table = [
        ("$pad('foo', 5)", Some(json!("foo  "))),
        ("$pad('foo', -5)", Some(json!("  foo"))),
        ("$pad('foo', -5, '#')", Some(json!("##foo"))),
        ("$pad('foo', 5, '')", Some(json!("foo  "))),
        ("$pad('foo', 1)", Some(json!("foo"))),
        ("$pad('foo', -3)", Some(json!("foo"))),
        ("$pad('foo', 8, '-+')", Some(json!("foo-+-+-"))),
        ("$pad('foo', -9, 'abcd')", Some(json!("abcdabfoo"))),
        ("$pad('a𝄞💩', 7, '💩')", Some(json!("a𝄞💩💩💩💩💩"))),
        ("$pad('𝄞💩', -7)", Some(json!("     𝄞💩"))),
        ("$pad('foo', 5.7, ' ')", Some(json!("foo  "))),
        ("$pad('foo', -5.7, ' ')", Some(json!("  foo"))),
        ("$pad('foo', 0)", Some(json!("foo"))),
        ("$pad('', 3, 'x')", Some(json!("xxx"))),
        ("$pad(nothing, 1)", None),
        ("$pad('foo', nothing)", Some(json!("foo"))),
        ("$pad('foo', 5, nothing)", Some(json!("foo  "))),
        (
            "$map(['a', 'bb'], function($s) { $pad($s, -3, '.') })",
            Some(json!(["..a", ".bb"])),
        ),
        ("($f := $pad; $f('x', 2, '*'))", Some(json!("x*"))),
        ("['a', 'bb'].$pad(3)", Some(json!(["a  ", "bb "]))),
        ("['a', 'bb'].$pad(-3, '*')", Some(json!(["**a", "*bb"]))),
        ("{'s': 'x'}.s.$pad(2)", Some(json!("x "))),
        ("($p := $pad(?, 3); $p('y'))", Some(json!("y  "))),
        ("'x' ~> $pad(3)", Some(json!("x  "))),
    ];
    for (text, expected) in table {
        assert_eq!(eval(text), Ok(expected.clone()), "{text}");
        assert_eq!(eval_by_jsonata_core(text), Ok(expected), "{text} (jsonata-core)");
    }
    for text in [
        "$pad(5, 5)",
        "$pad('foo', '5')",
        "$pad('foo', 5, 6)",
        "$pad('foo')",
        "$pad()",
        "$pad('foo', 5, ' ', 1)",
        "$pad(['a'], 5)",
        "$pad(null, 5)",
        "[1, 2].$pad(3)",
    ] {
        let ours = eval(text);
        assert!(ours.is_err(), "{text}: {ours:?}");
        assert_eq!(ours, eval_by_jsonata_core(text), "{text}");
    }
    // Large, and within the default budget of 32 MiB.
    let wide = value("$pad('a', -1000000, 'xy')");
    assert_eq!(wide.as_str().map(str::len), Some(1_000_000));
    assert!(wide
        .as_str()
        .is_some_and(|s| s.starts_with("xyxy") && s.ends_with("xa")));
}

/// Fuzz finding: `$pad('a', 1e20)` built two billion characters one at a time, past the
/// JSONata watchdog. A width whose result would not fit the memory budget is refused
/// before anything is built, as over budget (a `States.QueryEvaluationError`).
#[test]
fn pad_beyond_the_budget_is_refused() {
    let limit = crate::budget::Budget::default().memory_limit();
    let started = std::time::Instant::now();
    for text in [
        "$pad('a', 1e20)",
        "$pad('a', -1e20)",
        "$pad('a', 2147483647, '-')",
        "$pad('', 33554433)",
        "$pad('', 10000000, '💩')",
        "{'x': $pad('a', 1e9)}.x",
        "$map([1e20], function($w) { $pad('a', $w) })",
        "['a'].$pad(1e20)",
        "{'s': 'a'}.s.$pad(-1e20, 'xy')",
        "($p := $pad(?, 1e20); $p('a'))",
        "($f := $pad; $f('a', 1e20))",
    ] {
        assert_eq!(
            eval(text),
            Err(JsonataError::OverBudget(OverBudget::Memory { limit })),
            "{text}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    // What is counted: the string's bytes and the padding's, cut from a repeated fill.
    let args = |text: &str, width: f64, fill: Option<&str>| {
        let mut args = vec![JValue::string(text), JValue::Number(width)];
        args.extend(fill.map(JValue::string));
        functions::padded_size(&args)
    };
    assert_eq!(args("", 33554432.0, None), Some(limit));
    assert_eq!(args("foo", 2.0, None), Some(3));
    assert_eq!(args("foo", -9.9, Some("a💩")), Some(3 + 3 * 5));
    assert_eq!(args("é", 1e20, Some("")), Some(2 + (i32::MAX as usize - 1)));
    assert_eq!(args("x", f64::NAN, None), Some(1));
    assert_eq!(
        functions::padded_size(&[JValue::Number(5.0), JValue::Number(5.0)]),
        None
    );
    // The engine's budget for a smaller payload limit refuses smaller widths.
    let small = crate::budget::Budget::for_payload(1024);
    let expression = Expression::parse("$pad('a', 200000)").unwrap();
    let input = json!({});
    let states = States {
        input: &input,
        context: &|| panic!("not read"),
        result: None,
        error_output: None,
    };
    let refused = expression.evaluate_in_state(&states, &|_| None, &mut || 0, &small);
    assert_eq!(
        refused,
        Err(JsonataError::OverBudget(OverBudget::Memory { limit: 128 * 1024 }))
    );
}

/// Found looking for `$pad`'s kind: a width modifier in a date/time picture pads a number
/// to as many digits as it says, and `$fromMillis(0, '[D,1000000000]')` built a billion.
/// Such a picture is refused before anything is built; any other is jsonata-core's own.
#[test]
fn from_millis_widths_beyond_the_budget_are_refused() {
    let limit = crate::budget::Budget::default().memory_limit();
    for text in [
        "$fromMillis(0, '[D,1000000000]')",
        "$fromMillis(0, '[Y,*-40000000]')",
        "$fromMillis(0, '[H01,20000000][m,20000000]')",
        "$fromMillis(0, '[ f , 40000000 ]', '+0100')",
        "[0].$fromMillis('[D,1000000000]')",
        "$map([0], function($t) { $fromMillis($t, '[D,1000000000]') })",
    ] {
        assert_eq!(
            eval(text),
            Err(JsonataError::OverBudget(OverBudget::Memory { limit })),
            "{text}"
        );
    }
    for text in [
        "$fromMillis(1521801216617)",
        "$fromMillis(1521801216617, '[Y0001]-[M01]-[D01] [H01]:[m01]')",
        "$fromMillis(1521801216617, '[D,6] [MNn,3-3] [Y,*-2] [[x]]', '-0500')",
        "$length($fromMillis(0, '[D,100000]'))",
        "$fromMillis(0, '[D,99999999999999999999999]')",
        "[1521801216617, 0].$fromMillis('[Y]')",
        "{'t': 0}.t.$fromMillis()",
        "$fromMillis('x')",
        "$fromMillis(0, 5)",
        "$fromMillis(1.5)",
        "$fromMillis(nothing)",
    ] {
        assert_eq!(eval(text), eval_by_jsonata_core(text), "{text}");
    }
    assert_eq!(value("$length($fromMillis(0, '[D,100000]'))"), json!(100_000));
    for (picture, widths) in [
        ("[Y0001]-[M01]", 0),
        ("[D,6] [MNn,3-3] [Y,*-2]", 6 + 3 + 2),
        ("[[D,1000]] [ D , 7 - 9 ]", 7),
        ("[Y,10-20][f,*]", 20),
        ("[D,99999999999999999999999]", 0),
        ("[D,5", 0),
    ] {
        assert_eq!(functions::picture_widths(picture), widths, "{picture}");
    }
}
