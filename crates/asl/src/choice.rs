//! Choice rules: the comparison operators, `And`/`Or`/`Not`, and their evaluation.
//!
//! Semantics follow the ASL specification ("Choice Rules") and the Developer Guide page
//! "Choice workflow state": a comparison whose variable is missing or of another type is
//! simply false, except `IsPresent`, which exists to test exactly that.

use serde_json::Value;

use crate::errors::Failure;
use crate::path::ReferencePath;
use crate::template::{lookup, Scope, Template};

/// A Choice rule as written in `Choices` (or nested in `And`/`Or`/`Not`).
#[derive(Debug)]
pub enum ChoiceRule {
    And(Vec<ChoiceRule>),
    Or(Vec<ChoiceRule>),
    Not(Box<ChoiceRule>),
    Compare {
        variable: ReferencePath,
        test: Test,
    },
    /// `Condition` of a JSONata Choice rule.
    Condition(Template),
}

/// The right-hand side of a comparison: a literal or a `...Path` operand.
#[derive(Debug)]
pub enum Operand<T> {
    Literal(T),
    Path(ReferencePath),
}

/// One comparison operator with its operand.
#[derive(Debug)]
pub enum Test {
    StringEquals(Operand<String>),
    StringLessThan(Operand<String>),
    StringGreaterThan(Operand<String>),
    StringLessThanEquals(Operand<String>),
    StringGreaterThanEquals(Operand<String>),
    StringMatches(String),
    NumericEquals(Operand<f64>),
    NumericLessThan(Operand<f64>),
    NumericGreaterThan(Operand<f64>),
    NumericLessThanEquals(Operand<f64>),
    NumericGreaterThanEquals(Operand<f64>),
    BooleanEquals(Operand<bool>),
    TimestampEquals(Operand<String>),
    TimestampLessThan(Operand<String>),
    TimestampGreaterThan(Operand<String>),
    TimestampLessThanEquals(Operand<String>),
    TimestampGreaterThanEquals(Operand<String>),
    IsNull(bool),
    IsPresent(bool),
    IsNumeric(bool),
    IsString(bool),
    IsBoolean(bool),
    IsTimestamp(bool),
}

/// The comparison operators' names, for parsing and validation.
pub const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringEqualsPath",
    "StringLessThan",
    "StringLessThanPath",
    "StringGreaterThan",
    "StringGreaterThanPath",
    "StringLessThanEquals",
    "StringLessThanEqualsPath",
    "StringGreaterThanEquals",
    "StringGreaterThanEqualsPath",
    "StringMatches",
    "NumericEquals",
    "NumericEqualsPath",
    "NumericLessThan",
    "NumericLessThanPath",
    "NumericGreaterThan",
    "NumericGreaterThanPath",
    "NumericLessThanEquals",
    "NumericLessThanEqualsPath",
    "NumericGreaterThanEquals",
    "NumericGreaterThanEqualsPath",
    "BooleanEquals",
    "BooleanEqualsPath",
    "TimestampEquals",
    "TimestampEqualsPath",
    "TimestampLessThan",
    "TimestampLessThanPath",
    "TimestampGreaterThan",
    "TimestampGreaterThanPath",
    "TimestampLessThanEquals",
    "TimestampLessThanEqualsPath",
    "TimestampGreaterThanEquals",
    "TimestampGreaterThanEqualsPath",
    "IsNull",
    "IsPresent",
    "IsNumeric",
    "IsString",
    "IsBoolean",
    "IsTimestamp",
];

