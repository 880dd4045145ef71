//! From definition text to a validated [`StateMachine`].
//!
//! The definition is read into a JSON value, then walked field by field. Every problem is
//! recorded as a [`Diagnostic`] with AWS's code, message and location, and the walk goes on, so
//! a user sees all problems at once, as ValidateStateMachineDefinition reports them.
//! CreateStateMachine and UpdateStateMachine refuse a definition with any error; warnings
//! never fail a load.
//!
//! Locations are written as AWS writes them: a slash-separated path from the definition's root
//! with array elements as `[i]` (`/States/P/Branches[0]/States/A`, `/States/C/Choices[1]/Next`),
//! `/` for the root itself, and nothing at all for findings about the whole workflow. Each
//! diagnostic also carries the same place as a JSON pointer.
//!
//! Some rules depend on the state machine's type ([`MachineType`]): an Express machine cannot
//! use activities, `.sync` or `.waitForTaskToken` integrations, or a distributed Map.
//!
//! A state without its own `QueryLanguage` takes the top-level one, at any depth: a Map or
//! Parallel state's `QueryLanguage` does not reach the states inside it.
//!
//! Where the wording of a message comes from is noted next to it, and the tests in `tests.rs`
//! cite their source row by row. AWS documents that messages may change and that only the
//! `OK`/`FAIL` result is stable (API Reference, `ValidateStateMachineDefinitionDiagnostic`).

mod json;
mod resources;
mod states;
#[cfg(test)]
mod tests;
mod values;

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{Map as JsonMap, Value};

use crate::definition::*;

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
    /// Where AWS says the problem is: a path such as `/States/P/Branches[0]/States/A`, `/` for
    /// the root, Jackson's `[Source: ...; line: L, column: C]` for unparsable JSON, or empty
    /// when AWS gives no location (`MISSING_END_STATE`, a definition that is not an object).
    pub location: String,
    /// The same place as an RFC 6901 JSON pointer into the definition (`/` for the root, empty
    /// when there is no place), for tools that map a diagnostic back to a line of the file.
    pub pointer: String,
}

/// The diagnostic codes AWS uses (API Reference, `ValidateStateMachineDefinitionDiagnostic`).
pub mod codes {
    pub const INVALID_JSON_DESCRIPTION: &str = "INVALID_JSON_DESCRIPTION";
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    pub const MISSING_END_STATE: &str = "MISSING_END_STATE";
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
    pub const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
    pub const DUPLICATE_LABEL_NAME: &str = "DUPLICATE_LABEL_NAME";
    pub const INVALID_LABEL_NAME: &str = "INVALID_LABEL_NAME";
    /// Warning: a payload template value looks like a path but its key has no `.$`.
    pub const NO_DOLLAR: &str = "NO_DOLLAR";
    /// Warning: a field's value looks like a path but the field is not a `...Path` field.
    pub const NO_PATH: &str = "NO_PATH";
    /// Warning: a Pass state's `Result` holds `.$` keys, which are never evaluated.
    pub const PASS_RESULT_IS_STATIC: &str = "PASS_RESULT_IS_STATIC";
}

/// `text` as Python's `repr()` writes a string: in single quotes, or in double quotes when it
/// holds a single quote and no double quote, with backslashes, the chosen quote, `\t`, `\n`,
/// `\r` and unprintable characters escaped (`\xhh`, `\uhhhh`, `\Uhhhhhhhh`).
///
/// The recorded responses about a Map `Label` quote the offending character and the whole
/// message this way (they come from LocalStack's Python validator), and matching them byte for
/// byte also keeps control characters out of messages. Printability follows Python's rule
/// (categories Cc, Cf, Zl, Zp, Zs other than space are unprintable) as far as the standard
/// library can tell them apart: control characters, whitespace, and the common format
/// characters.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c != ' ' && (c.is_control() || c.is_whitespace() || is_format_char(c)) => {
                let code = u32::from(c);
                let escaped = match code {
                    0..=0xff => format!("\\x{code:02x}"),
                    0x100..=0xffff => format!("\\u{code:04x}"),
                    _ => format!("\\U{code:08x}"),
                };
                out.push_str(&escaped);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The Unicode format characters (category Cf) that turn up in text: soft hyphen, the
/// zero-width and direction marks, invisible operators, the byte-order mark and the tag
/// characters.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// A state machine's type, which decides some of what its definition may use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MachineType {
    #[default]
    Standard,
    Express,
}

/// Parse JSON definition text as AWS does. Text holding no JSON value at all is reported as
/// AWS reports an empty definition.
pub fn parse_json(text: &str) -> Result<Value, Diagnostic> {
    read_json(text).map(|(value, _)| value)
}

