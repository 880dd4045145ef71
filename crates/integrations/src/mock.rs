//! Mocked task responses, in Step Functions Local's mock configuration format.
//!
//! ```json
//! {"StateMachines": {"MyMachine": {"TestCases": {"HappyPath": {"MyTask": "MyTaskOk"}}}},
//!  "MockedResponses": {"MyTaskOk": {"0": {"Return": {"ok": true}},
//!                                   "1-2": {"Throw": {"Error": "E", "Cause": "C"}}}}}
//! ```
//! The keys of a mocked response are the 0-based invocation numbers of that Task state in
//! one execution (retries and re-entries count), singly (`"0"`) or as ranges (`"1-2"`).
//!
//! A [`TestCase`] holds no counter: the engine counts each state's invocations and passes
//! the number to [`TestCase::answer`], so that the count can be kept in an execution's
//! checkpoints and survive a restart.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use asl::errors::Failure;
use serde_json::{Map, Value};

/// Why a mock configuration, or a lookup in it, was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    #[error("the mock configuration is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A part of the file does not have the documented shape; `place` is its path, such as
    /// `MockedResponses.MyTaskOk."1-2"`.
    #[error("mock configuration: {place}: {problem}")]
    Invalid { place: String, problem: String },
    #[error("the mock configuration has no state machine '{0}' in StateMachines")]
    UnknownStateMachine(String),
    #[error("the mock configuration has no test case '{case}' for state machine '{machine}'")]
    UnknownTestCase { machine: String, case: String },
}

fn invalid(place: impl Into<String>, problem: impl Into<String>) -> MockError {
    MockError::Invalid {
        place: place.into(),
        problem: problem.into(),
    }
}

/// One answer: a result or an error.
#[derive(Clone, Debug)]
enum Response {
    Return(Value),
    Throw(Failure),
}

/// A mocked response of `MockedResponses`: answers by invocation number.
#[derive(Debug)]
struct Mocked {
    name: String,
    /// `(first, last, answer)`, sorted and not overlapping.
    ranges: Vec<(u64, u64, Response)>,
}

/// A parsed and checked mock configuration file.
#[derive(Debug)]
pub struct MockConfig {
    /// state machine → test case (sorted, so runners list them in a stable order).
    machines: BTreeMap<String, BTreeMap<String, Arc<TestCase>>>,
}

/// The mocks of one test case: which Task states are answered, and with what.
#[derive(Debug)]
pub struct TestCase {
    states: HashMap<String, Arc<Mocked>>,
    /// Set when the test case could not be found (see [`TestCase::unavailable`]).
    unavailable: Option<String>,
}

impl MockConfig {
    /// Parse and check a configuration, so that mistakes show when it is loaded rather
    /// than in the middle of an execution: every test case must name responses that
    /// exist; every response key must be an invocation number or range, and ranges may
    /// not overlap; every answer is exactly one of `Return` or `Throw` (with a string
    /// `Error` and an optional string `Cause`).
    pub fn parse(text: &str) -> Result<MockConfig, MockError> {
        let root: Value = serde_json::from_str(text)?;
        let root = root
            .as_object()
            .ok_or_else(|| invalid("the file", "must be a JSON object"))?;
        let machines_json = object(root.get("StateMachines"), "StateMachines")?;
        let responses_json = object(root.get("MockedResponses"), "MockedResponses")?;

        let mut responses = HashMap::new();
        for (name, entries) in responses_json {
            responses.insert(name.clone(), Arc::new(parse_mocked(name, entries)?));
        }

        let mut machines = BTreeMap::new();
        for (machine, config) in machines_json {
            let place = format!("StateMachines.{machine}");
            let config = object(Some(config), &place)?;
            let cases = object(config.get("TestCases"), &format!("{place}.TestCases"))?;
            let mut by_case = BTreeMap::new();
            for (case, states) in cases {
                let place = format!("{place}.TestCases.{case}");
                let mut by_state = HashMap::new();
                for (state, response) in object(Some(states), &place)? {
                    let place = format!("{place}.{state}");
                    let response = response
                        .as_str()
                        .ok_or_else(|| invalid(&place, "must be the name of a mocked response"))?;
                    let mocked = responses.get(response).ok_or_else(|| {
                        invalid(&place, format!("names '{response}', which is not in MockedResponses"))
                    })?;
                    by_state.insert(state.clone(), mocked.clone());
                }
                let test_case = TestCase {
                    states: by_state,
                    unavailable: None,
                };
                by_case.insert(case.clone(), Arc::new(test_case));
            }
            machines.insert(machine.clone(), by_case);
        }
        Ok(MockConfig { machines })
    }

