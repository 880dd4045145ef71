//! Field values: types, ranges, paths, payload templates and `X`/`XPath` pairs.

use serde_json::{Map as JsonMap, Value};

use super::{codes, is_jsonata_expression, one_of_values, only_one_of, Loader, Loc};
use crate::definition::{Dynamic, QueryLanguage, ResultPath};
use crate::intrinsics::Intrinsic;
use crate::jsonata::Expression;
use crate::path::{Path, ReferencePath};
use crate::template::Template;

/// The largest `TimeoutSeconds`, `HeartbeatSeconds`, `Seconds`, `IntervalSeconds` and
/// `MaxAttempts` (Developer Guide; the linter measured it for all but `IntervalSeconds`).
pub(super) const MAX_SECONDS: u64 = 99_999_999;

/// The JSON type a field should have.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
}

impl Kind {
    /// AWS words a string type error `Expected value of type [STRING]` (measured by an
    /// emulator, for `QueryLanguage`) and an integer one `Expected value of type Integer`
    /// (quoted by the linter); the other types follow the integer wording.
    fn message(self) -> &'static str {
        match self {
            Kind::String => "Expected value of type [STRING]",
            Kind::Integer => "Expected value of type Integer",
            Kind::Number => "Expected value of type Number",
            Kind::Boolean => "Expected value of type Boolean",
            Kind::Object => "Expected value of type Object",
            Kind::Array => "Expected value of type Array",
        }
    }
}

/// The language a `QueryLanguage` value selects, and what is wrong with the value. As an
/// emulator measured on AWS, only exactly `JSONPath` selects JSONPath: any other value, wrong
/// case or wrong type included, selects JSONata (and is reported).
pub(super) fn query_language(value: &Value) -> (QueryLanguage, Option<&'static str>) {
    match value.as_str() {
        Some("JSONPath") => (QueryLanguage::JsonPath, None),
        Some("JSONata") => (QueryLanguage::Jsonata, None),
        Some(_) => (QueryLanguage::Jsonata, Some(QUERY_LANGUAGES)),
        None => (QueryLanguage::Jsonata, Some(Kind::String.message())),
    }
}

const QUERY_LANGUAGES: &str = "Value should be one of the following: [JSONPath, JSONata]";

/// A reference path's problem, as the linter quotes AWS: `Value is not a Reference Path:
/// Reference path didn't start with '$'`.
fn not_a_reference_path(text: &str) -> &'static str {
    if text.starts_with('$') {
        "Value is not a Reference Path"
    } else {
        "Value is not a Reference Path: Reference path didn't start with '$'"
    }
}

/// A path's problem, as the linter quotes AWS.
const NOT_A_PATH: &str = "Value must be a valid JSONPath.";

/// Whether a literal string looks like something meant to be evaluated.
fn looks_like_path(text: &str) -> bool {
    text == "$" || text.starts_with("$.") || text.starts_with("$[") || text.starts_with("$$.")
}

impl Loader {
    pub(super) fn type_error(&mut self, loc: &Loc, kind: Kind) {
        self.schema(loc, kind.message());
    }