/// Parse YAML definition text (AWS accepts YAML in the console and in Workflow Studio).
pub fn parse_yaml(text: &str) -> Result<Value, Diagnostic> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| Diagnostic {
        severity: Severity::Error,
        code: codes::INVALID_JSON_DESCRIPTION,
        location: "/".into(),
        pointer: "/".into(),
        message: e.to_string(),
    })
}

/// Load definition text (JSON, or YAML when it does not start like JSON) as a Standard
/// state machine.
pub fn load_text(text: &str) -> Result<StateMachine, Vec<Diagnostic>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.is_empty() {
        return load_json(text, MachineType::Standard);
    }
    let value = parse_yaml(text).map_err(|d| vec![d])?;
    load(&value)
}

/// Load JSON definition text as CreateStateMachine does.
pub fn load_json(text: &str, machine_type: MachineType) -> Result<StateMachine, Vec<Diagnostic>> {
    let (value, duplicates) = read_json(text).map_err(|d| vec![d])?;
    finish(check(&value, &duplicates, machine_type))
}

/// Every diagnostic for JSON definition text, warnings included, as
/// ValidateStateMachineDefinition reports them.
pub fn diagnose_json(text: &str, machine_type: MachineType) -> Vec<Diagnostic> {
    match read_json(text) {
        Ok((value, duplicates)) => check(&value, &duplicates, machine_type).1,
        Err(d) => vec![d],
    }
}

/// Validate a Standard state machine's definition and build its model. Warnings alone do not
/// fail the load.
pub fn load(definition: &Value) -> Result<StateMachine, Vec<Diagnostic>> {
    load_for_type(definition, MachineType::Standard)
}

/// Validate a definition for a state machine of the given type and build its model.
pub fn load_for_type(definition: &Value, machine_type: MachineType) -> Result<StateMachine, Vec<Diagnostic>> {
    finish(check(definition, &[], machine_type))
}

/// Every diagnostic for a Standard state machine's definition, warnings included.
pub fn diagnose(definition: &Value) -> Vec<Diagnostic> {
    check(definition, &[], MachineType::Standard).1
}

fn read_json(text: &str) -> Result<(Value, Vec<(Loc, String)>), Diagnostic> {
    match json::parse(text)? {
        Some(parsed) => Ok((parsed.value, parsed.duplicate_states)),
        None => Err(Diagnostic {
            severity: Severity::Error,
            code: codes::SCHEMA_VALIDATION_FAILED,
            message: NOT_AN_OBJECT.into(),
            location: String::new(),
            pointer: String::new(),
        }),
    }
}

/// Recorded AWS response (LocalStack snapshot `test_sfn_api_validation`, `EMPTY_STRING`).
const NOT_AN_OBJECT: &str = "Definition must be a valid JSON object";

fn check(
    definition: &Value,
    duplicates: &[(Loc, String)],
    machine_type: MachineType,
) -> (Option<StateMachine>, Vec<Diagnostic>) {
    let mut loader = Loader {
        diagnostics: Vec::new(),
        machine_type,
        language: QueryLanguage::JsonPath,
        state_names: HashSet::new(),
        labels: HashSet::new(),
        state_aws: String::new(),
    };
    for (loc, name) in duplicates {
        loader.error(
            codes::DUPLICATE_STATE_NAME,
            loc,
            format!("Duplicate State name: {name}"),
        );
    }
    let machine = loader.machine(definition, &Loc::root(), Scope::Top);
    (machine, loader.diagnostics)
}

fn finish((machine, diagnostics): (Option<StateMachine>, Vec<Diagnostic>)) -> Result<StateMachine, Vec<Diagnostic>> {
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(diagnostics);
    }
    machine.ok_or(diagnostics)
}

/// A place in the definition, kept both as AWS writes it and as a JSON pointer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Loc {
    aws: String,
    pointer: String,
}

impl Loc {
    fn root() -> Loc {
        Loc::default()
    }

    fn key(&self, key: &str) -> Loc {
        Loc {
            aws: format!("{}/{key}", self.aws),
            pointer: format!("{}/{}", self.pointer, key.replace('~', "~0").replace('/', "~1")),
        }
    }

    fn index(&self, index: usize) -> Loc {
        Loc {
            aws: format!("{}[{index}]", self.aws),
            pointer: format!("{}/{index}", self.pointer),
        }
    }
}

/// What kind of machine object is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Top,
    Branch,
    /// A Map's `ItemProcessor` (or legacy `Iterator`).
    Processor,
}

