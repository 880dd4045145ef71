//! Payload templates: `Parameters`, `ItemSelector`, `ResultSelector` and `Assign`.
//!
//! A template is the JSON of such a field compiled once: keys ending in `.$` become
//! path or intrinsic-function lookups, everything else stays literal. Evaluating it against
//! a [`Scope`] builds the new payload, under one [`Budget`] sized from the scope's payload
//! limit for the whole template.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::budget::{Budget, OverBudget, DEFAULT_MAX_PAYLOAD_BYTES};
use crate::errors::{names, Failure};
use crate::intrinsics::{Intrinsic, IntrinsicEnv, ResolveError};
use crate::jsonata::{Expression, JsonataError, States};
use crate::path::{Path, PathError, ReferencePath, Root};

/// What a template or path can read while a state runs.
///
/// The engine implements this; the core never builds the Context object itself, so an
/// implementation can build it lazily, only when a `$$` path asks for it.
pub trait Scope {
    /// The state's effective input (after `InputPath`), or whatever `$` stands for here.
    fn input(&self) -> &Value;
    /// The Context object (`$$`).
    fn context(&self) -> &Value;
    /// A workflow variable (`$name`), if it is set. Owned, because variables live in the
    /// engine's frames, which change as states assign them.
    fn variable(&self, name: &str) -> Option<Value>;
    /// `$states.result` of a JSONata expression, where the field has one.
    fn result(&self) -> Option<&Value>;
    /// `$states.errorOutput` of a JSONata expression, in a Catch.
    fn error_output(&self) -> Option<&Value>;
    /// Randomness for `States.MathRandom` and `States.UUID`.
    fn random_u64(&self) -> u64;
    /// The largest payload a state may produce (AWS: 256 KiB). Each evaluation runs under
    /// the [`Budget`] of this limit.
    fn max_payload_bytes(&self) -> usize {
        DEFAULT_MAX_PAYLOAD_BYTES
    }
}

/// The budget of one evaluation in `scope`.
pub fn budget(scope: &dyn Scope) -> Budget {
    Budget::for_payload(scope.max_payload_bytes())
}

/// The value a path's root refers to, or `None` for an unset variable.
pub fn root_value<'a>(scope: &'a dyn Scope, root: &Root) -> Option<Cow<'a, Value>> {
    match root {
        Root::Input => Some(Cow::Borrowed(scope.input())),
        Root::Context => Some(Cow::Borrowed(scope.context())),
        Root::Variable(name) => scope.variable(name).map(Cow::Owned),
    }
}

/// Select a path against the scope, under the scope's budget.
pub fn select(scope: &dyn Scope, path: &Path) -> Result<Value, PathError> {
    select_within(scope, path, &budget(scope))
}

fn select_within(scope: &dyn Scope, path: &Path, budget: &Budget) -> Result<Value, PathError> {
    match root_value(scope, path.root()) {
        Some(value) => path.select_within(&value, budget),
        None => Err(PathError::NotFound {
            path: path.as_str().to_owned(),
            normalized: path.normalized(),
        }),
    }
}

/// The failure of a state whose selection of `path` ran out of budget
/// (`States.DataLimitExceeded`), if `error` says so. Callers that word a missing path their
/// own way (`InputPath`, `OutputPath`) use this for the one error that is not a missing path.
/// `field` names where the path stands, when it stands for a payload field.
pub fn limit_failure(error: &PathError, path: &Path, field: Option<&str>) -> Option<Failure> {
    match error {
        PathError::OverBudget(over) => Some(over_budget(&format!("The JSONPath '{path}'"), field, *over)),
        _ => None,
    }
}

/// The value at a reference path, if there is one.
pub fn lookup(scope: &dyn Scope, path: &ReferencePath) -> Option<Value> {
    root_value(scope, path.root()).and_then(|root| path.get(&root).cloned())
}

/// A compiled payload template.
#[derive(Debug)]
pub enum Template {
    /// A value with nothing to evaluate.
    Literal(Value),
    /// An object with at least one dynamic member, in definition order; keys are stored
    /// without their `.$` suffix.
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
    /// `"key.$": "$.path"`: `field` is the key as written, for error messages.
    Path {
        field: String,
        path: Path,
    },
    /// `"key.$": "States.Format(...)"`.
    Intrinsic {
        field: String,
        call: Intrinsic,
    },
    /// A JSONata expression `{% ... %}` in a JSONata state; `field` is where it stands in
    /// the state (`Output/result`), as AWS names it in errors.
    Jsonata {
        field: String,
        expression: Box<Expression>,
    },
}

