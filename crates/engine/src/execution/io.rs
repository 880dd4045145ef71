//! A state's input and output processing: `InputPath` → `Parameters` → (the state's work) →
//! `ResultSelector` → `ResultPath` → `OutputPath` in JSONPath states, `Arguments` →
//! `Output` in JSONata states, and `Assign`. The state modules call these in that order;
//! TestState's probe sees each intermediate value.

use std::borrow::Cow;

use asl::definition::{Dynamic, QueryLanguage, ResultPath, State, Text};
use asl::errors::{names, Failure};
use asl::template::{select, Scope, Template};
use serde_json::{Map as JsonMap, Value};

use super::frame::{json_len, Frame};
use super::run::Run;
use super::test_state::Seen;
use super::{Assigned, Entered};

impl<'a> Run<'a> {
    /// Apply `InputPath` to the state's input (borrowed when there is none: no copy).
    pub(super) fn effective_input<'c>(&self, cx: &'c Entered<'_>) -> Result<Cow<'c, Value>, Failure> {
        match &cx.state.input_path {
            None => Ok(Cow::Borrowed(&cx.raw_input)),
            Some(None) => Ok(Cow::Owned(Value::Object(JsonMap::new()))),
            Some(Some(path)) => self
                .select_io_path(path, &cx.raw_input, cx.state, cx.frame)
                .map(Cow::Owned),
        }
    }

    /// `InputPath` / `OutputPath` selection with AWS's error text. The path may start at
    /// the Context object (`$$`) or a variable, so it is selected through a scope.
    pub(super) fn select_io_path(
        &self,
        path: &asl::path::Path,
        value: &Value,
        state: &State,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        let scope = self.scope(frame, value, state, self.now(), None);
        select(&scope, path).map_err(|error| {
            asl::template::limit_failure(&error, path, None).unwrap_or_else(|| {
                Failure::runtime(format!(
                    "Invalid path '{}' : No results for path: {}",
                    path.as_str(),
                    path.normalized()
                ))
            })
        })
    }

    /// The end of a state that produced a result (Pass, Task, Parallel, Map): `Assign`,
    /// then `ResultPath` and `OutputPath`, or JSONata's `Output`. `result` has been through
    /// `ResultSelector` already.
    pub(super) fn complete(
        &self,
        cx: Entered<'_>,
        result: Value,
        result_path: &ResultPath,
    ) -> Result<(Assigned, Value), Failure> {
        let locator = cx.locator();
        let state = cx.state;
        self.observe(state, Seen::AfterResultSelector(&result));
        let assigned = {
            let scope = self.result_scope(cx.frame, &cx.raw_input, &result, state, cx.entered_ms);
            self.assign(state.assign.as_ref(), &scope).map_err(|f| locator.at(f))?
        };
        let output = match state.query_language {
            QueryLanguage::JsonPath => {
                let merged = apply_result_path(cx.raw_input, result, result_path).map_err(|f| locator.at(f))?;
                self.observe(state, Seen::AfterResultPath(&merged));
                self.apply_output_path(state, merged, cx.frame)
            }
            QueryLanguage::Jsonata => self.finish_output(state, cx.raw_input, result, result_path, cx.frame),
        };
        Ok((assigned, output.map_err(|f| locator.at(f))?))
    }

    /// Apply `ResultPath` then `OutputPath`.
    pub(super) fn finish_output(
        &self,
        state: &State,
        raw_input: Value,
        result: Value,
        result_path: &ResultPath,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        if state.query_language == QueryLanguage::Jsonata {
            // JSONata states shape their output with `Output` alone; without it a state
            // passes on its result, or its input when it has no result.
            let discard = matches!(result_path, ResultPath::Discard);
            return match &state.output {
                Some(template) => {
                    let scope = self.scope(frame, &raw_input, state, self.now(), None);
                    let scope = if discard { scope } else { scope.with_result(&result) };
                    template.evaluate(&scope)
                }
                None if discard => Ok(raw_input),
                None => Ok(result),
            };
        }
        let merged = apply_result_path(raw_input, result, result_path)?;
        self.apply_output_path(state, merged, frame)
    }

    /// Apply `OutputPath` (JSONPath states).
    pub(super) fn apply_output_path(&self, state: &State, merged: Value, frame: &Frame) -> Result<Value, Failure> {
        match &state.output_path {
            None => Ok(merged),
            Some(None) => Ok(Value::Object(JsonMap::new())),
            Some(Some(path)) => self.select_io_path(path, &merged, state, frame),
        }
    }

