//! Evaluating a [`Query`] against a JSON value, with Jayway's rules for what is skipped and
//! what stops the evaluation.
//!
//! Jayway distinguishes tokens whose upstream is "definite" (nothing before them can have
//! produced several values): there a missing property or a value of the wrong type ends the
//! evaluation with `PathNotFoundException`, while after a wildcard, slice, filter or deep
//! scan the same situations only drop that branch. [`Stop::Abort`] is that exception; what
//! it means depends on the caller (no value for a definite path, no match in a filter).

use super::ast::{Anchor, Expr, Literal, Operand, Query, RelOp, Step};
use super::decimal::{java_number_to_string, Decimal};
use super::function;
use super::regex::Regex;
use super::PathError;
use crate::budget::{Budget, OverBudget};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

/// The values a path evaluation can refer to.
#[derive(Clone, Copy)]
pub(super) struct Scope<'a> {
    /// What `$` denotes: the value the outermost path is evaluated against.
    pub(super) root: &'a Value,
    /// What `@` denotes: the item a filter is testing (the root outside filters).
    pub(super) current: &'a Value,
    /// What the whole evaluation may still use; filters and function arguments share it.
    pub(super) budget: &'a Budget,
}

impl<'a> Scope<'a> {
    /// The same scope with `@` (and, where a function argument starts over, `$`) moved.
    pub(super) fn at(self, root: &'a Value, current: &'a Value) -> Scope<'a> {
        Scope { root, current, ..self }
    }

    /// Turns a value the path selected into one it owns, counting the copy.
    pub(super) fn own(self, found: Found<'_>) -> Result<Value, Stop> {
        match found {
            Cow::Borrowed(value) => {
                self.budget.charge_value(value).map_err(Stop::over)?;
                Ok(value.clone())
            }
            Cow::Owned(value) => Ok(value),
        }
    }

    /// Counts a value the evaluation built.
    pub(super) fn built(self, value: Value) -> Result<Value, Stop> {
        self.budget.charge_value(&value).map_err(Stop::over)?;
        Ok(value)
    }
}

/// Why an evaluation ended early.
#[derive(Debug)]
pub(super) enum Stop {
    /// Jayway's `PathNotFoundException`: the path cannot select anything here.
    Abort,
    /// Jayway's `InvalidPathException` raised while comparing (e.g. `in` with a non-list):
    /// the whole filter predicate is false.
    Invalid,
    /// A function failed, or the budget ran out; Jayway lets this escape the whole read.
    Failed(PathError),
}

impl Stop {
    pub(super) fn over(over: OverBudget) -> Stop {
        Stop::Failed(PathError::OverBudget(over))
    }
}

/// One value a path selected: borrowed from the document, or built (merged properties,
/// function results).
pub(super) type Found<'a> = Cow<'a, Value>;

