//! JSONPath as AWS Step Functions evaluates it: the Jayway JsonPath dialect, plus the ASL
//! rules for reference paths, the context object (`$$`) and workflow variables (`$name`).
//!
//! Step Functions runs its JSONPath fields (`InputPath`, `Parameters` values ending in
//! `.$`, `ResultSelector`, `ItemsPath`, Choice `Variable`, ...) through Jayway JsonPath, so
//! a correct emulator must accept exactly Jayway's syntax and give exactly its results,
//! quirks included: `$[-4:1]` wraps around, `@.key == 42` also matches the string `"42"`,
//! `$..price.sum()` sums over all matches, `$['a','b']` merges two properties into one
//! object. [`Path`] is that dialect; [`ReferencePath`] is the ASL subset that names a single
//! node (`.name`, `['name']`, `[index]`) and can also *write* a value (`ResultPath`).
//!
//! ```
//! use asl::path::{Path, ReferencePath};
//! use serde_json::json;
//!
//! let input = json!({"items": [{"price": 8}, {"price": 12}], "max": 10});
//! let cheap = Path::parse("$.items[?(@.price < $.max)]").unwrap();
//! assert_eq!(cheap.select(&input).unwrap(), json!([{"price": 8}]));
//! assert_eq!(Path::parse("$.items.length()").unwrap().select(&input).unwrap(), json!(2));
//!
//! let mut output = json!({"keep": true});
//! ReferencePath::parse("$.result.total").unwrap().set(&mut output, json!(20)).unwrap();
//! assert_eq!(output, json!({"keep": true, "result": {"total": 20}}));
//! ```
//!
//! Where this module knowingly differs from Jayway 2.10 (AWS's behaviour, where known,
//! decides):
//! - An indefinite path whose definite prefix fails (`$.items[1:]` on `{}`) gives `[]`,
//!   as AWS does, where Jayway throws `PathNotFoundException`.
//! - Bracket names are taken as written: in `$['a\'b']` the backslash keeps the quote from
//!   ending the name but stays part of it, as AWS does (its Jayway predates unescaping).
//!   Filter string literals are still unescaped.
//! - Paths must start with `$`; Jayway would prefix other text with `$.`. `$name` is a
//!   workflow variable, `$$` the context object.
//! - Unknown functions are rejected when parsing; functions may only end a path; a deep
//!   scan may not be followed directly by a function.
//! - `last()` and `index(-n)` also work on one-element arrays (Jayway's bounds check is
//!   off by one); a single stray character after a bracket (`$[0]x`) is read as a
//!   property where Jayway silently drops it.
//! - Regular expressions support the common Java syntax only (see `regex.rs`), matched
//!   by the `regex` crate; flags
//!   are the letters right after the closing `/`.
//! - `$` inside filters and function arguments denotes the value the path is evaluated
//!   against (for `$$.` and `$var` paths: the context object or the variable); `@` in a
//!   function argument inside a filter is the item being tested (Jayway: the document).

mod ast;
mod decimal;
mod eval;
mod function;
mod lenient_json;
mod parse;
mod regex;
mod syntax;

use crate::budget::{Budget, OverBudget};
use ast::{Query, Step};
use eval::{array_position, resolve_index, Scope, Stop};
use parse::{parse_query, Mode};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
pub use syntax::{JsonLiteralError, RegexError, SyntaxError};

/// Where a path starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Root {
    /// `$`: the state's input (or, in a `ResultSelector`, the task result).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable (letters, digits and `_`, not starting with a digit;
    /// Unicode letters and digits count).
    Variable(String),
}

/// Why a path could not be parsed, evaluated or written to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The text is not a JSONPath Jayway (with the ASL roots) accepts.
    #[error("Invalid path '{path}': {reason}")]
    Syntax { path: String, reason: SyntaxError },
    /// A valid path, but not a reference path (a single node named by `.name`, `['name']`
    /// and `[index]` steps).
    #[error("Invalid reference path '{path}': {message}")]
    NotReferencePath { path: String, message: String },
    /// A definite path matched nothing. Displays as Jayway's message, which AWS embeds in
    /// its error causes: `No results for path: $['NoSuchInputPath']`.
    #[error("No results for path: {normalized}")]
    NotFound { path: String, normalized: String },
    /// A function could not compute its result (e.g. `avg()` of no numbers).
    #[error("Function {function}() failed: {message}")]
    Function { function: String, message: String },
    /// Writing needs an object at `at` (AWS: `States.ResultPathMatchFailure`).
    #[error("Cannot set '{path}': the value at {at} is not an object")]
    NotAnObject { path: String, at: String },
    /// Writing through `[index]` needs an array at `at`.
    #[error("Cannot set '{path}': the value at {at} is not an array")]
    NotAnArray { path: String, at: String },
    /// Writing through `[index]` needs that element to exist.
    #[error("Cannot set '{path}': index {index} is out of range at {at}")]
    IndexOutOfRange { path: String, at: String, index: i32 },
    /// The evaluation needed more memory or work than its [`Budget`] allows (AWS:
    /// `States.DataLimitExceeded`).
    #[error("{0}")]
    OverBudget(OverBudget),
}

