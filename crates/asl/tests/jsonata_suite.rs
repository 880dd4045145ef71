//! Runs the JSONata reference test suite (jsonata-js v2.2.2, vendored under
//! `tests/jsonata-test-suite/`, MIT) through `asl::jsonata::Expression`, comparing as the
//! suite's README says: results deep-equal with JavaScript numbers (1 and 1.0 are equal),
//! `undefinedResult`, and error `code`s.
//!
//! Every case must pass unless [`EXPECTED_DIFFERENCES`] lists it with the reason, and every
//! listed case must still differ, so the list cannot go stale.
//!
//! What the harness cannot express through `Expression`:
//! - `timelimit`, tripled, becomes the expression's time limit (so the runaway cases end),
//!   but jsonata-core reports an exceeded limit as `D1012`, not as the `U1001` of
//!   jsonata-js's test harness.
//! - `depth` is ignored: `Expression` keeps jsonata-core's own nesting limit (30,000
//!   levels, then `U1001`).
//! - `token`, the source token jsonata-js attaches to an error, is not compared:
//!   jsonata-core does not report it.
//! - A `null` dataset means an undefined input, which the Step Functions API never gives;
//!   such cases run with a `null` input.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use asl::jsonata::{Expression, JsonataError};
use serde_json::Value;

/// AWS implements JSONata 2.0.6 ("Supported JSONata version"); the `??` operator came with
/// 2.1.0, so AWS (and `Expression::parse`) rejects it.
const AWS_2_0_6_COALESCE: &str = "AWS documents JSONata 2.0.6, which has no ?? operator";
/// As above, for the `?:` operator.
const AWS_2_0_6_DEFAULT: &str = "AWS documents JSONata 2.0.6, which has no ?: operator";
/// "$eval is not available—use $parse instead"; calling it is calling a non-function.
const AWS_NO_EVAL: &str = "AWS documents that $eval is not available (T1006 here)";
/// The case's JSON holds a lone UTF-16 surrogate (`\uD800`), which neither a Rust string nor
/// a Step Functions payload (UTF-8) can carry.
const LONE_SURROGATE: &str = "harness: a lone UTF-16 surrogate cannot be read into a Rust string";
/// A `null` dataset means undefined input, which `Expression::evaluate` cannot be given; the
/// case runs with `null` instead, and its outcome depends on the difference.
const UNDEFINED_INPUT: &str = "harness: undefined input is not expressible, the case runs with null";
/// `depth: 302` is the harness's stack limit; `Expression` keeps jsonata-core's 30,000.
const HARNESS_DEPTH: &str = "harness: the suite's depth limit is not applied";
/// jsonata-js's harness reports its own time limit as U1001; jsonata-core reports D1012.
const HARNESS_TIMEOUT_CODE: &str =
    "harness: an exceeded time limit is D1012 in jsonata-core, U1001 in the suite's harness";
/// A state's evaluation budget (`asl::budget`) caps sequences at what fits its memory:
/// about 800,000 items for AWS's 256 KiB payload limit, below jsonata-js's 10,000,000.
const BUDGET_SEQUENCE: &str = "budget: a sequence of 10,000,000 items exceeds the evaluation budget (D2015)";