impl Query {
    /// Everything the path selects from `doc`, then passed through its functions.
    /// `strict` is Jayway's `REQUIRE_PROPERTIES` option, which existence tests use: any
    /// missing property then aborts.
    pub(super) fn evaluate<'a>(
        &'a self,
        doc: &'a Value,
        scope: Scope<'a>,
        strict: bool,
    ) -> Result<Vec<Found<'a>>, Stop> {
        let mut walker = Walker {
            query: self,
            scope,
            strict,
            found: Vec::new(),
        };
        walker.step(0, doc, true)?;
        let found = walker.found;
        if self.calls.is_empty() {
            return Ok(found);
        }
        if self.is_definite() {
            let Some(value) = found.into_iter().last() else {
                return Ok(Vec::new());
            };
            return Ok(vec![Cow::Owned(self.apply_calls(value, scope)?)]);
        }
        found
            .into_iter()
            .map(|value| self.apply_calls(value, scope).map(Cow::Owned))
            .collect()
    }

    fn apply_calls<'a>(&'a self, value: Found<'a>, scope: Scope<'a>) -> Result<Value, Stop> {
        let mut current = value;
        for call in &self.calls {
            current = Cow::Owned(scope.built(function::invoke(call, &current, scope)?)?);
        }
        scope.own(current)
    }

    /// The value `$` or `@` starts from.
    pub(super) fn start<'a>(&self, scope: Scope<'a>) -> &'a Value {
        match self.anchor {
            Anchor::Current => scope.current,
            Anchor::Root(_) => scope.root,
        }
    }

    /// The value of the path as a function argument or filter operand: the single value of
    /// a definite path (`None` when it selects nothing), or the list of matches.
    pub(super) fn value<'a>(&'a self, scope: Scope<'a>) -> Result<Option<Found<'a>>, Stop> {
        let definite = self.is_definite();
        match self.evaluate(self.start(scope), scope, false) {
            Ok(mut found) if definite => Ok(found.pop()),
            Ok(found) => Ok(Some(Cow::Owned(Value::Array(
                found
                    .into_iter()
                    .map(|found| scope.own(found))
                    .collect::<Result<_, _>>()?,
            )))),
            Err(Stop::Abort) if !definite => Ok(Some(Cow::Owned(Value::Array(Vec::new())))),
            Err(Stop::Abort) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

struct Walker<'q, 'a> {
    query: &'q Query,
    scope: Scope<'a>,
    strict: bool,
    found: Vec<Found<'a>>,
}

impl<'q, 'a> Walker<'q, 'a>
where
    'q: 'a,
{
    /// Applies step `index` (and, through recursion, all after it) to `node`.
    /// `upstream_definite` tells whether every step before `index` was definite.
    fn step(&mut self, index: usize, node: &'a Value, upstream_definite: bool) -> Result<(), Stop> {
        self.scope.budget.step().map_err(Stop::over)?;
        let Some(step) = self.query.steps.get(index) else {
            self.scope
                .budget
                .charge(std::mem::size_of::<Found<'_>>())
                .map_err(Stop::over)?;
            self.found.push(Cow::Borrowed(node));
            return Ok(());
        };
        let definite = upstream_definite && step.is_definite(self.query.is_leaf(index));
        match step {
            Step::Property { names, .. } => self.property(index, names, node, upstream_definite),
            Step::Index(indexes) => {
                let Some(items) = node.as_array() else {
                    return mismatch(upstream_definite);
                };
                for &i in indexes {
                    if let Some(item) = resolve_index(items, i) {
                        self.step(index + 1, item, definite)?;
                    }
                }
                Ok(())
            }
            Step::Slice { from, to } => {
                let Some(items) = node.as_array() else {
                    return mismatch(upstream_definite);
                };
                for item in slice(items, *from, *to) {
                    self.step(index + 1, item, false)?;
                }
                Ok(())
            }
            Step::Wildcard => {
                match node {
                    Value::Object(map) => {
                        for value in map.values() {
                            self.step(index + 1, value, false)?;
                        }
                    }
                    Value::Array(items) => {
                        for item in items {
                            self.step(index + 1, item, false)?;
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            Step::Scan => self.scan(index, node),
            Step::Filter(expr) => match node {
                Value::Object(_) => {
                    if self.accept(expr, node)? {
                        self.step(index + 1, node, false)?;
                    }
                    Ok(())
                }
                Value::Array(items) => {
                    for item in items {
                        if self.accept(expr, item)? {
                            self.step(index + 1, item, false)?;
                        }
                    }
                    Ok(())
                }
                _ => mismatch(upstream_definite),
            },
        }
    }

    fn property(
        &mut self,
        index: usize,
        names: &'q [String],
        node: &'a Value,
        upstream_definite: bool,
    ) -> Result<(), Stop> {
        let Some(map) = node.as_object() else {
            return mismatch(upstream_definite);
        };
        let leaf = self.query.is_leaf(index);
        if let [name] = names {
            return match map.get(name) {
                Some(value) => self.step(index + 1, value, upstream_definite),
                // A missing leaf is "no result"; a missing property in the middle of a
                // definite path is the end of it.
                None if self.strict || (!leaf && upstream_definite) => Err(Stop::Abort),
                None => Ok(()),
            };
        }
        if leaf {
            // `$['a','b']` as last token: one object holding the properties that exist.
            let mut merged = Map::new();
            for name in names {
                match map.get(name) {
                    Some(value) => {
                        self.scope.budget.charge_value(value).map_err(Stop::over)?;
                        merged.insert(name.clone(), value.clone());
                    }
                    None if self.strict => return Err(Stop::Abort),
                    None => {}
                }
            }
            self.found.push(Cow::Owned(Value::Object(merged)));
            return Ok(());
        }
        for name in names {
            match map.get(name) {
                Some(value) => self.step(index + 1, value, false)?,
                None if self.strict => return Err(Stop::Abort),
                None => {}
            }
        }
        Ok(())
    }

    /// `..target`: applies the target step to `node` and each descendant, parents first.
    fn scan(&mut self, index: usize, node: &'a Value) -> Result<(), Stop> {
        self.scope.budget.step().map_err(Stop::over)?;
        let target = index + 1;
        if self.scan_matches(target, node)? {
            self.step(target, node, false)?;
        }
        match node {
            Value::Object(map) => {
                for value in map.values().filter(|v| v.is_object() || v.is_array()) {
                    self.scan(index, value)?;
                }
            }
            Value::Array(items) => {
                for item in items.iter().filter(|v| v.is_object() || v.is_array()) {
                    self.scan(index, item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether a deep scan applies its target step to `node` (Jayway's scan predicates):
    /// a property only to objects having it, an index only to arrays, a filter only where
    /// the node itself passes the filter.
    fn scan_matches(&mut self, target: usize, node: &'a Value) -> Result<bool, Stop> {
        if !(node.is_object() || node.is_array()) {
            return Ok(false);
        }
        Ok(match self.query.steps.get(target) {
            Some(Step::Property { names, .. }) => match node.as_object() {
                Some(map) if names.len() == 1 || self.query.is_leaf(target) => {
                    names.iter().all(|name| map.contains_key(name))
                }
                Some(_) => true,
                None => false,
            },
            Some(Step::Index(_) | Step::Slice { .. }) => node.is_array(),
            Some(Step::Wildcard) => true,
            Some(Step::Filter(expr)) => self.accept(expr, node)?,
            Some(Step::Scan) | None => false,
        })
    }

    /// Whether `item` passes a filter; comparison errors make the predicate false.
    fn accept(&self, expr: &'q Expr, item: &'a Value) -> Result<bool, Stop> {
        let scope = self.scope.at(self.scope.root, item);
        match expr.test(scope) {
            Ok(passes) => Ok(passes),
            Err(Stop::Failed(error)) => Err(Stop::Failed(error)),
            Err(Stop::Abort | Stop::Invalid) => Ok(false),
        }
    }
}

/// A token met a value of the wrong type: fatal only where the path is still definite.
fn mismatch(upstream_definite: bool) -> Result<(), Stop> {
    if upstream_definite {
        Err(Stop::Abort)
    } else {
        Ok(())
    }
}

/// `items[index]`, counting from the end for negative indexes.
pub(super) fn resolve_index(items: &[Value], index: i32) -> Option<&Value> {
    array_position(items.len(), index).and_then(|i| items.get(i))
}

/// The position `index` denotes in an array of `len` elements (negative counts from the
/// end), if it is inside the array.
pub(super) fn array_position(len: usize, index: i32) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let effective = if index < 0 {
        len + i64::from(index)
    } else {
        i64::from(index)
    };
    (0..len)
        .contains(&effective)
        .then(|| usize::try_from(effective).ok())
        .flatten()
}

/// Jayway's slice arithmetic, including its quirks: `[-4:1]` walks from the 4th-last
/// element through the first, the end is clamped to the length but a negative end is not
/// counted from the end when a start is given.
fn slice(items: &[Value], from: Option<i32>, to: Option<i32>) -> Vec<&Value> {
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let at = |i: i64| -> Option<&Value> {
        let effective = if i < 0 { len + i } else { i };
        usize::try_from(effective).ok().and_then(|i| items.get(i))
    };
    let range: std::ops::Range<i64> = match (from, to) {
        (Some(from), None) => {
            let mut from = i64::from(from);
            if from < 0 {
                from += len;
            }
            from.max(0)..len
        }
        (Some(from), Some(to)) => {
            let to = i64::from(to).min(len);
            // Indexes below -len select nothing; skipping them keeps the loop short.
            i64::from(from).max(-len)..to
        }
        (None, Some(to)) => {
            let mut to = i64::from(to);
            if to < 0 {
                to += len;
            }
            0..to.min(len)
        }
        (None, None) => 0..0,
    };
    range.filter_map(at).collect()
}

/// A filter operand after evaluation (Jayway's `ValueNode` kinds).
enum Node<'a> {
    /// A path that selected nothing; equal to nothing, not even itself.
    Undefined,
    Null,
    Bool(bool),
    Number(Decimal),
    Str(Cow<'a, str>),
    /// An array or object; `literal` marks JSON written in the filter, which Jayway keeps
    /// as unparsed text on the left of `==` and therefore never finds equal.
    Json {
        value: Cow<'a, Value>,
        literal: bool,
    },
    Pattern(&'a Regex),
}

impl<'a> Node<'a> {
    fn from_found(found: Found<'a>) -> Node<'a> {
        match found {
            Cow::Borrowed(value) => Node::from_ref(value),
            Cow::Owned(value) => match value {
                Value::Null => Node::Null,
                Value::Bool(b) => Node::Bool(b),
                Value::Number(n) => Node::Number(Decimal::from_json(&n)),
                Value::String(s) => Node::Str(Cow::Owned(s)),
                other => Node::Json {
                    value: Cow::Owned(other),
                    literal: false,
                },
            },
        }
    }

    fn from_ref(value: &'a Value) -> Node<'a> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(Decimal::from_json(n)),
            Value::String(s) => Node::Str(Cow::Borrowed(s)),
            other => Node::Json {
                value: Cow::Borrowed(other),
                literal: false,
            },
        }
    }

    fn from_literal(literal: &'a Literal) -> Node<'a> {
        match literal {
            Literal::Null => Node::Null,
            Literal::Bool(b) => Node::Bool(*b),
            Literal::Number(n) => Node::Number(n.clone()),
            Literal::String(s) => Node::Str(Cow::Borrowed(s)),
            Literal::Json(value) => match value {
                Value::Array(_) | Value::Object(_) => Node::Json {
                    value: Cow::Borrowed(value),
                    literal: true,
                },
                scalar => Node::from_ref(scalar),
            },
            Literal::Pattern(regex) => Node::Pattern(regex),
        }
    }

    /// Jayway's `ValueNode.equals`, which is not symmetric: a string on the left compares
    /// text with the number's `toString()`, a number on the left parses the string.
    fn equals(&self, other: &Node<'_>) -> bool {
        match (self, other) {
            (Node::Str(a), Node::Str(b)) => a == b,
            (Node::Str(a), Node::Number(b)) => a.as_ref() == b.to_java_string(),
            (Node::Number(a), Node::Number(b)) => a.compare(b) == Ordering::Equal,
            (Node::Number(a), Node::Str(b)) => Decimal::parse(b).is_some_and(|b| a.compare(&b) == Ordering::Equal),
            (Node::Bool(a), Node::Bool(b)) => a == b,
            (Node::Null, Node::Null) => true,
            (Node::Json { value: a, .. }, Node::Json { value: b, .. }) => a == b,
            _ => false,
        }
    }

    fn same_kind(&self, other: &Node<'_>) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// The elements of an array node, as nodes; `Ok(None)` for other JSON, and an
    /// `Invalid` stop for non-JSON nodes, as Jayway's `asValueListNode` throws.
    fn list(&self) -> Result<Option<Vec<Node<'_>>>, Stop> {
        match self {
            Node::Json { value, .. } => Ok(value.as_array().map(|items| items.iter().map(Node::from_ref).collect())),
            _ => Err(Stop::Invalid),
        }
    }

    /// The text `=~` matches against.
    fn regex_input(&self) -> String {
        match self {
            Node::Str(s) => s.to_string(),
            Node::Number(n) => n.to_java_string(),
            Node::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    }
}

impl Expr {
    /// Evaluates the filter with `@` = `scope.current`.
    fn test(&self, scope: Scope<'_>) -> Result<bool, Stop> {
        match self {
            Expr::Or(operands) => {
                for operand in operands {
                    if operand.test(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Expr::And(operands) => {
                for operand in operands {
                    if !operand.test(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Not(inner) => Ok(!inner.test(scope)?),
            Expr::Exists { query, expected } => {
                let exists = match query.evaluate(query.start(scope), scope, true) {
                    Ok(found) => !query.is_definite() || !found.is_empty(),
                    Err(Stop::Abort) => false,
                    Err(other) => return Err(other),
                };
                Ok(exists == *expected)
            }
            Expr::Compare { left, op, right } => {
                let left = operand(left, scope)?;
                let right = operand(right, scope)?;
                compare(&left, *op, &right)
            }
        }
    }
}

fn operand<'a>(operand: &'a Operand, scope: Scope<'a>) -> Result<Node<'a>, Stop> {
    match operand {
        Operand::Literal(literal) => Ok(Node::from_literal(literal)),
        Operand::Query(query) => Ok(match query.value(scope)? {
            Some(found) => Node::from_found(found),
            None => Node::Undefined,
        }),
    }
}

/// Jayway's evaluators, one per operator.
fn compare(left: &Node<'_>, op: RelOp, right: &Node<'_>) -> Result<bool, Stop> {
    Ok(match op {
        RelOp::Eq => equal(left, right),
        RelOp::Ne => !equal(left, right),
        RelOp::StrictEq => left.same_kind(right) && equal(left, right),
        RelOp::StrictNe => !(left.same_kind(right) && equal(left, right)),
        RelOp::Lt => order(left, right).is_some_and(Ordering::is_lt),
        RelOp::Le => order(left, right).is_some_and(Ordering::is_le),
        RelOp::Gt => order(left, right).is_some_and(Ordering::is_gt),
        RelOp::Ge => order(left, right).is_some_and(Ordering::is_ge),
        RelOp::Regex => match (left, right) {
            (Node::Pattern(_), Node::Pattern(_)) => false,
            (Node::Pattern(regex), other) | (other, Node::Pattern(regex)) => regex.matches_fully(&other.regex_input()),
            _ => false,
        },
        RelOp::Size => {
            let Node::Number(expected) = right else {
                return Ok(false);
            };
            let actual = match left {
                Node::Str(s) => i64::try_from(s.encode_utf16().count()).ok(),
                Node::Json { value, .. } => Some(
                    value
                        .as_array()
                        .and_then(|items| i64::try_from(items.len()).ok())
                        .unwrap_or(-1),
                ),
                _ => return Ok(false),
            };
            actual.is_some() && actual == expected.integer_part()
        }
        RelOp::Empty => {
            let is_empty = match left {
                Node::Str(s) => s.is_empty(),
                Node::Json { value, .. } => match value.as_ref() {
                    Value::Array(items) => items.is_empty(),
                    Value::Object(map) => map.is_empty(),
                    _ => true,
                },
                _ => return Ok(false),
            };
            let Node::Bool(expected) = right else {
                return Err(Stop::Invalid);
            };
            is_empty == *expected
        }
        RelOp::In => match right.list()? {
            Some(items) => items.iter().any(|item| left.equals(item)),
            None => false,
        },
        RelOp::Nin => match right.list()? {
            Some(items) => !items.iter().any(|item| left.equals(item)),
            None => true,
        },
        RelOp::Contains => match left {
            Node::Str(text) => match right {
                Node::Str(part) => text.contains(part.as_ref()),
                _ => false,
            },
            Node::Json { value, .. } => value
                .as_array()
                .is_some_and(|items| items.iter().any(|item| right.equals(&Node::from_ref(item)))),
            _ => false,
        },
        RelOp::SubsetOf | RelOp::AnyOf | RelOp::NoneOf => {
            let Some(right_items) = right.list()? else {
                return Ok(false);
            };
            let Some(left_items) = left.list()? else {
                return Ok(false);
            };
            let contained = |l: &Node<'_>| right_items.iter().any(|r| l.equals(r));
            match op {
                RelOp::SubsetOf => left_items.iter().all(contained),
                RelOp::AnyOf => left_items.iter().any(contained),
                _ => !left_items.iter().any(contained),
            }
        }
        RelOp::Exists => match (left, right) {
            (Node::Bool(a), Node::Bool(b)) => a == b,
            _ => return Err(Stop::Invalid),
        },
        // `all`, `type` and `matches` need operands only Jayway's Java API can build.
        RelOp::All | RelOp::Type | RelOp::Matches => return Err(Stop::Invalid),
    })
}

/// `==`: JSON compares as JSON, except JSON written on the left of the operator.
fn equal(left: &Node<'_>, right: &Node<'_>) -> bool {
    match (left, right) {
        (Node::Json { literal: true, .. }, Node::Json { .. }) => false,
        _ => left.equals(right),
    }
}

/// `<` and friends compare numbers with numbers and strings with strings (in Java's
/// UTF-16 order); anything else is not ordered.
fn order(left: &Node<'_>, right: &Node<'_>) -> Option<Ordering> {
    match (left, right) {
        (Node::Number(a), Node::Number(b)) => Some(a.compare(b)),
        (Node::Str(a), Node::Str(b)) => Some(a.encode_utf16().cmp(b.encode_utf16())),
        _ => None,
    }
}

/// Java's `toString` of a function argument or array element, used by `concat()`.
pub(super) fn java_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => java_number_to_string(n),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        other => other.to_string(),
    }
}