impl Template {
    /// Whether evaluating the template needs no scope at all.
    pub fn is_literal(&self) -> bool {
        matches!(self, Template::Literal(_))
    }

    /// Build the payload, under the budget of the scope's payload limit: a field that
    /// would need more fails with `States.DataLimitExceeded` (JSONPath, intrinsic
    /// functions) or `States.QueryEvaluationError` (JSONata) instead of growing.
    pub fn evaluate(&self, scope: &dyn Scope) -> Result<Value, Failure> {
        self.evaluate_within(scope, &budget(scope))
    }

    fn evaluate_within(&self, scope: &dyn Scope, budget: &Budget) -> Result<Value, Failure> {
        match self {
            Template::Literal(value) => Ok(value.clone()),
            Template::Object(members) => {
                let mut map = Map::with_capacity(members.len());
                for (key, template) in members {
                    map.insert(key.clone(), template.evaluate_within(scope, budget)?);
                }
                Ok(Value::Object(map))
            }
            Template::Array(items) => items
                .iter()
                .map(|t| t.evaluate_within(scope, budget))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Template::Path { field, path } => select_within(scope, path, budget).map_err(|error| match error {
                PathError::OverBudget(over) => over_budget(&format!("The JSONPath '{path}'"), Some(field), over),
                _ => Failure::runtime(format!(
                    "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                    path.as_str(),
                    field,
                    scope.input()
                )),
            }),
            Template::Intrinsic { call: c, .. } => call_within(c, scope, budget),
            Template::Jsonata { field, expression } => evaluate_jsonata(expression, field, scope, budget),
        }
    }
}

/// `States.DataLimitExceeded` for a field (or a path) whose evaluation ran out of budget.
fn over_budget(what: &str, field: Option<&str>, over: OverBudget) -> Failure {
    let place = field
        .map(|field| format!(" specified for the field '{field}'"))
        .unwrap_or_default();
    Failure::new(
        names::DATA_LIMIT_EXCEEDED,
        format!("{what}{place} exceeded the evaluation limit ({over}); the limit grows with the payload size limit."),
    )
}

/// Evaluate a JSONata expression with `$states` and the workflow variables bound, mapping
/// its failures to `States.QueryEvaluationError` with AWS's cause texts.
fn evaluate_jsonata(
    expression: &Expression,
    field: &str,
    scope: &dyn Scope,
    budget: &Budget,
) -> Result<Value, Failure> {
    // Only what the expression names is looked up and converted: `$states` members the
    // expression does not read are never built, and an execution may hold many variables.
    let context = || scope.context();
    let states = States {
        input: scope.input(),
        context: &context,
        result: scope.result(),
        error_output: scope.error_output(),
    };
    let failure = |cause: String| Failure {
        error: crate::errors::names::QUERY_EVALUATION_ERROR.to_owned(),
        cause: Some(cause),
        location: Some(field.to_owned()),
        origin: None,
    };
    let text = expression.as_str();
    match expression.evaluate_in_state(
        &states,
        &|name| scope.variable(name),
        &mut || scope.random_u64(),
        budget,
    ) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(failure(format!(
            "The JSONata expression '{text}' specified for the field '{field}' returned nothing (undefined)."
        ))),
        Err(JsonataError::UnsupportedResult(_)) => Err(failure(format!(
            "The JSONata expression '{text}' specified for the field '{field}' returned an unsupported result type."
        ))),
        Err(e) => Err(failure(format!(
            "The JSONata expression '{text}' specified for the field '{field}' threw an error during evaluation. {e}"
        ))),
    }
}

/// Evaluate an intrinsic function call in a scope, under the scope's budget.
pub fn call(call: &Intrinsic, scope: &dyn Scope) -> Result<Value, Failure> {
    call_within(call, scope, &budget(scope))
}

fn call_within(call: &Intrinsic, scope: &dyn Scope, budget: &Budget) -> Result<Value, Failure> {
    call.evaluate_within(&mut ScopeEnv { scope, budget }, budget)
        .map_err(|e| Failure::new(e.error_name(), e.to_string()))
}

/// Adapts a [`Scope`] to what intrinsic functions need; path arguments are selected under
/// the call's budget.
struct ScopeEnv<'a> {
    scope: &'a dyn Scope,
    budget: &'a Budget,
}

