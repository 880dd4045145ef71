//! Mocked task responses, in Step Functions Local's mock configuration format.
//!
//! ```json
//! {"StateMachines": {"MyMachine": {"TestCases": {"HappyPath": {"MyTask": "MyTaskOk"}}}},
//!  "MockedResponses": {"MyTaskOk": {"0": {"Return": {"ok": true}},
//!                                   "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
//! ```
//! The keys of a mocked response are the 0-based invocation numbers of that Task state in
//! one execution (retries count), singly (`"0"`) or as ranges (`"1-2"`).

use std::cell::RefCell;
use std::collections::HashMap;

use asl::errors::Failure;
use serde_json::Value;

use crate::{Integration, TaskFuture, TaskRequest};

/// Why a mock configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    #[error("the mock configuration is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("mock configuration: {0}")]
    Invalid(String),
}

/// One answer: a result or an error.
#[derive(Clone, Debug)]
enum Response {
    Return(Value),
    Throw(Failure),
}

/// A mocked response: answers by invocation number.
#[derive(Clone, Debug)]
struct Mocked {
    ranges: Vec<(u64, u64, Response)>,
}

/// A parsed mock configuration file.
#[derive(Debug)]
pub struct MockConfig {
    /// state machine → test case → state name → mocked response name.
    test_cases: HashMap<String, HashMap<String, HashMap<String, String>>>,
    responses: HashMap<String, Mocked>,
}

fn invalid(message: impl Into<String>) -> MockError {
    MockError::Invalid(message.into())
}

impl MockConfig {
    /// Parse and check a configuration: every test case must name responses that exist,
    /// and every response key must be an invocation number or range.
    pub fn parse(text: &str) -> Result<MockConfig, MockError> {
        let root: Value = serde_json::from_str(text)?;
        let machines = root
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("'StateMachines' must be an object"))?;
        let responses_json = root
            .get("MockedResponses")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("'MockedResponses' must be an object"))?;

        let mut responses = HashMap::new();
        for (name, entries) in responses_json {
            let entries = entries
                .as_object()
                .ok_or_else(|| invalid(format!("MockedResponses.{name} must be an object")))?;
            let mut ranges = Vec::new();
            for (key, answer) in entries {
                let (from, to) = parse_range(key).ok_or_else(|| {
                    invalid(format!(
                        "MockedResponses.{name}: '{key}' is not an invocation number or range like \"1-2\""
                    ))
                })?;
                let response = match (answer.get("Return"), answer.get("Throw")) {
                    (Some(v), None) => Response::Return(v.clone()),
                    (None, Some(t)) => {
                        let error = t.get("Error").and_then(Value::as_str).ok_or_else(|| {
                            invalid(format!("MockedResponses.{name}.{key}.Throw needs a string 'Error'"))
                        })?;
                        let cause = t.get("Cause").and_then(Value::as_str).map(str::to_owned);
                        Response::Throw(Failure {
                            error: error.to_owned(),
                            cause,
                            location: None,
                        })
                    }
                    _ => {
                        return Err(invalid(format!(
                            "MockedResponses.{name}.{key} needs exactly one of 'Return' or 'Throw'"
                        )))
                    }
                };
                ranges.push((from, to, response));
            }
            responses.insert(name.clone(), Mocked { ranges });
        }

        let mut test_cases = HashMap::new();
        for (machine, config) in machines {
            let cases = config
                .get("TestCases")
                .and_then(Value::as_object)
                .ok_or_else(|| invalid(format!("StateMachines.{machine}.TestCases must be an object")))?;
            let mut by_case = HashMap::new();
            for (case, states) in cases {
                let states = states
                    .as_object()
                    .ok_or_else(|| invalid(format!("StateMachines.{machine}.TestCases.{case} must be an object")))?;
                let mut by_state = HashMap::new();
                for (state, response) in states {
                    let response = response.as_str().ok_or_else(|| {
                        invalid(format!(
                            "StateMachines.{machine}.TestCases.{case}.{state} must name a mocked response"
                        ))
                    })?;
                    if !responses.contains_key(response) {
                        return Err(invalid(format!("StateMachines.{machine}.TestCases.{case}.{state} names '{response}', which is not in MockedResponses")));
                    }
                    by_state.insert(state.clone(), response.to_owned());
                }
                by_case.insert(case.clone(), by_state);
            }
            test_cases.insert(machine.clone(), by_case);
        }
        Ok(MockConfig { test_cases, responses })
    }

    /// The integration for one execution of `machine` under `test_case`.
    pub fn integration(&self, machine: &str, test_case: &str) -> Result<MockIntegration<'_>, MockError> {
        let states = self
            .test_cases
            .get(machine)
            .ok_or_else(|| invalid(format!("no state machine '{machine}' in StateMachines")))?
            .get(test_case)
            .ok_or_else(|| invalid(format!("no test case '{test_case}' for state machine '{machine}'")))?;
        Ok(MockIntegration {
            config: self,
            states,
            invocations: RefCell::new(HashMap::new()),
        })
    }
}

