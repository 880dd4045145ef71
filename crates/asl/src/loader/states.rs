//! States: the fields every state has, and each type's own.

use std::collections::HashMap;

use serde_json::{Map as JsonMap, Value};

use super::resources;
use super::values::{self, Kind, MAX_SECONDS};
use super::{
    allowed_fields, codes, exactly_one_of, is_jsonata_expression, not_supported, only_one_of, required_message,
    wrong_language, Loader, Loc, MachineType, Scope, JSONATA_ONLY, JSONPATH_ONLY, STATE_TYPES, TYPE_VALUES,
};
use crate::choice::{ChoiceRule, Operand, Test, OPERATORS};
use crate::definition::*;
use crate::errors::names;
use crate::intrinsics::Intrinsic;
use crate::path::{Path, ReferencePath};
use crate::template::Template;

type Names<'a> = HashMap<&'a str, usize>;
type Obj = JsonMap<String, Value>;

/// Recorded AWS responses (conformance cases `test_illegal_callbacks_SYNC`,
/// `test_illegal_activity_task`; LocalStack snapshot `ILLEGAL_WFTT`, whose message ends in a
/// space).
const EXPRESS_SYNC: &str = "Express state machine does not support '.sync' service integration";
const EXPRESS_TOKEN: &str = "Express state machine does not support '.waitForTaskToken' service integration ";
const EXPRESS_ACTIVITY: &str = "Express state machine does not support Activity ARN";

/// The longest Map `Label` (Developer Guide, "Map state in Distributed mode").
const MAX_LABEL_CHARS: usize = 40;
/// The largest `MaxDelaySeconds` of a retrier (Developer Guide; measured by the linter).
const MAX_DELAY_SECONDS: u64 = 31_622_400;

/// The fields of a Wait state, in the order AWS lists them (quoted by the linter).
const WAIT_FIELDS: &[&str] = &["SecondsPath", "Seconds", "TimestampPath", "Timestamp"];

/// Recorded AWS response (conformance cases `test_wait_timestamp_invalid_*`).
const NOT_A_TIMESTAMP: &str = "String does not match RFC3339 timestamp";

fn is_activity(resource: &str) -> bool {
    let parts: Vec<&str> = resource.split(':').collect();
    parts.len() >= 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
}