    /// Evaluate `Assign`. The values are stored only once the state's output is computed
    /// (by `run_state`): every expression of a state sees the variables from before it.
    pub(super) fn assign(
        &self,
        template: Option<&Template>,
        scope: &dyn Scope,
    ) -> Result<Option<Vec<(String, Value)>>, Failure> {
        let Some(template) = template else {
            return Ok(None);
        };
        let Value::Object(values) = template.evaluate(scope)? else {
            return Err(Failure::runtime("Assign must be an object"));
        };
        Ok(Some(values.into_iter().collect()))
    }

    pub(super) fn text(&self, text: Option<&Text>, scope: &dyn Scope, field: &str) -> Result<Option<String>, Failure> {
        let Some(text) = text else { return Ok(None) };
        let value = match text {
            Text::Literal(s) => return Ok(Some(s.clone())),
            Text::Path(path) => select(scope, path).map_err(|error| {
                asl::template::limit_failure(&error, path, Some(field)).unwrap_or_else(|| {
                    Failure::runtime(format!(
                        "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                        path.as_str(),
                        field,
                        scope.input()
                    ))
                })
            })?,
            Text::Intrinsic(call) => asl::template::call(call, scope)?,
            Text::Expression(t) => t.evaluate(scope)?,
        };
        Ok(Some(match value {
            Value::String(s) => s,
            other => other.to_string(),
        }))
    }
}

/// The value at a reference path (`SecondsPath`, `TimestampPath`, `ItemsPath`), or AWS's
/// "Invalid path" failure when it selects nothing.
pub(super) fn lookup(scope: &dyn Scope, path: &asl::path::ReferencePath) -> Result<Value, Failure> {
    asl::template::lookup(scope, path).ok_or_else(|| {
        Failure::runtime(format!(
            "Invalid path '{}' : No results for path: {}",
            path.as_str(),
            path.as_str()
        ))
    })
}

/// Resolve `TimeoutSeconds`/`HeartbeatSeconds` and their `...Path` and JSONata forms.
pub(super) fn dynamic_seconds(
    value: Option<&Dynamic<u64>>,
    scope: &dyn Scope,
    field: &str,
) -> Result<Option<u64>, Failure> {
    let resolved = match value {
        None => return Ok(None),
        Some(Dynamic::Literal(n)) => return Ok(Some(*n)),
        Some(Dynamic::Path(path)) => asl::template::lookup(scope, path),
        Some(Dynamic::Expression(t)) => Some(t.evaluate(scope)?),
    };
    match resolved.as_ref().and_then(Value::as_u64) {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(Failure::runtime(format!(
            "The {field} field refers to value {} which is not a positive integer",
            resolved.map(|v| v.to_string()).unwrap_or_else(|| "null".into())
        ))),
    }
}

/// Whether `value` serialises to more than `limit` bytes: a quick upper bound first, and the
/// exact count ([`json_len`], no text built) only when the bound is over the limit.
pub(super) fn exceeds(value: &Value, limit: usize) -> bool {
    fn size(value: &Value, budget: &mut isize) {
        if *budget < 0 {
            return;
        }
        match value {
            Value::Null => *budget -= 4,
            Value::Bool(b) => *budget -= if *b { 4 } else { 5 },
            Value::Number(n) => *budget -= if n.is_f64() { 24 } else { 20 },
            Value::String(s) => *budget -= s.len() as isize + 2,
            Value::Array(items) => {
                *budget -= 2 + items.len() as isize;
                items.iter().for_each(|v| size(v, budget));
            }
            Value::Object(map) => {
                *budget -= 2 + map.len() as isize * 2;
                for (k, v) in map {
                    *budget -= k.len() as isize + 2;
                    size(v, budget);
                }
            }
        }
    }
    let mut budget = limit as isize;
    size(value, &mut budget);
    budget < 0 && json_len(value) > limit
}

/// Place a result into the raw input according to `ResultPath`.
pub(super) fn apply_result_path(raw_input: Value, result: Value, result_path: &ResultPath) -> Result<Value, Failure> {
    match result_path {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw_input),
        ResultPath::At(path) => {
            let mut target = raw_input;
            path.set(&mut target, result).map_err(|_| {
                Failure::new(
                    names::RESULT_PATH_MATCH_FAILURE,
                    format!(
                        "Unable to apply ResultPath \"{}\" to input \"{}\"",
                        path.as_str(),
                        target
                    ),
                )
            })?;
            Ok(target)
        }
    }
}

/// The failure of a state whose output is over the payload limit.
pub(super) fn too_large(state: &State) -> Failure {
    Failure::new(
        names::DATA_LIMIT_EXCEEDED,
        format!(
            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
            state.name
        ),
    )
}

/// JSON's name for a value's type, as AWS words it in error causes.
pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