impl ChoiceRule {
    /// Whether the rule matches.
    pub fn evaluate(&self, scope: &dyn Scope) -> Result<bool, Failure> {
        match self {
            ChoiceRule::And(rules) => {
                for rule in rules {
                    if !rule.evaluate(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ChoiceRule::Or(rules) => {
                for rule in rules {
                    if rule.evaluate(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            ChoiceRule::Not(rule) => Ok(!rule.evaluate(scope)?),
            ChoiceRule::Compare { variable, test } => {
                let value = lookup(scope, variable);
                test.evaluate(value.as_ref(), scope)
            }
            ChoiceRule::Condition(template) => match template.evaluate(scope)? {
                Value::Bool(b) => Ok(b),
                other => Err(Failure::new(
                    crate::errors::names::QUERY_EVALUATION_ERROR,
                    format!("The Condition field evaluated to a non-boolean value: {other}"),
                )),
            },
        }
    }
}

impl Test {
    fn evaluate(&self, value: Option<&Value>, scope: &dyn Scope) -> Result<bool, Failure> {
        if let Test::IsPresent(expected) = self {
            return Ok(value.is_some() == *expected);
        }
        let Some(value) = value else {
            return Err(Failure::runtime(
                "Invalid path: The choice state's condition path references an invalid value.",
            ));
        };
        Ok(match self {
            Test::StringEquals(op) => string_cmp(value, op, scope)?.is_some_and(|o| o.is_eq()),
            Test::StringLessThan(op) => string_cmp(value, op, scope)?.is_some_and(|o| o.is_lt()),
            Test::StringGreaterThan(op) => string_cmp(value, op, scope)?.is_some_and(|o| o.is_gt()),
            Test::StringLessThanEquals(op) => string_cmp(value, op, scope)?.is_some_and(|o| o.is_le()),
            Test::StringGreaterThanEquals(op) => string_cmp(value, op, scope)?.is_some_and(|o| o.is_ge()),
            Test::StringMatches(pattern) => value.as_str().is_some_and(|s| string_matches(s, pattern)),
            Test::NumericEquals(op) => numeric_cmp(value, op, scope)?.is_some_and(|o| o.is_eq()),
            Test::NumericLessThan(op) => numeric_cmp(value, op, scope)?.is_some_and(|o| o.is_lt()),
            Test::NumericGreaterThan(op) => numeric_cmp(value, op, scope)?.is_some_and(|o| o.is_gt()),
            Test::NumericLessThanEquals(op) => numeric_cmp(value, op, scope)?.is_some_and(|o| o.is_le()),
            Test::NumericGreaterThanEquals(op) => numeric_cmp(value, op, scope)?.is_some_and(|o| o.is_ge()),
            Test::BooleanEquals(op) => {
                let rhs = operand(op, scope, Value::as_bool)?;
                matches!((value.as_bool(), rhs), (Some(a), Some(b)) if a == b)
            }
            Test::TimestampEquals(op) => timestamp_cmp(value, op, scope)?.is_some_and(|o| o.is_eq()),
            Test::TimestampLessThan(op) => timestamp_cmp(value, op, scope)?.is_some_and(|o| o.is_lt()),
            Test::TimestampGreaterThan(op) => timestamp_cmp(value, op, scope)?.is_some_and(|o| o.is_gt()),
            Test::TimestampLessThanEquals(op) => timestamp_cmp(value, op, scope)?.is_some_and(|o| o.is_le()),
            Test::TimestampGreaterThanEquals(op) => timestamp_cmp(value, op, scope)?.is_some_and(|o| o.is_ge()),
            Test::IsNull(expected) => value.is_null() == *expected,
            Test::IsNumeric(expected) => value.is_number() == *expected,
            Test::IsString(expected) => value.is_string() == *expected,
            Test::IsBoolean(expected) => value.is_boolean() == *expected,
            Test::IsTimestamp(expected) => value.as_str().is_some_and(|s| parse_timestamp(s).is_some()) == *expected,
            Test::IsPresent(_) => unreachable!("handled above"),
        })
    }
}

/// Resolve an operand to `T`; `Ok(None)` when a `...Path` operand has another type.
fn operand<T: Clone>(
    op: &Operand<T>,
    scope: &dyn Scope,
    convert: impl Fn(&Value) -> Option<T>,
) -> Result<Option<T>, Failure> {
    match op {
        Operand::Literal(v) => Ok(Some(v.clone())),
        Operand::Path(path) => {
            let value = lookup(scope, path).ok_or_else(|| {
                Failure::runtime(format!(
                    "Invalid path '{}': The choice state's condition path references an invalid value.",
                    path.as_str()
                ))
            })?;
            Ok(convert(&value))
        }
    }
}

fn string_cmp(value: &Value, op: &Operand<String>, scope: &dyn Scope) -> Result<Option<std::cmp::Ordering>, Failure> {
    let rhs = operand(op, scope, |v| v.as_str().map(str::to_owned))?;
    Ok(match (value.as_str(), rhs) {
        (Some(a), Some(b)) => Some(a.cmp(b.as_str())),
        _ => None,
    })
}

fn numeric_cmp(value: &Value, op: &Operand<f64>, scope: &dyn Scope) -> Result<Option<std::cmp::Ordering>, Failure> {
    let rhs = operand(op, scope, Value::as_f64)?;
    Ok(match (value.as_f64(), rhs) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => None,
    })
}

fn timestamp_cmp(
    value: &Value,
    op: &Operand<String>,
    scope: &dyn Scope,
) -> Result<Option<std::cmp::Ordering>, Failure> {
    let rhs = operand(op, scope, |v| v.as_str().map(str::to_owned))?;
    Ok(
        match (
            value.as_str().and_then(parse_timestamp),
            rhs.as_deref().and_then(parse_timestamp),
        ) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        },
    )
}

/// Parse an RFC 3339 timestamp as Step Functions accepts it (an offset or `Z` is required).
pub fn parse_timestamp(text: &str) -> Option<jiff::Timestamp> {
    // jiff accepts a space in place of `T` and lower-case designators; AWS does not.
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes.get(10) != Some(&b'T') {
        return None;
    }
    text.parse::<jiff::Timestamp>().ok()
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub fn string_matches(text: &str, pattern: &str) -> bool {
    #[derive(PartialEq)]
    enum Piece {
        Char(char),
        Star,
    }
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => pieces.push(Piece::Char(chars.next().unwrap_or('\\'))),
            '*' => pieces.push(Piece::Star),
            c => pieces.push(Piece::Char(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Greedy matching with backtracking to the last star: linear in practice.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pieces.get(p) {
            Some(Piece::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Piece::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pieces[p..].iter().all(|piece| *piece == Piece::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Examples from the Developer Guide, "Choice workflow state" (StringMatches):
    // "log-*.txt" matches "log-2024.txt"; "*" matches anything; escaped "\*" is literal.
    #[test]
    fn string_matches_wildcards_and_escapes() {
        let cases = [
            ("log-*.txt", "log-2024.txt", true),
            ("log-*.txt", "log-.txt", true),
            ("log-*.txt", "log-2024.csv", false),
            ("*", "", true),
            ("*", "anything", true),
            ("a*b*c", "a-b-c", true),
            ("a*b*c", "a-c-b", false),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("a\\\\b", "a\\b", true),
            ("", "", true),
            ("", "x", false),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(string_matches(text, pattern), expected, "{pattern} ~ {text}");
        }
    }

    // Timestamps must be RFC 3339 with a `T` and an offset (ASL spec, "Timestamps").
    #[test]
    fn timestamps_need_rfc3339_form() {
        assert!(parse_timestamp("2016-03-14T01:59:00Z").is_some());
        assert!(parse_timestamp("2016-03-14T01:59:00.123+02:00").is_some());
        assert!(parse_timestamp("2016-03-14 01:59:00Z").is_none());
        assert!(parse_timestamp("2016-03-14T01:59:00").is_none());
        assert!(parse_timestamp("2016-13-14T01:59:00Z").is_none());
    }
}