/// Cases whose outcome here differs from jsonata-js, by `group/file` (plus `[index]` for a
/// file holding several cases), with the reason.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    ("coalescing-operator/case000", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case001", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case002", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case003", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case004", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case005", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case006", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case007", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case008", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case009", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case010", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case011", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case012", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case013", AWS_2_0_6_COALESCE),
    ("coalescing-operator/case014", AWS_2_0_6_COALESCE),
    ("default-operator/case000", AWS_2_0_6_DEFAULT),
    ("default-operator/case001", AWS_2_0_6_DEFAULT),
    ("default-operator/case002", AWS_2_0_6_DEFAULT),
    ("default-operator/case003", AWS_2_0_6_DEFAULT),
    ("default-operator/case004", AWS_2_0_6_DEFAULT),
    ("default-operator/case005", AWS_2_0_6_DEFAULT),
    ("default-operator/case006", AWS_2_0_6_DEFAULT),
    ("default-operator/case007", AWS_2_0_6_DEFAULT),
    ("default-operator/case008", AWS_2_0_6_DEFAULT),
    ("default-operator/case009", AWS_2_0_6_DEFAULT),
    ("default-operator/case010", AWS_2_0_6_DEFAULT),
    ("default-operator/case011", AWS_2_0_6_DEFAULT),
    ("default-operator/case012", AWS_2_0_6_DEFAULT),
    ("default-operator/case013", AWS_2_0_6_DEFAULT),
    ("default-operator/case014", AWS_2_0_6_DEFAULT),
    ("default-operator/case015", AWS_2_0_6_DEFAULT),
    ("default-operator/case016", AWS_2_0_6_DEFAULT),
    ("default-operator/case017", AWS_2_0_6_DEFAULT),
    ("default-operator/case018", AWS_2_0_6_DEFAULT),
    ("descendent-operator/case016", UNDEFINED_INPUT),
    ("encoding/case001", UNDEFINED_INPUT),
    ("encoding/case003", UNDEFINED_INPUT),
    ("function-encodeUrl/case002", LONE_SURROGATE),
    ("function-encodeUrlComponent/case002", LONE_SURROGATE),
    ("function-eval/case000", AWS_NO_EVAL),
    ("function-eval/case001", AWS_NO_EVAL),
    ("function-eval/case002", AWS_NO_EVAL),
    ("function-eval/case003", AWS_NO_EVAL),
    ("function-eval/case004", AWS_NO_EVAL),
    ("function-eval/case005", AWS_NO_EVAL),
    ("function-eval/case006", AWS_NO_EVAL),
    ("function-eval/case007", AWS_NO_EVAL),
    ("function-eval/case008[0]", AWS_NO_EVAL),
    ("function-eval/case008[1]", AWS_NO_EVAL),
    ("function-eval/case008[2]", AWS_NO_EVAL),
    ("function-eval/case008[3]", AWS_NO_EVAL),
    ("function-string/case022", UNDEFINED_INPUT),
    ("function-trim/case002", UNDEFINED_INPUT),
    ("tail-recursion/case002", HARNESS_DEPTH),
    ("tail-recursion/case006", HARNESS_TIMEOUT_CODE),
    ("transform/case022", UNDEFINED_INPUT),
    ("range-operator/case021", BUDGET_SEQUENCE),
    ("range-operator/case024", BUDGET_SEQUENCE),
];

/// One test case and where it came from.
struct Case {
    name: String,
    /// The case, or why its file is not JSON serde_json can read.
    spec: Result<serde_json::Map<String, Value>, String>,
    dir: PathBuf,
}

/// What evaluating a case gave.
type Outcome = Result<Option<Value>, JsonataError>;

#[test]
fn jsonata_test_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jsonata-test-suite");
    let datasets = load_datasets(&root.join("datasets"));
    let cases = load_cases(&root.join("groups"));
    let expected_differences: BTreeMap<&str, &str> = EXPECTED_DIFFERENCES.iter().copied().collect();

    let mut passed = 0;
    let mut differed = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let (verdict, outcome) = match &case.spec {
            Ok(spec) => {
                let outcome = run(case, spec, &datasets);
                (judge(spec, &outcome), describe(&outcome))
            }
            Err(why) => (Err(why.clone()), "not run".to_owned()),
        };
        match (verdict, expected_differences.contains_key(case.name.as_str())) {
            (Ok(()), false) => passed += 1,
            (Err(_), true) => differed += 1,
            (Ok(()), true) => failures.push(format!(
                "{}: passes, but is listed as an expected difference",
                case.name
            )),
            (Err(why), false) => failures.push(format!(
                "{}: {why}\n    expr: {}\n    got:  {}",
                case.name,
                case.spec
                    .as_ref()
                    .map(|spec| expression_text(case, spec))
                    .unwrap_or_default(),
                outcome
            )),
        }
    }
    for name in expected_differences.keys() {
        if !cases.iter().any(|case| case.name == *name) {
            failures.push(format!(
                "{name}: listed as an expected difference, but there is no such case"
            ));
        }
    }

    println!(
        "jsonata test suite: {passed} passed, {differed} expected differences, {} total",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} unexpected outcomes:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn load_datasets(dir: &Path) -> BTreeMap<String, Value> {
    let mut datasets = BTreeMap::new();
    for path in sorted_entries(dir) {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        datasets.insert(name, read_json(&path));
    }
    datasets
}

fn load_cases(groups: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for group in sorted_entries(groups) {
        let group_name = group
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        for file in sorted_entries(&group) {
            if file.extension().and_then(|s| s.to_str()) != Some("json") {
                continue;
            }
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            let name = format!("{group_name}/{stem}");
            match try_read_json(&file) {
                Ok(Value::Array(specs)) => {
                    for (index, spec) in specs.into_iter().enumerate() {
                        cases.push(case(format!("{name}[{index}]"), spec, &group));
                    }
                }
                Ok(spec) => cases.push(case(name, spec, &group)),
                Err(why) => cases.push(Case {
                    name,
                    spec: Err(format!("cannot be read: {why}")),
                    dir: group.clone(),
                }),
            }
        }
    }
    cases
}