    /// The test case `case` of state machine `machine`.
    pub fn test_case(&self, machine: &str, case: &str) -> Result<Arc<TestCase>, MockError> {
        self.machines
            .get(machine)
            .ok_or_else(|| MockError::UnknownStateMachine(machine.to_owned()))?
            .get(case)
            .cloned()
            .ok_or_else(|| MockError::UnknownTestCase {
                machine: machine.to_owned(),
                case: case.to_owned(),
            })
    }

    /// Every state machine and the names of its test cases, sorted.
    pub fn machines(&self) -> impl Iterator<Item = (&str, Vec<&str>)> {
        self.machines
            .iter()
            .map(|(machine, cases)| (machine.as_str(), cases.keys().map(String::as_str).collect()))
    }
}

/// `value` as a JSON object, or an error naming `place`.
fn object<'v>(value: Option<&'v Value>, place: &str) -> Result<&'v Map<String, Value>, MockError> {
    value
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(place, "must be a JSON object"))
}

fn parse_mocked(name: &str, entries: &Value) -> Result<Mocked, MockError> {
    let place = format!("MockedResponses.{name}");
    let entries = object(Some(entries), &place)?;
    if entries.is_empty() {
        return Err(invalid(&place, "has no answers"));
    }
    let mut ranges = Vec::new();
    for (key, answer) in entries {
        let place = format!("{place}.\"{key}\"");
        let (from, to) =
            parse_range(key).ok_or_else(|| invalid(&place, "is not an invocation number or a range like \"1-2\""))?;
        let answer = object(Some(answer), &place)?;
        if answer.len() != 1 {
            return Err(invalid(&place, "needs exactly one of 'Return' or 'Throw'"));
        }
        let response = match (answer.get("Return"), answer.get("Throw")) {
            (Some(v), None) => Response::Return(v.clone()),
            (None, Some(thrown)) => Response::Throw(parse_throw(thrown, &format!("{place}.Throw"))?),
            _ => return Err(invalid(&place, "needs exactly one of 'Return' or 'Throw'")),
        };
        ranges.push((from, to, response));
    }
    ranges.sort_by_key(|(from, _, _)| *from);
    for pair in ranges.windows(2) {
        if pair[1].0 <= pair[0].1 {
            return Err(invalid(
                &place,
                format!("invocation {} is answered by two keys", pair[1].0),
            ));
        }
    }
    Ok(Mocked {
        name: name.to_owned(),
        ranges,
    })
}

fn parse_throw(thrown: &Value, place: &str) -> Result<Failure, MockError> {
    let thrown = object(Some(thrown), place)?;
    if let Some(key) = thrown.keys().find(|k| *k != "Error" && *k != "Cause") {
        return Err(invalid(
            place,
            format!("has '{key}'; only 'Error' and 'Cause' are allowed"),
        ));
    }
    let error = thrown
        .get("Error")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(place, "needs a string 'Error'"))?;
    let cause = match thrown.get("Cause") {
        None => None,
        Some(Value::String(cause)) => Some(cause.clone()),
        Some(_) => return Err(invalid(place, "'Cause' must be a string")),
    };
    Ok(Failure {
        error: error.to_owned(),
        cause,
        location: None,
        origin: None,
    })
}

fn parse_range(key: &str) -> Option<(u64, u64)> {
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            (a <= b).then_some((a, b))
        }
        None => number(key).map(|n| (n, n)),
    }
}

impl TestCase {
    /// A stand-in for a test case that is no longer in the configuration (an execution
    /// started under it resumes after a restart with another file): every Task fails with
    /// `States.Runtime` and `cause`, rather than silently calling the real service.
    pub fn unavailable(cause: String) -> TestCase {
        TestCase {
            states: HashMap::new(),
            unavailable: Some(cause),
        }
    }

    /// Whether this test case answers the Task state `state` (otherwise the Task calls
    /// its real integration).
    pub fn mocks(&self, state: &str) -> bool {
        self.unavailable.is_some() || self.states.contains_key(state)
    }

