//! Compares `asl::path` with recorded Jayway JsonPath results.
//!
//! Usage: `cargo run -p asl --example jsonpath_compare -- <jayway_results.json>`
//!
//! The file holds `{"queries": [{"id", "selector", "document", "jayway_result"}, ...]}`,
//! where `jayway_result` is Jayway's value, `"NOT_FOUND"` (PathNotFoundException) or
//! `"NOT_SUPPORTED"` (a syntax error). The data is kept outside this repository (it is
//! GPL-licensed), so this program reads it from a path given on the command line. It prints
//! every disagreement and a summary line, and exits 0 either way: it is a report, not a
//! test.
//!
//! Results of queries whose order is not specified were recorded sorted, so arrays that
//! hold the same elements in another order count as agreeing; numbers compare by value
//! (Jayway's `sum()` is the double `10.0`, recorded as `10`).

use asl::path::{Path, PathError};
use serde_json::Value;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(file) = std::env::args().nth(1) else {
        eprintln!("usage: jsonpath_compare <jayway_results.json>");
        return ExitCode::SUCCESS;
    };
    let data: Value = match std::fs::read_to_string(&file)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(data) => data,
        Err(error) => {
            eprintln!("cannot read {file}: {error}");
            return ExitCode::SUCCESS;
        }
    };
    let queries = data
        .get("queries")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (mut agree, mut differ, mut skipped) = (0, 0, 0);
    for query in &queries {
        let id = query.get("id").and_then(Value::as_str).unwrap_or("?");
        let selector = query.get("selector").and_then(Value::as_str).unwrap_or("");
        let document = query.get("document").cloned().unwrap_or(Value::Null);
        let Some(expected) = query.get("jayway_result") else {
            skipped += 1;
            continue;
        };
        let actual = run(selector, &document);
        if same(expected, &actual) || same_elements(expected, &actual) {
            agree += 1;
        } else {
            differ += 1;
            println!("DIFFER {id}: {selector}");
            println!("    jayway: {expected}");
            println!("    ours:   {actual}");
        }
    }
    println!("jsonpath vs Jayway: {agree} agree, {differ} differ ({skipped} without a Jayway result skipped)");
    ExitCode::SUCCESS
}

/// Our answer in the file's vocabulary.
fn run(selector: &str, document: &Value) -> Value {
    match Path::parse(selector) {
        Err(_) => Value::String("NOT_SUPPORTED".into()),
        Ok(path) => match path.select(document) {
            Ok(value) => value,
            Err(PathError::NotFound { .. }) => Value::String("NOT_FOUND".into()),
            Err(other) => Value::String(format!("ERROR: {other}")),
        },
    }
}

/// JSON equality with numbers compared by value and objects regardless of key order.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// Two arrays with the same elements in some order.
fn same_elements(a: &Value, b: &Value) -> bool {
    let (Value::Array(x), Value::Array(y)) = (a, b) else {
        return false;
    };
    if x.len() != y.len() {
        return false;
    }
    let mut unused: Vec<&Value> = y.iter().collect();
    x.iter()
        .all(|item| match unused.iter().position(|other| same(item, other)) {
            Some(i) => {
                unused.swap_remove(i);
                true
            }
            None => false,
        })
}