fn case(name: String, spec: Value, dir: &Path) -> Case {
    let Value::Object(spec) = spec else {
        panic!("{name}: a test case must be an object");
    };
    Case {
        name,
        spec: Ok(spec),
        dir: dir.to_owned(),
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn read_json(path: &Path) -> Value {
    try_read_json(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn try_read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn expression_text(case: &Case, spec: &serde_json::Map<String, Value>) -> String {
    match (spec.get("expr"), spec.get("expr-file")) {
        (Some(Value::String(expr)), _) => expr.clone(),
        (_, Some(Value::String(file))) => {
            fs::read_to_string(case.dir.join(file)).unwrap_or_else(|e| panic!("{}: reading {file}: {e}", case.name))
        }
        _ => panic!("{}: no expr or expr-file", case.name),
    }
}

fn run(case: &Case, spec: &serde_json::Map<String, Value>, datasets: &BTreeMap<String, Value>) -> Outcome {
    let input = match (spec.get("data"), spec.get("dataset")) {
        (Some(data), _) => data.clone(),
        (None, Some(Value::String(name))) => datasets
            .get(name)
            .unwrap_or_else(|| panic!("{}: no dataset {name}", case.name))
            .clone(),
        _ => Value::Null,
    };
    let bindings: Vec<(&str, &Value)> = match spec.get("bindings") {
        Some(Value::Object(bindings)) => bindings.iter().map(|(name, value)| (name.as_str(), value)).collect(),
        _ => Vec::new(),
    };
    let mut expression = Expression::parse(&expression_text(case, spec))?;
    if let Some(limit) = spec.get("timelimit").and_then(Value::as_u64) {
        // Tripled: the limits were set for jsonata-js under node, and debug builds are slower.
        expression = expression.with_time_limit(Some(Duration::from_millis(limit * 3)));
    }
    let mut counter = 0u64;
    expression.evaluate(&input, &bindings, &mut || {
        counter += 1;
        counter.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    })
}

/// Whether `outcome` is what the case expects; `Err` says how it is not.
fn judge(spec: &serde_json::Map<String, Value>, outcome: &Outcome) -> Result<(), String> {
    if let Some(expected) = spec.get("result") {
        let unordered = spec.get("unordered") == Some(&Value::Bool(true));
        return match outcome {
            Ok(Some(actual)) if js_equal(actual, expected, unordered) => Ok(()),
            _ => Err(format!("expected {expected}")),
        };
    }
    if spec.get("undefinedResult") == Some(&Value::Bool(true)) {
        return match outcome {
            Ok(None) => Ok(()),
            _ => Err("expected undefined".to_owned()),
        };
    }
    let (code, message) = match (spec.get("code"), spec.get("error")) {
        (Some(Value::String(code)), _) => (code.as_str(), None),
        (_, Some(Value::Object(error))) => (
            error.get("code").and_then(Value::as_str).unwrap_or_default(),
            error.get("message").and_then(Value::as_str),
        ),
        _ => return Err("the case has no expected outcome".to_owned()),
    };
    match outcome {
        Err(error) if error.code() == Some(code) => match (message, error) {
            (Some(expected), JsonataError::Evaluation { message, .. } | JsonataError::Syntax { message, .. })
                if message != expected =>
            {
                Err(format!("expected error {code} with message {expected:?}"))
            }
            _ => Ok(()),
        },
        _ => Err(format!("expected error {code}")),
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Ok(Some(value)) => {
            let text = value.to_string();
            match text.char_indices().nth(300) {
                Some((cut, _)) => format!("{}...", &text[..cut]),
                None => text,
            }
        }
        Ok(None) => "undefined".to_owned(),
        Err(error) => format!("error {error:?}"),
    }
}

/// Deep equality with JavaScript numbers (all doubles); with `unordered`, the top-level
/// array is compared as a multiset.
fn js_equal(actual: &Value, expected: &Value, unordered: bool) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) if unordered => {
            let mut unmatched: Vec<&Value> = b.iter().collect();
            a.len() == b.len()
                && a.iter()
                    .all(|item| match unmatched.iter().position(|e| js_equal(item, e, false)) {
                        Some(at) => {
                            unmatched.swap_remove(at);
                            true
                        }
                        None => false,
                    })
        }
        (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| js_equal(x, y, false)),
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, x)| b.get(key).is_some_and(|y| js_equal(x, y, false)))
        }
        _ => actual == expected,
    }
}