    /// The answer to the `invocation`th (0-based) invocation of `state`, or `None` when
    /// the test case does not mock that state. An invocation number that no key covers
    /// fails the task with `States.TaskFailed`, naming the response and the number.
    pub fn answer(&self, state: &str, invocation: u64) -> Option<Result<Value, Failure>> {
        if let Some(cause) = &self.unavailable {
            return Some(Err(Failure::new(asl::errors::names::RUNTIME, cause.clone())));
        }
        let mocked = self.states.get(state)?;
        let response = mocked
            .ranges
            .iter()
            .find(|(from, to, _)| (*from..=*to).contains(&invocation))
            .map(|(_, _, r)| r);
        Some(match response {
            Some(Response::Return(v)) => Ok(v.clone()),
            Some(Response::Throw(f)) => Err(f.clone()),
            None => Err(Failure::new(
                asl::errors::names::TASK_FAILED,
                format!(
                    "The mocked response '{}' has no answer for invocation {invocation} of state '{state}'",
                    mocked.name
                ),
            )),
        })
    }

    /// The names of the states this test case mocks, sorted.
    pub fn states(&self) -> Vec<&str> {
        let mut states: Vec<&str> = self.states.keys().map(String::as_str).collect();
        states.sort_unstable();
        states
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONFIG: &str = r#"{
      "StateMachines": {"M": {"TestCases": {"Retry": {"T": "Flaky"}}}},
      "MockedResponses": {"Flaky": {
        "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
        "2": {"Return": {"ok": true}}}}}"#;

    // Step Functions Local's documented format ("Using mocked service integrations"): ranges
    // of invocation numbers select a response, so retries see a sequence of answers.
    #[test]
    fn answers_follow_invocation_ranges() {
        let config = MockConfig::parse(CONFIG).unwrap();
        let case = config.test_case("M", "Retry").unwrap();
        let answer = |n| case.answer("T", n).expect("T is mocked");
        assert_eq!(answer(0).unwrap_err().error, "Lambda.TooManyRequestsException");
        assert_eq!(answer(1).unwrap_err().cause.as_deref(), Some("slow down"));
        assert_eq!(answer(2).unwrap(), json!({"ok": true}));
        let past_the_end = answer(3).unwrap_err();
        assert_eq!(past_the_end.error, "States.TaskFailed");
        assert!(past_the_end
            .cause
            .unwrap()
            .contains("'Flaky' has no answer for invocation 3"));
        assert!(case.answer("Other", 0).is_none(), "an unmocked state falls through");
    }

    #[test]
    fn bad_configurations_are_rejected_with_their_place() {
        let cases = [
            (
                r#"{"StateMachines": {"M": {"TestCases": {"C": {"T": "Nope"}}}}, "MockedResponses": {}}"#,
                "StateMachines.M.TestCases.C.T: names 'Nope'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"x": {"Return": 1}}}}"#,
                "MockedResponses.R.\"x\": is not an invocation number",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"2-1": {"Return": 1}}}}"#,
                "MockedResponses.R.\"2-1\": is not an invocation number",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0-2": {"Return": 1}, "2": {"Return": 2}}}}"#,
                "MockedResponses.R: invocation 2 is answered by two keys",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}"#,
                "needs exactly one of 'Return' or 'Throw'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}"#,
                "MockedResponses.R.\"0\".Throw: needs a string 'Error'",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Throw": {"Error": "E", "cause": "c"}}}}}"#,
                "has 'cause'; only 'Error' and 'Cause' are allowed",
            ),
            (
                r#"{"StateMachines": {}, "MockedResponses": {"R": {}}}"#,
                "MockedResponses.R: has no answers",
            ),
            (
                r#"{"StateMachines": {"M": {}}, "MockedResponses": {}}"#,
                "StateMachines.M.TestCases: must be a JSON object",
            ),
            (r#"{"MockedResponses": {}}"#, "StateMachines: must be a JSON object"),
            (r#"[]"#, "the file: must be a JSON object"),
        ];
        for (text, expected) in cases {
            let message = MockConfig::parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
        }
        let config = MockConfig::parse(CONFIG).unwrap();
        assert!(matches!(
            config.test_case("M", "Other"),
            Err(MockError::UnknownTestCase { .. })
        ));
        assert!(matches!(
            config.test_case("X", "Retry"),
            Err(MockError::UnknownStateMachine(_))
        ));
    }

    #[test]
    fn an_unavailable_test_case_fails_every_task() {
        let case = TestCase::unavailable("gone".into());
        assert!(case.mocks("Anything"));
        let failure = case.answer("Anything", 0).unwrap().unwrap_err();
        assert_eq!(
            (failure.error.as_str(), failure.cause.as_deref()),
            ("States.Runtime", Some("gone"))
        );
    }
}
