//! Payload templates: `Parameters`, `ItemSelector`, `ResultSelector` and `Assign`.
//!
//! A template is the JSON of such a field compiled once: keys ending in `.$` become
//! path or intrinsic-function lookups, everything else stays literal. Evaluating it against
//! a [`Scope`] builds the new payload.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::errors::Failure;
use crate::intrinsics::{Intrinsic, IntrinsicEnv};
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
}

/// The value a path's root refers to, or `None` for an unset variable.
pub fn root_value<'a>(scope: &'a dyn Scope, root: &Root) -> Option<Cow<'a, Value>> {
    match root {
        Root::Input => Some(Cow::Borrowed(scope.input())),
        Root::Context => Some(Cow::Borrowed(scope.context())),
        Root::Variable(name) => scope.variable(name).map(Cow::Owned),
    }
}

/// Select a path against the scope.
pub fn select(scope: &dyn Scope, path: &Path) -> Result<Value, PathError> {
    match root_value(scope, path.root()) {
        Some(value) => path.select(&value),
        None => Err(PathError::NotFound {
            path: path.as_str().to_owned(),
            normalized: path.normalized(),
        }),
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

    /// Build the payload.
    pub fn evaluate(&self, scope: &dyn Scope) -> Result<Value, Failure> {
        match self {
            Template::Literal(value) => Ok(value.clone()),
            Template::Object(members) => {
                let mut map = Map::with_capacity(members.len());
                for (key, template) in members {
                    map.insert(key.clone(), template.evaluate(scope)?);
                }
                Ok(Value::Object(map))
            }
            Template::Array(items) => items
                .iter()
                .map(|t| t.evaluate(scope))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Template::Path { field, path } => select(scope, path).map_err(|_| {
                Failure::runtime(format!(
                    "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                    path.as_str(),
                    field,
                    scope.input()
                ))
            }),
            Template::Intrinsic { call: c, .. } => call(c, scope),
            Template::Jsonata { field, expression } => evaluate_jsonata(expression, field, scope),
        }
    }
}

/// Evaluate a JSONata expression with `$states` and the workflow variables bound, mapping
/// its failures to `States.QueryEvaluationError` with AWS's cause texts.
fn evaluate_jsonata(expression: &Expression, field: &str, scope: &dyn Scope) -> Result<Value, Failure> {
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
    match expression.evaluate_in_state(&states, &|name| scope.variable(name), &mut || scope.random_u64()) {
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

/// Evaluate an intrinsic function call in a scope.
pub fn call(call: &Intrinsic, scope: &dyn Scope) -> Result<Value, Failure> {
    call.evaluate(&mut ScopeEnv(scope))
        .map_err(|e| Failure::new(e.error_name(), e.to_string()))
}

/// Adapts a [`Scope`] to what intrinsic functions need.
struct ScopeEnv<'a>(&'a dyn Scope);

impl IntrinsicEnv for ScopeEnv<'_> {
    fn resolve_path(&mut self, text: &str) -> Result<Value, String> {
        let path = Path::parse(text).map_err(|e| e.to_string())?;
        select(self.0, &path).map_err(|_| {
            format!(
                "The JSONPath '{}' could not be found in the input '{}'",
                text,
                self.0.input()
            )
        })
    }

    fn random_u64(&mut self) -> u64 {
        self.0.random_u64()
    }
}
