//! From definition text to a validated [`StateMachine`].
//!
//! The definition is read into a JSON value, then walked field by field. Every problem is
//! recorded as a [`Diagnostic`] with AWS's code, message and location (a JSON pointer such as
//! `/States/Foo/Next`) and the walk goes on, so a user sees all problems at once, as
//! ValidateStateMachineDefinition reports them.

use std::collections::{HashMap, HashSet};

use serde_json::{Map as JsonMap, Value};

use crate::choice::{ChoiceRule, Operand, Test, OPERATORS};
use crate::definition::*;
use crate::errors::names;
use crate::intrinsics::Intrinsic;
use crate::path::{Path, ReferencePath};
use crate::template::Template;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Warning => "WARNING",
        }
    }
}

/// One finding about a definition, shaped like AWS's `ValidateStateMachineDefinitionDiagnostic`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// AWS's code, e.g. `SCHEMA_VALIDATION_FAILED`.
    pub code: &'static str,
    pub message: String,
    /// A JSON pointer into the definition (`/States/Foo/Next`), or for unparsable JSON
    /// the parser's position.
    pub location: String,
}

/// The diagnostic codes AWS uses.
pub mod codes {
    pub const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    pub const UNREACHABLE_STATE: &str = "UNREACHABLE_STATE";
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
}

/// Parse JSON definition text.
pub fn parse_json(text: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|e| Diagnostic {
        severity: Severity::Error,
        code: codes::INVALID_JSON_DESCRIPTION,
        location: format!(
            "[Source: (String)\"{}\"; line: {}, column: {}]",
            text,
            e.line(),
            e.column()
        ),
        message: e.to_string(),
    })
}

/// Parse YAML definition text (AWS accepts YAML in the console and in Workflow Studio).
pub fn parse_yaml(text: &str) -> Result<Value, Diagnostic> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| Diagnostic {
        severity: Severity::Error,
        code: codes::INVALID_JSON_DESCRIPTION,
        location: "/".into(),
        message: e.to_string(),
    })
}

/// Load definition text (JSON, or YAML when it does not start like JSON).
pub fn load_text(text: &str) -> Result<StateMachine, Vec<Diagnostic>> {
    let trimmed = text.trim_start();
    let value = if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.is_empty() {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
    .map_err(|d| vec![d])?;
    load(&value)
}

/// Validate a definition and build its model. Warnings alone do not fail the load.
pub fn load(definition: &Value) -> Result<StateMachine, Vec<Diagnostic>> {
    let mut loader = Loader::default();
    let machine = loader.machine(definition, "", None, true);
    if loader.diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(loader.diagnostics);
    }
    machine.ok_or(loader.diagnostics)
}

/// Every diagnostic for a definition, warnings included.
pub fn diagnose(definition: &Value) -> Vec<Diagnostic> {
    let mut loader = Loader::default();
    loader.machine(definition, "", None, true);
    loader.diagnostics
}

#[derive(Default)]
struct Loader {
    diagnostics: Vec<Diagnostic>,
}

/// The fields each state type accepts, besides `Type` and `Comment`.
fn allowed_fields(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "Pass" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "Result",
            "ResultPath",
            "QueryLanguage",
            "Assign",
            "Output",
        ],
        "Task" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "ResultSelector",
            "Resource",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Credentials",
            "QueryLanguage",
            "Assign",
            "Output",
            "Arguments",
        ],
        "Choice" => &[
            "Choices",
            "Default",
            "InputPath",
            "OutputPath",
            "QueryLanguage",
            "Assign",
            "Output",
        ],
        "Wait" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Seconds",
            "SecondsPath",
            "Timestamp",
            "TimestampPath",
            "QueryLanguage",
            "Assign",
            "Output",
        ],
        "Succeed" => &["InputPath", "OutputPath", "QueryLanguage", "Output"],
        "Fail" => &["Error", "ErrorPath", "Cause", "CausePath", "QueryLanguage"],
        "Parallel" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "ResultSelector",
            "Branches",
            "Retry",
            "Catch",
            "QueryLanguage",
            "Assign",
            "Output",
            "Arguments",
        ],
        "Map" => &[
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "ResultSelector",
            "Iterator",
            "ItemProcessor",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "Retry",
            "Catch",
            "QueryLanguage",
            "Assign",
            "Output",
            "Arguments",
        ],
        _ => &[],
    }
}

/// Fields only JSONPath states may use, and fields only JSONata states may use.
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultPath",
    "ResultSelector",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
];
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

const STATE_TYPES: &[&str] = &["Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"];

fn is_jsonata_expression(text: &str) -> bool {
    text.starts_with("{%") && text.ends_with("%}") && text.len() >= 4
}