struct Loader {
    diagnostics: Vec<Diagnostic>,
    machine_type: MachineType,
    /// The top-level `QueryLanguage`, which every state that sets none inherits, at any depth
    /// (a Map or Parallel state's own `QueryLanguage` does not reach the states inside it).
    language: QueryLanguage,
    /// State names seen so far: they must be unique across the whole state machine.
    state_names: HashSet<String>,
    /// Map `Label`s seen so far.
    labels: HashSet<String>,
    /// The location of the state being read, so a JSONata expression knows its field path
    /// within the state (`Output/result`), which AWS names in evaluation errors.
    state_aws: String,
}

const STATE_TYPES: &[&str] = &["Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map"];

/// The fields each state type accepts besides `Type`, `Comment` and `QueryLanguage`, as
/// measured against ValidateStateMachineDefinition by a public CloudFormation linter (rule
/// `pf-sfn-asl-state-fields`, "8 types x 50 fields").
fn allowed_fields(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "Pass" => &[
            "InputPath",
            "OutputPath",
            "Result",
            "ResultPath",
            "Parameters",
            "Output",
            "Assign",
            "Next",
            "End",
        ],
        "Task" => &[
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "Arguments",
            "Output",
            "Assign",
            "Resource",
            "Credentials",
            "ResultSelector",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Next",
            "End",
        ],
        "Wait" => &[
            "InputPath",
            "OutputPath",
            "Output",
            "Assign",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
            "Next",
            "End",
        ],
        "Parallel" => &[
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "Arguments",
            "Output",
            "Assign",
            "ResultSelector",
            "Retry",
            "Catch",
            "Branches",
            "Next",
            "End",
        ],
        "Map" => &[
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "Output",
            "Assign",
            "ResultSelector",
            "Retry",
            "Catch",
            "ItemProcessor",
            "Iterator",
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
            "Next",
            "End",
        ],
        "Choice" => &["InputPath", "OutputPath", "Output", "Assign", "Choices", "Default"],
        "Succeed" => &["InputPath", "OutputPath", "Output"],
        "Fail" => &["Error", "Cause", "ErrorPath", "CausePath"],
        _ => &[],
    }
}

/// Fields only JSONPath states may use, and fields only JSONata states may use (Developer
/// Guide, "Transforming data with JSONata"; the same linter's `pf-sfn-asl-query-language`).
const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "ItemsPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "SecondsPath",
    "TimestampPath",
    "MaxConcurrencyPath",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCountPath",
    "ErrorPath",
    "CausePath",
];
const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// Recorded AWS response (conformance case `test_state_name_invalid_state_definition`).
const TYPE_VALUES: &str =
    "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]";

/// `These fields are required: [...]` (recorded AWS responses at `/`).
fn required_message(fields: &[&str]) -> String {
    format!("These fields are required: [{}]", fields.join(", "))
}

/// `Field 'X' is not supported`, located at the object holding the field (AWS error quoted in
/// public code: `Field '_comment_concurrency' is not supported at /States/ScoreBatchMap`).
fn not_supported(field: &str) -> String {
    format!("Field '{field}' is not supported")
}

/// A field outside its allowed values (QueryLanguage, Version, JitterStrategy and
/// ExecutionType wordings quoted by the linter; reused for the other enumerations).
fn one_of_values(values: &[&str]) -> String {
    format!("Value should be one of the following: [{}]", values.join(", "))
}

/// Two or more of a set of mutually exclusive fields (linter: Next/End, Wait's fields,
/// the `X`/`XPath` pairs, Error/ErrorPath, ItemProcessor/Iterator).
fn only_one_of(fields: &[&str]) -> String {
    format!(
        "There should only be one of the following fields: [{}]",
        fields.join(", ")
    )
}

/// None of a set of fields of which one is required (linter: Next/End, ItemProcessor/Iterator).
fn exactly_one_of(fields: &[&str]) -> String {
    format!(
        "This object should have only one of the following fields: [{}]",
        fields.join(", ")
    )
}

/// A field of the other query language (measured wording quoted by two public emulators and
/// the linter), located at the state.
fn wrong_language(language: QueryLanguage, field: &str) -> String {
    let (set, only) = match language {
        QueryLanguage::JsonPath => ("JSONPath", "JSONata"),
        QueryLanguage::Jsonata => ("JSONata", "JSONPath"),
    };
    format!("The QueryLanguage is set to '{set}', but field '{field}' is only supported for the '{only}' QueryLanguage")
}

fn is_jsonata_expression(text: &str) -> bool {
    text.len() >= 4 && text.starts_with("{%") && text.ends_with("%}")
}

