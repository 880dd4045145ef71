//! JSONata as Step Functions evaluates it in states whose `QueryLanguage` is `JSONata`.
//!
//! The language itself comes from the `jsonata-core` crate; this module adapts it to what the
//! AWS Developer Guide page "Transforming data with JSONata in Step Functions" says and what
//! AWS was recorded doing:
//!
//! - AWS implements the JSONata 2.0.6 specification, so the `??` and `?:` operators that
//!   JSONata 2.1 added are syntax errors here, as they are in 2.0.6.
//! - `$eval` is not available ("use `$parse` instead"): calling it fails with
//!   `T1006: Attempted to invoke a non-function`, as calling any other unknown function does
//!   on AWS (recorded for `$randomSeeded(...)`).
//! - AWS adds `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid` and `$parse`
//!   (in the `functions` submodule).
//! - A result must be JSON: a function, or a number JSON cannot hold (NaN, ±Infinity), is an
//!   error, and integral numbers come out as integers (`1`, not `1.0`).
//!
//! Like the rest of the crate, evaluation draws no randomness of its own: the caller's
//! `random` source seeds every random draw (`$random()`, `$uuid()`, `$shuffle`). Two things
//! do read the system clock, both inside `jsonata-core`: `$now()`/`$millis()` (and the
//! defaults `$toMillis` takes from the current date), and the [`DEFAULT_TIME_LIMIT`]
//! watchdog.
//!
//! ```
//! use asl::jsonata::Expression;
//! use serde_json::json;
//!
//! let expression = Expression::parse("$states.input.price * 2").unwrap();
//! let states = json!({"input": {"price": 21}});
//! let result = expression.evaluate(&json!({}), &[("states", &states)], &mut || 4).unwrap();
//! assert_eq!(result, Some(json!(42)));
//! ```

mod functions;
#[cfg(test)]
mod tests;

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::parser::ParserError;
use jsonata_core::value::{JArray, JMap, JValue};
use serde_json::{Number, Value};

/// How long one evaluation may run before it fails with `D1012`.
///
/// A JSONata expression can loop forever without growing the stack (a tail-recursive
/// function calling itself), and the engine has no other way to get its thread back. Real
/// expressions finish in microseconds, so the limit only ever stops runaway ones.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(10);

/// How deeply arrays and objects may nest in a result. Deeper results are refused rather
/// than converted, because converting (and later dropping) a `serde_json::Value` recurses
/// once per level and must not exhaust the stack; JSON documents that Step Functions
/// accepts come nowhere near this.
const MAX_RESULT_DEPTH: usize = 1000;

/// A JSONata expression parsed once (at definition load), evaluated many times.
///
/// It holds no shared mutable state: evaluations are independent, and the type is `Send`
/// and `Sync`.
#[derive(Debug, Clone)]
pub struct Expression {
    text: String,
    ast: AstNode,
    /// Every name the expression writes as `$name`, sorted. A binding can only be read
    /// through its name (with `$eval` gone nothing builds names at run time), so bindings
    /// not listed here are never converted for an evaluation.
    names: Vec<String>,
    time_limit: Option<Duration>,
}

impl Expression {
    /// Parses the text inside `{% ... %}` (already trimmed).
    ///
    /// Fails with a [`JsonataError::Syntax`] on anything JSONata 2.0.6 cannot parse.
    pub fn parse(text: &str) -> Result<Expression, JsonataError> {
        let ast = guarded(|| jsonata_core::parser::parse(text))?.map_err(|error| JsonataError::syntax(&error))?;
        let names = scan(&ast)?;
        Ok(Expression {
            text: text.to_owned(),
            ast,
            names,
            time_limit: Some(DEFAULT_TIME_LIMIT),
        })
    }

    /// The expression's text, as given to [`Expression::parse`].
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Replaces [`DEFAULT_TIME_LIMIT`]; `None` lets evaluations run as long as they take.
    pub fn with_time_limit(mut self, limit: Option<Duration>) -> Expression {
        self.time_limit = limit;
        self
    }