impl Loader {
    fn error(&mut self, code: &'static str, location: &str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: if location.is_empty() {
                "/".into()
            } else {
                location.into()
            },
        });
    }

    fn schema(&mut self, location: &str, message: impl Into<String>) {
        self.error(codes::SCHEMA_VALIDATION_FAILED, location, message);
    }

    /// A whole state machine, branch or item processor at `at` (a JSON pointer prefix).
    fn machine(
        &mut self,
        value: &Value,
        at: &str,
        parent_language: Option<QueryLanguage>,
        top: bool,
    ) -> Option<StateMachine> {
        let Some(obj) = value.as_object() else {
            self.schema(at, "Expected an object");
            return None;
        };
        let mut allowed = vec!["StartAt", "States", "Comment", "QueryLanguage"];
        if top {
            allowed.extend(["TimeoutSeconds", "Version"]);
        } else {
            allowed.push("ProcessorConfig");
        }
        self.unknown_fields(obj, &allowed, at);
        let missing: Vec<&str> = ["States", "StartAt"]
            .into_iter()
            .filter(|f| !obj.contains_key(*f))
            .collect();
        if !missing.is_empty() {
            self.schema(at, format!("These fields are required: [{}]", missing.join(", ")));
            return None;
        }
        let comment = self.opt_string(obj, "Comment", at);
        let language = match obj.get("QueryLanguage") {
            None => parent_language.unwrap_or(QueryLanguage::JsonPath),
            Some(v) => self
                .query_language(v, &format!("{at}/QueryLanguage"))
                .unwrap_or(QueryLanguage::JsonPath),
        };
        let timeout_seconds = self.opt_u64(obj, "TimeoutSeconds", at);
        let version = self.opt_string(obj, "Version", at);
        if let Some(v) = &version {
            if v != "1.0" {
                self.schema(
                    &format!("{at}/Version"),
                    "The value for the field 'Version' must be '1.0'",
                );
            }
        }

        let states_at = format!("{at}/States");
        let Some(states_obj) = obj.get("States").and_then(Value::as_object) else {
            self.schema(&states_at, "Expected an object");
            return None;
        };
        if states_obj.is_empty() {
            self.schema(&states_at, "Value cannot be empty");
            return None;
        }
        let names: HashMap<&str, usize> = states_obj.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let start_name = match obj.get("StartAt").and_then(Value::as_str) {
            Some(s) => s,
            None => {
                self.schema(&format!("{at}/StartAt"), "Expected a string");
                return None;
            }
        };
        let start_at = match names.get(start_name) {
            Some(i) => *i,
            None => {
                self.error(
                    codes::MISSING_TRANSITION_TARGET,
                    &format!("{at}/StartAt"),
                    format!("Missing 'Next' target: {start_name}"),
                );
                0
            }
        };
        let mut states = Vec::with_capacity(states_obj.len());
        for (name, state) in states_obj {
            let state_at = format!("{states_at}/{}", escape_pointer(name));
            if name.is_empty() || name.chars().count() > 80 {
                self.schema(&state_at, "State names must be between 1 and 80 characters long");
            }
            if let Some(state) = self.state(name, state, &state_at, language, &names) {
                states.push(state);
            }
        }
        if states.len() != states_obj.len() {
            return None;
        }
        self.check_reachability(&states, start_at, &states_at);
        Some(StateMachine {
            comment,
            start_at,
            states,
            timeout_seconds,
            version,
            query_language: language,
        })
    }

    fn check_reachability(&mut self, states: &[State], start: usize, at: &str) {
        let mut seen = HashSet::new();
        let mut stack = vec![start];
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            let Some(state) = states.get(i) else { continue };
            let mut push = |t: &Transition| {
                if let Transition::Next(n) = t {
                    stack.push(*n)
                }
            };
            match &state.kind {
                StateKind::Pass(p) => push(&p.transition),
                StateKind::Task(t) => {
                    push(&t.transition);
                    t.catch.iter().for_each(|c| stack.push(c.next));
                }
                StateKind::Choice(c) => {
                    c.choices.iter().for_each(|b| stack.push(b.next));
                    stack.extend(c.default);
                }
                StateKind::Wait(w) => push(&w.transition),
                StateKind::Succeed | StateKind::Fail(_) => {}
                StateKind::Parallel(p) => {
                    push(&p.transition);
                    p.catch.iter().for_each(|c| stack.push(c.next));
                }
                StateKind::Map(m) => {
                    push(&m.transition);
                    m.catch.iter().for_each(|c| stack.push(c.next));
                }
            }
        }
        for (i, state) in states.iter().enumerate() {
            if !seen.contains(&i) {
                self.error(
                    codes::UNREACHABLE_STATE,
                    &format!("{at}/{}", escape_pointer(&state.name)),
                    format!("State \"{}\" is not reachable.", state.name),
                );
            }
        }
    }

    fn unknown_fields(&mut self, obj: &JsonMap<String, Value>, allowed: &[&str], at: &str) {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.schema(
                    &format!("{at}/{}", escape_pointer(key)),
                    format!("Field '{key}' is not supported"),
                );
            }
        }
    }

    fn query_language(&mut self, value: &Value, at: &str) -> Option<QueryLanguage> {
        match value.as_str() {
            Some("JSONPath") => Some(QueryLanguage::JsonPath),
            Some("JSONata") => Some(QueryLanguage::Jsonata),
            _ => {
                self.schema(
                    at,
                    "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]",
                );
                None
            }
        }
    }

    fn opt_string(&mut self, obj: &JsonMap<String, Value>, key: &str, at: &str) -> Option<String> {
        match obj.get(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.schema(
                    &format!("{at}/{key}"),
                    format!("Expected value of type 'String' for field '{key}'"),
                );
                None
            }
        }
    }

    fn opt_u64(&mut self, obj: &JsonMap<String, Value>, key: &str, at: &str) -> Option<u64> {
        let value = obj.get(key)?;
        match value.as_u64() {
            Some(n) => Some(n),
            None => {
                self.schema(
                    &format!("{at}/{key}"),
                    format!("Expected value of type 'Integer' for field '{key}'"),
                );
                None
            }
        }
    }

    fn opt_f64(&mut self, obj: &JsonMap<String, Value>, key: &str, at: &str) -> Option<f64> {
        let value = obj.get(key)?;
        match value.as_f64() {
            Some(n) => Some(n),
            None => {
                self.schema(
                    &format!("{at}/{key}"),
                    format!("Expected value of type 'Number' for field '{key}'"),
                );
                None
            }
        }
    }

    fn target(&mut self, name: &str, names: &HashMap<&str, usize>, at: &str) -> Option<usize> {
        match names.get(name) {
            Some(i) => Some(*i),
            None => {
                self.error(
                    codes::MISSING_TRANSITION_TARGET,
                    at,
                    format!("Missing 'Next' target: {name}"),
                );
                None
            }
        }
    }

    fn transition(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        names: &HashMap<&str, usize>,
    ) -> Option<Transition> {
        let next = obj.get("Next");
        let end = obj.get("End");
        match (next, end) {
            (Some(_), Some(_)) => {
                self.schema(at, "Only one of 'Next' or 'End' can be specified");
                None
            }
            (None, None) => {
                self.schema(at, "No transition found: one of 'Next' or 'End' is required");
                None
            }
            (Some(Value::String(n)), None) => self.target(n, names, &format!("{at}/Next")).map(Transition::Next),
            (Some(_), None) => {
                self.schema(
                    &format!("{at}/Next"),
                    "Expected value of type 'String' for field 'Next'",
                );
                None
            }
            (None, Some(Value::Bool(true))) => Some(Transition::End),
            (None, Some(_)) => {
                self.schema(&format!("{at}/End"), "The value for the field 'End' must be true");
                None
            }
        }
    }

    fn state(
        &mut self,
        name: &str,
        value: &Value,
        at: &str,
        machine_language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Option<State> {
        let Some(obj) = value.as_object() else {
            self.schema(at, "Expected an object");
            return None;
        };
        let type_name = match obj.get("Type") {
            Some(Value::String(t)) if STATE_TYPES.contains(&t.as_str()) => t.as_str(),
            Some(_) => {
                self.schema(
                    &format!("{at}/Type"),
                    "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
                );
                return None;
            }
            None => {
                self.schema(at, "These fields are required: [Type]");
                return None;
            }
        };
        let comment = self.opt_string(obj, "Comment", at);
        let language = match obj.get("QueryLanguage") {
            None => machine_language,
            Some(v) => {
                let l = self.query_language(v, &format!("{at}/QueryLanguage"))?;
                if machine_language == QueryLanguage::Jsonata && l == QueryLanguage::JsonPath {
                    self.schema(
                        at,
                        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                    );
                }
                l
            }
        };
        let mut allowed: Vec<&str> = vec!["Type", "Comment"];
        allowed.extend(allowed_fields(type_name).iter().copied().filter(|f| match language {
            QueryLanguage::JsonPath => !JSONATA_ONLY.contains(f),
            QueryLanguage::Jsonata => !JSONPATH_ONLY.contains(f),
        }));
        self.unknown_fields(obj, &allowed, at);

        let input_path = self.optional_path(obj, "InputPath", at);
        let output_path = self.optional_path(obj, "OutputPath", at);
        let assign = obj
            .get("Assign")
            .map(|v| self.template(v, &format!("{at}/Assign"), language));
        let output = obj
            .get("Output")
            .map(|v| self.template(v, &format!("{at}/Output"), language));

        let kind = match type_name {
            "Pass" => StateKind::Pass(Pass {
                transition: self.transition(obj, at, names)?,
                result: obj.get("Result").cloned(),
                parameters: obj
                    .get("Parameters")
                    .map(|v| self.template(v, &format!("{at}/Parameters"), language)),
                result_path: self.result_path(obj, at),
            }),
            "Task" => StateKind::Task(Box::new(self.task(obj, at, language, names)?)),
            "Choice" => StateKind::Choice(self.choice(obj, at, language, names)?),
            "Wait" => StateKind::Wait(self.wait(obj, at, language, names)?),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(self.fail(obj, at, language)),
            "Parallel" => StateKind::Parallel(Box::new(self.parallel(obj, at, language, names)?)),
            "Map" => StateKind::Map(Box::new(self.map(obj, at, language, names)?)),
            _ => return None,
        };
        Some(State {
            name: name.to_owned(),
            comment,
            query_language: language,
            input_path,
            output_path,
            assign,
            output,
            kind,
        })
    }

    fn optional_path(&mut self, obj: &JsonMap<String, Value>, key: &str, at: &str) -> Option<Option<Path>> {
        match obj.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => match Path::parse(s) {
                Ok(p) => Some(Some(p)),
                Err(e) => {
                    self.schema(
                        &format!("{at}/{key}"),
                        format!("The value for the field '{key}' must be a valid JSONPath: {e}"),
                    );
                    None
                }
            },
            _ => {
                self.schema(
                    &format!("{at}/{key}"),
                    format!("Expected value of type 'String' for field '{key}'"),
                );
                None
            }
        }
    }

    fn reference_path(&mut self, text: &str, key: &str, at: &str) -> Option<ReferencePath> {
        match ReferencePath::parse(text) {
            Ok(p) => Some(p),
            Err(e) => {
                self.schema(
                    &format!("{at}/{key}"),
                    format!("The value for the field '{key}' must be a valid ReferencePath: {e}"),
                );
                None
            }
        }
    }

    fn result_path(&mut self, obj: &JsonMap<String, Value>, at: &str) -> ResultPath {
        match obj.get("ResultPath") {
            None => ResultPath::Replace,
            Some(Value::Null) => ResultPath::Discard,
            Some(Value::String(s)) if s == "$" => ResultPath::Replace,
            Some(Value::String(s)) => self
                .reference_path(s, "ResultPath", at)
                .map(ResultPath::At)
                .unwrap_or_default(),
            Some(_) => {
                self.schema(
                    &format!("{at}/ResultPath"),
                    "Expected value of type 'String' for field 'ResultPath'",
                );
                ResultPath::Replace
            }
        }
    }

    /// Compile a payload template. In JSONPath states, keys ending in `.$` are dynamic; in
    /// JSONata states, strings wrapped in `{% %}` are.
    fn template(&mut self, value: &Value, at: &str, language: QueryLanguage) -> Template {
        let compiled = match (value, language) {
            (Value::String(s), QueryLanguage::Jsonata) if is_jsonata_expression(s) => {
                Template::Jsonata(s[2..s.len() - 2].trim().to_owned())
            }
            (Value::Object(obj), _) => {
                let mut members = Vec::with_capacity(obj.len());
                for (key, v) in obj {
                    let member_at = format!("{at}/{}", escape_pointer(key));
                    match (key.strip_suffix(".$"), language) {
                        (Some(stripped), QueryLanguage::JsonPath) => {
                            let t = self.dynamic_value(key, v, at);
                            members.push((stripped.to_owned(), t));
                        }
                        _ => members.push((key.clone(), self.template(v, &member_at, language))),
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
                    .map(|(i, v)| self.template(v, &format!("{at}/{i}"), language))
                    .collect();
                if items.iter().all(Template::is_literal) {
                    Template::Literal(value.clone())
                } else {
                    Template::Array(items)
                }
            }
            _ => Template::Literal(value.clone()),
        };
        compiled
    }

    /// The value of a `key.$` member: a path or an intrinsic call.
    fn dynamic_value(&mut self, key: &str, value: &Value, at: &str) -> Template {
        let message =
            format!("The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call");
        let Some(text) = value.as_str() else {
            self.schema(at, message);
            return Template::Literal(Value::Null);
        };
        if Intrinsic::looks_like_call(text) {
            match Intrinsic::parse(text) {
                Ok(call) => {
                    return Template::Intrinsic {
                        field: key.to_owned(),
                        call,
                    }
                }
                Err(_) => {
                    self.schema(at, message);
                    return Template::Literal(Value::Null);
                }
            }
        }
        match Path::parse(text) {
            Ok(path) => Template::Path {
                field: key.to_owned(),
                path,
            },
            Err(_) => {
                self.schema(at, message);
                Template::Literal(Value::Null)
            }
        }
    }

    fn dynamic_u64(
        &mut self,
        obj: &JsonMap<String, Value>,
        key: &str,
        at: &str,
        language: QueryLanguage,
    ) -> Option<Dynamic<u64>> {
        let path_key = format!("{key}Path");
        match (obj.get(key), obj.get(&path_key)) {
            (Some(_), Some(_)) => {
                self.schema(at, format!("Only one of '{key}' or '{path_key}' can be specified"));
                None
            }
            (Some(Value::String(s)), None) if language == QueryLanguage::Jsonata && is_jsonata_expression(s) => Some(
                Dynamic::Expression(self.template(&Value::String(s.clone()), &format!("{at}/{key}"), language)),
            ),
            (Some(v), None) => match v.as_u64() {
                Some(n) => Some(Dynamic::Literal(n)),
                None => {
                    self.schema(
                        &format!("{at}/{key}"),
                        format!("Expected value of type 'Integer' for field '{key}'"),
                    );
                    None
                }
            },
            (None, Some(Value::String(s))) => self.reference_path(s, &path_key, at).map(Dynamic::Path),
            (None, Some(_)) => {
                self.schema(
                    &format!("{at}/{path_key}"),
                    format!("Expected value of type 'String' for field '{path_key}'"),
                );
                None
            }
            (None, None) => None,
        }
    }

    fn error_equals(&mut self, obj: &JsonMap<String, Value>, at: &str) -> Vec<String> {
        let Some(list) = obj.get("ErrorEquals").and_then(Value::as_array) else {
            self.schema(at, "These fields are required: [ErrorEquals]");
            return Vec::new();
        };
        if list.is_empty() {
            self.schema(&format!("{at}/ErrorEquals"), "Value cannot be empty");
        }
        let names: Vec<String> = list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        if names.len() != list.len() {
            self.schema(&format!("{at}/ErrorEquals"), "Expected value of type 'String'");
        }
        if names.iter().any(|n| n == names::ALL) && names.len() > 1 {
            self.schema(
                &format!("{at}/ErrorEquals"),
                "'States.ALL' must appear alone in 'ErrorEquals'",
            );
        }
        for name in &names {
            if name.starts_with("States.") && !names::PREDEFINED.contains(&name.as_str()) {
                self.schema(
                    &format!("{at}/ErrorEquals"),
                    format!("Unknown predefined error name '{name}'"),
                );
            }
        }
        names
    }

    fn retriers(&mut self, obj: &JsonMap<String, Value>, at: &str) -> Vec<Retrier> {
        let Some(value) = obj.get("Retry") else {
            return Vec::new();
        };
        let Some(list) = value.as_array() else {
            self.schema(
                &format!("{at}/Retry"),
                "Expected value of type 'Array' for field 'Retry'",
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, entry) in list.iter().enumerate() {
            let entry_at = format!("{at}/Retry/{i}");
            let Some(r) = entry.as_object() else {
                self.schema(&entry_at, "Expected an object");
                continue;
            };
            self.unknown_fields(
                r,
                &[
                    "ErrorEquals",
                    "IntervalSeconds",
                    "MaxAttempts",
                    "BackoffRate",
                    "MaxDelaySeconds",
                    "JitterStrategy",
                    "Comment",
                ],
                &entry_at,
            );
            let error_equals = self.error_equals(r, &entry_at);
            if error_equals.iter().any(|n| n == names::ALL) && i + 1 != list.len() {
                self.schema(&entry_at, "'States.ALL' must be the last retrier in 'Retry'");
            }
            let interval_seconds = self.opt_u64(r, "IntervalSeconds", &entry_at).unwrap_or(1);
            if interval_seconds == 0 || interval_seconds > 99_999_999 {
                self.schema(
                    &format!("{entry_at}/IntervalSeconds"),
                    "The value for the field 'IntervalSeconds' must be between 1 and 99999999",
                );
            }
            let max_attempts = self.opt_u64(r, "MaxAttempts", &entry_at).unwrap_or(3);
            if max_attempts > 99_999_999 {
                self.schema(
                    &format!("{entry_at}/MaxAttempts"),
                    "The value for the field 'MaxAttempts' must be between 0 and 99999999",
                );
            }
            let backoff_rate = self.opt_f64(r, "BackoffRate", &entry_at).unwrap_or(2.0);
            if backoff_rate < 1.0 {
                self.schema(
                    &format!("{entry_at}/BackoffRate"),
                    "The value for the field 'BackoffRate' must be at least 1.0",
                );
            }
            let max_delay_seconds = self.opt_u64(r, "MaxDelaySeconds", &entry_at);
            if matches!(max_delay_seconds, Some(0)) || max_delay_seconds.is_some_and(|d| d > 31_622_400) {
                self.schema(
                    &format!("{entry_at}/MaxDelaySeconds"),
                    "The value for the field 'MaxDelaySeconds' must be between 1 and 31622400",
                );
            }
            let jitter = match r.get("JitterStrategy").map(|v| v.as_str()) {
                None | Some(Some("NONE")) => Jitter::None,
                Some(Some("FULL")) => Jitter::Full,
                Some(_) => {
                    self.schema(
                        &format!("{entry_at}/JitterStrategy"),
                        "The field 'JitterStrategy' should have one of these values: [FULL, NONE]",
                    );
                    Jitter::None
                }
            };
            out.push(Retrier {
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                jitter,
            });
        }
        out
    }

    fn catchers(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Vec<Catcher> {
        let Some(value) = obj.get("Catch") else {
            return Vec::new();
        };
        let Some(list) = value.as_array() else {
            self.schema(
                &format!("{at}/Catch"),
                "Expected value of type 'Array' for field 'Catch'",
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, entry) in list.iter().enumerate() {
            let entry_at = format!("{at}/Catch/{i}");
            let Some(c) = entry.as_object() else {
                self.schema(&entry_at, "Expected an object");
                continue;
            };
            let allowed: &[&str] = match language {
                QueryLanguage::JsonPath => &["ErrorEquals", "Next", "ResultPath", "Comment", "Assign"],
                QueryLanguage::Jsonata => &["ErrorEquals", "Next", "Output", "Comment", "Assign"],
            };
            self.unknown_fields(c, allowed, &entry_at);
            let error_equals = self.error_equals(c, &entry_at);
            if error_equals.iter().any(|n| n == names::ALL) && i + 1 != list.len() {
                self.schema(&entry_at, "'States.ALL' must be the last catcher in 'Catch'");
            }
            let Some(next_name) = c.get("Next").and_then(Value::as_str) else {
                self.schema(&entry_at, "These fields are required: [Next]");
                continue;
            };
            let Some(next) = self.target(next_name, names, &format!("{entry_at}/Next")) else {
                continue;
            };
            let result_path = self.result_path(c, &entry_at);
            let assign = c
                .get("Assign")
                .map(|v| self.template(v, &format!("{entry_at}/Assign"), language));
            let output = c
                .get("Output")
                .map(|v| self.template(v, &format!("{entry_at}/Output"), language));
            out.push(Catcher {
                error_equals,
                next,
                result_path,
                assign,
                output,
            });
        }
        out
    }

    /// `Parameters` in JSONPath states, `Arguments` in JSONata ones.
    fn parameters(&mut self, obj: &JsonMap<String, Value>, at: &str, language: QueryLanguage) -> Option<Template> {
        let key = match language {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        obj.get(key).map(|v| self.template(v, &format!("{at}/{key}"), language))
    }

    fn task(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Option<Task> {
        let resource = match obj.get("Resource") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                self.schema(
                    &format!("{at}/Resource"),
                    "Expected value of type 'String' for field 'Resource'",
                );
                return None;
            }
            None => {
                self.schema(at, "These fields are required: [Resource]");
                return None;
            }
        };
        Some(Task {
            transition: self.transition(obj, at, names)?,
            resource,
            parameters: self.parameters(obj, at, language),
            result_path: self.result_path(obj, at),
            result_selector: obj
                .get("ResultSelector")
                .map(|v| self.template(v, &format!("{at}/ResultSelector"), language)),
            retry: self.retriers(obj, at),
            catch: self.catchers(obj, at, language, names),
            timeout_seconds: self.dynamic_u64(obj, "TimeoutSeconds", at, language),
            heartbeat_seconds: self.dynamic_u64(obj, "HeartbeatSeconds", at, language),
            credentials: obj.get("Credentials").cloned(),
        })
    }

    fn choice(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Option<Choice> {
        let Some(list) = obj.get("Choices").and_then(Value::as_array) else {
            self.schema(at, "These fields are required: [Choices]");
            return None;
        };
        if list.is_empty() {
            self.schema(&format!("{at}/Choices"), "Value cannot be empty");
        }
        let mut choices = Vec::with_capacity(list.len());
        for (i, entry) in list.iter().enumerate() {
            let entry_at = format!("{at}/Choices/{i}");
            let Some(c) = entry.as_object() else {
                self.schema(&entry_at, "Expected an object");
                continue;
            };
            let Some(next_name) = c.get("Next").and_then(Value::as_str) else {
                self.schema(&entry_at, "These fields are required: [Next]");
                continue;
            };
            let next = self.target(next_name, names, &format!("{entry_at}/Next"));
            let assign = c
                .get("Assign")
                .map(|v| self.template(v, &format!("{entry_at}/Assign"), language));
            let output = c
                .get("Output")
                .map(|v| self.template(v, &format!("{entry_at}/Output"), language));
            let rule = self.choice_rule(c, &entry_at, language, true);
            if let (Some(rule), Some(next)) = (rule, next) {
                choices.push(ChoiceBranch {
                    rule,
                    next,
                    assign,
                    output,
                });
            }
        }
        let default = match obj.get("Default") {
            None => None,
            Some(Value::String(d)) => self.target(d, names, &format!("{at}/Default")),
            Some(_) => {
                self.schema(
                    &format!("{at}/Default"),
                    "Expected value of type 'String' for field 'Default'",
                );
                None
            }
        };
        Some(Choice { choices, default })
    }

    fn choice_rule(
        &mut self,
        c: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        top: bool,
    ) -> Option<ChoiceRule> {
        let mut allowed: Vec<&str> = vec!["Comment"];
        if top {
            allowed.extend(["Next", "Assign", "Output"]);
        }
        if language == QueryLanguage::Jsonata {
            allowed.push("Condition");
            self.unknown_fields(c, &allowed, at);
            return match c.get("Condition") {
                Some(v) => Some(ChoiceRule::Condition(self.template(
                    v,
                    &format!("{at}/Condition"),
                    language,
                ))),
                None => {
                    self.schema(at, "These fields are required: [Condition]");
                    None
                }
            };
        }
        for combinator in ["And", "Or", "Not"] {
            if let Some(v) = c.get(combinator) {
                allowed.push(combinator);
                self.unknown_fields(c, &allowed, at);
                let sub_at = format!("{at}/{combinator}");
                if combinator == "Not" {
                    let Some(sub) = v.as_object() else {
                        self.schema(&sub_at, "Expected an object");
                        return None;
                    };
                    return self
                        .choice_rule(sub, &sub_at, language, false)
                        .map(|r| ChoiceRule::Not(Box::new(r)));
                }
                let Some(list) = v.as_array() else {
                    self.schema(
                        &sub_at,
                        format!("Expected value of type 'Array' for field '{combinator}'"),
                    );
                    return None;
                };
                if list.is_empty() {
                    self.schema(&sub_at, "Value cannot be empty");
                }
                let mut rules = Vec::with_capacity(list.len());
                for (i, r) in list.iter().enumerate() {
                    let r_at = format!("{sub_at}/{i}");
                    let Some(r) = r.as_object() else {
                        self.schema(&r_at, "Expected an object");
                        return None;
                    };
                    rules.push(self.choice_rule(r, &r_at, language, false)?);
                }
                return Some(if combinator == "And" {
                    ChoiceRule::And(rules)
                } else {
                    ChoiceRule::Or(rules)
                });
            }
        }
        allowed.push("Variable");
        let operators: Vec<&String> = c.keys().filter(|k| OPERATORS.contains(&k.as_str())).collect();
        allowed.extend(operators.iter().map(|s| s.as_str()));
        self.unknown_fields(c, &allowed, at);
        let Some(variable_text) = c.get("Variable").and_then(Value::as_str) else {
            self.schema(at, "These fields are required: [Variable]");
            return None;
        };
        let variable = self.reference_path(variable_text, "Variable", at)?;
        let [op] = operators.as_slice() else {
            self.schema(at, "A choice rule must have exactly one comparison operator");
            return None;
        };
        let value = &c[op.as_str()];
        let test = self.test(op, value, &format!("{at}/{op}"))?;
        Some(ChoiceRule::Compare { variable, test })
    }

    fn test(&mut self, op: &str, value: &Value, at: &str) -> Option<Test> {
        let type_error = |this: &mut Self, expected: &str| {
            this.schema(at, format!("Expected value of type '{expected}' for field '{op}'"));
        };
        if let Some(base) = op.strip_suffix("Path") {
            let Some(text) = value.as_str() else {
                type_error(self, "String");
                return None;
            };
            let path = match ReferencePath::parse(text) {
                Ok(p) => p,
                Err(e) => {
                    self.schema(
                        at,
                        format!("The value for the field '{op}' must be a valid ReferencePath: {e}"),
                    );
                    return None;
                }
            };
            return Some(match base {
                "StringEquals" => Test::StringEquals(Operand::Path(path)),
                "StringLessThan" => Test::StringLessThan(Operand::Path(path)),
                "StringGreaterThan" => Test::StringGreaterThan(Operand::Path(path)),
                "StringLessThanEquals" => Test::StringLessThanEquals(Operand::Path(path)),
                "StringGreaterThanEquals" => Test::StringGreaterThanEquals(Operand::Path(path)),
                "NumericEquals" => Test::NumericEquals(Operand::Path(path)),
                "NumericLessThan" => Test::NumericLessThan(Operand::Path(path)),
                "NumericGreaterThan" => Test::NumericGreaterThan(Operand::Path(path)),
                "NumericLessThanEquals" => Test::NumericLessThanEquals(Operand::Path(path)),
                "NumericGreaterThanEquals" => Test::NumericGreaterThanEquals(Operand::Path(path)),
                "BooleanEquals" => Test::BooleanEquals(Operand::Path(path)),
                "TimestampEquals" => Test::TimestampEquals(Operand::Path(path)),
                "TimestampLessThan" => Test::TimestampLessThan(Operand::Path(path)),
                "TimestampGreaterThan" => Test::TimestampGreaterThan(Operand::Path(path)),
                "TimestampLessThanEquals" => Test::TimestampLessThanEquals(Operand::Path(path)),
                "TimestampGreaterThanEquals" => Test::TimestampGreaterThanEquals(Operand::Path(path)),
                _ => return None,
            });
        }
        if op.starts_with("Is") {
            let Some(b) = value.as_bool() else {
                type_error(self, "Boolean");
                return None;
            };
            return Some(match op {
                "IsNull" => Test::IsNull(b),
                "IsPresent" => Test::IsPresent(b),
                "IsNumeric" => Test::IsNumeric(b),
                "IsString" => Test::IsString(b),
                "IsBoolean" => Test::IsBoolean(b),
                _ => Test::IsTimestamp(b),
            });
        }
        if op.starts_with("Numeric") {
            let Some(n) = value.as_f64() else {
                type_error(self, "Number");
                return None;
            };
            let n = Operand::Literal(n);
            return Some(match op {
                "NumericEquals" => Test::NumericEquals(n),
                "NumericLessThan" => Test::NumericLessThan(n),
                "NumericGreaterThan" => Test::NumericGreaterThan(n),
                "NumericLessThanEquals" => Test::NumericLessThanEquals(n),
                _ => Test::NumericGreaterThanEquals(n),
            });
        }
        if op == "BooleanEquals" {
            let Some(b) = value.as_bool() else {
                type_error(self, "Boolean");
                return None;
            };
            return Some(Test::BooleanEquals(Operand::Literal(b)));
        }
        let Some(s) = value.as_str() else {
            type_error(self, "String");
            return None;
        };
        if op.starts_with("Timestamp") && crate::choice::parse_timestamp(s).is_none() {
            self.schema(at, "String does not match RFC3339 timestamp");
            return None;
        }
        let s = Operand::Literal(s.to_owned());
        Some(match op {
            "StringEquals" => Test::StringEquals(s),
            "StringLessThan" => Test::StringLessThan(s),
            "StringGreaterThan" => Test::StringGreaterThan(s),
            "StringLessThanEquals" => Test::StringLessThanEquals(s),
            "StringGreaterThanEquals" => Test::StringGreaterThanEquals(s),
            "StringMatches" => match s {
                Operand::Literal(p) => Test::StringMatches(p),
                Operand::Path(_) => return None,
            },
            "TimestampEquals" => Test::TimestampEquals(s),
            "TimestampLessThan" => Test::TimestampLessThan(s),
            "TimestampGreaterThan" => Test::TimestampGreaterThan(s),
            "TimestampLessThanEquals" => Test::TimestampLessThanEquals(s),
            _ => Test::TimestampGreaterThanEquals(s),
        })
    }

    fn wait(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Option<Wait> {
        let transition = self.transition(obj, at, names);
        let given: Vec<&str> = ["Seconds", "SecondsPath", "Timestamp", "TimestampPath"]
            .into_iter()
            .filter(|k| obj.contains_key(*k))
            .collect();
        if given.len() != 1 {
            self.schema(
                at,
                "A Wait state must have exactly one of 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath'",
            );
            return None;
        }
        let wait_for = match given[0] {
            "Seconds" | "SecondsPath" => WaitFor::Seconds(self.dynamic_u64(obj, "Seconds", at, language)?),
            "Timestamp" => {
                let value = &obj["Timestamp"];
                match value.as_str() {
                    Some(s) if language == QueryLanguage::Jsonata && is_jsonata_expression(s) => WaitFor::Timestamp(
                        Dynamic::Expression(self.template(value, &format!("{at}/Timestamp"), language)),
                    ),
                    Some(s) if crate::choice::parse_timestamp(s).is_some() => {
                        WaitFor::Timestamp(Dynamic::Literal(s.to_owned()))
                    }
                    Some(s) if language == QueryLanguage::Jsonata => WaitFor::Timestamp(Dynamic::Literal(s.to_owned())),
                    _ => {
                        self.schema(&format!("{at}/Timestamp"), "String does not match RFC3339 timestamp");
                        return None;
                    }
                }
            }
            _ => {
                let text = obj["TimestampPath"].as_str().unwrap_or_default();
                WaitFor::Timestamp(Dynamic::Path(self.reference_path(text, "TimestampPath", at)?))
            }
        };
        Some(Wait {
            transition: transition?,
            wait_for,
        })
    }

    fn text(&mut self, obj: &JsonMap<String, Value>, key: &str, at: &str, language: QueryLanguage) -> Option<Text> {
        let path_key = format!("{key}Path");
        match (obj.get(key), obj.get(&path_key)) {
            (Some(_), Some(_)) => {
                self.schema(at, format!("Only one of '{key}' or '{path_key}' can be specified"));
                None
            }
            (Some(Value::String(s)), None) => Some(if language == QueryLanguage::Jsonata && is_jsonata_expression(s) {
                Text::Expression(self.template(&obj[key], &format!("{at}/{key}"), language))
            } else {
                Text::Literal(s.clone())
            }),
            (Some(_), None) => {
                self.schema(
                    &format!("{at}/{key}"),
                    format!("Expected value of type 'String' for field '{key}'"),
                );
                None
            }
            (None, Some(Value::String(s))) => {
                if Intrinsic::looks_like_call(s) {
                    match Intrinsic::parse(s) {
                        Ok(call) => Some(Text::Intrinsic(call)),
                        Err(e) => {
                            self.schema(&format!("{at}/{path_key}"), format!("The value for the field '{path_key}' must be a valid JSONPath or a valid intrinsic function call: {e}"));
                            None
                        }
                    }
                } else {
                    match Path::parse(s) {
                        Ok(p) => Some(Text::Path(p)),
                        Err(e) => {
                            self.schema(
                                &format!("{at}/{path_key}"),
                                format!("The value for the field '{path_key}' must be a valid JSONPath: {e}"),
                            );
                            None
                        }
                    }
                }
            }
            (None, Some(_)) => {
                self.schema(
                    &format!("{at}/{path_key}"),
                    format!("Expected value of type 'String' for field '{path_key}'"),
                );
                None
            }
            (None, None) => None,
        }
    }

    fn fail(&mut self, obj: &JsonMap<String, Value>, at: &str, language: QueryLanguage) -> Fail {
        Fail {
            error: self.text(obj, "Error", at, language),
            cause: self.text(obj, "Cause", at, language),
        }
    }

    fn parallel(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Option<Parallel> {
        let transition = self.transition(obj, at, names);
        let branches_at = format!("{at}/Branches");
        let Some(list) = obj.get("Branches").and_then(Value::as_array) else {
            self.schema(at, "These fields are required: [Branches]");
            return None;
        };
        if list.is_empty() {
            self.schema(&branches_at, "Value cannot be empty");
            return None;
        }
        let mut branches = Vec::with_capacity(list.len());
        for (i, b) in list.iter().enumerate() {
            if let Some(m) = self.machine(b, &format!("{branches_at}/{i}"), Some(language), false) {
                branches.push(m);
            }
        }
        let parameters = self.parameters(obj, at, language);
        let result_path = self.result_path(obj, at);
        let result_selector = obj
            .get("ResultSelector")
            .map(|v| self.template(v, &format!("{at}/ResultSelector"), language));
        let retry = self.retriers(obj, at);
        let catch = self.catchers(obj, at, language, names);
        if branches.len() != list.len() {
            return None;
        }
        Some(Parallel {
            transition: transition?,
            branches,
            parameters,
            result_path,
            result_selector,
            retry,
            catch,
        })
    }

    fn map(
        &mut self,
        obj: &JsonMap<String, Value>,
        at: &str,
        language: QueryLanguage,
        names: &HashMap<&str, usize>,
    ) -> Option<Map> {
        let transition = self.transition(obj, at, names);
        let (processor_key, legacy) = match (obj.get("ItemProcessor"), obj.get("Iterator")) {
            (Some(_), Some(_)) => {
                self.schema(at, "Only one of 'ItemProcessor' or 'Iterator' can be specified");
                return None;
            }
            (Some(_), None) => ("ItemProcessor", false),
            (None, Some(_)) => ("Iterator", true),
            (None, None) => {
                self.schema(at, "These fields are required: [ItemProcessor]");
                return None;
            }
        };
        let processor_value = &obj[processor_key];
        let processor_at = format!("{at}/{processor_key}");
        let (mode, execution_type) = match processor_value.get("ProcessorConfig") {
            None => (MapMode::Inline, None),
            Some(config) => {
                let mode = match config.get("Mode").and_then(Value::as_str) {
                    None | Some("INLINE") => MapMode::Inline,
                    Some("DISTRIBUTED") => MapMode::Distributed,
                    Some(_) => {
                        self.schema(
                            &format!("{processor_at}/ProcessorConfig/Mode"),
                            "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]",
                        );
                        MapMode::Inline
                    }
                };
                (
                    mode,
                    config.get("ExecutionType").and_then(Value::as_str).map(str::to_owned),
                )
            }
        };
        let processor = self.machine(processor_value, &processor_at, Some(language), false);

        if obj.contains_key("Parameters") && obj.contains_key("ItemSelector") {
            self.schema(at, "Only one of 'Parameters' or 'ItemSelector' can be specified");
        }
        let item_selector = ["ItemSelector", "Parameters"]
            .into_iter()
            .find_map(|k| obj.get(k).map(|v| (k, v)))
            .map(|(k, v)| self.template(v, &format!("{at}/{k}"), language));
        let items = match language {
            QueryLanguage::JsonPath => match obj.get("ItemsPath") {
                None => Items::Path(ReferencePath::parse("$").ok()?),
                Some(Value::String(s)) => Items::Path(self.reference_path(s, "ItemsPath", at)?),
                Some(_) => {
                    self.schema(
                        &format!("{at}/ItemsPath"),
                        "Expected value of type 'String' for field 'ItemsPath'",
                    );
                    return None;
                }
            },
            QueryLanguage::Jsonata => match obj.get("Items") {
                None => Items::Expression(Template::Jsonata("$states.input".into())),
                Some(v) => Items::Expression(self.template(v, &format!("{at}/Items"), language)),
            },
        };
        let max_concurrency = self
            .dynamic_u64(obj, "MaxConcurrency", at, language)
            .unwrap_or(Dynamic::Literal(0));
        let tolerated_failure_count = self.dynamic_u64(obj, "ToleratedFailureCount", at, language);
        let tolerated_failure_percentage = match (
            obj.get("ToleratedFailurePercentage"),
            obj.get("ToleratedFailurePercentagePath"),
        ) {
            (Some(Value::String(s)), None) if language == QueryLanguage::Jsonata && is_jsonata_expression(s) => {
                Some(Dynamic::Expression(self.template(
                    &obj["ToleratedFailurePercentage"],
                    &format!("{at}/ToleratedFailurePercentage"),
                    language,
                )))
            }
            (Some(v), None) => match v.as_f64() {
                Some(p) if (0.0..=100.0).contains(&p) => Some(Dynamic::Literal(p)),
                _ => {
                    self.schema(
                        &format!("{at}/ToleratedFailurePercentage"),
                        "The value for the field 'ToleratedFailurePercentage' must be between 0 and 100",
                    );
                    None
                }
            },
            (None, Some(Value::String(s))) => self
                .reference_path(s, "ToleratedFailurePercentagePath", at)
                .map(Dynamic::Path),
            (None, None) => None,
            _ => {
                self.schema(
                    at,
                    "Only one of 'ToleratedFailurePercentage' or 'ToleratedFailurePercentagePath' can be specified",
                );
                None
            }
        };
        let label = self.opt_string(obj, "Label", at);
        let result_path = self.result_path(obj, at);
        let result_selector = obj
            .get("ResultSelector")
            .map(|v| self.template(v, &format!("{at}/ResultSelector"), language));
        let retry = self.retriers(obj, at);
        let catch = self.catchers(obj, at, language, names);
        Some(Map {
            transition: transition?,
            processor: processor?,
            mode,
            execution_type,
            legacy,
            items,
            item_selector,
            item_reader: obj.get("ItemReader").cloned(),
            item_batcher: obj.get("ItemBatcher").cloned(),
            result_writer: obj.get("ResultWriter").cloned(),
            max_concurrency,
            tolerated_failure_percentage,
            tolerated_failure_count,
            label,
            result_path,
            result_selector,
            retry,
            catch,
        })
    }
}

/// Escape a key for a JSON pointer (RFC 6901): `~` → `~0`, `/` → `~1`.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
