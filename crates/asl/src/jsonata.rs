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
//! Evaluations run under a [`Budget`]: no sequence (a range `[1..n]`, a mapping, a
//! wildcard) may hold more items than would fit its memory budget (`D2015`, checked by
//! `jsonata-core` before a range is allocated), `$pad` and `$fromMillis` may not build a
//! string larger than it (checked before the string is built), and the result is charged
//! to it as it is converted to JSON. Strings built otherwise are not checked as they grow: `$join` or
//! `$string` of a sequence repeating one large value (`$join([1..1000].$s)` is a thousand
//! copies of `$s`), `$replace` with a long replacement (`$replace($s, 'a', $s)`), `&` in a
//! loop. `jsonata-core` does not let a caller replace `$join` and `$string`, gives no hook
//! on `&` (the watchdog stops such a loop), and `$replace` with a regular expression or a
//! function cannot be sized without running it.
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

use std::cell::Cell;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

use jsonata_core::ast::{AstNode, BinaryOp, Stage};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::parser::ParserError;
use jsonata_core::value::{JArray, JMap, JValue};
use serde_json::{Number, Value};

use crate::budget::{self, Budget, OverBudget};

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
    /// The workflow variables the expression reads (see [`Expression::variables`]).
    variables: Vec<String>,
    /// The members of `$states` the expression reads.
    states: StatesUse,
    /// Whether the expression may read its context value `$` (see [`scan`]); when not, the
    /// input is not converted for it.
    reads_input: bool,
    time_limit: Option<Duration>,
}

/// Which members of `$states` an expression reads. `$states.input.x` reads only `input`;
/// `$states` used any other way (`$keys($states)`, `$states[0]`) reads them all. Building
/// `$states` converts the state's input and the Context object, so an evaluation builds
/// only the members it can see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct StatesUse {
    input: bool,
    context: bool,
    result: bool,
    error_output: bool,
}

impl StatesUse {
    const ALL: StatesUse = StatesUse {
        input: true,
        context: true,
        result: true,
        error_output: true,
    };

    fn add(&mut self, member: &str) {
        match member {
            "input" => self.input = true,
            "context" => self.context = true,
            "result" => self.result = true,
            "errorOutput" => self.error_output = true,
            // Any other member is undefined whatever is built.
            _ => {}
        }
    }

    fn any(self) -> bool {
        self != StatesUse::default()
    }
}

/// `$states` of a running state, borrowed. An evaluation converts only the members its
/// expression reads, and asks for the Context object (which the engine builds lazily) only
/// then.
pub struct States<'a> {
    /// `$states.input`, which is also the context value `$`.
    pub input: &'a Value,
    pub context: &'a dyn Fn() -> &'a Value,
    /// `$states.result`, where the field has one (`Output`/`Assign` after a result).
    pub result: Option<&'a Value>,
    /// `$states.errorOutput`, in a Catch.
    pub error_output: Option<&'a Value>,
}

