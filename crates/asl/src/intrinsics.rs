//! The `States.*` intrinsic functions of JSONPath states: parsing a call once when the
//! definition is loaded, and evaluating it against an execution's data many times.
//!
//! A call such as `States.Format('x={}', $.a, States.Array(1))` is parsed into an
//! [`Intrinsic`]; its path arguments are resolved through an [`IntrinsicEnv`] the caller
//! provides, so this module holds no JSONPath engine, reads no clock and draws no randomness
//! of its own. The behaviour follows the AWS Developer Guide page "Intrinsic functions for
//! JSONPath states in Step Functions" and, where AWS goes beyond what that page says (for
//! example, how `States.Format` prints an object, or the key order of `States.JsonMerge`),
//! what AWS was recorded doing.
//!
//! ```
//! use asl::intrinsics::{Intrinsic, IntrinsicEnv, ResolveError};
//! use serde_json::{json, Value};
//!
//! struct Input(Value);
//! impl IntrinsicEnv for Input {
//!     fn resolve_path(&mut self, path: &str) -> Result<Value, ResolveError> {
//!         let not_found = || ResolveError::NotFound {
//!             path: path.to_owned(),
//!             input: self.0.to_string(),
//!         };
//!         let field = path.strip_prefix("$.").ok_or_else(not_found)?;
//!         self.0.get(field).cloned().ok_or_else(not_found)
//!     }
//!     fn random_u64(&mut self) -> u64 {
//!         4
//!     }
//! }
//!
//! let call = Intrinsic::parse("States.Format('Hello, {}!', $.name)").unwrap();
//! let greeting = call.evaluate(&mut Input(json!({"name": "Arnav"}))).unwrap();
//! assert_eq!(greeting, json!("Hello, Arnav!"));
//! ```

mod eval;
mod java;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;

use serde_json::Value;

use crate::budget::{Budget, OverBudget};
use crate::path::PathError;

/// A parsed intrinsic function call, e.g. `States.Format('x={}', $.a, States.Array(1))`.
///
/// Parsed once when the definition is loaded; evaluated many times.
#[derive(Debug, Clone, PartialEq)]
pub struct Intrinsic {
    call: Call,
}

impl Intrinsic {
    /// Parses the text of a `.$` field value (or a `ResultSelector`, `Assign`, `ErrorPath` or
    /// `CausePath` value).
    ///
    /// Errors carry a message fit for AWS's validation diagnostics: unknown function, wrong
    /// number of arguments, bad literal or escape, bad syntax, or too deep a nesting.
    /// Argument types are checked when the call is evaluated, because a path argument's value
    /// is only known then.
    pub fn parse(text: &str) -> Result<Intrinsic, IntrinsicError> {
        parse::parse(text).map(|call| Intrinsic { call })
    }

    /// Whether `text` looks like an intrinsic call (`States.` + a name + `(`), so a caller can
    /// route a `.$` value to [`Intrinsic::parse`] rather than to JSONPath.
    ///
    /// A text that looks like a call but names no known function still routes here, so the
    /// diagnostic is about the function rather than about a malformed path.
    pub fn looks_like_call(text: &str) -> bool {
        text.strip_prefix("States.").is_some_and(|rest| {
            let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
            name_len > 0 && rest.as_bytes().get(name_len) == Some(&b'(')
        })
    }

    /// Evaluates the call: resolves its path arguments through `env`, evaluates nested calls
    /// innermost first, and applies the function. Runs under the [`Budget`] of AWS's
    /// payload limit.
    pub fn evaluate(&self, env: &mut dyn IntrinsicEnv) -> Result<Value, IntrinsicError> {
        self.evaluate_within(env, &Budget::default())
    }

    /// [`Intrinsic::evaluate`] under `budget`: every argument and every result is charged
    /// to it as it is built, and [`IntrinsicError::OverBudget`] ends the evaluation once it
    /// runs out.
    pub fn evaluate_within(&self, env: &mut dyn IntrinsicEnv, budget: &Budget) -> Result<Value, IntrinsicError> {
        self.call.evaluate(env, budget)
    }

    /// Every path argument of the call and of its nested calls, in the order they appear.
    ///
    /// The caller validates them as JSONPath when loading the definition, and lists the
    /// `$name` variables among them in `variableReferences`.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths = Vec::new();
        self.call.collect_paths(&mut paths);
        paths
    }
}

/// What evaluation needs from the outside world; the core never reads clock or randomness
/// itself.
pub trait IntrinsicEnv {
    /// Resolves a path argument (`$.a`, `$$.Execution.Name`, `$var.x`, `$`) to its value.
    fn resolve_path(&mut self, path: &str) -> Result<Value, ResolveError>;
    /// Supplies randomness for `States.MathRandom` without a seed, and for `States.UUID`.
    fn random_u64(&mut self) -> u64;
}

