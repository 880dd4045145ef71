//! Jayway's path functions (`$.items.length()`, `$.prices.avg()`, `$..price.sum()`, ...).
//!
//! Each function receives the value the path selected (its "model") and its arguments.
//! The numeric functions compute in `double`, as Jayway does, so `sum()` of integers is
//! `10.0`; aggregations take the numbers of an array model plus every number among the
//! arguments (arrays among the arguments are flattened).

use super::ast::{Arg, Call, Function};
use super::eval::{java_text, Scope, Stop};
use super::PathError;
use serde_json::Value;

/// Applies `call` to `model`.
pub(super) fn invoke(call: &Call, model: &Value, scope: Scope<'_>) -> Result<Value, Stop> {
    match call.function {
        Function::Length => length(call, model, scope),
        Function::Sum | Function::Avg | Function::Min | Function::Max | Function::StdDev => {
            aggregate(call, model, scope)
        }
        Function::Concat => {
            let mut text = String::new();
            if let Value::Array(items) = model {
                for item in items {
                    if let Value::String(s) = item {
                        text.push_str(s);
                    }
                }
            }
            for arg in &call.args {
                match argument(arg, scope)? {
                    Value::Null => {}
                    value => text.push_str(&java_text(&value)),
                }
            }
            Ok(Value::String(text))
        }
        Function::Append => {
            scope.budget.charge_value(model).map_err(Stop::over)?;
            let mut result = model.clone();
            if let Value::Array(items) = &mut result {
                for arg in &call.args {
                    items.push(argument(arg, scope)?);
                }
            }
            Ok(result)
        }
        Function::Keys => Ok(match model {
            Value::Object(map) => Value::Array(map.keys().cloned().map(Value::String).collect()),
            _ => Value::Null,
        }),
        Function::First => element(call, model, Some(0)),
        Function::Last => element(call, model, Some(-1)),
        Function::Index => {
            let wanted = numbers(&call.args, scope)?
                .first()
                .map(|n| n.trunc())
                .filter(|n| (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(n))
                .map(|n| n as i64);
            element(call, model, wanted)
        }
        Function::Distinct => {
            let Value::Array(items) = model else {
                return Err(failure(call, "distinct() needs an array"));
            };
            let mut unique: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                // Quadratic, as Jayway's is: each comparison is a step of the budget.
                scope.budget.steps(unique.len()).map_err(Stop::over)?;
                if !unique.contains(item) {
                    unique.push(item.clone());
                }
            }
            Ok(Value::Array(unique))
        }
    }
}

fn failure(call: &Call, message: &str) -> Stop {
    Stop::Failed(PathError::Function {
        function: call.name.clone(),
        message: message.to_string(),
    })
}

/// The value of an argument: JSON as written, a path as evaluated against the document
/// (a path that finds nothing makes the call fail like the path would).
fn argument(arg: &Arg, scope: Scope<'_>) -> Result<Value, Stop> {
    match arg {
        Arg::Json(value) => Ok(value.clone()),
        Arg::Path(query) => match query.value(scope)? {
            Some(found) => scope.own(found),
            None => Err(Stop::Abort),
        },
    }
}

/// The numbers among the arguments, arrays flattened.
fn numbers(args: &[Arg], scope: Scope<'_>) -> Result<Vec<f64>, Stop> {
    let mut found = Vec::new();
    for arg in args {
        match argument(arg, scope)? {
            Value::Number(n) => found.extend(n.as_f64()),
            Value::Array(items) => {
                found.extend(items.iter().filter_map(Value::as_f64));
            }
            _ => {}
        }
    }
    Ok(found)
}

/// `length()`/`size()`: the number of elements or properties; with a path argument, the
/// number of children of what the path selects (evaluated against the model).
fn length(call: &Call, model: &Value, scope: Scope<'_>) -> Result<Value, Stop> {
    match call.args.first() {
        Some(Arg::Path(query)) => {
            let scope = scope.at(model, model);
            if let Some(found) = query.value(scope)? {
                if let Value::Array(items) = found.as_ref() {
                    return Ok(Value::from(items.len()));
                }
            }
        }
        Some(Arg::Json(_)) => return Err(failure(call, "the argument of length() must be a path")),
        None => {}
    }
    Ok(match model {
        Value::Array(items) => Value::from(items.len()),
        Value::Object(map) => Value::from(map.len()),
        _ => Value::Null,
    })
}

fn aggregate(call: &Call, model: &Value, scope: Scope<'_>) -> Result<Value, Stop> {
    let mut values: Vec<f64> = match model {
        Value::Array(items) => items.iter().filter_map(Value::as_f64).collect(),
        _ => Vec::new(),
    };
    values.extend(numbers(&call.args, scope)?);
    if values.is_empty() {
        return Err(failure(
            call,
            "Aggregation function attempted to calculate value using empty array",
        ));
    }
    let count = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let result = match call.function {
        Function::Sum => sum,
        Function::Avg => sum / count,
        Function::Min => values.iter().copied().fold(f64::MAX, f64::min),
        Function::Max => values.iter().copied().fold(-f64::MAX, f64::max),
        _ => {
            let sum_of_squares: f64 = values.iter().map(|v| v * v).sum();
            (sum_of_squares / count - sum * sum / count / count).sqrt()
        }
    };
    Ok(Value::from(result))
}

/// `first()`, `last()`, `index(n)`: one element of an array model, negative positions
/// counting from the end.
fn element(call: &Call, model: &Value, position: Option<i64>) -> Result<Value, Stop> {
    let Value::Array(items) = model else {
        return Err(failure(call, "the function needs an array"));
    };
    let Some(position) = position else {
        return Err(failure(call, "index() needs a number argument"));
    };
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let effective = if position < 0 { len + position } else { position };
    usize::try_from(effective)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| failure(call, "the index is out of bounds"))
}
