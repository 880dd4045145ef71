//! `variableReferences` of DescribeStateMachine and DescribeStateMachineForExecution: for each
//! state, the workflow variables (`$name`) its fields read, sorted.
//!
//! AWS lists a state under its own name wherever it is nested (recorded: the states inside a
//! Map's `ItemProcessor` appear beside the top-level ones), omits states that read no
//! variable, and omits the whole member when no state does (recorded:
//! `test_sfn_api_variable_references`). Only what is evaluated counts: `.$` template values
//! (paths and intrinsic-function arguments), `...Path` fields and a Choice rule's
//! `Variable`. A Pass state's `Result` is never evaluated, and a variable a state assigns
//! is not one it reads.
//!
//! In a JSONata state every `{% ... %}` expression counts, with the variables it reads
//! ([`asl::jsonata::Expression::variables`]): not `$states`, not the functions it calls, not
//! the names it binds itself. The API Reference defines the member as "a map of state name to
//! a list of variables referenced by that state"; the recorded JSONata case (reading
//! `$states` and calling `$not`) lists nothing.

use std::collections::{BTreeMap, BTreeSet};

use asl::intrinsics::Intrinsic;
use asl::jsonata::Expression;
use serde_json::{Map, Value};

/// The `variableReferences` member for definition text, or `None` when it has none (or the
/// text is not a JSON object, which a stored definition always is).
pub(crate) fn variable_references(definition: &str) -> Option<Value> {
    let root: Value = serde_json::from_str(definition).ok()?;
    let root = root.as_object()?;
    let jsonata = is_jsonata(root.get("QueryLanguage"));
    let mut found = BTreeMap::new();
    states(root, jsonata, &mut found);
    if found.is_empty() {
        return None;
    }
    let out: Map<String, Value> = found
        .into_iter()
        .map(|(state, names)| (state, Value::from(names.into_iter().collect::<Vec<_>>())))
        .collect();
    Some(Value::Object(out))
}

fn is_jsonata(language: Option<&Value>) -> bool {
    language.and_then(Value::as_str) == Some("JSONata")
}

/// The states of one `States` block. A state without its own `QueryLanguage` takes the
/// top-level one (`default_jsonata`), at any depth.
fn states(block: &Map<String, Value>, default_jsonata: bool, found: &mut BTreeMap<String, BTreeSet<String>>) {
    let Some(block_states) = block.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in block_states {
        let Some(state) = state.as_object() else { continue };
        let jsonata = match state.get("QueryLanguage") {
            Some(language) => is_jsonata(Some(language)),
            None => default_jsonata,
        };
        let mut names = BTreeSet::new();
        for (key, value) in state {
            match key.as_str() {
                // Nested states are listed under their own names.
                "ItemProcessor" | "Iterator" => {
                    if let Some(processor) = value.as_object() {
                        states(processor, default_jsonata, found);
                    }
                }
                "Branches" => {
                    for branch in value.as_array().into_iter().flatten().filter_map(Value::as_object) {
                        states(branch, default_jsonata, found);
                    }
                }
                // Never evaluated (a Pass state's fixed result) or not a reading field.
                "Result" | "Comment" | "ResultPath" => {}
                _ if !jsonata => scan(key, value, TEMPLATES.contains(&key.as_str()), &mut names),
                _ => jsonata_expressions(value, &mut names),
            }
        }
        if !names.is_empty() {
            found.entry(name.clone()).or_default().extend(names);
        }
    }
}

/// The fields that hold payload templates, inside which only `.$` values are evaluated (a
/// key ending in `Path` there is just a name in the payload).
const TEMPLATES: [&str; 7] = [
    "Parameters",
    "ItemSelector",
    "ResultSelector",
    "Assign",
    "BatchInput",
    "Arguments",
    "Output",
];

/// The variables read by the field `key` with `value`, and by everything inside it.
/// `template`: whether the field is inside a payload template.
fn scan(key: &str, value: &Value, template: bool, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text) if key.ends_with(".$") => expression(text, names),
        Value::String(text) if !template && (key == "Variable" || (key.ends_with("Path") && key != "ResultPath")) => {
            names.extend(variable(text));
        }
        Value::Object(fields) => {
            for (key, value) in fields {
                scan(key, value, template || TEMPLATES.contains(&key.as_str()), names);
            }
        }
        Value::Array(items) => {
            for item in items {
                scan(key, item, template, names);
            }
        }
        _ => {}
    }
}