fn parse_range(key: &str) -> Option<(u64, u64)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => key.trim().parse().ok().map(|n| (n, n)),
    }
}

/// Answers the Task states of one execution from a [`MockConfig`] test case.
pub struct MockIntegration<'c> {
    config: &'c MockConfig,
    states: &'c HashMap<String, String>,
    /// How many times each state has been invoked in this execution.
    invocations: RefCell<HashMap<String, u64>>,
}

impl Integration for MockIntegration<'_> {
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        let answer = self.answer(&request);
        Box::pin(async move { answer })
    }
}

impl MockIntegration<'_> {
    fn answer(&self, request: &TaskRequest) -> Result<Value, Failure> {
        let Some(response_name) = self.states.get(&request.state_name) else {
            return Err(Failure::new(
                asl::errors::names::TASK_FAILED,
                format!(
                    "The test case has no mocked response for state '{}'",
                    request.state_name
                ),
            ));
        };
        let attempt = {
            let mut invocations = self.invocations.borrow_mut();
            let n = invocations.entry(request.state_name.clone()).or_insert(0);
            let attempt = *n;
            *n += 1;
            attempt
        };
        let mocked = &self.config.responses[response_name];
        let response = mocked
            .ranges
            .iter()
            .find(|(from, to, _)| (*from..=*to).contains(&attempt))
            .map(|(_, _, r)| r);
        match response {
            Some(Response::Return(v)) => Ok(v.clone()),
            Some(Response::Throw(f)) => Err(f.clone()),
            None => Err(Failure::new(
                asl::errors::names::TASK_FAILED,
                format!("Mocked response '{response_name}' has no answer for invocation {attempt}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
      "StateMachines": {"M": {"TestCases": {"Retry": {"T": "Flaky"}}}},
      "MockedResponses": {"Flaky": {
        "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
        "2": {"Return": {"ok": true}}}}}"#;

    fn request() -> TaskRequest {
        TaskRequest {
            resource: "arn:aws:states:::lambda:invoke".into(),
            parameters: Value::Null,
            state_name: "T".into(),
            state_machine_name: "M".into(),
        }
    }

    // Step Functions Local's documented format ("Using mocked service integrations"): ranges
    // of invocation numbers select a response, so retries see a sequence of answers.
    #[test]
    fn answers_follow_invocation_ranges() {
        let config = MockConfig::parse(CONFIG).unwrap();
        let mock = config.integration("M", "Retry").unwrap();
        assert_eq!(
            mock.answer(&request()).unwrap_err().error,
            "Lambda.TooManyRequestsException"
        );
        assert_eq!(mock.answer(&request()).unwrap_err().cause.as_deref(), Some("slow down"));
        assert_eq!(mock.answer(&request()).unwrap(), serde_json::json!({"ok": true}));
        assert!(mock.answer(&request()).is_err(), "no answer for a fourth invocation");
    }

    #[test]
    fn bad_configurations_are_rejected_with_their_place() {
        let missing = r#"{"StateMachines": {"M": {"TestCases": {"C": {"T": "Nope"}}}}, "MockedResponses": {}}"#;
        assert!(MockConfig::parse(missing).unwrap_err().to_string().contains("'Nope'"));
        let bad_key = r#"{"StateMachines": {}, "MockedResponses": {"R": {"x": {"Return": 1}}}}"#;
        assert!(MockConfig::parse(bad_key).unwrap_err().to_string().contains("'x'"));
        let config = MockConfig::parse(CONFIG).unwrap();
        assert!(config.integration("M", "Other").is_err());
        assert!(config.integration("X", "Retry").is_err());
    }
}