impl Expression {
    /// Parses the text inside `{% ... %}` (already trimmed).
    ///
    /// Fails with a [`JsonataError::Syntax`] on anything JSONata 2.0.6 cannot parse.
    pub fn parse(text: &str) -> Result<Expression, JsonataError> {
        let mut ast = guarded(|| jsonata_core::parser::parse(text))?.map_err(|error| JsonataError::syntax(&error))?;
        let Scan {
            names,
            variables,
            states,
            reads_input,
            bound,
        } = scan(&ast)?;
        // Overrides of built-ins that take the context value for a missing first argument
        // are passed it, at the calls the expression makes itself (where it does not bind
        // the name to something of its own).
        let takers: Vec<&str> = functions::CONTEXT_TAKERS
            .into_iter()
            .filter(|name| names.binary_search_by(|known| known.as_str().cmp(name)).is_ok())
            .filter(|name| bound.binary_search_by(|known| known.as_str().cmp(name)).is_err())
            .collect();
        if !takers.is_empty() {
            functions::pass_context(&mut ast, &takers);
        }
        Ok(Expression {
            text: text.to_owned(),
            ast,
            names,
            variables,
            states,
            reads_input,
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
    /// once, and only by expressions that mention one of them. Runs under the [`Budget`]
    /// of AWS's payload limit.
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &[(&str, &Value)],
        random: &mut dyn FnMut() -> u64,
    ) -> Result<Option<Value>, JsonataError> {
        let budget = Budget::default();
        let seed = functions::RANDOM.iter().any(|name| self.mentions(name)).then(random);
        guarded(|| {
            let bindings = bindings
                .iter()
                .map(|(name, value)| (name.strip_prefix('$').unwrap_or(name), *value))
                .filter(|(name, _)| self.mentions(name))
                .map(|(name, value)| (name, to_jvalue(value)))
                .collect();
            self.run(self.context_value(input), bindings, seed, &budget)
        })?
    }

    /// Evaluates in a running state: `$states` is built from the members of `states` the
    /// expression reads, its input is also the context value `$`, and `variable` looks up
    /// the workflow variables the expression names (and only those). Runs under `budget`.
    pub fn evaluate_in_state(
        &self,
        states: &States<'_>,
        variable: &dyn Fn(&str) -> Option<Value>,
        random: &mut dyn FnMut() -> u64,
        budget: &Budget,
    ) -> Result<Option<Value>, JsonataError> {
        let seed = functions::RANDOM.iter().any(|name| self.mentions(name)).then(random);
        guarded(|| {
            // `$` and `$states.input` are one value: converted once, shared (JValue clones
            // share their contents).
            let input = if self.reads_input || self.states.input {
                to_jvalue(states.input)
            } else {
                JValue::Undefined
            };
            let mut bindings: Vec<(&str, JValue)> = self
                .names
                .iter()
                .filter(|name| name.as_str() != "states")
                .filter_map(|name| variable(name).map(|value| (name.as_str(), to_jvalue(&value))))
                .collect();
            if self.states.any() {
                let members: JMap = [
                    self.states.input.then(|| ("input", input.clone())),
                    self.states.context.then(|| ("context", to_jvalue((states.context)()))),
                    states
                        .result
                        .filter(|_| self.states.result)
                        .map(|r| ("result", to_jvalue(r))),
                    states
                        .error_output
                        .filter(|_| self.states.error_output)
                        .map(|e| ("errorOutput", to_jvalue(e))),
                ]
                .into_iter()
                .flatten()
                .map(|(name, value)| (name.to_owned(), value))
                .collect();
                bindings.push(("states", JValue::Object(Rc::new(members))));
            }
            let context_value = if self.reads_input { input } else { JValue::Undefined };
            self.run(context_value, bindings, seed, budget)
        })?
    }

    /// The context value `$`: undefined for an expression that cannot read it, which saves
    /// converting the input. The jsonata-js suite runs through [`Expression::evaluate`], so
    /// it checks this analysis on every case that has data.
    fn context_value(&self, input: &Value) -> JValue {
        if self.reads_input {
            to_jvalue(input)
        } else {
            JValue::Undefined
        }
    }

    fn run(
        &self,
        input: JValue,
        bindings: Vec<(&str, JValue)>,
        seed: Option<u64>,
        budget: &Budget,
    ) -> Result<Option<Value>, JsonataError> {
        let mut context = Context::new();
        // A variable bound to undefined hides the built-in of the same name, so `$eval(...)`
        // is a call of a non-function and `$eval` itself is undefined.
        if self.mentions("eval") {
            context.bind("eval".to_owned(), JValue::Undefined);
        }
        for (name, value) in bindings {
            context.bind(name.to_owned(), value);
        }
        let max_items = budget.max_items(std::mem::size_of::<JValue>());
        let options = EvaluatorOptions {
            timeout_ms: self
                .time_limit
                .map(|limit| u64::try_from(limit.as_millis()).unwrap_or(u64::MAX)),
            max_sequence_length: Some(max_items),
            ..EvaluatorOptions::default()
        };
        let mut evaluator = Evaluator::with_options(context, options);
        // Set by a function that refused to build a value beyond the memory budget.
        let exceeded = Rc::new(Cell::new(None));
        functions::register(
            &mut evaluator,
            |name| self.mentions(name),
            seed,
            max_items,
            budget.memory_limit(),
            &exceeded,
        )
        .map_err(JsonataError::evaluation)?;
        let result = evaluator
            .evaluate(&self.ast, &input)
            .map_err(|error| match exceeded.get() {
                Some(over) => JsonataError::OverBudget(over),
                None => JsonataError::evaluation(error),
            })?;
        charge(&result, budget)?;
        to_json(&result, 0)
    }

    /// The workflow variables the expression reads, sorted: every `$name` except `$states`,
    /// the functions it calls by name, and the names it binds itself (`$x := ...`, a
    /// function's parameters, `@$x`, `#$x`). DescribeStateMachine lists these as the
    /// state's `variableReferences`.
    pub fn variables(&self) -> &[String] {
        &self.variables
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
    /// The result needed more memory than the evaluation's budget.
    #[error("The result exceeds the evaluation limit: {0}")]
    OverBudget(OverBudget),
}

impl JsonataError {
    /// The JSONata error code (`T1006`, `S0201`, `D3030`, ...), where there is one.
    pub fn code(&self) -> Option<&str> {
        match self {
            JsonataError::Syntax { code, .. } | JsonataError::Evaluation { code, .. } => code.as_deref(),
            JsonataError::UnsupportedResult(_) | JsonataError::Internal | JsonataError::OverBudget(_) => None,
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

/// What [`scan`] learns about an expression.
struct Scan {
    names: Vec<String>,
    variables: Vec<String>,
    states: StatesUse,
    reads_input: bool,
    /// The names the expression binds itself (`$x := ...`, parameters, `@$x`, `#$x`),
    /// sorted.
    bound: Vec<String>,
}

/// Walks the tree once at parse time: collects the `$names` it mentions, the variables it
/// reads and binds, the members of `$states` it reads, and rejects the operators JSONata
/// 2.0.6 does not have. Iterative, because the parser accepts trees deep enough to exhaust
/// the stack of a recursive walk.
///
/// Whether the expression reads its context value `$` is judged conservatively: a node
/// reads it when it is a field name, wildcard, descendant or parent step evaluated against
/// the root (not a later step of a path, nor a filter, which see the step's values), and
/// anywhere when it is `$`, `$$`, a function call (built-ins take `$` for a missing
/// argument) or a lambda. So `$states.input.a + $x` does not read it, `a + 1` does.
fn scan(ast: &AstNode) -> Result<Scan, JsonataError> {
    let mut names = Vec::new();
    let mut read = Vec::new();
    let mut bound = Vec::new();
    let mut states = StatesUse::default();
    let mut reads_input = false;
    // Each node with whether it is evaluated against the root context value.
    let mut pending = vec![(ast, true)];
    while let Some((node, root)) = pending.pop() {
        match node {
            AstNode::Name(_) | AstNode::Wildcard | AstNode::Descendant | AstNode::Parent(_) if root => {
                reads_input = true;
            }
            AstNode::ParentVariable(_) | AstNode::Lambda { .. } | AstNode::Function { .. } | AstNode::Call { .. } => {
                reads_input = true
            }
            AstNode::Variable(name) if name.is_empty() => reads_input = true,
            _ => {}
        }
        match node {
            AstNode::Variable(name) => {
                if name == "states" {
                    states = StatesUse::ALL;
                }
                names.push(name.clone());
                read.push(name.clone());
            }
            AstNode::Function { name, args, .. } => {
                names.push(name.clone());
                pending.extend(args.iter().map(|child| (child, root)));
            }
            AstNode::Binary { op, lhs, rhs } => {
                if let Some(symbol) = newer_operator(*op) {
                    // Where 2.0.6 reads `a ?? b` as `a ? (? b)` and `a ?: b` as `a ? (: b)`.
                    return Err(JsonataError::Syntax {
                        code: Some("S0211".to_owned()),
                        message: format!("The symbol {symbol} cannot be used as a unary operator"),
                    });
                }
                if let (BinaryOp::ColonEqual, AstNode::Variable(name)) = (op, lhs.as_ref()) {
                    bound.push(name.clone());
                }
                pending.push((lhs, root));
                pending.push((rhs, root));
            }
            AstNode::Path { steps } => {
                let before = &steps[..];
                let mut steps = before;
                // `$states.member...`: only that member of `$states` is read.
                if let [first, second, ..] = steps {
                    if let (AstNode::Variable(name), AstNode::Name(member)) = (&first.node, &second.node) {
                        if name == "states"
                            && first.stages.is_empty()
                            && first.focus.is_none()
                            && first.index_var.is_none()
                        {
                            names.push(name.clone());
                            states.add(member);
                            steps = &steps[1..];
                        }
                    }
                }
                // Only a path's first step sees the context value; later steps and every
                // filter see the values of the step before.
                let first_sees_root = root && steps.len() == before.len();
                for (at, step) in steps.iter().enumerate() {
                    pending.push((&step.node, at == 0 && first_sees_root));
                    bound.extend(step.focus.iter().chain(&step.index_var).cloned());
                    for stage in &step.stages {
                        if let Stage::Filter(filter) = stage {
                            pending.push((filter, false));
                        }
                    }
                }
            }
            AstNode::Unary { operand, .. } => pending.push((operand, root)),
            AstNode::Call { procedure, args } => {
                pending.push((procedure, root));
                pending.extend(args.iter().map(|child| (child, root)));
            }
            AstNode::Lambda { params, body, .. } => {
                bound.extend(params.iter().cloned());
                pending.push((body, root));
            }
            AstNode::FunctionApplication(inner) => pending.push((inner, root)),
            AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
                pending.extend(items.iter().map(|child| (child, root)))
            }
            AstNode::Object(pairs) => {
                pending.extend(pairs.iter().flat_map(|(key, value)| [(key, root), (value, root)]))
            }
            AstNode::ObjectTransform { input, pattern } => {
                pending.push((input, root));
                pending.extend(
                    pattern
                        .iter()
                        .flat_map(|(key, value)| [key, value])
                        .map(|child| (child, root)),
                );
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                pending.push((condition, root));
                pending.push((then_branch, root));
                pending.extend(else_branch.as_deref().map(|child| (child, root)));
            }
            AstNode::Sort { input, terms } => {
                pending.push((input, root));
                pending.extend(terms.iter().map(|(term, _)| term).map(|child| (child, root)));
            }
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                pending.push((location, root));
                pending.push((update, root));
                pending.extend(delete.as_deref().map(|child| (child, root)));
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
    bound.sort_unstable();
    read.retain(|name| !name.is_empty() && name != "states" && bound.binary_search(name).is_err());
    read.sort_unstable();
    read.dedup();
    Ok(Scan {
        names,
        variables: read,
        states,
        reads_input,
        bound,
    })
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

/// Charges to `budget` what converting `result` to JSON would build, before it is built.
/// Iterative, so any depth is fine; it stops as soon as the budget runs out.
fn charge(result: &JValue, budget: &Budget) -> Result<(), JsonataError> {
    let mut pending = vec![result];
    while let Some(value) = pending.pop() {
        // The same estimate as `Budget::charge_value` makes of the JSON it becomes.
        let own = match value {
            JValue::String(s) if s.is_empty() => 0,
            JValue::String(s) => s.len() + budget::ALLOCATION_OVERHEAD,
            JValue::Array(items) => {
                pending.extend(items.iter());
                budget::ALLOCATION_OVERHEAD
            }
            JValue::Object(map) => {
                pending.extend(map.values());
                budget::OBJECT_OVERHEAD + map.keys().map(|key| key.len() + budget::MEMBER_OVERHEAD).sum::<usize>()
            }
            _ => 0,
        };
        budget
            .charge(std::mem::size_of::<Value>() + own)
            .map_err(JsonataError::OverBudget)?;
    }
    Ok(())
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