/// A parsed JSONPath in the Jayway dialect.
#[derive(Debug, Clone)]
pub struct Path {
    text: String,
    root: Root,
    query: Query,
}

impl Path {
    /// Parses any path Jayway accepts (starting with `$`, `$$` or `$name`).
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let syntax = |reason: SyntaxError| PathError::Syntax {
            path: text.to_string(),
            reason,
        };
        let query = parse_query(text, Mode::TopLevel, 0).map_err(syntax)?;
        let root = match &query.anchor {
            ast::Anchor::Root(root) => root.clone(),
            ast::Anchor::Current => return Err(syntax(SyntaxError::MissingRoot)),
        };
        Ok(Path {
            text: text.to_string(),
            root,
            query,
        })
    }

    /// What the path starts from.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The text the path was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Jayway's notion: the path can only ever select one value (no wildcard, filter,
    /// slice, union or deep scan; a trailing function keeps a path definite).
    pub fn is_definite(&self) -> bool {
        self.query.is_definite()
    }

    /// Jayway's normalized rendering, as in its error messages: `$['a']['b'][0]`.
    pub fn normalized(&self) -> String {
        format!("{}{}", self.root.token(), self.query.render_body())
    }

    /// Evaluates the path against the value its root refers to (the caller picks the
    /// input, the context object or the variable). A definite path gives its one value or
    /// [`PathError::NotFound`]; an indefinite path gives the array of all matches in
    /// document order, possibly empty. Runs under the [`Budget`] of AWS's payload limit.
    pub fn select(&self, root_value: &Value) -> Result<Value, PathError> {
        self.select_within(root_value, &Budget::default())
    }

    /// [`Path::select`] under `budget`, which every value the evaluation visits, selects
    /// or copies is charged to as it goes: [`PathError::OverBudget`] once it runs out.
    pub fn select_within(&self, root_value: &Value, budget: &Budget) -> Result<Value, PathError> {
        let scope = Scope {
            root: root_value,
            current: root_value,
            budget,
        };
        let definite = self.is_definite();
        let owned = |found: Cow<'_, Value>| match scope.own(found) {
            Ok(value) => Ok(value),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Abort | Stop::Invalid) => Err(self.not_found()),
        };
        match self.query.evaluate(root_value, scope, false) {
            Ok(mut found) if definite => found.pop().map_or_else(|| Err(self.not_found()), owned),
            Ok(found) => found
                .into_iter()
                .map(owned)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Err(Stop::Failed(error)) => Err(error),
            Err(Stop::Abort | Stop::Invalid) if definite => Err(self.not_found()),
            Err(Stop::Abort | Stop::Invalid) => Ok(Value::Array(Vec::new())),
        }
    }

    fn not_found(&self) -> PathError {
        PathError::NotFound {
            path: self.text.clone(),
            normalized: self.normalized(),
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One step of a reference path.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Field(String),
    Index(i32),
}

/// An ASL reference path: only `.name`, `['name']` and `[index]` steps, so it names at most
/// one node and can be written to. Used by `ResultPath`, Choice `Variable`, the `*Path`
/// comparisons, `ItemsPath` and the like.
#[derive(Debug, Clone)]
pub struct ReferencePath {
    text: String,
    root: Root,
    segments: Vec<Segment>,
}

impl ReferencePath {
    /// Parses a reference path; filters, wildcards, slices, unions, deep scans and
    /// functions are refused with a message saying which.
    pub fn parse(text: &str) -> Result<ReferencePath, PathError> {
        let path = Path::parse(text)?;
        let refuse = |message: &str| PathError::NotReferencePath {
            path: text.to_string(),
            message: message.to_string(),
        };
        if !path.query.calls.is_empty() {
            return Err(refuse("functions such as length() are not allowed"));
        }
        let mut segments = Vec::with_capacity(path.query.steps.len());
        for step in &path.query.steps {
            segments.push(match step {
                Step::Property { names, .. } => match names.as_slice() {
                    [name] => Segment::Field(name.clone()),
                    _ => return Err(refuse("a union of properties is not allowed")),
                },
                Step::Index(indexes) => match indexes.as_slice() {
                    [index] => Segment::Index(*index),
                    _ => return Err(refuse("a union of indexes is not allowed")),
                },
                Step::Slice { .. } => return Err(refuse("array slices are not allowed")),
                Step::Wildcard => return Err(refuse("wildcards are not allowed")),
                Step::Scan => return Err(refuse("deep scans '..' are not allowed")),
                Step::Filter(_) => return Err(refuse("filters are not allowed")),
            });
        }
        Ok(ReferencePath {
            text: text.to_string(),
            root: path.root,
            segments,
        })
    }

    /// What the path starts from.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The text the path was parsed from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The node the path names inside `root_value`, if it exists.
    pub fn get<'a>(&self, root_value: &'a Value) -> Option<&'a Value> {
        self.segments
            .iter()
            .try_fold(root_value, |node, segment| match segment {
                Segment::Field(name) => node.as_object()?.get(name),
                Segment::Index(index) => resolve_index(node.as_array()?, *index),
            })
    }

    /// `ResultPath` semantics: places `value` at this path inside `target`, creating
    /// missing objects on the way; `$` replaces `target` entirely. Fails, leaving `target`
    /// unchanged, when a value on the way is not an object (or, for an `[index]` step, not
    /// an array with that element).
    pub fn set(&self, target: &mut Value, value: Value) -> Result<(), PathError> {
        self.check_settable(target)?;
        let mut node = target;
        let mut segments = self.segments.iter().peekable();
        while let Some(segment) = segments.next() {
            let last = segments.peek().is_none();
            node = match segment {
                Segment::Field(name) => {
                    let map = node.as_object_mut().ok_or_else(|| self.not_an_object(0))?;
                    if last {
                        map.insert(name.clone(), value);
                        return Ok(());
                    }
                    map.entry(name.clone()).or_insert_with(|| Value::Object(Map::new()))
                }
                Segment::Index(index) => {
                    let len = node.as_array().map_or(0, Vec::len);
                    let slot = node
                        .as_array_mut()
                        .and_then(|items| array_position(len, *index).and_then(|i| items.get_mut(i)))
                        .ok_or_else(|| self.not_an_object(0))?;
                    if last {
                        *slot = value;
                        return Ok(());
                    }
                    slot
                }
            };
        }
        *node = value;
        Ok(())
    }

    /// Walks the path without changing anything, reporting the first step `set` could not
    /// take. Once a field is missing, the rest will be created as objects, which only works
    /// if no `[index]` step follows.
    fn check_settable(&self, target: &Value) -> Result<(), PathError> {
        let mut node = Some(target);
        for (i, segment) in self.segments.iter().enumerate() {
            let Some(current) = node else {
                return match segment {
                    Segment::Field(_) => continue,
                    Segment::Index(_) => Err(self.not_an_array(i)),
                };
            };
            node = match segment {
                Segment::Field(name) => {
                    let map = current.as_object().ok_or_else(|| self.not_an_object(i))?;
                    map.get(name)
                }
                Segment::Index(index) => {
                    let items = current.as_array().ok_or_else(|| self.not_an_array(i))?;
                    let found = array_position(items.len(), *index).and_then(|p| items.get(p));
                    Some(found.ok_or_else(|| PathError::IndexOutOfRange {
                        path: self.text.clone(),
                        at: self.prefix(i),
                        index: *index,
                    })?)
                }
            };
        }
        Ok(())
    }

    /// The normalized rendering of the first `len` segments, for error messages.
    fn prefix(&self, len: usize) -> String {
        let mut out = self.root.token();
        for segment in self.segments.iter().take(len) {
            match segment {
                Segment::Field(name) => out.push_str(&format!("['{name}']")),
                Segment::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }

    fn not_an_object(&self, at: usize) -> PathError {
        PathError::NotAnObject {
            path: self.text.clone(),
            at: self.prefix(at),
        }
    }

    fn not_an_array(&self, at: usize) -> PathError {
        PathError::NotAnArray {
            path: self.text.clone(),
            at: self.prefix(at),
        }
    }
}

impl fmt::Display for ReferencePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests;