/// Why a path argument could not be resolved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The path selects nothing; `input` is the state's input as JSON text, which AWS
    /// quotes in the cause.
    #[error("The JSONPath '{path}' could not be found in the input '{input}'")]
    NotFound { path: String, input: String },
    /// The argument's text is not a path.
    #[error(transparent)]
    Invalid(PathError),
    /// Selecting the path needed more than the evaluation's budget.
    #[error(transparent)]
    OverBudget(OverBudget),
}

/// The 18 intrinsic functions AWS Step Functions offers to JSONPath states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Function {
    /// `States.Format(template, values...)`.
    Format,
    /// `States.StringToJson(string)`.
    StringToJson,
    /// `States.JsonToString(value)`.
    JsonToString,
    /// `States.Array(values...)`.
    Array,
    /// `States.ArrayPartition(array, chunkSize)`.
    ArrayPartition,
    /// `States.ArrayContains(array, value)`.
    ArrayContains,
    /// `States.ArrayRange(first, last, step)`.
    ArrayRange,
    /// `States.ArrayGetItem(array, index)`.
    ArrayGetItem,
    /// `States.ArrayLength(array)`.
    ArrayLength,
    /// `States.ArrayUnique(array)`.
    ArrayUnique,
    /// `States.Base64Encode(string)`.
    Base64Encode,
    /// `States.Base64Decode(string)`.
    Base64Decode,
    /// `States.Hash(data, algorithm)`.
    Hash,
    /// `States.JsonMerge(object, object, false)`.
    JsonMerge,
    /// `States.MathRandom(start, end[, seed])`.
    MathRandom,
    /// `States.MathAdd(number, number)`.
    MathAdd,
    /// `States.StringSplit(string, delimiters)`.
    StringSplit,
    /// `States.UUID()`.
    Uuid,
}

impl Function {
    const ALL: [Function; 18] = [
        Function::Format,
        Function::StringToJson,
        Function::JsonToString,
        Function::Array,
        Function::ArrayPartition,
        Function::ArrayContains,
        Function::ArrayRange,
        Function::ArrayGetItem,
        Function::ArrayLength,
        Function::ArrayUnique,
        Function::Base64Encode,
        Function::Base64Decode,
        Function::Hash,
        Function::JsonMerge,
        Function::MathRandom,
        Function::MathAdd,
        Function::StringSplit,
        Function::Uuid,
    ];

    /// The full name as written in a definition, e.g. `States.Format`.
    pub fn name(self) -> &'static str {
        match self {
            Function::Format => "States.Format",
            Function::StringToJson => "States.StringToJson",
            Function::JsonToString => "States.JsonToString",
            Function::Array => "States.Array",
            Function::ArrayPartition => "States.ArrayPartition",
            Function::ArrayContains => "States.ArrayContains",
            Function::ArrayRange => "States.ArrayRange",
            Function::ArrayGetItem => "States.ArrayGetItem",
            Function::ArrayLength => "States.ArrayLength",
            Function::ArrayUnique => "States.ArrayUnique",
            Function::Base64Encode => "States.Base64Encode",
            Function::Base64Decode => "States.Base64Decode",
            Function::Hash => "States.Hash",
            Function::JsonMerge => "States.JsonMerge",
            Function::MathRandom => "States.MathRandom",
            Function::MathAdd => "States.MathAdd",
            Function::StringSplit => "States.StringSplit",
            Function::Uuid => "States.UUID",
        }
    }

    /// Looks a function up by its full name; names are case-sensitive, as in AWS.
    fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How many arguments the function takes, as an inclusive range; `None` has no maximum.
    fn arity(self) -> (usize, Option<usize>) {
        match self {
            Function::Array => (0, None),
            Function::Format => (1, None),
            Function::Uuid => (0, Some(0)),
            Function::StringToJson
            | Function::JsonToString
            | Function::ArrayLength
            | Function::ArrayUnique
            | Function::Base64Encode
            | Function::Base64Decode => (1, Some(1)),
            Function::ArrayPartition
            | Function::ArrayContains
            | Function::ArrayGetItem
            | Function::Hash
            | Function::MathAdd
            | Function::StringSplit => (2, Some(2)),
            Function::MathRandom => (2, Some(3)),
            Function::ArrayRange | Function::JsonMerge => (3, Some(3)),
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an intrinsic call could not be parsed or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IntrinsicError {
    /// The text does not follow the grammar of an intrinsic call.
    #[error("invalid intrinsic function call: expected {expected} at character {position}")]
    Syntax {
        /// The 0-based character offset where the text went wrong.
        position: usize,
        /// What the grammar allows there.
        expected: &'static str,
    },
    /// `States.` names no intrinsic function AWS offers.
    #[error("unknown intrinsic function '{name}'")]
    UnknownFunction {
        /// The name as written, e.g. `States.Foo`.
        name: String,
    },
    /// The call has too few or too many arguments.
    #[error("{function} {}, but was given {given}", arity_text(*.function))]
    Arity {
        /// The function called.
        function: Function,
        /// How many arguments the call has.
        given: usize,
    },
    /// An argument is neither a call, a path, a quoted string, a JSON number, `true`,
    /// `false` nor `null`.
    #[error("invalid intrinsic function argument '{text}' at character {position}")]
    InvalidLiteral {
        /// The 0-based character offset of the argument.
        position: usize,
        /// The argument as written.
        text: String,
    },
    /// A string literal uses a backslash before a character other than `'`, `{`, `}` or `\`.
    #[error(
        "invalid escape sequence '\\{escaped}' at character {position}: only \\', \\{{, \\}} and \\\\ are allowed"
    )]
    InvalidEscape {
        /// The 0-based character offset of the backslash.
        position: usize,
        /// The character after the backslash.
        escaped: char,
    },
    /// Calls are nested deeper than AWS allows.
    #[error("intrinsic functions can be nested at most {MAX_NESTING} deep")]
    TooDeep,
    /// A path argument could not be resolved.
    #[error("{0}")]
    Path(ResolveError),
    /// The arguments or the result needed more memory than the evaluation's budget.
    #[error("The intrinsic function exceeded the evaluation limit: {0}")]
    OverBudget(OverBudget),
    /// The function rejected its arguments at run time.
    #[error("Invalid arguments in {function}: {reason}")]
    Failure {
        /// The function that failed.
        function: Function,
        /// What was wrong with its arguments.
        reason: Failure,
    },
}