    /// Evaluates with `input` as the context value (`$`) and `bindings` as variables:
    /// `("states", ...)` (or `("$states", ...)`) is `$states`. A later binding of the same
    /// name wins.
    ///
    /// `Ok(None)` is an undefined result (AWS: "returned nothing (undefined)"). `random`
    /// supplies the randomness of `$random()`, `$uuid()` and `$shuffle`; it is called at most
    /// once, and only by expressions that mention one of them.
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &[(&str, &Value)],
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Option<Value>, JsonataError> {
        let seed = functions::RANDOM.iter().any(|name| self.mentions(name)).then(random);
        guarded(|| self.run(input, bindings, seed))?
    }

    fn run(
        &self,
        input: &Value,
        bindings: &[(&str, &Value)],
        seed: Option<u64>,
    ) -> Result<Option<Value>, JsonataError> {
        let mut context = Context::new();
        // A variable bound to undefined hides the built-in of the same name, so `$eval(...)`
        // is a call of a non-function and `$eval` itself is undefined.
        context.bind("eval".to_owned(), JValue::Undefined);
        for (name, value) in bindings {
            let name = name.strip_prefix('$').unwrap_or(name);
            if self.mentions(name) {
                context.bind(name.to_owned(), to_jvalue(value));
            }
        }
        let options = EvaluatorOptions {
            timeout_ms: self
                .time_limit
                .map(|limit| u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)),
            ..EvaluatorOptions::default()
        };
        let mut evaluator = Evaluator::with_options(context, options);
        functions::register(&mut evaluator, |name| self.mentions(name), seed).map_err(JsonataError::evaluation)?;
        let result = evaluator
            .evaluate(&self.ast, &to_jvalue(input))
            .map_err(JsonataError::evaluation)?;
        to_json(&result, 0)
    }

    /// Every name the expression writes as `$name` (without the `$`), sorted: the only
    /// bindings an evaluation can read.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn mentions(&self, name: &str) -> bool {
        self.names.binary_search_by(|known| known.as_str().cmp(name)).is_ok()
    }
}

/// Why a JSONata expression could not be parsed or evaluated.
///
/// `Display` gives what AWS prints after "threw an error during evaluation. " in a
/// `States.QueryEvaluationError` cause, e.g. `T1006: Attempted to invoke a non-function`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonataError {
    /// The text is not a JSONata 2.0.6 expression.
    #[error("{}", coded(.code, .message))]
    Syntax { code: Option<String>, message: String },
    /// Evaluating raised a JSONata error.
    #[error("{}", coded(.code, .message))]
    Evaluation { code: Option<String>, message: String },
    /// The result is not JSON. AWS words this as the expression having "returned an
    /// unsupported result type."
    #[error("the result is {0}, which JSON cannot represent")]
    UnsupportedResult(NotJson),
    /// `jsonata-core` panicked. Caught so that a bug there fails one evaluation instead of
    /// the engine.
    #[error("the JSONata engine failed internally")]
    Internal,
}

impl JsonataError {
    /// The JSONata error code (`T1006`, `S0201`, `D3030`, ...), where there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            JsonataError::Syntax { code, .. } | JsonataError::Evaluation { code, .. } => code.as_deref(),
            JsonataError::UnsupportedResult(_) | JsonataError::Internal => None,
        }
    }

    fn syntax(error: &ParserError) -> JsonataError {
        if let ParserError::UnclosedComment = error {
            // The one parse error jsonata-core leaves without the reference's code.
            return JsonataError::Syntax {
                code: Some("S0106".to_owned()),
                message: "Comment has no closing tag".to_owned(),
            };
        }
        let (code, message) = split_code(&error.to_string());
        JsonataError::Syntax { code, message }
    }

    fn evaluation(error: EvaluatorError) -> JsonataError {
        let (code, mut message) = split_code(error.message());
        // jsonata-core names the function it could not call; the JSONata reference (and so
        // AWS, recorded) does not.
        if code.as_deref() == Some("T1006") {
            message = "Attempted to invoke a non-function".to_owned();
        }
        JsonataError::Evaluation { code, message }
    }
}