    /// `value` as an array with at least one entry (`Branches`, `Choices`, `ErrorEquals`,
    /// `And`/`Or`), or the error AWS reports for it.
    pub(super) fn non_empty_array<'v>(&mut self, value: &'v Value, loc: &Loc) -> Option<&'v Vec<Value>> {
        let Some(list) = value.as_array() else {
            self.type_error(loc, Kind::Array);
            return None;
        };
        if list.is_empty() {
            self.schema(loc, "Value cannot be empty");
            return None;
        }
        Some(list)
    }

    pub(super) fn opt_string(&mut self, obj: &JsonMap<String, Value>, key: &str, loc: &Loc) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.type_error(&loc.key(key), Kind::String);
                None
            }
        }
    }

    /// A string field that must be present when the caller asks for it.
    pub(super) fn string<'v>(&mut self, value: &'v Value, loc: &Loc) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.type_error(loc, Kind::String);
        }
        text
    }

    /// An integer in `min..=max`, worded as the linter measured: `Minimum value is 0`,
    /// `Maximum value is 99999999`.
    pub(super) fn integer(&mut self, value: &Value, loc: &Loc, min: i64, max: Option<u64>) -> Option<u64> {
        let n = match (value.as_u64(), value.as_i64()) {
            (Some(n), _) => n,
            (None, Some(_)) => {
                self.schema(loc, format!("Minimum value is {min}"));
                return None;
            }
            (None, None) => {
                self.type_error(loc, Kind::Integer);
                return None;
            }
        };
        if i64::try_from(n).is_ok_and(|n| n < min) {
            self.schema(loc, format!("Minimum value is {min}"));
            return None;
        }
        if let Some(max) = max.filter(|max| n > *max) {
            self.schema(loc, format!("Maximum value is {max}"));
            return None;
        }
        Some(n)
    }

    /// A number in `min..=max`.
    pub(super) fn number(&mut self, value: &Value, loc: &Loc, min: f64, max: Option<f64>) -> Option<f64> {
        let Some(n) = value.as_f64() else {
            self.type_error(loc, Kind::Number);
            return None;
        };
        if n < min {
            self.schema(loc, format!("Minimum value is {min}"));
            return None;
        }
        if let Some(max) = max.filter(|max| n > *max) {
            self.schema(loc, format!("Maximum value is {max}"));
            return None;
        }
        Some(n)
    }

    /// A string field that must be one of `allowed`.
    pub(super) fn enumeration<'v>(&mut self, value: &'v Value, loc: &Loc, allowed: &[&str]) -> Option<&'v str> {
        let text = self.string(value, loc)?;
        if allowed.contains(&text) {
            Some(text)
        } else {
            self.schema(loc, one_of_values(allowed));
            None
        }
    }

    /// Whether both fields of a mutually exclusive pair are present (and reported, at the
    /// first, where an emulator measured AWS's location for `MaxConcurrency`).
    pub(super) fn both(&mut self, obj: &JsonMap<String, Value>, a: &str, b: &str, loc: &Loc) -> bool {
        let both = obj.contains_key(a) && obj.contains_key(b);
        if both {
            self.schema(&loc.key(a), only_one_of(&[a, b]));
        }
        both
    }

    /// `InputPath` or `OutputPath` of a JSONPath state: `None` when absent, `Some(None)` for
    /// `null`.
    pub(super) fn optional_path(&mut self, obj: &JsonMap<String, Value>, key: &str, loc: &Loc) -> Option<Option<Path>> {
        let field_loc = loc.key(key);
        match obj.get(key)? {
            Value::Null => Some(None),
            value => {
                let text = self.string(value, &field_loc)?;
                match Path::parse(text) {
                    Ok(path) => Some(Some(path)),
                    Err(_) => {
                        self.schema(&field_loc, NOT_A_PATH);
                        None
                    }
                }
            }
        }
    }

    /// A reference path field (`ResultPath`, `ItemsPath`, `...Path`, `Variable`).
    pub(super) fn reference_path(&mut self, value: &Value, loc: &Loc) -> Option<ReferencePath> {
        let text = self.string(value, loc)?;
        match ReferencePath::parse(text) {
            Ok(path) => Some(path),
            Err(_) => {
                self.schema(loc, not_a_reference_path(text));
                None
            }
        }
    }

    /// `ResultPath` of a JSONPath state or catcher.
    pub(super) fn result_path(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &Loc,
        language: QueryLanguage,
    ) -> ResultPath {
        if language == QueryLanguage::Jsonata {
            return ResultPath::Replace;
        }
        match obj.get("ResultPath") {
            None => ResultPath::Replace,
            Some(Value::Null) => ResultPath::Discard,
            Some(Value::String(s)) if s == "$" => ResultPath::Replace,
            Some(value) => self
                .reference_path(value, &loc.key("ResultPath"))
                .map(ResultPath::At)
                .unwrap_or_default(),
        }
    }

    /// A payload template field of the state at `loc`, when the state's language reads it.
    pub(super) fn template_field(
        &mut self,
        obj: &JsonMap<String, Value>,
        key: &str,
        loc: &Loc,
        language: QueryLanguage,
    ) -> Option<Template> {
        obj.get(key).map(|v| self.template(v, &loc.key(key), language))
    }

    /// Compile a payload template. In JSONPath states, keys ending in `.$` are dynamic; in
    /// JSONata states, strings wrapped in `{% %}` are. Problems anywhere inside are located at
    /// the field itself, as AWS located a bad `parsed.$` at `/States/X/Parameters` (recorded
    /// AWS response).
    pub(super) fn template(&mut self, value: &Value, loc: &Loc, language: QueryLanguage) -> Template {
        let field = loc
            .aws
            .strip_prefix(&format!("{}/", self.state_aws))
            .unwrap_or(&loc.aws)
            .to_owned();
        self.compile(value, loc, language, &field)
    }

    /// Parse a JSONata expression once, at load time. `field` is its path within the state.
    pub(super) fn jsonata(&mut self, text: &str, field: &str, loc: &Loc) -> Template {
        match Expression::parse(text) {
            Ok(expression) => Template::Jsonata {
                field: field.to_owned(),
                expression: Box::new(expression),
            },
            Err(e) => {
                self.schema(loc, format!("The JSONata expression '{text}' is not valid: {e}"));
                Template::Literal(Value::Null)
            }
        }
    }

    fn compile(&mut self, value: &Value, loc: &Loc, language: QueryLanguage, field: &str) -> Template {
        match (value, language) {
            (Value::String(s), QueryLanguage::Jsonata) if is_jsonata_expression(s) => {
                self.jsonata(s[2..s.len() - 2].trim(), field, loc)
            }
            (Value::String(s), QueryLanguage::Jsonata) if s.starts_with("{%") || s.ends_with("%}") => {
                // Wording quoted by the linter.
                self.schema(loc, "JSONata string must start with {% and end with %}");
                Template::Literal(value.clone())
            }
            (Value::Object(obj), _) => {
                let mut members = Vec::with_capacity(obj.len());
                for (key, v) in obj {
                    match (key.strip_suffix(".$"), language) {
                        (Some(stripped), QueryLanguage::JsonPath) => {
                            members.push((stripped.to_owned(), self.dynamic_value(key, v, loc)))
                        }
                        _ => {
                            if language == QueryLanguage::JsonPath
                                && v.as_str()
                                    .is_some_and(|s| looks_like_path(s) || Intrinsic::looks_like_call(s))
                            {
                                self.warning(
                                    codes::NO_DOLLAR,
                                    loc,
                                    format!(
                                        "The value of the field '{key}' looks like a JSONPath or an intrinsic function call, but the field name does not end with '.$'"
                                    ),
                                );
                            }
                            members.push((key.clone(), self.compile(v, loc, language, &format!("{field}/{key}"))))
                        }
                    }
                }
                if members.iter().all(|(_, t)| t.is_literal()) {
                    Template::Literal(value.clone())
                } else {
                    Template::Object(members)
                }
            }
            (Value::Array(items), _) => {
                let items: Vec<Template> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.compile(v, loc, language, &format!("{field}[{i}]")))
                    .collect();
                if items.iter().all(Template::is_literal) {
                    Template::Literal(value.clone())
                } else {
                    Template::Array(items)
                }
            }
            _ => Template::Literal(value.clone()),
        }
    }

    /// The value of a `key.$` member: a path or an intrinsic call.
    fn dynamic_value(&mut self, key: &str, value: &Value, loc: &Loc) -> Template {
        let parsed = value.as_str().and_then(|text| {
            if Intrinsic::looks_like_call(text) {
                Intrinsic::parse(text).ok().map(|call| Template::Intrinsic {
                    field: key.to_owned(),
                    call,
                })
            } else {
                Path::parse(text).ok().map(|path| Template::Path {
                    field: key.to_owned(),
                    path,
                })
            }
        });
        parsed.unwrap_or_else(|| {
            // Recorded AWS response (conformance case `test_illegal_escapes`).
            self.schema(
                loc,
                format!("The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"),
            );
            Template::Literal(Value::Null)
        })
    }

    /// An integer field given literally, as `<key>Path` (JSONPath) or as an expression
    /// (JSONata). `None` when absent or wrong.
    pub(super) fn dynamic_integer(
        &mut self,
        obj: &JsonMap<String, Value>,
        key: &str,
        loc: &Loc,
        language: QueryLanguage,
        range: (i64, Option<u64>),
    ) -> Option<Dynamic<u64>> {
        self.dynamic(obj, key, loc, language, |this, v, l| {
            this.integer(v, l, range.0, range.1)
        })
    }

    /// A number field given literally, as `<key>Path` or as an expression.
    pub(super) fn dynamic_number(
        &mut self,
        obj: &JsonMap<String, Value>,
        key: &str,
        loc: &Loc,
        language: QueryLanguage,
        range: (f64, Option<f64>),
    ) -> Option<Dynamic<f64>> {
        self.dynamic(obj, key, loc, language, |this, v, l| {
            this.number(v, l, range.0, range.1)
        })
    }

    fn dynamic<T>(
        &mut self,
        obj: &JsonMap<String, Value>,
        key: &str,
        loc: &Loc,
        language: QueryLanguage,
        literal: impl FnOnce(&mut Self, &Value, &Loc) -> Option<T>,
    ) -> Option<Dynamic<T>> {
        let path_key = format!("{key}Path");
        if language == QueryLanguage::JsonPath && self.both(obj, key, &path_key, loc) {
            return None;
        }
        match (obj.get(key), obj.get(&path_key)) {
            (Some(Value::String(s)), _) if language == QueryLanguage::Jsonata && is_jsonata_expression(s) => {
                Some(Dynamic::Expression(self.jsonata(s[2..s.len() - 2].trim(), key, loc)))
            }
            (Some(v), _) => literal(self, v, &loc.key(key)).map(Dynamic::Literal),
            (None, Some(v)) if language == QueryLanguage::JsonPath => {
                self.reference_path(v, &loc.key(&path_key)).map(Dynamic::Path)
            }
            _ => None,
        }
    }
}