impl IntrinsicEnv for ScopeEnv<'_> {
    fn resolve_path(&mut self, text: &str) -> Result<Value, ResolveError> {
        let path = Path::parse(text).map_err(ResolveError::Invalid)?;
        select_within(self.scope, &path, self.budget).map_err(|error| match error {
            PathError::OverBudget(over) => ResolveError::OverBudget(over),
            _ => ResolveError::NotFound {
                path: text.to_owned(),
                input: self.scope.input().to_string(),
            },
        })
    }

    fn random_u64(&mut self) -> u64 {
        self.scope.random_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A scope over `input` whose payload limit is `max_payload_bytes`.
    struct Fixed {
        input: Value,
        max_payload_bytes: usize,
    }

    impl Scope for Fixed {
        fn input(&self) -> &Value {
            &self.input
        }
        fn context(&self) -> &Value {
            &Value::Null
        }
        fn variable(&self, _: &str) -> Option<Value> {
            None
        }
        fn result(&self) -> Option<&Value> {
            None
        }
        fn error_output(&self) -> Option<&Value> {
            None
        }
        fn random_u64(&self) -> u64 {
            4
        }
        fn max_payload_bytes(&self) -> usize {
            self.max_payload_bytes
        }
    }

    fn nested(depth: usize) -> Value {
        (0..depth).fold(json!(1), |inner, _| json!({ "a": inner }))
    }

    fn field(name: &str, template: Template) -> Template {
        Template::Object(vec![(name.to_owned(), template)])
    }

    fn path(text: &str) -> Template {
        field(
            "x",
            Template::Path {
                field: "x.$".to_owned(),
                path: Path::parse(text).unwrap_or_else(|e| panic!("{text}: {e}")),
            },
        )
    }

    fn intrinsic(text: &str) -> Template {
        field(
            "x",
            Template::Intrinsic {
                field: "x.$".to_owned(),
                call: Intrinsic::parse(text).unwrap_or_else(|e| panic!("{text}: {e}")),
            },
        )
    }

    fn jsonata(text: &str) -> Template {
        field(
            "x",
            Template::Jsonata {
                field: "Output/x".to_owned(),
                expression: Box::new(Expression::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))),
            },
        )
    }

    /// Issue 12's reproductions, and how each fails the state.
    #[test]
    fn runaway_evaluations_fail_with_aws_errors() {
        let default = DEFAULT_MAX_PAYLOAD_BYTES;
        let table = [
            (path("$..*..*..*..*"), nested(70), default, names::DATA_LIMIT_EXCEEDED),
            (path("$..*..*..*..*"), nested(50), default, names::DATA_LIMIT_EXCEEDED),
            (
                intrinsic("States.Array($, $, $, $)"),
                json!(vec!["x"; 1000]),
                1000,
                names::DATA_LIMIT_EXCEEDED,
            ),
            (
                intrinsic("States.Array($..*..*..*..*)"),
                nested(60),
                default,
                names::DATA_LIMIT_EXCEEDED,
            ),
            (
                intrinsic("States.ArrayRange(1, 1000000, 1)"),
                json!({}),
                default,
                names::INTRINSIC_FAILURE,
            ),
            (
                jsonata("$sum([1..10000000])"),
                json!({}),
                default,
                names::QUERY_EVALUATION_ERROR,
            ),
            (
                jsonata("[1..100000]"),
                json!({}),
                16 * 1024,
                names::QUERY_EVALUATION_ERROR,
            ),
        ];
        for (template, input, max_payload_bytes, error) in table {
            let scope = Fixed {
                input,
                max_payload_bytes,
            };
            let failure = template.evaluate(&scope).err();
            assert_eq!(
                failure.as_ref().map(|f| f.error.as_str()),
                Some(error),
                "{template:?}: {failure:?}"
            );
        }
    }

    #[test]
    fn causes_name_the_field_and_the_limit() {
        let scope = Fixed {
            input: nested(70),
            max_payload_bytes: 1024,
        };
        let failure = path("$..*..*..*..*").evaluate(&scope).err();
        assert_eq!(
            failure.and_then(|f| f.cause),
            Some(
                "The JSONPath '$..*..*..*..*' specified for the field 'x.$' exceeded the evaluation limit \
                 (the evaluation needs more than 131072 bytes of memory); the limit grows with the payload size limit."
                    .to_owned()
            )
        );
    }

    /// A larger payload limit raises the budget with it.
    #[test]
    fn the_payload_limit_raises_the_budget() {
        let template = path("$..*..*");
        let input = nested(100);
        let at = |max_payload_bytes| {
            let scope = Fixed {
                input: input.clone(),
                max_payload_bytes,
            };
            template.evaluate(&scope).map(|_| ()).map_err(|f| f.error)
        };
        assert_eq!(at(16 * 1024), Err(names::DATA_LIMIT_EXCEEDED.to_owned()));
        assert_eq!(at(DEFAULT_MAX_PAYLOAD_BYTES), Ok(()));
    }
}