/// What kind of non-JSON value a result held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotJson {
    /// A function (including a regular expression, which JSONata treats as one).
    Function,
    /// NaN or an infinity.
    NonFiniteNumber,
    /// Arrays or objects nested more than a thousand deep.
    TooDeep,
}

impl fmt::Display for NotJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotJson::Function => "a function",
            NotJson::NonFiniteNumber => "a number that is not finite",
            NotJson::TooDeep => "nested too deeply",
        })
    }
}

fn coded(code: &Option<String>, message: &str) -> String {
    match code {
        Some(code) => format!("{code}: {message}"),
        None => message.to_owned(),
    }
}

/// Splits `"T2001: The left side..."` into its code and the text after it. jsonata-core
/// puts the code first in evaluation errors, but behind a category ("Invalid syntax: S0201:
/// ...") in some parse errors, so the first code-shaped word anywhere is taken.
fn split_code(text: &str) -> (Option<String>, String) {
    let bytes = text.as_bytes();
    let found = (0..bytes.len()).find(|&at| {
        let word_start = at == 0 || bytes[at - 1] == b' ';
        word_start
            && bytes.len() >= at + 6
            && bytes[at].is_ascii_uppercase()
            && bytes[at + 1..at + 5].iter().all(u8::is_ascii_digit)
            && bytes[at + 5] == b':'
    });
    match found {
        Some(at) => (
            Some(text[at..at + 5].to_owned()),
            text[at + 6..].trim_start().to_owned(),
        ),
        None => (None, text.to_owned()),
    }
}

/// Runs `f`, turning a panic inside `jsonata-core` into [`JsonataError::Internal`].
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, JsonataError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| JsonataError::Internal)
}

