//! Choice rules (`asl::choice`): the first line is a Choice rule (an object) or a list of
//! them (`Choices`), the rest the state's input. The rules are put in a Choice state,
//! loaded as a definition (so they are checked and compiled by the loader, JSONata when a
//! rule has a `Condition`), and evaluated against the input in order until one matches, as
//! the engine picks a branch.
#![no_main]

use asl::choice::ChoiceRule;
use asl::definition::StateKind;
use asl::loader;
use asl::template::Template;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use switchyard_fuzz::{
    on_executor_stack, split_expression, tolerate_jsonata_core_panics, FuzzScope, JSONATA_TIME_LIMIT,
};

fuzz_target!(|data: &[u8]| {
    tolerate_jsonata_core_panics();
    let Some((text, document)) = split_expression(data) else {
        return;
    };
    let Ok(rules) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let mut rules = match rules {
        Value::Array(rules) => rules,
        rule => vec![rule],
    };
    let mut jsonata = false;
    for rule in &mut rules {
        if let Value::Object(members) = rule {
            jsonata |= members.contains_key("Condition");
            members.entry("Next").or_insert_with(|| json!("Yes"));
        }
    }
    let definition = json!({
        "QueryLanguage": if jsonata { "JSONata" } else { "JSONPath" },
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": rules, "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"}
        }
    });
    on_executor_stack(|| {
        let Ok(mut machine) = loader::load(&definition) else {
            return;
        };
        let start = machine.start_at;
        let StateKind::Choice(choice) = &mut machine.states[start].kind else {
            return;
        };
        for branch in &mut choice.choices {
            shorten_rule(&mut branch.rule);
            for template in [&mut branch.assign, &mut branch.output].into_iter().flatten() {
                shorten(template);
            }
        }
        let scope = FuzzScope::new(document);
        for branch in &choice.choices {
            match branch.rule.evaluate(&scope) {
                Ok(true) => {
                    for template in [&branch.assign, &branch.output].into_iter().flatten() {
                        let _ = template.evaluate(&scope);
                    }
                    break;
                }
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
});

/// Gives every JSONata expression in a rule the targets' shorter watchdog.
fn shorten_rule(rule: &mut ChoiceRule) {
    match rule {
        ChoiceRule::And(rules) | ChoiceRule::Or(rules) => rules.iter_mut().for_each(shorten_rule),
        ChoiceRule::Not(rule) => shorten_rule(rule),
        ChoiceRule::Compare { .. } => {}
        ChoiceRule::Condition(template) => shorten(template),
    }
}

fn shorten(template: &mut Template) {
    match template {
        Template::Object(members) => members.iter_mut().for_each(|(_, t)| shorten(t)),
        Template::Array(items) => items.iter_mut().for_each(shorten),
        Template::Jsonata { expression, .. } => {
            **expression = expression.as_ref().clone().with_time_limit(Some(JSONATA_TIME_LIMIT));
        }
        Template::Literal(_) | Template::Path { .. } | Template::Intrinsic { .. } => {}
    }
}
