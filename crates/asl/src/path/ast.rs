//! The parsed form of a JSONPath: a chain of steps, then optional function calls.
//!
//! The shape follows Jayway's token chain, because Jayway's results depend on it: whether
//! a token is "definite" decides between one value and a list, and between skipping a
//! missing property and failing. Filters keep Jayway's operand kinds for the same reason.

use super::decimal::Decimal;
use super::regex::Regex;
use super::Root;
use serde_json::Value;

/// What the first token of a path refers to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Anchor {
    /// `$`, `$$` or `$name` at the top level; inside filters and function arguments `$`
    /// always means the value the outer path is evaluated against (Jayway's document).
    Root(Root),
    /// `@`: the item a filter is testing (or, outside filters, the document).
    Current,
}

/// A path after parsing.
#[derive(Debug, Clone)]
pub(super) struct Query {
    pub(super) anchor: Anchor,
    pub(super) steps: Vec<Step>,
    /// Functions applied, in order, to what the steps select.
    pub(super) calls: Vec<Call>,
}

#[derive(Debug, Clone)]
pub(super) enum Step {
    /// `.name`, `['name']` or `['a','b']`; `quote` is the delimiter written, which Jayway
    /// repeats when it renders the path.
    Property { names: Vec<String>, quote: char },
    /// `[0]`, `[-1]` or the union `[0,2]`.
    Index(Vec<i32>),
    /// `[1:3]`, `[1:]`, `[:2]`; Jayway ignores a step (`[0:4:2]`).
    Slice { from: Option<i32>, to: Option<i32> },
    /// `.*` or `[*]`.
    Wildcard,
    /// `..`: the next step applies to the node and all its descendants.
    Scan,
    /// `[?(...)]`.
    Filter(Box<Expr>),
}

#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) function: Function,
    /// The name as written (`length` and `size` are the same function).
    pub(super) name: String,
    pub(super) args: Vec<Arg>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Function {
    Length,
    Sum,
    Avg,
    Min,
    Max,
    StdDev,
    Concat,
    Append,
    Keys,
    First,
    Last,
    Index,
    Distinct,
}

impl Function {
    pub(super) fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "length" | "size" => Function::Length,
            "sum" => Function::Sum,
            "avg" => Function::Avg,
            "min" => Function::Min,
            "max" => Function::Max,
            "stddev" => Function::StdDev,
            "concat" => Function::Concat,
            "append" => Function::Append,
            "keys" => Function::Keys,
            "first" => Function::First,
            "last" => Function::Last,
            "index" => Function::Index,
            "distinct" => Function::Distinct,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub(super) enum Arg {
    /// A JSON literal such as `5`, `"-"` or `{"a":1}`.
    Json(Value),
    /// A path such as `$.numbers.max()`.
    Path(Box<Query>),
}

/// A filter expression.
#[derive(Debug, Clone)]
pub(super) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// `@.isbn` alone (or `!@.isbn`): does the path select something?
    Exists {
        query: Query,
        expected: bool,
    },
    Compare {
        left: Operand,
        op: RelOp,
        right: Operand,
    },
}

#[derive(Debug, Clone)]
pub(super) enum Operand {
    Query(Query),
    Literal(Literal),
}

#[derive(Debug, Clone)]
pub(super) enum Literal {
    Null,
    Bool(bool),
    Number(Decimal),
    String(String),
    Json(Value),
    Pattern(Regex),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum RelOp {
    Eq,
    /// `===`: equal and of the same kind.
    StrictEq,
    Ne,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    Regex,
    In,
    Nin,
    Contains,
    All,
    Size,
    Exists,
    Type,
    Matches,
    Empty,
    SubsetOf,
    AnyOf,
    NoneOf,
}

impl RelOp {
    /// Jayway's operator table; word operators are case-insensitive.
    pub(super) fn from_text(text: &str) -> Option<RelOp> {
        Some(match text.to_uppercase().as_str() {
            "==" => RelOp::Eq,
            "===" => RelOp::StrictEq,
            "!=" => RelOp::Ne,
            "!==" => RelOp::StrictNe,
            "<" => RelOp::Lt,
            "<=" => RelOp::Le,
            ">" => RelOp::Gt,
            ">=" => RelOp::Ge,
            "=~" => RelOp::Regex,
            "IN" => RelOp::In,
            "NIN" => RelOp::Nin,
            "CONTAINS" => RelOp::Contains,
            "ALL" => RelOp::All,
            "SIZE" => RelOp::Size,
            "EXISTS" => RelOp::Exists,
            "TYPE" => RelOp::Type,
            "MATCHES" => RelOp::Matches,
            "EMPTY" => RelOp::Empty,
            "SUBSETOF" => RelOp::SubsetOf,
            "ANYOF" => RelOp::AnyOf,
            "NONEOF" => RelOp::NoneOf,
            _ => return None,
        })
    }
}

impl Step {
    /// Jayway's `isTokenDefinite`; a multi-property step is definite only as the last
    /// token, where its properties are merged into one object.
    pub(super) fn is_definite(&self, is_leaf: bool) -> bool {
        match self {
            Step::Property { names, .. } => names.len() == 1 || is_leaf,
            Step::Index(indexes) => indexes.len() == 1,
            Step::Slice { .. } | Step::Wildcard | Step::Scan | Step::Filter(_) => false,
        }
    }
}

impl Query {
    /// Whether step `index` is the last token of the path (no step or call follows).
    pub(super) fn is_leaf(&self, index: usize) -> bool {
        self.calls.is_empty() && index + 1 == self.steps.len()
    }

    /// Jayway's `isDefinite`: the path can select at most one value.
    pub(super) fn is_definite(&self) -> bool {
        self.steps
            .iter()
            .enumerate()
            .all(|(i, step)| step.is_definite(self.is_leaf(i)))
    }

    /// The steps and calls in Jayway's normalized notation (`['a'][0][*]..['b'].length()`).
    pub(super) fn render_body(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            match step {
                Step::Property { names, quote } => {
                    let rendered: Vec<String> = names.iter().map(|name| format!("{quote}{name}{quote}")).collect();
                    out.push('[');
                    out.push_str(&rendered.join(","));
                    out.push(']');
                }
                Step::Index(indexes) => {
                    let rendered: Vec<String> = indexes.iter().map(i32::to_string).collect();
                    out.push('[');
                    out.push_str(&rendered.join(","));
                    out.push(']');
                }
                Step::Slice { from, to } => {
                    let bound = |b: &Option<i32>| b.map(|v| v.to_string()).unwrap_or_default();
                    out.push_str(&format!("[{}:{}]", bound(from), bound(to)));
                }
                Step::Wildcard => out.push_str("[*]"),
                Step::Scan => out.push_str(".."),
                Step::Filter(_) => out.push_str("[?]"),
            }
        }
        for call in &self.calls {
            let args = if call.args.is_empty() { "()" } else { "(...)" };
            out.push_str(&format!(".{}{args}", call.name));
        }
        out
    }
}

impl Root {
    /// The token that starts a path with this root.
    pub(super) fn token(&self) -> String {
        match self {
            Root::Input => "$".to_string(),
            Root::Context => "$$".to_string(),
            Root::Variable(name) => format!("${name}"),
        }
    }
}