/// The variables read by the `{% ... %}` expressions in a JSONata state's field.
fn jsonata_expressions(value: &Value, names: &mut BTreeSet<String>) {
    match value {
        Value::String(text) => {
            let expression = text.trim().strip_prefix("{%").and_then(|rest| rest.strip_suffix("%}"));
            if let Some(Ok(expression)) = expression.map(|e| Expression::parse(e.trim())) {
                names.extend(expression.variables().iter().cloned());
            }
        }
        Value::Object(fields) => fields.values().for_each(|value| jsonata_expressions(value, names)),
        Value::Array(items) => items.iter().for_each(|item| jsonata_expressions(item, names)),
        _ => {}
    }
}

/// The variables a `.$` value reads: a path, or an intrinsic function's path arguments.
fn expression(text: &str, names: &mut BTreeSet<String>) {
    if Intrinsic::looks_like_call(text) {
        if let Ok(call) = Intrinsic::parse(text) {
            names.extend(call.paths().into_iter().filter_map(variable));
        }
    } else {
        names.extend(variable(text));
    }
}

/// The variable a path starts from: `$name`, `$name.a` or `$name[0]` read `name`; `$`,
/// `$.a` and `$$.Execution` read none.
fn variable(path: &str) -> Option<String> {
    let rest = path.trim().strip_prefix('$')?;
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    let starts_well = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    starts_well.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refs(definition: Value) -> Option<Value> {
        variable_references(&definition.to_string())
    }

    #[test]
    fn paths_choice_rules_and_intrinsics_are_read_per_state() {
        // Recorded: test_base_variable_references_in_assign_templates (BASE_REFERENCE_IN_CHOICE).
        let definition = json!({"StartAt": "Setup", "States": {
            "Setup": {"Type": "Pass", "Assign": {"guess": "g", "answer": "a"}, "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$guess", "StringEqualsPath": "$answer", "Next": "Right"}], "Default": "Wrong"},
            "Right": {"Type": "Pass", "End": true},
            "Wrong": {"Type": "Pass", "Assign": {"guess.$": "$answer"}, "Next": "Check"}}});
        assert_eq!(
            refs(definition),
            Some(json!({"Check": ["answer", "guess"], "Wrong": ["answer"]}))
        );
    }

    #[test]
    fn nested_states_are_listed_under_their_own_names() {
        // Recorded: MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION.
        let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map",
            "ItemSelector": {"A.$": "States.Format($Template, $$.Map.Item.Value)"},
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"Q.$": "$Question", "A.$": "$.A"}, "End": true}}},
            "End": true}}});
        assert_eq!(refs(definition), Some(json!({"M": ["Template"], "P": ["Question"]})));
    }

    #[test]
    fn literals_static_results_and_assigned_names_are_not_references() {
        // Recorded: BASE_REFERENCE_IN_PARAMETERS, BASE_ASSIGN_FROM_RESULT.
        let definition = json!({"StartAt": "S", "States": {"S": {"Type": "Pass",
            "Parameters": {"result": "$result", "FilePath": "$notRead"}, "Result": {"x.$": "$y"},
            "Assign": {"theAnswer.$": "$.answer"}, "ResultPath": "$.r", "End": true}}});
        assert_eq!(refs(definition), None);
    }

    #[test]
    fn jsonata_states_list_nothing() {
        // Recorded: CHOICE_STATE_UNSORTED_CHOICE_PARAMETERS_JSONATA.
        let definition = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice",
            "Choices": [{"Condition": "{% $not($states.input.done) %}", "Next": "E"}], "Default": "E"},
            "E": {"Type": "Succeed"}}});
        assert_eq!(refs(definition), None);
    }

    #[test]
    fn jsonata_states_list_the_variables_their_expressions_read() {
        // API Reference, DescribeStateMachine: "A map of state name to a list of variables
        // referenced by that state."
        let definition = json!({"QueryLanguage": "JSONata", "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Output": {"a": "{% $states.input.a + $offset %}", "b": ["{% $b %}", "plain $c"]},
                  "Assign": {"total": "{% ($t := $total; $t + 1) %}"}, "Comment": "{% $notRead %}", "Next": "M"},
            "M": {"Type": "Map", "Items": "{% $list %}", "ItemProcessor": {"StartAt": "I", "States": {
                "I": {"Type": "Pass", "Output": "{% $map($states.input, function($v) { $v * $factor }) %}", "End": true}}},
                  "End": true}}});
        assert_eq!(
            refs(definition),
            Some(json!({"I": ["factor"], "M": ["list"], "P": ["b", "offset", "total"]}))
        );
    }

    #[test]
    fn variable_names_stop_at_the_first_path_step() {
        assert_eq!(variable("$abc.d[0]"), Some("abc".into()));
        assert_eq!(variable("$x[1]"), Some("x".into()));
        assert_eq!(variable("$"), None);
        assert_eq!(variable("$.a"), None);
        assert_eq!(variable("$$.Execution.Id"), None);
        assert_eq!(variable("$1a"), None);
        assert_eq!(variable("plain"), None);
    }
}