impl IntrinsicError {
    /// The AWS error name an execution fails with: `States.Runtime` for a path that cannot be
    /// resolved, `States.DataLimitExceeded` for an exhausted budget,
    /// `States.IntrinsicFailure` otherwise.
    ///
    /// Parse errors are meant to be reported when the definition is validated, never at run
    /// time; should a caller parse at run time anyway (a template from a path, a TestState
    /// call), AWS's name for a failing intrinsic is the honest one, so they map there too.
    pub fn error_name(&self) -> &'static str {
        match self {
            IntrinsicError::OverBudget(_) | IntrinsicError::Path(ResolveError::OverBudget(_)) => {
                crate::errors::names::DATA_LIMIT_EXCEEDED
            }
            IntrinsicError::Path(_) => crate::errors::names::RUNTIME,
            _ => crate::errors::names::INTRINSIC_FAILURE,
        }
    }

    fn failure(function: Function, reason: Failure) -> IntrinsicError {
        IntrinsicError::Failure { function, reason }
    }
}

/// How deep calls may nest: the AWS Developer Guide says "You can nest up to 10 intrinsic
/// functions within a field". The limit also keeps the recursive parser off deep stacks.
pub const MAX_NESTING: usize = 10;

fn arity_text(function: Function) -> String {
    match function.arity() {
        (0, Some(0)) => "takes no arguments".to_owned(),
        (1, Some(1)) => "takes exactly 1 argument".to_owned(),
        (min, Some(max)) if min == max => format!("takes exactly {min} arguments"),
        (min, Some(max)) => format!("takes {min} to {max} arguments"),
        (1, None) => "takes at least 1 argument".to_owned(),
        (min, None) => format!("takes at least {min} arguments"),
    }
}