/// Walks the tree once at parse time: collects the `$names` it mentions and rejects the
/// operators JSONata 2.0.6 does not have. Iterative, because the parser accepts trees deep
/// enough to exhaust the stack of a recursive walk.
fn scan(ast: &AstNode) -> Result<Vec<String>, JsonataError> {
    let mut names = Vec::new();
    let mut pending = vec![ast];
    while let Some(node) = pending.pop() {
        match node {
            AstNode::Variable(name) => names.push(name.clone()),
            AstNode::Function { name, args, .. } => {
                names.push(name.clone());
                pending.extend(args);
            }
            AstNode::Binary { op, lhs, rhs } => {
                if let Some(symbol) = newer_operator(*op) {
                    // Where 2.0.6 reads `a ?? b` as `a ? (? b)` and `a ?: b` as `a ? (: b)`.
                    return Err(JsonataError::Syntax {
                        code: Some("S0211".to_owned()),
                        message: format!("The symbol {symbol} cannot be used as a unary operator"),
                    });
                }
                pending.push(lhs);
                pending.push(rhs);
            }
            AstNode::Path { steps } => {
                for step in steps {
                    pending.push(&step.node);
                    for stage in &step.stages {
                        if let Stage::Filter(filter) = stage {
                            pending.push(filter);
                        }
                    }
                }
            }
            AstNode::Unary { operand, .. } => pending.push(operand),
            AstNode::Call { procedure, args } => {
                pending.push(procedure);
                pending.extend(args);
            }
            AstNode::Lambda { body, .. } => pending.push(body),
            AstNode::FunctionApplication(inner) => pending.push(inner),
            AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => pending.extend(items),
            AstNode::Object(pairs) => pending.extend(pairs.iter().flat_map(|(key, value)| [key, value])),
            AstNode::ObjectTransform { input, pattern } => {
                pending.push(input);
                pending.extend(pattern.iter().flat_map(|(key, value)| [key, value]));
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                pending.push(condition);
                pending.push(then_branch);
                pending.extend(else_branch.as_deref());
            }
            AstNode::Sort { input, terms } => {
                pending.push(input);
                pending.extend(terms.iter().map(|(term, _)| term));
            }
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                pending.push(location);
                pending.push(update);
                pending.extend(delete.as_deref());
            }
            AstNode::String(_)
            | AstNode::Name(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::ParentVariable(_)
            | AstNode::Wildcard
            | AstNode::Descendant
            | AstNode::Parent(_) => {}
        }
    }
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

/// The symbol a 2.0.6 parser stumbles on for an operator added after 2.0.6.
fn newer_operator(op: BinaryOp) -> Option<char> {
    match op {
        BinaryOp::Coalesce => Some('?'),
        BinaryOp::Default => Some(':'),
        _ => None,
    }
}

/// Converts a JSON value for jsonata-core. Recursive: a `serde_json::Value` parsed from
/// text is at most 128 levels deep.
fn to_jvalue(value: &Value) -> JValue {
    match value {
        Value::Null => JValue::Null,
        Value::Bool(b) => JValue::Bool(*b),
        // Without serde_json's `arbitrary_precision`, every number has an f64 value.
        Value::Number(n) => JValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => JValue::string(s.as_str()),
        Value::Array(items) => {
            // An input array holding no array lets jsonata-core skip flattening it.
            let flat = !items.iter().any(Value::is_array);
            JValue::Array(JArray::new_flat(items.iter().map(to_jvalue).collect(), flat))
        }
        Value::Object(map) => JValue::Object(Rc::new(
            map.iter()
                .map(|(key, value)| (key.clone(), to_jvalue(value)))
                .collect::<JMap>(),
        )),
    }
}

/// Converts a result to JSON: `None` for undefined, which also drops out of arrays and
/// objects (as `JSON.stringify` drops it from objects, and as a JSONata sequence never
/// holds it).
fn to_json(value: &JValue, depth: usize) -> Result<Option<Value>, JsonataError> {
    let not_json = |kind| Err(JsonataError::UnsupportedResult(kind));
    Ok(Some(match value {
        JValue::Undefined => return Ok(None),
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => match number(*n) {
            Some(number) => Value::Number(number),
            None => return not_json(NotJson::NonFiniteNumber),
        },
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(_) | JValue::Object(_) if depth >= MAX_RESULT_DEPTH => return not_json(NotJson::TooDeep),
        JValue::Array(items) => {
            let mut array = Vec::with_capacity(items.len());
            for item in items.iter() {
                array.extend(to_json(item, depth + 1)?);
            }
            Value::Array(array)
        }
        JValue::Object(map) => {
            let mut object = serde_json::Map::with_capacity(map.len());
            for (key, value) in map.iter() {
                if let Some(value) = to_json(value, depth + 1)? {
                    object.insert(key.clone(), value);
                }
            }
            Value::Object(object)
        }
        JValue::Lambda(_) | JValue::Builtin { .. } | JValue::Regex { .. } => return not_json(NotJson::Function),
    }))
}

/// A JSONata number as JSON: an integer when it is integral and fits 64 bits (AWS prints
/// `1`, not `1.0`; `-0` prints as `0`), otherwise the shortest decimal that reads back as
/// the same double. `None` for NaN and the infinities.
fn number(n: f64) -> Option<Number> {
    // 2^63 and 2^64 are exact doubles; integral doubles below them convert without loss.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    if n.fract() == 0.0 && (-TWO_63..TWO_63).contains(&n) {
        Some(Number::from(n as i64))
    } else if n.fract() == 0.0 && (0.0..TWO_64).contains(&n) {
        Some(Number::from(n as u64))
    } else {
        Number::from_f64(n)
    }
}
