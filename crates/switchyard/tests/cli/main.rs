//! Acceptance tests for the `switchyard` CLI, written as tables from the AWS Step Functions
//! documentation: each table cites the page its rows come from. They drive the built binary
//! only (`switchyard run` / `switchyard validate`), never the library crates.
//!
//! Tests in `known_gaps` pin today's behaviour where it differs from AWS's; each carries a
//! `FIXME(aws)` saying what AWS does.

mod bench;
mod choice;
mod context;
mod errors;
mod history;
mod intrinsics;
mod known_gaps;
mod map_parallel;
mod mock;
mod paths;
mod states;
mod support;
mod test_command;
mod usage;
mod validate;
mod variables;

use serde_json::Value;

/// One row of an output table: a name, a definition, an input and the expected output.
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) definition: Value,
    pub(crate) input: Value,
    pub(crate) expected: Value,
}

pub(crate) fn row(name: &'static str, definition: Value, input: Value, expected: Value) -> Row {
    Row {
        name,
        definition,
        input,
        expected,
    }
}

/// Run every row and compare its output; report every mismatching row at once.
pub(crate) fn check_outputs(rows: Vec<Row>) {
    let mut failures = Vec::new();
    for row in rows {
        let outcome = support::machine(row.definition).input(row.input).run();
        if outcome.status() != "SUCCEEDED" || outcome.code != Some(0) {
            failures.push(format!(
                "{}: expected SUCCEEDED, got {} (exit {:?}): {}",
                row.name,
                support::clip(outcome.stdout.trim()),
                outcome.code,
                outcome.stderr.trim()
            ));
        } else if outcome.json["output"] != row.expected {
            failures.push(format!(
                "{}: expected output {}, got {}",
                row.name, row.expected, outcome.json["output"]
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

/// One row of a failure table: the expected error name and a text the cause must contain.
pub(crate) struct FailRow {
    pub(crate) name: &'static str,
    pub(crate) definition: Value,
    pub(crate) input: Value,
    pub(crate) error: &'static str,
    pub(crate) cause_contains: Option<&'static str>,
}

pub(crate) fn fail_row(
    name: &'static str,
    definition: Value,
    input: Value,
    error: &'static str,
    cause_contains: Option<&'static str>,
) -> FailRow {
    FailRow {
        name,
        definition,
        input,
        error,
        cause_contains,
    }
}

pub(crate) fn check_failures(rows: Vec<FailRow>) {
    let mut failures = Vec::new();
    for row in rows {
        let outcome = support::machine(row.definition).input(row.input).run();
        if outcome.json["status"] != "FAILED" || outcome.code != Some(1) {
            failures.push(format!(
                "{}: expected FAILED {}, got {} (exit {:?}): {}",
                row.name,
                row.error,
                support::clip(outcome.stdout.trim()),
                outcome.code,
                outcome.stderr.trim()
            ));
            continue;
        }
        let (error, cause) = outcome.failure();
        if error != row.error {
            failures.push(format!(
                "{}: expected error {}, got {error} ({cause:?})",
                row.name, row.error
            ));
        }
        if let Some(text) = row.cause_contains {
            if !cause.as_deref().unwrap_or_default().contains(text) {
                failures.push(format!("{}: cause {cause:?} lacks {text:?}", row.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