/// What was wrong with the arguments of a function at run time (`States.IntrinsicFailure`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// An argument has the wrong JSON type.
    #[error("argument {argument} must be {expected}, but was {found}")]
    WrongType {
        /// The 1-based position of the argument.
        argument: usize,
        /// What the function needs, e.g. "an array".
        expected: &'static str,
        /// The JSON type given, e.g. "a string".
        found: &'static str,
    },
    /// An integer argument does not fit in a 64-bit integer.
    #[error("argument {argument} is out of the integer range")]
    IntegerOutOfRange {
        /// The 1-based position of the argument.
        argument: usize,
    },
    /// `States.Format` has a different number of `{}` than of values to put in them.
    #[error("the format string has {placeholders} placeholder(s) but {values} value(s) were given")]
    PlaceholderMismatch {
        /// How many `{}` the template holds.
        placeholders: usize,
        /// How many values follow the template.
        values: usize,
    },
    /// `States.StringToJson` was given a string that is not JSON text.
    #[error("the string is not valid JSON: {message}")]
    InvalidJson {
        /// The JSON parser's description of the problem.
        message: String,
    },
    /// `States.ArrayGetItem` was given an index outside the array.
    #[error("index {index} is out of bounds for an array of length {length}")]
    IndexOutOfBounds {
        /// The index asked for.
        index: i64,
        /// The length of the array.
        length: usize,
    },
    /// `States.ArrayPartition` was given a chunk size below 1.
    #[error("the chunk size must be a positive integer, but was {size}")]
    ChunkSize {
        /// The chunk size given.
        size: i64,
    },
    /// `States.ArrayRange` was given a step of 0.
    #[error("the step must not be 0")]
    ZeroStep,
    /// `States.ArrayRange` would produce more items than AWS allows.
    #[error("the range would hold {count} items, more than the limit of {RANGE_LIMIT}")]
    RangeTooLarge {
        /// How many items the range would hold.
        count: u128,
    },
    /// A string argument is longer than AWS allows.
    #[error("the string has {length} characters, more than the limit of {limit}")]
    TooLong {
        /// The string's length, in UTF-16 code units as Java counts characters.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// `States.Base64Decode` was given text that is not Base64.
    #[error("the string is not valid Base64")]
    InvalidBase64,
    /// `States.Hash` was asked for an algorithm other than the five AWS supports.
    #[error("unsupported hash algorithm '{algorithm}': use MD5, SHA-1, SHA-256, SHA-384 or SHA-512")]
    UnsupportedAlgorithm {
        /// The algorithm asked for.
        algorithm: String,
    },
    /// `States.JsonMerge` was asked for a deep merge, which AWS does not support.
    #[error("deep merge is not supported: the third argument must be false")]
    DeepMerge,
    /// `States.MathRandom` was given an end below its start, or too wide a range.
    #[error("cannot draw a random integer between {start} and {end}")]
    RandomRange {
        /// The start of the range.
        start: i64,
        /// The end of the range.
        end: i64,
    },
    /// `States.MathAdd` overflowed.
    #[error("the sum of {left} and {right} is out of the integer range")]
    Overflow {
        /// The first addend.
        left: i64,
        /// The second addend.
        right: i64,
    },
}

/// The most items `States.ArrayRange` may produce (AWS Developer Guide: "The newly generated
/// array can't contain more than 1000 items").
pub const RANGE_LIMIT: u128 = 1000;

/// A parsed call: the function and its arguments.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    function: Function,
    args: Vec<Arg>,
}

/// One argument of a call, as written.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// A quoted string literal, unescaped, with the positions of its unescaped `{}`.
    String(Template),
    /// A number, `true`, `false` or `null` literal.
    Value(Value),
    /// A path, passed to [`IntrinsicEnv::resolve_path`] as written.
    Path(String),
    /// A nested call.
    Call(Call),
}

/// A string together with where its `{}` placeholders are.
///
/// A literal's `\{}` is an escaped brace followed by `}`, not a placeholder, so the positions
/// are found while unescaping and kept; a string from a path has every `{}` as placeholder.
#[derive(Debug, Clone, PartialEq)]
struct Template {
    text: String,
    /// Byte offsets in `text` where a `{}` placeholder starts, ascending.
    placeholders: Vec<usize>,
}

impl Template {
    fn from_runtime(text: String) -> Template {
        let placeholders = text.match_indices("{}").map(|(at, _)| at).collect();
        Template { text, placeholders }
    }
}

impl Call {
    /// Evaluates the arguments, charging each to `budget`, then applies the function and
    /// charges its result: a function's result is never much larger than its arguments, so
    /// nothing grows far past the budget before it is charged (`States.StringSplit`, whose
    /// pieces cost more than their text, charges them as it splits).
    fn evaluate(&self, env: &mut dyn IntrinsicEnv, budget: &Budget) -> Result<Value, IntrinsicError> {
        let mut values = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            let value = arg.evaluate(env, budget)?;
            budget.charge_value(&value).map_err(IntrinsicError::OverBudget)?;
            values.push(value);
        }
        let literal_template = match self.args.first() {
            Some(Arg::String(template)) => Some(template),
            _ => None,
        };
        let result = eval::apply(self.function, literal_template, values, env, budget)?;
        budget.charge_value(&result).map_err(IntrinsicError::OverBudget)?;
        Ok(result)
    }

    fn collect_paths<'a>(&'a self, paths: &mut Vec<&'a str>) {
        for arg in &self.args {
            match arg {
                Arg::Path(path) => paths.push(path),
                Arg::Call(call) => call.collect_paths(paths),
                Arg::String(_) | Arg::Value(_) => {}
            }
        }
    }
}

impl Arg {
    fn evaluate(&self, env: &mut dyn IntrinsicEnv, budget: &Budget) -> Result<Value, IntrinsicError> {
        match self {
            Arg::String(template) => Ok(Value::String(template.text.clone())),
            Arg::Value(value) => Ok(value.clone()),
            Arg::Path(path) => env.resolve_path(path).map_err(IntrinsicError::Path),
            Arg::Call(call) => call.evaluate(env, budget),
        }
    }
}