/// Whether a Map `Label` may hold `c` (Developer Guide: no whitespace, brackets, wildcards,
/// special characters or control characters).
fn label_char_allowed(c: char) -> bool {
    !(c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
}

impl Loader {
    pub(super) fn state(&mut self, name: &str, value: &Value, loc: &Loc, names: &Names) -> Option<State> {
        // States nested in a Map or Parallel set their own location; the outer one comes
        // back for the fields read after them (a Map's `Items`, `ItemSelector`...).
        let outer = std::mem::replace(&mut self.state_aws, loc.aws.clone());
        let state = self.state_fields(name, value, loc, names);
        self.state_aws = outer;
        state
    }

    fn state_fields(&mut self, name: &str, value: &Value, loc: &Loc, names: &Names) -> Option<State> {
        let Some(obj) = value.as_object() else {
            self.type_error(loc, Kind::Object);
            return None;
        };
        let type_name = match obj.get("Type") {
            Some(Value::String(t)) if STATE_TYPES.contains(&t.as_str()) => t.as_str(),
            Some(_) => {
                self.schema(&loc.key("Type"), TYPE_VALUES);
                return None;
            }
            None => {
                self.schema(loc, required_message(&["Type"]));
                return None;
            }
        };
        let (language, language_problem, downgraded) = match obj.get("QueryLanguage") {
            None => (self.language, None, false),
            Some(v) => {
                let (language, problem) = values::query_language(v);
                let downgraded = self.language == QueryLanguage::Jsonata && language == QueryLanguage::JsonPath;
                if downgraded {
                    // Recorded AWS response (validation-api `INVALID_DOWNGRADE_QUERY_LANGUAGE`).
                    self.schema(
                        loc,
                        "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
                    );
                }
                (language, problem, downgraded)
            }
        };
        let allowed = allowed_fields(type_name);
        for key in obj.keys().map(String::as_str) {
            if matches!(key, "Type" | "Comment" | "QueryLanguage") {
                continue;
            }
            let other_language = match language {
                QueryLanguage::JsonPath => JSONATA_ONLY.contains(&key),
                QueryLanguage::Jsonata => JSONPATH_ONLY.contains(&key),
            };
            if !allowed.contains(&key) {
                self.schema(loc, not_supported(key));
            } else if other_language && !downgraded {
                // For a downgraded state, an emulator measured that AWS reports the downgrade
                // alone.
                self.schema(loc, wrong_language(language, key));
            }
        }
        if let Some(problem) = language_problem {
            self.schema(&loc.key("QueryLanguage"), problem);
        }

        let comment = self.opt_string(obj, "Comment", loc);
        let (input_path, output_path) = match language {
            QueryLanguage::JsonPath => (
                self.optional_path(obj, "InputPath", loc),
                self.optional_path(obj, "OutputPath", loc),
            ),
            QueryLanguage::Jsonata => (None, None),
        };
        let assign = self.assign(obj, loc, language);
        let output = match language {
            QueryLanguage::Jsonata => self.template_field(obj, "Output", loc, language),
            QueryLanguage::JsonPath => None,
        };
        let kind = match type_name {
            "Pass" => StateKind::Pass(self.pass(obj, loc, language, names)?),
            "Task" => StateKind::Task(Box::new(self.task(obj, loc, language, names)?)),
            "Choice" => StateKind::Choice(self.choice(obj, loc, language, names)?),
            "Wait" => StateKind::Wait(self.wait(obj, loc, language, names)?),
            "Succeed" => StateKind::Succeed,
            "Fail" => StateKind::Fail(self.fail(obj, loc, language)?),
            "Parallel" => StateKind::Parallel(Box::new(self.parallel(obj, loc, language, names)?)),
            _ => StateKind::Map(Box::new(self.map(obj, loc, language, names)?)),
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

    fn assign(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage) -> Option<Template> {
        let value = obj.get("Assign")?;
        let assign_loc = loc.key("Assign");
        match value.as_object() {
            Some(fields) => {
                for key in fields.keys() {
                    let name = match language {
                        QueryLanguage::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                        QueryLanguage::Jsonata => key,
                    };
                    if let Some(problem) = variable_name_problem(name) {
                        self.schema(&assign_loc.key(key), problem);
                    }
                }
            }
            None => self.type_error(&assign_loc, Kind::Object),
        }
        Some(self.template(value, &assign_loc, language))
    }

    /// `Next` or `End` (ASL specification: exactly one; the linter quotes both wordings).
    fn transition(&mut self, obj: &Obj, loc: &Loc, names: &Names) -> Option<Transition> {
        let end = match obj.get("End") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                self.type_error(&loc.key("End"), Kind::Boolean);
                return None;
            }
        };
        match (obj.get("Next"), end) {
            (Some(_), true) => {
                self.schema(loc, only_one_of(&["Next", "End"]));
                None
            }
            (None, false) => {
                self.schema(loc, exactly_one_of(&["Next", "End"]));
                None
            }
            // A missing target is reported with the other transitions, in `transitions`.
            (Some(next), false) => names
                .get(self.string(next, &loc.key("Next"))?)
                .map(|i| Transition::Next(*i)),
            (None, true) => Some(Transition::End),
        }
    }

    /// `Parameters` of a JSONPath state, `Arguments` of a JSONata one.
    fn parameters(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage) -> Option<Template> {
        let key = match language {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        self.template_field(obj, key, loc, language)
    }

    fn result_selector(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage) -> Option<Template> {
        match language {
            QueryLanguage::JsonPath => self.template_field(obj, "ResultSelector", loc, language),
            QueryLanguage::Jsonata => None,
        }
    }

    fn pass(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Pass> {
        let transition = self.transition(obj, loc, names);
        let (result, parameters) = match language {
            QueryLanguage::JsonPath => {
                let result = obj.get("Result").cloned();
                if result.as_ref().is_some_and(has_dollar_key) {
                    self.warning(
                        codes::PASS_RESULT_IS_STATIC,
                        &loc.key("Result"),
                        "The 'Result' field of a Pass state is static: keys ending in '.$' are not evaluated",
                    );
                }
                (result, self.template_field(obj, "Parameters", loc, language))
            }
            QueryLanguage::Jsonata => (None, None),
        };
        Some(Pass {
            transition: transition?,
            result,
            parameters,
            result_path: self.result_path(obj, loc, language),
        })
    }

    fn task(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Task> {
        let resource = self.resource(obj, loc);
        let transition = self.transition(obj, loc, names);
        let credentials = self.credentials(obj, loc, resource.as_deref());
        let seconds = (1, Some(MAX_SECONDS));
        let timeout_seconds = self.dynamic_integer(obj, "TimeoutSeconds", loc, language, seconds);
        let heartbeat_seconds = self.dynamic_integer(obj, "HeartbeatSeconds", loc, language, seconds);
        if let (Some(Dynamic::Literal(timeout)), Some(Dynamic::Literal(heartbeat))) =
            (&timeout_seconds, &heartbeat_seconds)
        {
            if heartbeat >= timeout {
                // ASL specification, "Task State": HeartbeatSeconds must be smaller than
                // TimeoutSeconds. AWS's wording is not known.
                self.schema(
                    &loc.key("HeartbeatSeconds"),
                    "The value of 'HeartbeatSeconds' must be smaller than the value of 'TimeoutSeconds'",
                );
            }
        }
        let parameters = self.parameters(obj, loc, language);
        let result_path = self.result_path(obj, loc, language);
        let result_selector = self.result_selector(obj, loc, language);
        let retry = self.retriers(obj, loc);
        let catch = self.catchers(obj, loc, language, names);
        Some(Task {
            transition: transition?,
            resource: resource?,
            parameters,
            result_path,
            result_selector,
            retry: retry?,
            catch: catch?,
            timeout_seconds,
            heartbeat_seconds,
            credentials,
        })
    }

    fn resource(&mut self, obj: &Obj, loc: &Loc) -> Option<String> {
        let Some(value) = obj.get("Resource") else {
            self.schema(loc, required_message(&["Resource"]));
            return None;
        };
        let resource_loc = loc.key("Resource");
        let resource = self.string(value, &resource_loc)?;
        if !resource.starts_with("arn:") {
            // AWS error quoted in public deployment notes and by the linter.
            self.schema(&resource_loc, "Value is not a valid resource ARN");
            return None;
        }
        if !resources::recognized(resource) {
            self.schema(&resource_loc, resources::unrecognized_message(resource));
            return None;
        }
        if self.machine_type == MachineType::Express {
            match IntegrationPattern::split(resource).1 {
                _ if is_activity(resource) => self.schema(&resource_loc, EXPRESS_ACTIVITY),
                IntegrationPattern::Job | IntegrationPattern::JobJson => self.schema(&resource_loc, EXPRESS_SYNC),
                IntegrationPattern::Callback => self.schema(&resource_loc, EXPRESS_TOKEN),
                IntegrationPattern::RequestResponse => {}
            }
        }
        Some(resource.to_owned())
    }

    /// `Credentials` (wordings quoted by the linter).
    fn credentials(&mut self, obj: &Obj, loc: &Loc, resource: Option<&str>) -> Option<Value> {
        let value = obj.get("Credentials")?;
        let credentials_loc = loc.key("Credentials");
        match value.as_object() {
            Some(c) if !c.contains_key("RoleArn") && !c.contains_key("RoleArn.$") => {
                self.schema(&credentials_loc, "The field 'RoleArn' is required but was missing")
            }
            Some(_) => {}
            None => self.type_error(&credentials_loc, Kind::Object),
        }
        if resource.is_some_and(is_activity) {
            self.schema(
                &credentials_loc,
                "The field 'Credentials' is not supported for activities",
            );
        }
        Some(value.clone())
    }

    fn wait(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Wait> {
        let transition = self.transition(obj, loc, names);
        let fields: Vec<&str> = match language {
            QueryLanguage::JsonPath => WAIT_FIELDS.to_vec(),
            QueryLanguage::Jsonata => vec!["Seconds", "Timestamp"],
        };
        let given: Vec<&str> = fields.iter().copied().filter(|k| obj.contains_key(*k)).collect();
        let [field] = given.as_slice() else {
            let foreign = WAIT_FIELDS.iter().any(|k| !fields.contains(k) && obj.contains_key(*k));
            if !given.is_empty() {
                self.schema(loc, only_one_of(&fields));
            } else if !foreign {
                // (A field of the other query language is already reported.)
                self.schema(loc, exactly_one_of(&fields));
            }
            return None;
        };
        let field_loc = loc.key(field);
        let value = obj.get(*field)?;
        let wait_for = match *field {
            "Seconds" => {
                WaitFor::Seconds(self.dynamic_integer(obj, "Seconds", loc, language, (0, Some(MAX_SECONDS)))?)
            }
            "SecondsPath" => WaitFor::Seconds(Dynamic::Path(self.reference_path(value, &field_loc)?)),
            "TimestampPath" => WaitFor::Timestamp(Dynamic::Path(self.reference_path(value, &field_loc)?)),
            _ => match self.string(value, &field_loc)? {
                s if language == QueryLanguage::Jsonata && is_jsonata_expression(s) => {
                    WaitFor::Timestamp(Dynamic::Expression(self.template(value, &field_loc, language)))
                }
                s if crate::choice::parse_timestamp(s).is_some() => WaitFor::Timestamp(Dynamic::Literal(s.to_owned())),
                _ => {
                    self.schema(&field_loc, NOT_A_TIMESTAMP);
                    return None;
                }
            },
        };
        Some(Wait {
            transition: transition?,
            wait_for,
        })
    }

    fn fail(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage) -> Option<Fail> {
        let error = self.text(obj, "Error", loc, language);
        let cause = self.text(obj, "Cause", loc, language);
        Some(Fail {
            error: error?,
            cause: cause?,
        })
    }

    /// `Error`/`ErrorPath` or `Cause`/`CausePath` of a Fail state: `Some(None)` when absent.
    fn text(&mut self, obj: &Obj, key: &str, loc: &Loc, language: QueryLanguage) -> Option<Option<Text>> {
        let path_key = format!("{key}Path");
        if language == QueryLanguage::JsonPath && self.both(obj, key, &path_key, loc) {
            return None;
        }
        if let Some(value) = obj.get(key) {
            let field_loc = loc.key(key);
            let text = self.string(value, &field_loc)?;
            return Some(Some(match language {
                QueryLanguage::Jsonata if is_jsonata_expression(text) => {
                    Text::Expression(self.template(value, &field_loc, language))
                }
                QueryLanguage::Jsonata => Text::Literal(text.to_owned()),
                QueryLanguage::JsonPath => {
                    if text.starts_with("$.") || text.starts_with("$$.") {
                        self.warning(
                            codes::NO_PATH,
                            &field_loc,
                            format!("The value of the field '{key}' looks like a path, but the field name does not end with 'Path'"),
                        );
                    }
                    Text::Literal(text.to_owned())
                }
            }));
        }
        let value = match obj.get(&path_key) {
            Some(value) if language == QueryLanguage::JsonPath => value,
            _ => return Some(None),
        };
        let field_loc = loc.key(&path_key);
        let text = self.string(value, &field_loc)?;
        let parsed = if Intrinsic::looks_like_call(text) {
            Intrinsic::parse(text).ok().map(Text::Intrinsic)
        } else {
            Path::parse(text).ok().map(Text::Path)
        };
        if parsed.is_none() {
            // The wording AWS uses for `.$` values (recorded); not confirmed for these fields.
            self.schema(
                &field_loc,
                format!(
                    "The value for the field '{path_key}' must be a valid JSONPath or a valid intrinsic function call"
                ),
            );
        }
        parsed.map(Some)
    }

    fn parallel(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Parallel> {
        let transition = self.transition(obj, loc, names);
        let branches = self.branches(obj, loc);
        let parameters = self.parameters(obj, loc, language);
        let result_path = self.result_path(obj, loc, language);
        let result_selector = self.result_selector(obj, loc, language);
        let retry = self.retriers(obj, loc);
        let catch = self.catchers(obj, loc, language, names);
        Some(Parallel {
            transition: transition?,
            branches: branches?,
            parameters,
            result_path,
            result_selector,
            retry: retry?,
            catch: catch?,
        })
    }

    fn branches(&mut self, obj: &Obj, loc: &Loc) -> Option<Vec<StateMachine>> {
        let Some(value) = obj.get("Branches") else {
            self.schema(loc, required_message(&["Branches"]));
            return None;
        };
        let branches_loc = loc.key("Branches");
        // Empty: recorded AWS response (TestState case `test_parallel_state_empty_branches`).
        let list = self.non_empty_array(value, &branches_loc)?;
        let branches: Vec<StateMachine> = list
            .iter()
            .enumerate()
            .filter_map(|(i, b)| self.machine(b, &branches_loc.index(i), Scope::Branch))
            .collect();
        (branches.len() == list.len()).then_some(branches)
    }

    fn map(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Map> {
        let transition = self.transition(obj, loc, names);
        let processor = self.processor(obj, loc);
        let item_selector = match language {
            QueryLanguage::JsonPath if self.both(obj, "ItemSelector", "Parameters", loc) => None,
            QueryLanguage::JsonPath => ["ItemSelector", "Parameters"]
                .into_iter()
                .find_map(|k| self.template_field(obj, k, loc, language)),
            QueryLanguage::Jsonata => self.template_field(obj, "ItemSelector", loc, language),
        };
        let items = match language {
            QueryLanguage::JsonPath => match obj.get("ItemsPath") {
                None => ReferencePath::parse("$").ok().map(Items::Path),
                Some(v) => self.reference_path(v, &loc.key("ItemsPath")).map(Items::Path),
            },
            QueryLanguage::Jsonata => match obj.get("Items") {
                None => Some(Items::Input),
                Some(v @ Value::Array(_)) => Some(Items::Expression(self.template(v, &loc.key("Items"), language))),
                Some(v @ Value::String(s)) if s.starts_with("{%") || s.ends_with("%}") => {
                    Some(Items::Expression(self.template(v, &loc.key("Items"), language)))
                }
                Some(_) => {
                    self.type_error(&loc.key("Items"), Kind::Array);
                    None
                }
            },
        };
        let max_concurrency = self.dynamic_integer(obj, "MaxConcurrency", loc, language, (0, None));
        let tolerated_failure_count = self.dynamic_integer(obj, "ToleratedFailureCount", loc, language, (0, None));
        let tolerated_failure_percentage =
            self.dynamic_number(obj, "ToleratedFailurePercentage", loc, language, (0.0, Some(100.0)));
        let label = self.label(obj, loc);
        let [item_reader, item_batcher, result_writer] = ["ItemReader", "ItemBatcher", "ResultWriter"].map(|key| {
            let value = obj.get(key)?;
            if !value.is_object() {
                self.type_error(&loc.key(key), Kind::Object);
            }
            Some(value.clone())
        });
        let result_path = self.result_path(obj, loc, language);
        let result_selector = self.result_selector(obj, loc, language);
        let retry = self.retriers(obj, loc);
        let catch = self.catchers(obj, loc, language, names);
        let (processor, mode, execution_type, legacy) = processor?;
        Some(Map {
            transition: transition?,
            processor,
            mode,
            execution_type,
            legacy,
            items: items?,
            item_selector,
            item_reader,
            item_batcher,
            result_writer,
            max_concurrency: max_concurrency.unwrap_or(Dynamic::Literal(0)),
            tolerated_failure_percentage,
            tolerated_failure_count,
            label,
            result_path,
            result_selector,
            retry: retry?,
            catch: catch?,
        })
    }

    /// A Map's `ItemProcessor` (or legacy `Iterator`) and its `ProcessorConfig`.
    #[allow(clippy::type_complexity)]
    fn processor(&mut self, obj: &Obj, loc: &Loc) -> Option<(StateMachine, MapMode, Option<String>, bool)> {
        let choices = ["ItemProcessor", "Iterator"];
        let (key, legacy) = match (obj.get("ItemProcessor"), obj.get("Iterator")) {
            (Some(_), Some(_)) => {
                self.schema(&loc.key("ItemProcessor"), only_one_of(&choices));
                return None;
            }
            (Some(_), None) => ("ItemProcessor", false),
            (None, Some(_)) => ("Iterator", true),
            (None, None) => {
                self.schema(loc, exactly_one_of(&choices));
                return None;
            }
        };
        let value = obj.get(key)?;
        let processor_loc = loc.key(key);
        let config = value.get("ProcessorConfig");
        let (mode, execution_type) = match config {
            None => (MapMode::Inline, None),
            Some(config) => self.processor_config(config, &processor_loc.key("ProcessorConfig"))?,
        };
        let machine = self.machine(value, &processor_loc, Scope::Processor)?;
        Some((machine, mode, execution_type, legacy))
    }

    /// `ProcessorConfig` (wordings quoted by the linter, except the `Mode` values).
    fn processor_config(&mut self, config: &Value, loc: &Loc) -> Option<(MapMode, Option<String>)> {
        let Some(obj) = config.as_object() else {
            self.type_error(loc, Kind::Object);
            return None;
        };
        self.unknown_fields(obj, &["Mode", "ExecutionType"], loc);
        let mode_loc = loc.key("Mode");
        let mode = match obj.get("Mode") {
            None => MapMode::Inline,
            Some(v) => match self.enumeration(v, &mode_loc, &["INLINE", "DISTRIBUTED"])? {
                "DISTRIBUTED" => MapMode::Distributed,
                _ => MapMode::Inline,
            },
        };
        let execution_type = match (mode, obj.get("ExecutionType")) {
            (MapMode::Distributed, None) => {
                self.schema(loc, required_message(&["ExecutionType"]));
                return None;
            }
            (MapMode::Inline, Some(_)) => {
                self.schema(loc, not_supported("ExecutionType"));
                return None;
            }
            (_, None) => None,
            (_, Some(v)) => Some(
                self.enumeration(v, &loc.key("ExecutionType"), &["STANDARD", "EXPRESS"])?
                    .to_owned(),
            ),
        };
        if mode == MapMode::Distributed && self.machine_type == MachineType::Express {
            self.schema(
                &mode_loc,
                "The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' state machines",
            );
        }
        Some((mode, execution_type))
    }

    /// A Map `Label`. The wordings are those of the recorded responses (map-run-api cases
    /// `test_map_state_label_*`), which come from LocalStack rather than from AWS; the linter
    /// quotes AWS as `INVALID_LABEL_NAME: ... exceeds the 40-character limit allowed by the
    /// service` and `DUPLICATE_LABEL_NAME: Duplicate Label name: X`.
    fn label(&mut self, obj: &Obj, loc: &Loc) -> Option<String> {
        let value = obj.get("Label")?;
        let label_loc = loc.key("Label");
        let label = self.string(value, &label_loc)?;
        let problem = if label.is_empty() {
            Some("Label cannot be empty".to_owned())
        } else if label.chars().count() > MAX_LABEL_CHARS {
            Some(format!("Label cannot exceed {MAX_LABEL_CHARS} characters"))
        } else {
            label.chars().find(|c| !label_char_allowed(*c)).map(|c| {
                format!(
                    "Label contains invalid character: {}",
                    super::python_repr(&c.to_string())
                )
            })
        };
        if let Some(problem) = problem {
            self.error(codes::INVALID_LABEL_NAME, &label_loc, problem);
        } else if !self.labels.insert(label.to_owned()) {
            self.error(
                codes::DUPLICATE_LABEL_NAME,
                &label_loc,
                format!("Duplicate Label name: {label}"),
            );
        }
        Some(label.to_owned())
    }

    /// `ErrorEquals` of the retrier or catcher at `loc` (Developer Guide, "Error handling":
    /// a non-empty array, `States.ALL` alone and in the last entry; wording quoted by the
    /// linter).
    fn error_equals(&mut self, entry: &Obj, loc: &Loc, last: bool) -> Option<Vec<String>> {
        let value = entry.get("ErrorEquals")?;
        let list_loc = loc.key("ErrorEquals");
        let list = self.non_empty_array(value, &list_loc)?;
        let mut names = Vec::with_capacity(list.len());
        for (i, name) in list.iter().enumerate() {
            names.push(self.string(name, &list_loc.index(i))?.to_owned());
        }
        if names.iter().any(|n| n == names::ALL) && (names.len() > 1 || !last) {
            self.schema(&list_loc, "States.ALL must appear alone and at end of list");
            return None;
        }
        Some(names)
    }

    /// The entries of `Retry` or `Catch`, as objects with their locations.
    fn entries<'o>(&mut self, obj: &'o Obj, key: &str, loc: &Loc) -> Option<Vec<(&'o Obj, Loc, bool)>> {
        let Some(value) = obj.get(key) else {
            return Some(Vec::new());
        };
        let list_loc = loc.key(key);
        let Some(list) = value.as_array() else {
            self.type_error(&list_loc, Kind::Array);
            return None;
        };
        let mut out = Vec::with_capacity(list.len());
        let mut complete = true;
        for (i, entry) in list.iter().enumerate() {
            match entry.as_object() {
                Some(e) => out.push((e, list_loc.index(i), i + 1 == list.len())),
                None => {
                    self.type_error(&list_loc.index(i), Kind::Object);
                    complete = false;
                }
            }
        }
        complete.then_some(out)
    }

    fn retriers(&mut self, obj: &Obj, loc: &Loc) -> Option<Vec<Retrier>> {
        let mut out = Vec::new();
        let mut complete = true;
        for (r, entry_loc, last) in self.entries(obj, "Retry", loc)? {
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
                &entry_loc,
            );
            self.required(r, &["ErrorEquals"], &entry_loc);
            self.opt_string(r, "Comment", &entry_loc);
            let error_equals = self.error_equals(r, &entry_loc, last);
            let field = |this: &mut Self, key: &str, min: i64, max: u64, default: u64| match r.get(key) {
                None => Some(default),
                Some(v) => this.integer(v, &entry_loc.key(key), min, Some(max)),
            };
            // The linter measured that AWS accepts an `IntervalSeconds` of 0.
            let interval_seconds = field(self, "IntervalSeconds", 0, MAX_SECONDS, 1);
            let max_attempts = field(self, "MaxAttempts", 0, MAX_SECONDS, 3);
            let max_delay_seconds = match r.get("MaxDelaySeconds") {
                None => Some(None),
                Some(v) => self
                    .integer(v, &entry_loc.key("MaxDelaySeconds"), 1, Some(MAX_DELAY_SECONDS))
                    .map(Some),
            };
            let backoff_rate = match r.get("BackoffRate") {
                None => Some(2.0),
                Some(v) => self.number(v, &entry_loc.key("BackoffRate"), 1.0, None),
            };
            let jitter = match r.get("JitterStrategy") {
                None => Some(Jitter::None),
                Some(v) => self
                    .enumeration(v, &entry_loc.key("JitterStrategy"), &["NONE", "FULL"])
                    .map(|j| if j == "FULL" { Jitter::Full } else { Jitter::None }),
            };
            match (
                error_equals,
                interval_seconds,
                max_attempts,
                backoff_rate,
                max_delay_seconds,
                jitter,
            ) {
                (
                    Some(error_equals),
                    Some(interval_seconds),
                    Some(max_attempts),
                    Some(backoff_rate),
                    Some(max_delay_seconds),
                    Some(jitter),
                ) => out.push(Retrier {
                    error_equals,
                    interval_seconds,
                    max_attempts,
                    backoff_rate,
                    max_delay_seconds,
                    jitter,
                }),
                _ => complete = false,
            }
        }
        complete.then_some(out)
    }

    fn catchers(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Vec<Catcher>> {
        let mut out = Vec::new();
        let mut complete = true;
        for (c, entry_loc, last) in self.entries(obj, "Catch", loc)? {
            for key in c.keys().map(String::as_str) {
                match key {
                    "ErrorEquals" | "Next" | "Comment" | "Assign" => {}
                    "ResultPath" if language == QueryLanguage::JsonPath => {}
                    "Output" if language == QueryLanguage::Jsonata => {}
                    "ResultPath" | "Output" => self.schema(&entry_loc, wrong_language(language, key)),
                    _ => self.schema(&entry_loc, not_supported(key)),
                }
            }
            self.required(c, &["ErrorEquals", "Next"], &entry_loc);
            self.opt_string(c, "Comment", &entry_loc);
            let error_equals = self.error_equals(c, &entry_loc, last);
            let next = match c.get("Next") {
                Some(v) => self
                    .string(v, &entry_loc.key("Next"))
                    .and_then(|n| names.get(n).copied()),
                None => None,
            };
            let result_path = self.result_path(c, &entry_loc, language);
            let assign = self.assign(c, &entry_loc, language);
            let output = match language {
                QueryLanguage::Jsonata => self.template_field(c, "Output", &entry_loc, language),
                QueryLanguage::JsonPath => None,
            };
            match (error_equals, next) {
                (Some(error_equals), Some(next)) => out.push(Catcher {
                    error_equals,
                    next,
                    result_path,
                    assign,
                    output,
                }),
                _ => complete = false,
            }
        }
        complete.then_some(out)
    }

    fn choice(&mut self, obj: &Obj, loc: &Loc, language: QueryLanguage, names: &Names) -> Option<Choice> {
        let default = match obj.get("Default") {
            None => Some(None),
            Some(v) => self.string(v, &loc.key("Default")).map(|d| names.get(d).copied()),
        };
        let Some(value) = obj.get("Choices") else {
            self.schema(loc, required_message(&["Choices"]));
            return None;
        };
        let choices_loc = loc.key("Choices");
        // Empty: wording quoted by the linter, as for empty `Branches` (recorded).
        let list = self.non_empty_array(value, &choices_loc)?;
        let mut choices = Vec::with_capacity(list.len());
        for (i, entry) in list.iter().enumerate() {
            let entry_loc = choices_loc.index(i);
            let Some(c) = entry.as_object() else {
                self.type_error(&entry_loc, Kind::Object);
                continue;
            };
            let rule = self.choice_rule(c, &entry_loc, language, true);
            let next = c
                .get("Next")
                .and_then(|v| self.string(v, &entry_loc.key("Next")))
                .and_then(|n| names.get(n).copied());
            let assign = self.assign(c, &entry_loc, language);
            let output = match language {
                QueryLanguage::Jsonata => self.template_field(c, "Output", &entry_loc, language),
                QueryLanguage::JsonPath => None,
            };
            if let (Some(rule), Some(next)) = (rule, next) {
                choices.push(ChoiceBranch {
                    rule,
                    next,
                    assign,
                    output,
                });
            }
        }
        let default = default?;
        (choices.len() == list.len()).then_some(Choice { choices, default })
    }

    /// One Choice rule: a top-level entry of `Choices` or a rule nested in `And`/`Or`/`Not`.
    fn choice_rule(&mut self, c: &Obj, loc: &Loc, language: QueryLanguage, top: bool) -> Option<ChoiceRule> {
        let jsonpath = language == QueryLanguage::JsonPath;
        for key in c.keys().map(String::as_str) {
            match key {
                "Comment" => {}
                "Next" | "Assign" if top => {}
                "Output" if top && !jsonpath => {}
                "Next" | "Assign" | "Output" if !top => self.schema(loc, not_supported(key)),
                "Output" => self.schema(loc, wrong_language(language, key)),
                "Condition" if !jsonpath => {}
                "Condition" => self.schema(loc, wrong_language(language, key)),
                "And" | "Or" | "Not" | "Variable" if jsonpath => {}
                op if OPERATORS.contains(&op) && jsonpath && c.contains_key("Variable") => {}
                "And" | "Or" | "Not" | "Variable" => self.schema(loc, wrong_language(language, key)),
                op if OPERATORS.contains(&op) && !jsonpath => self.schema(loc, wrong_language(language, key)),
                _ => self.schema(loc, not_supported(key)),
            }
        }
        if top {
            // Wording quoted by the linter.
            self.required(c, &["Next"], loc);
        }
        let selectors: &[&str] = if jsonpath {
            &["And", "Or", "Not", "Variable"]
        } else {
            &["Condition"]
        };
        let given: Vec<&str> = selectors.iter().copied().filter(|k| c.contains_key(*k)).collect();
        let [selector] = given.as_slice() else {
            let foreign = ["And", "Or", "Not", "Variable", "Condition"]
                .iter()
                .any(|k| !selectors.contains(k) && c.contains_key(*k));
            // A rule written only in the other query language is already reported.
            if !(given.is_empty() && foreign) {
                // Wording quoted by the linter.
                self.schema(
                    loc,
                    "The object must have only one of the following fields, [And, Or, Not, Variable, Condition]",
                );
            }
            return None;
        };
        let value = c.get(*selector)?;
        let sub_loc = loc.key(selector);
        match *selector {
            "Condition" => Some(ChoiceRule::Condition(self.template(value, &sub_loc, language))),
            "Not" => {
                let Some(sub) = value.as_object() else {
                    self.type_error(&sub_loc, Kind::Object);
                    return None;
                };
                self.choice_rule(sub, &sub_loc, language, false)
                    .map(|r| ChoiceRule::Not(Box::new(r)))
            }
            "And" | "Or" => {
                let list = self.non_empty_array(value, &sub_loc)?;
                let mut rules = Vec::with_capacity(list.len());
                for (i, r) in list.iter().enumerate() {
                    let r_loc = sub_loc.index(i);
                    match r.as_object() {
                        Some(r) => rules.extend(self.choice_rule(r, &r_loc, language, false)),
                        None => self.type_error(&r_loc, Kind::Object),
                    }
                }
                (rules.len() == list.len()).then_some(if *selector == "And" {
                    ChoiceRule::And(rules)
                } else {
                    ChoiceRule::Or(rules)
                })
            }
            _ => {
                let variable = self.reference_path(value, &sub_loc);
                let operators: Vec<&str> = OPERATORS.iter().copied().filter(|op| c.contains_key(*op)).collect();
                let [op] = operators.as_slice() else {
                    if operators.is_empty() {
                        self.schema(loc, exactly_one_of(OPERATORS));
                    } else {
                        self.schema(loc, only_one_of(OPERATORS));
                    }
                    return None;
                };
                let test = self.test(op, c.get(*op)?, &loc.key(op));
                Some(ChoiceRule::Compare {
                    variable: variable?,
                    test: test?,
                })
            }
        }
    }

    /// A comparison operator with its operand.
    fn test(&mut self, op: &str, value: &Value, loc: &Loc) -> Option<Test> {
        if let Some(base) = op.strip_suffix("Path") {
            let path = self.reference_path(value, loc)?;
            return path_test(base, path);
        }
        if op.starts_with("Is") {
            let Some(b) = value.as_bool() else {
                self.type_error(loc, Kind::Boolean);
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
                self.type_error(loc, Kind::Number);
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
                self.type_error(loc, Kind::Boolean);
                return None;
            };
            return Some(Test::BooleanEquals(Operand::Literal(b)));
        }
        let text = self.string(value, loc)?;
        if op.starts_with("Timestamp") && crate::choice::parse_timestamp(text).is_none() {
            self.schema(loc, NOT_A_TIMESTAMP);
            return None;
        }
        if op == "StringMatches" {
            return Some(Test::StringMatches(text.to_owned()));
        }
        let s = Operand::Literal(text.to_owned());
        Some(match op {
            "StringEquals" => Test::StringEquals(s),
            "StringLessThan" => Test::StringLessThan(s),
            "StringGreaterThan" => Test::StringGreaterThan(s),
            "StringLessThanEquals" => Test::StringLessThanEquals(s),
            "StringGreaterThanEquals" => Test::StringGreaterThanEquals(s),
            "TimestampEquals" => Test::TimestampEquals(s),
            "TimestampLessThan" => Test::TimestampLessThan(s),
            "TimestampGreaterThan" => Test::TimestampGreaterThan(s),
            "TimestampLessThanEquals" => Test::TimestampLessThanEquals(s),
            _ => Test::TimestampGreaterThanEquals(s),
        })
    }
}

/// The comparison `base` (an operator name without `Path`) against a path operand.
fn path_test(base: &str, path: ReferencePath) -> Option<Test> {
    Some(match base {
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
    })
}

/// Whether a Pass `Result` holds a key ending in `.$` at any depth.
fn has_dollar_key(value: &Value) -> bool {
    match value {
        Value::Object(obj) => obj.iter().any(|(k, v)| k.ends_with(".$") || has_dollar_key(v)),
        Value::Array(items) => items.iter().any(has_dollar_key),
        _ => false,
    }
}

/// What is wrong with a variable name `Assign` sets, if anything. Developer Guide, "Passing
/// data between states with variables": names follow the Unicode identifier rules (UAX #31:
/// an ID_Start character, then ID_Continue characters), have at most 80 characters, and
/// `$states` is reserved. A part of a variable (`x.y`, `x[2]`) cannot be assigned. The rules
/// are AWS's; the wording is ours (no recorded AWS message). A leading `_` is accepted as
/// the variable paths (`$_x`) and JSONata accept it.
fn variable_name_problem(name: &str) -> Option<String> {
    const MAX_CHARS: usize = 80;
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(unicode_ident::is_xid_continue);
    if !well_formed {
        Some(format!(
            "The variable name '{name}' is not valid: it must start with a Unicode ID_Start character, continue with ID_Continue characters, and name a whole variable"
        ))
    } else if name.chars().count() > MAX_CHARS {
        Some(format!(
            "The variable name '{name}' is too long: a variable name has at most {MAX_CHARS} characters"
        ))
    } else if name == "states" {
        Some("The variable name 'states' is reserved".to_owned())
    } else {
        None
    }
}