impl Loader {
    fn push(&mut self, severity: Severity, code: &'static str, loc: Option<&Loc>, message: String) {
        let (location, pointer) = match loc {
            Some(loc) if loc.aws.is_empty() => ("/".to_owned(), "/".to_owned()),
            Some(loc) => (loc.aws.clone(), loc.pointer.clone()),
            None => (String::new(), String::new()),
        };
        self.diagnostics.push(Diagnostic {
            severity,
            code,
            message,
            location,
            pointer,
        });
    }

    fn error(&mut self, code: &'static str, loc: &Loc, message: impl Into<String>) {
        self.push(Severity::Error, code, Some(loc), message.into());
    }

    fn schema(&mut self, loc: &Loc, message: impl Into<String>) {
        self.error(codes::SCHEMA_VALIDATION_FAILED, loc, message);
    }

    fn warning(&mut self, code: &'static str, loc: &Loc, message: impl Into<String>) {
        self.push(Severity::Warning, code, Some(loc), message.into());
    }

    /// Report every field of `obj` that is not in `allowed`.
    fn unknown_fields(&mut self, obj: &JsonMap<String, Value>, allowed: &[&str], loc: &Loc) {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.schema(loc, not_supported(key));
            }
        }
    }

    /// Report the missing ones of `fields`; whether all are present.
    fn required(&mut self, obj: &JsonMap<String, Value>, fields: &[&str], loc: &Loc) -> bool {
        let missing: Vec<&str> = fields.iter().copied().filter(|f| !obj.contains_key(*f)).collect();
        if !missing.is_empty() {
            self.schema(loc, required_message(&missing));
        }
        missing.is_empty()
    }

    /// A whole state machine, branch or item processor.
    fn machine(&mut self, value: &Value, loc: &Loc, scope: Scope) -> Option<StateMachine> {
        let Some(obj) = value.as_object() else {
            match scope {
                Scope::Top => self.push(
                    Severity::Error,
                    codes::SCHEMA_VALIDATION_FAILED,
                    None,
                    NOT_AN_OBJECT.into(),
                ),
                _ => self.type_error(loc, values::Kind::Object),
            }
            return None;
        };
        let allowed: &[&str] = match scope {
            Scope::Top => &[
                "Comment",
                "QueryLanguage",
                "StartAt",
                "States",
                "TimeoutSeconds",
                "Version",
            ],
            Scope::Branch => &["Comment", "StartAt", "States"],
            Scope::Processor => &["Comment", "ProcessorConfig", "StartAt", "States"],
        };
        self.unknown_fields(obj, allowed, loc);
        if !self.required(obj, &["States", "StartAt"], loc) {
            return None;
        }
        let mut timeout_seconds = None;
        let mut version = None;
        if scope == Scope::Top {
            self.language = match obj.get("QueryLanguage") {
                None => QueryLanguage::JsonPath,
                Some(v) => {
                    let (language, problem) = values::query_language(v);
                    if let Some(problem) = problem {
                        self.schema(&loc.key("QueryLanguage"), problem);
                    }
                    language
                }
            };
            timeout_seconds = obj
                .get("TimeoutSeconds")
                .and_then(|v| self.integer(v, &loc.key("TimeoutSeconds"), 0, Some(values::MAX_SECONDS)));
            version = self.opt_string(obj, "Version", loc);
            if version.as_deref().is_some_and(|v| v != "1.0") {
                self.schema(&loc.key("Version"), one_of_values(&["1.0"]));
            }
        }
        let comment = self.opt_string(obj, "Comment", loc);

        let states_loc = loc.key("States");
        let Some(states_obj) = obj.get("States").and_then(Value::as_object) else {
            self.type_error(&states_loc, values::Kind::Object);
            return None;
        };
        if states_obj.is_empty() {
            self.schema(&states_loc, "Value cannot be empty");
            return None;
        }
        let Some(start_name) = obj.get("StartAt").and_then(Value::as_str) else {
            self.type_error(&loc.key("StartAt"), values::Kind::String);
            return None;
        };
        let names: HashMap<&str, usize> = states_obj.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let mut states = Vec::with_capacity(states_obj.len());
        for (name, state) in states_obj {
            let state_loc = states_loc.key(name);
            self.state_name(name, &state_loc);
            if let Some(state) = self.state(name, state, &state_loc, &names) {
                states.push(state);
            }
        }
        self.transitions(start_name, states_obj, loc, scope == Scope::Top);
        let start_at = *names.get(start_name)?;
        (states.len() == states_obj.len()).then_some(StateMachine {
            comment,
            start_at,
            states,
            timeout_seconds,
            version,
            query_language: self.language,
        })
    }

    /// State names are unique across the whole state machine (ASL specification, "States")
    /// and at most 80 characters long (Developer Guide, "Quotas").
    fn state_name(&mut self, name: &str, loc: &Loc) {
        if !self.state_names.insert(name.to_owned()) {
            // Wording quoted from AWS in public code and in Step Functions Local output.
            self.error(
                codes::DUPLICATE_STATE_NAME,
                loc,
                format!("Duplicate State name: {name}"),
            );
        }
        if name.is_empty() {
            self.error(codes::INVALID_STATE_NAME, loc, "State name cannot be empty");
        } else if name.chars().count() > 80 {
            // The linter quotes the tail of AWS's message: "... exceeds the 80-character limit
            // allowed by the service".
            self.error(
                codes::INVALID_STATE_NAME,
                loc,
                format!("State name '{name}' exceeds the 80-character limit allowed by the service"),
            );
        }
    }

    /// Transition targets and reachability, read from the JSON so that states with other
    /// problems still count. Names are scoped to one `States` object: a branch cannot leave
    /// itself, nor can a state outside enter it.
    fn transitions(&mut self, start: &str, states: &JsonMap<String, Value>, loc: &Loc, top: bool) {
        let states_loc = loc.key("States");
        let names: HashMap<&str, usize> = states.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
        let missing = |name: &str| format!("Missing 'Next' target: {name}");
        if !names.contains_key(start) {
            // AWS error quoted in a public issue: `Missing 'Next' target: ... at /StartAt`.
            self.error(codes::MISSING_TRANSITION_TARGET, &loc.key("StartAt"), missing(start));
        }
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); states.len()];
        let mut terminal = false;
        for (i, (name, state)) in states.iter().enumerate() {
            let Some(obj) = state.as_object() else { continue };
            let type_name = obj.get("Type").and_then(Value::as_str);
            terminal |= obj.get("End") == Some(&Value::Bool(true)) || matches!(type_name, Some("Succeed" | "Fail"));
            for (target, target_loc, checked) in targets(obj, type_name, &states_loc.key(name)) {
                match names.get(target) {
                    Some(j) => edges[i].push(*j),
                    // AWS error quoted in a public issue: `Missing 'Next' target: pass3 at
                    // /States/pass1/Next`; emulators measured the same wording for Default.
                    None if checked => self.error(codes::MISSING_TRANSITION_TARGET, &target_loc, missing(target)),
                    None => {}
                }
            }
        }
        if top && !terminal {
            // Wording quoted by the linter and an emulator; no location, and no reachability
            // findings beside it.
            self.push(
                Severity::Error,
                codes::MISSING_END_STATE,
                None,
                "Workflow has no terminal state".into(),
            );
            return;
        }
        let mut reached = vec![false; states.len()];
        let mut queue: VecDeque<usize> = names.get(start).copied().into_iter().collect();
        while let Some(i) = queue.pop_front() {
            if std::mem::replace(&mut reached[i], true) {
                continue;
            }
            queue.extend(edges[i].iter().copied());
        }
        for (name, _) in states.iter().zip(reached).filter(|(_, r)| !r).map(|(s, _)| s) {
            // AWS error quoted in a public issue: `State "pass2" is not reachable. at /States/pass2`.
            self.error(
                codes::MISSING_TRANSITION_TARGET,
                &states_loc.key(name),
                format!("State \"{name}\" is not reachable."),
            );
        }
    }
}

/// A state's transition targets: name, location, and whether its type allows the field (a
/// target in a field the type does not have is already reported as unsupported).
fn targets<'a>(obj: &'a JsonMap<String, Value>, type_name: Option<&str>, loc: &Loc) -> Vec<(&'a str, Loc, bool)> {
    let mut out = Vec::new();
    let choice = type_name == Some("Choice");
    if let Some(next) = obj.get("Next").and_then(Value::as_str) {
        let checked = !matches!(type_name, Some("Choice" | "Succeed" | "Fail"));
        out.push((next, loc.key("Next"), checked));
    }
    if let Some(default) = obj.get("Default").and_then(Value::as_str) {
        out.push((default, loc.key("Default"), choice));
    }
    for (field, checked) in [
        ("Choices", choice),
        ("Catch", matches!(type_name, Some("Task" | "Parallel" | "Map"))),
    ] {
        let Some(list) = obj.get(field).and_then(Value::as_array) else {
            continue;
        };
        for (i, entry) in list.iter().enumerate() {
            if let Some(next) = entry.get("Next").and_then(Value::as_str) {
                out.push((next, loc.key(field).index(i).key("Next"), checked));
            }
        }
    }
    out
}
