//! TestState: evaluate one state in isolation (Developer Guide, "Test with TestState").
//!
//! A test runs a single state once through the very code an execution runs
//! (`Run::run_state` and `states::*`), so that paths, templates, JSONata, `Assign`, Retry
//! and Catch behave exactly as in an execution. A [`Probe`] plugged into the run sees the
//! intermediate values and stands in for what a test does not do. What differs is what a
//! test reports: the intermediate values of the
//! input/output processing (`inspectionData`), and the verdict on a failure — whether a
//! retrier would run the state again (`RETRIABLE`), a catcher would take it
//! (`CAUGHT_ERROR`), or the execution would fail. Nothing waits and nothing is recorded:
//! a Wait state ends at once, retries are reported rather than made.
//!
//! Task, Map and Parallel states may be given a mocked result or error instead of calling
//! their integration; Map and Parallel states must be (a test never runs their children).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use asl::definition::{IntegrationPattern, Items, QueryLanguage, State, StateKind, StateMachine, Transition};
use asl::errors::Failure;
use asl::map_limits::{self, MapLimits};
use asl::recovery::Verdict;
use asl::template::Scope;
use integrations::mock::TestCase;
use integrations::Integration;
use serde_json::{json, Map as JsonMap, Value};

use super::frame::Frame;
use super::run::{Environment, Run};
use super::{iso_millis, Clock, ExecutionInput, ExecutionSpec, Options};

mod schema;

/// The name AWS gives the state of a single-state definition (it appears in diagnostics
/// and in `$$.State.Name`).
const STATE_NAME: &str = "StateName";

/// How much of the evaluation a test reports (`inspectionLevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum InspectionLevel {
    /// The outcome only.
    #[default]
    Info,
    /// The outcome and the data-processing steps.
    Debug,
    /// As DEBUG, plus the raw HTTP exchange of an HTTP Task.
    Trace,
}

/// What a mock stands in for: the integration's result, or the error it raised.
#[derive(Clone, Debug)]
pub enum MockOutcome {
    /// The result as JSON text (checked here: AWS reports text that is not JSON).
    Result(String),
    Error {
        error: String,
        cause: String,
    },
}

/// How strictly a mocked result is checked against the integration's response model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FieldValidation {
    /// Required fields must be present and present fields must fit the model.
    #[default]
    Strict,
    /// Present fields must fit the model.
    Present,
    None,
}

#[derive(Clone, Debug)]
pub struct Mock {
    pub outcome: MockOutcome,
    pub field_validation: FieldValidation,
}

/// `stateConfiguration`: where in its life the tested state is.
#[derive(Clone, Debug, Default)]
pub struct StateConfiguration {
    /// Attempts the matching retrier has already made.
    pub retrier_retry_count: u64,
    /// Map iterations that failed.
    pub map_iteration_failure_count: Option<u64>,
    /// The state inside a Map or Parallel that raised the mocked error. Accepted but not
    /// checked: the mocked error is reported as the Map's or Parallel's own either way.
    pub error_caused_by_state: Option<String>,
    /// The items an `ItemReader` would have read, as JSON text.
    pub map_item_reader_data: Option<String>,
}

/// One TestState request, decoded.
#[derive(Clone, Debug, Default)]
pub struct TestStateRequest {
    /// A state's definition, or (with `state_name`) a whole state machine's.
    pub definition: String,
    pub state_name: Option<String>,
    pub input: Value,
    pub role_arn: Option<String>,
    /// Workflow variables visible to the state.
    pub variables: JsonMap<String, Value>,
    /// A Context object replacing the one a test builds.
    pub context: Option<Value>,
    pub inspection_level: InspectionLevel,
    pub mock: Option<Mock>,
    /// A test case of the server's mock configuration file (a Switchyard extension, since
    /// TestState takes no state machine ARN to carry `#<test case>`): a Task state it
    /// mocks answers as it would in an execution under that test case, for the attempt
    /// `stateConfiguration.retrierRetryCount` names. `mock` wins when both are given.
    pub test_case: Option<Arc<TestCase>>,
    pub configuration: StateConfiguration,
    pub region: String,
    pub account: String,
}

/// The verdict of a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestStatus {
    Succeeded,
    Failed,
    /// A retrier would run the state again.
    Retriable,
    /// A catcher took the error.
    CaughtError,
}

impl TestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Succeeded => "SUCCEEDED",
            TestStatus::Failed => "FAILED",
            TestStatus::Retriable => "RETRIABLE",
            TestStatus::CaughtError => "CAUGHT_ERROR",
        }
    }
}

/// Which retrier or catcher handled an error, and the retrier's back-off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorDetails {
    pub catch_index: Option<usize>,
    pub retry_index: Option<usize>,
    pub retry_backoff_interval_seconds: Option<u64>,
}

/// `inspectionData`: each value as the state's processing produced it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inspection {
    pub input: Option<Value>,
    pub after_input_path: Option<Value>,
    pub after_parameters: Option<Value>,
    pub after_arguments: Option<Value>,
    pub result: Option<Value>,
    pub after_result_selector: Option<Value>,
    pub after_result_path: Option<Value>,
    pub after_items_path: Option<Value>,
    pub variables: Option<Value>,
    pub max_concurrency: Option<u64>,
    pub tolerated_failure_count: Option<u64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub error_details: Option<ErrorDetails>,
}

/// What a test answers.
#[derive(Clone, Debug)]
pub struct TestOutcome {
    pub status: TestStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    /// Absent at the INFO level.
    pub inspection: Option<Inspection>,
}

/// Why a test could not run. The API answers `Validation` with a `ValidationException`
/// and the other two with `InvalidDefinition`.
#[derive(Debug, thiserror::Error)]
pub enum TestStateError {
    #[error("{0}")]
    Validation(String),
    #[error("invalid definition")]
    Definition(Vec<asl::loader::Diagnostic>),
    #[error("{0}")]
    Unsupported(String),
    /// The executor running the test went away (the server is shutting down).
    #[error("the test was interrupted")]
    Interrupted,
}

fn validation(message: impl Into<String>) -> TestStateError {
    TestStateError::Validation(message.into())
}

/// Run one TestState request.
/// `limits`: the server's payload and variable limits (its other options do not apply: a
/// test has no history and never waits).
pub async fn test_state(
    request: &TestStateRequest,
    integration: &dyn Integration,
    clock: &dyn Clock,
    limits: &Options,
) -> Result<TestOutcome, TestStateError> {
    let machine = load(&request.definition, request.state_name.as_deref())?;
    let (container, state) = match &request.state_name {
        Some(name) => find_state(&machine, name).ok_or_else(|| validation("State not found in definition"))?,
        None => (&machine, &machine.states[machine.start_at]),
    };
    let mocked = match (check_mock(state, request.mock.as_ref())?, &request.test_case) {
        (None, Some(case)) if matches!(state.kind, StateKind::Task(_)) => {
            case.answer(&state.name, request.configuration.retrier_retry_count)
        }
        (mocked, _) => mocked,
    };
    if let Some(context) = &request.context {
        check_context(context, state)?;
    }

    let now = clock.now_ms();
    let machine_name = uuid::Uuid::new_v4().to_string();
    let execution_name = uuid::Uuid::new_v4().to_string();
    let prefix = format!("arn:aws:states:{}:{}:", request.region, request.account);
    let spec = ExecutionSpec {
        execution_arn: format!("{prefix}express:{machine_name}:{execution_name}"),
        execution_name,
        state_machine_arn: format!("{prefix}stateMachine:{machine_name}"),
        state_machine_name: machine_name,
        role_arn: request.role_arn.clone().unwrap_or_default(),
        region: request.region.clone(),
        account: request.account.clone(),
        input: ExecutionInput::from_value(request.input.clone()),
    };
    let retry_count = state.kind.recovery().map(|_| request.configuration.retrier_retry_count);
    let context = request
        .context
        .clone()
        .unwrap_or_else(|| default_context(&spec, request, now, retry_count));
    let options = Options {
        wait_scale: 0.0,
        keep_history: false,
        ..limits.clone()
    };
    let probe = Probe {
        context,
        configuration: &request.configuration,
        mocked,
        inspection: RefCell::new(Inspection {
            input: Some(request.input.clone()),
            ..Inspection::default()
        }),
        verdict: RefCell::new(None),
        refused: RefCell::new(None),
    };
    let environment = Environment {
        spec: &spec,
        integration,
        clock,
        options: &options,
    };
    let run = Run::new(environment, None, |run| {
        run.probe = Some(&probe);
        // The first state's entered event would show the input text; a test has none.
        *run.first_input_text.get_mut() = None;
    });
    let frame = Rc::new(Frame::root());
    frame.restore(request.variables.clone());
    let result = run.run_state(state, request.input.clone(), &frame).await;
    if let Some(refused) = probe.refused.take() {
        return Err(refused);
    }
    let mut outcome = match (result, probe.verdict.take()) {
        (Ok(completed), verdict) => {
            let next_state = match completed.transition {
                Transition::Next(index) => Some(container.states[index].name.clone()),
                Transition::End => None,
            };
            let (status, error, cause) = match verdict {
                Some((TestStatus::CaughtError, failure)) => {
                    (TestStatus::CaughtError, Some(failure.error), failure.cause)
                }
                _ => (TestStatus::Succeeded, None, None),
            };
            TestOutcome {
                status,
                output: Some(completed.output),
                error,
                cause,
                next_state,
                inspection: None,
            }
        }
        (Err(failure), Some((TestStatus::Retriable, _))) => TestOutcome {
            status: TestStatus::Retriable,
            ..failed(failure)
        },
        (Err(failure), _) => failed(failure),
    };
    if request.inspection_level != InspectionLevel::Info {
        let mut inspection = probe.inspection.take();
        let variables = frame.vars.borrow();
        if !variables.is_empty() {
            let mut sorted: Vec<_> = variables.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let listed = sorted.into_iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect();
            inspection.variables = Some(Value::Object(listed));
        }
        outcome.inspection = Some(inspection);
    }
    Ok(outcome)
}

/// Load the definition: a whole state machine when a state is named, else one state,
/// which is placed in a machine of its own. The transitions of a lone state lead out of
/// the test, so each target it names stands in as an empty Succeed state.
fn load(text: &str, state_name: Option<&str>) -> Result<StateMachine, TestStateError> {
    let value = asl::loader::parse_json(text).map_err(|d| TestStateError::Definition(vec![d]))?;
    let value = match state_name {
        Some(_) => value,
        None => single_state_machine(value),
    };
    asl::loader::load(&value).map_err(TestStateError::Definition)
}

fn single_state_machine(state: Value) -> Value {
    let mut targets = Vec::new();
    if let Value::Object(fields) = &state {
        let mut add = |v: Option<&Value>| {
            if let Some(Value::String(name)) = v {
                if name != STATE_NAME && !targets.contains(name) {
                    targets.push(name.clone());
                }
            }
        };
        add(fields.get("Next"));
        add(fields.get("Default"));
        for list in ["Choices", "Catch"] {
            if let Some(Value::Array(entries)) = fields.get(list) {
                entries.iter().for_each(|e| add(e.get("Next")));
            }
        }
    }
    let mut states = JsonMap::new();
    states.insert(STATE_NAME.into(), state);
    for target in targets {
        states.insert(target, json!({"Type": "Succeed"}));
    }
    json!({"StartAt": STATE_NAME, "States": states})
}

/// The state called `name` anywhere in the machine (also inside Map and Parallel
/// states), with the machine whose transitions it uses.
fn find_state<'m>(machine: &'m StateMachine, name: &str) -> Option<(&'m StateMachine, &'m State)> {
    if let Some(index) = machine.state_index(name) {
        return Some((machine, &machine.states[index]));
    }
    machine.states.iter().find_map(|state| match &state.kind {
        StateKind::Map(map) => find_state(&map.processor, name),
        StateKind::Parallel(parallel) => parallel.branches.iter().find_map(|b| find_state(b, name)),
        _ => None,
    })
}

/// The mocked outcome, checked against the state's type as AWS does.
fn check_mock(state: &State, mock: Option<&Mock>) -> Result<Option<Result<Value, Failure>>, TestStateError> {
    let type_name = state.kind.type_name();
    let Some(mock) = mock else {
        if matches!(state.kind, StateKind::Map(_) | StateKind::Parallel(_)) {
            return Err(TestStateError::Unsupported(
                "TestState API does not support Map or Parallel states. Supported state types include: \
                 [Task, Wait, Pass, Succeed, Fail, Choice]"
                    .into(),
            ));
        }
        return Ok(None);
    };
    if !matches!(
        state.kind,
        StateKind::Task(_) | StateKind::Map(_) | StateKind::Parallel(_)
    ) {
        return Err(validation(format!(
            "State type '{type_name}' is not supported when a mock is specified"
        )));
    }
    let text = match &mock.outcome {
        MockOutcome::Error { error, cause } => return Ok(Some(Err(Failure::new(error.clone(), cause.clone())))),
        MockOutcome::Result(text) => text,
    };
    let result: Value = serde_json::from_str(text).map_err(|_| validation("Mocked result must be valid JSON"))?;
    match &state.kind {
        StateKind::Parallel(parallel) => {
            let Value::Array(items) = &result else {
                return Err(validation("Mocked result must be an array."));
            };
            if items.len() != parallel.branches.len() {
                return Err(validation(
                    "Mocked result must contain the same number of items as number of Parallel branches.",
                ));
            }
        }
        StateKind::Task(task) if mock.field_validation != FieldValidation::None => {
            schema::check(
                &task.resource,
                &result,
                mock.field_validation == FieldValidation::Strict,
            )
            .map_err(|e| validation(format!("Mock result schema validation error: {e}")))?;
        }
        _ => {}
    }
    Ok(Some(Ok(result)))
}

/// The fields a Context object may have, by section.
const CONTEXT_FIELDS: &[(&str, &[&str])] = &[
    (
        "Execution",
        &[
            "Id",
            "Input",
            "Name",
            "RoleArn",
            "StartTime",
            "RedriveCount",
            "RedriveTime",
        ],
    ),
    ("State", &["EnteredTime", "Name", "RetryCount"]),
    ("StateMachine", &["Id", "Name"]),
    ("Task", &["Token"]),
    ("Map", &["Item"]),
];

/// Check a given Context object's shape: only AWS's sections and fields, and a task token
/// only where a task hands one out.
fn check_context(context: &Value, state: &State) -> Result<(), TestStateError> {
    let invalid = |why: String| validation(format!("Invalid Context object provided: {why}"));
    let Value::Object(sections) = context else {
        return Err(invalid("Context object must be a JSON object".into()));
    };
    for (section, value) in sections {
        let Some((_, allowed)) = CONTEXT_FIELDS.iter().find(|(name, _)| name == section) else {
            return Err(invalid(format!("Field '{section}' is not allowed")));
        };
        if let Value::Object(fields) = value {
            if let Some(field) = fields.keys().find(|f| !allowed.contains(&f.as_str())) {
                return Err(invalid(format!("Field '{field}' is not allowed")));
            }
        }
    }
    let hands_out_token = match &state.kind {
        StateKind::Task(task) => matches!(task.pattern(), IntegrationPattern::Job | IntegrationPattern::Callback),
        _ => false,
    };
    if sections.contains_key("Task") && !hands_out_token {
        return Err(invalid(
            "Context object contains 'Task' when state is not a Task state with a '.sync' or \
             '.waitForTaskToken' service integration pattern"
                .into(),
        ));
    }
    Ok(())
}

/// The Context object of a test: a fresh Express execution of a machine holding the state.
fn default_context(spec: &ExecutionSpec, request: &TestStateRequest, now: i64, retry_count: Option<u64>) -> Value {
    let mut state = JsonMap::new();
    state.insert("Name".into(), STATE_NAME.into());
    state.insert("EnteredTime".into(), iso_millis(now).into());
    if let Some(count) = retry_count {
        state.insert("RetryCount".into(), count.into());
    }
    json!({
        "Execution": {
            "Id": spec.execution_arn,
            "Input": request.input,
            "Name": spec.execution_name,
            "RoleArn": request.role_arn,
            "StartTime": iso_millis(now),
        },
        "StateMachine": {"Id": spec.state_machine_arn, "Name": spec.state_machine_name},
        "State": Value::Object(state),
    })
}

/// An intermediate value of a state's processing, shown to TestState's [`Probe`].
pub(super) enum Seen<'v> {
    /// After `InputPath`.
    AfterInputPath(&'v Value),
    /// A Pass state's `Parameters` result (or its input without them).
    Parameters(&'v Value),
    /// A Task's `Parameters` (JSONPath) or `Arguments` (JSONata).
    TaskParameters(&'v Value),
    /// A Pass state's `Result`.
    Result(&'v Value),
    /// A Task's raw result.
    TaskResult(&'v Value),
    AfterResultSelector(&'v Value),
    AfterResultPath(&'v Value),
    /// A Map state's limits, resolved.
    MapLimits(&'v MapLimits),
}

/// What a test plugs into the run (`Run::probe`): it collects `inspectionData`, stands in
/// for the integration, the Map iterations and the Parallel branches with the mocked
/// outcome, and takes the Retry/Catch verdict, which the run then reports instead of
/// carrying it out.
pub(super) struct Probe<'t> {
    /// The Context object: the request's, or the one a test builds.
    context: Value,
    configuration: &'t StateConfiguration,
    /// The mocked result or error, checked.
    mocked: Option<Result<Value, Failure>>,
    inspection: RefCell<Inspection>,
    /// `RETRIABLE` or `CAUGHT_ERROR`, with the failure it is about.
    verdict: RefCell<Option<(TestStatus, Failure)>>,
    /// The request turned out to be one a test cannot run.
    refused: RefCell<Option<TestStateError>>,
}

impl Probe<'_> {
    pub(super) fn context(&self) -> &Value {
        &self.context
    }

    /// Attempts the matching retrier has made before this test.
    pub(super) fn retry_count(&self) -> u64 {
        self.configuration.retrier_retry_count
    }

    /// The mocked outcome of a Task (`None`: call the integration).
    pub(super) fn mocked(&self) -> Option<Result<Value, Failure>> {
        self.mocked.clone()
    }

    /// The result of a Parallel state's branches: the mock's.
    pub(super) fn children_result(&self) -> Result<Value, Failure> {
        match &self.mocked {
            Some(outcome) => outcome.clone(),
            None => Err(Failure::runtime("The state needs a mocked result")),
        }
    }

    pub(super) fn see(&self, state: &State, seen: Seen<'_>) {
        let jsonpath = state.query_language == QueryLanguage::JsonPath;
        let mut inspection = self.inspection.borrow_mut();
        let slot = match seen {
            Seen::AfterInputPath(v) if jsonpath => (&mut inspection.after_input_path, v),
            Seen::Parameters(v) if jsonpath => (&mut inspection.after_parameters, v),
            Seen::TaskParameters(v) if jsonpath => (&mut inspection.after_parameters, v),
            Seen::TaskParameters(v) => (&mut inspection.after_arguments, v),
            Seen::Result(v) if jsonpath => (&mut inspection.result, v),
            Seen::TaskResult(v) => (&mut inspection.result, v),
            Seen::AfterResultSelector(v) if jsonpath => (&mut inspection.after_result_selector, v),
            Seen::AfterResultPath(v) if jsonpath => (&mut inspection.after_result_path, v),
            Seen::MapLimits(limits) => {
                inspection.max_concurrency = Some(limits.max_concurrency);
                inspection.tolerated_failure_count = limits.tolerated_count;
                inspection.tolerated_failure_percentage = limits.tolerated_percentage;
                return;
            }
            _ => return,
        };
        *slot.0 = Some(slot.1.clone());
    }

    /// Take the Retry/Catch verdict on a failure, for the outcome and `errorDetails`.
    pub(super) fn verdict(&self, failure: &Failure, verdict: &Verdict) {
        let details = match *verdict {
            Verdict::Retry { retrier, delay_seconds } => {
                *self.verdict.borrow_mut() = Some((TestStatus::Retriable, failure.clone()));
                ErrorDetails {
                    retry_index: Some(retrier),
                    retry_backoff_interval_seconds: Some(delay_seconds as u64),
                    ..ErrorDetails::default()
                }
            }
            Verdict::Catch { catcher, retrier } => {
                *self.verdict.borrow_mut() = Some((TestStatus::CaughtError, failure.clone()));
                ErrorDetails {
                    retry_index: retrier,
                    catch_index: Some(catcher),
                    ..ErrorDetails::default()
                }
            }
            Verdict::Fail { retrier } => ErrorDetails {
                retry_index: retrier,
                ..ErrorDetails::default()
            },
        };
        self.inspection.borrow_mut().error_details = Some(details).filter(|d| *d != ErrorDetails::default());
    }

    /// The items of a Map state as a test reads them: from
    /// `stateConfiguration.mapItemReaderData` when it reads them with an `ItemReader`;
    /// through `ItemsPath` with a test's own wording of a path that does not lead to an
    /// array (naming the path inside the input or Context object it reads). `None`: as an
    /// execution finds them.
    pub(super) fn map_items(
        &self,
        map: &asl::definition::Map,
        scope: &dyn Scope,
    ) -> Option<Result<Vec<Value>, Failure>> {
        if map.item_reader.is_some() {
            let data = self.configuration.map_item_reader_data.as_deref();
            return Some(Ok(match data.map(serde_json::from_str::<Value>) {
                Some(Ok(Value::Array(items))) => items,
                _ => Vec::new(),
            }));
        }
        let Items::Path(path) = &map.items else {
            return None;
        };
        let relative = path
            .as_str()
            .strip_prefix('$')
            .filter(|p| p.starts_with('$'))
            .unwrap_or(path.as_str());
        Some(match asl::template::lookup(scope, path) {
            Some(Value::Array(items)) => {
                // JSONata Maps have no `ItemsPath`, so this is a JSONPath state.
                self.inspection.borrow_mut().after_items_path = Some(Value::Array(items.clone()));
                Ok(items)
            }
            _ => Err(Failure::runtime(format!(
                "Reference path \"{relative}\" must point to array."
            ))),
        })
    }

    /// The result of a Map state's iterations: the mock's, unless the iterations that
    /// failed (`mapIterationFailureCount`) exceed what the state tolerates (the same rule
    /// as an execution's, `MapLimits::exceeded`).
    pub(super) fn map_result(&self, total: usize, limits: &MapLimits) -> Result<Value, Failure> {
        let failures = self.configuration.map_iteration_failure_count.unwrap_or(0);
        if failures > total as u64 {
            *self.refused.borrow_mut() = Some(validation(
                "Map iteration failure count must be less than or equal to the number of Map iterations",
            ));
            return Err(Failure::runtime("refused"));
        }
        let result = self.children_result()?;
        if limits.exceeded(failures, total) {
            return Err(map_limits::threshold_exceeded());
        }
        Ok(result)
    }
}

fn failed(failure: Failure) -> TestOutcome {
    TestOutcome {
        status: TestStatus::Failed,
        output: None,
        error: Some(failure.error).filter(|e| !e.is_empty()),
        cause: failure.cause,
        next_state: None,
        inspection: None,
    }
}

#[cfg(test)]
mod tests {
    use asl::errors::names;

    use super::*;
    use crate::execution::{run as run_execution, Status};

    struct FixedClock;

    impl Clock for FixedClock {
        fn now_ms(&self) -> i64 {
            1_700_000_000_000
        }
    }

    fn request(definition: Value, input: Value) -> TestStateRequest {
        TestStateRequest {
            definition: definition.to_string(),
            input,
            inspection_level: InspectionLevel::Debug,
            region: "us-east-1".into(),
            account: "123456789012".into(),
            ..TestStateRequest::default()
        }
    }

    fn mocked(outcome: MockOutcome) -> Option<Mock> {
        Some(Mock {
            outcome,
            field_validation: FieldValidation::Strict,
        })
    }

    fn run(request: &TestStateRequest) -> Result<TestOutcome, TestStateError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(test_state(
            request,
            &integrations::Unconfigured,
            &FixedClock,
            &Options::default(),
        ))
    }

    #[test]
    fn jsonpath_pass_reports_each_processing_step() {
        let definition = json!({
            "Type": "Pass", "InputPath": "$.a", "Parameters": {"v.$": "$.b"},
            "ResultPath": "$.r", "Next": "Elsewhere"
        });
        let outcome = run(&request(definition, json!({"a": {"b": 1}}))).unwrap();
        assert_eq!(outcome.status, TestStatus::Succeeded);
        assert_eq!(outcome.next_state.as_deref(), Some("Elsewhere"));
        assert_eq!(outcome.output, Some(json!({"a": {"b": 1}, "r": {"v": 1}})));
        let inspection = outcome.inspection.unwrap();
        assert_eq!(inspection.after_input_path, Some(json!({"b": 1})));
        assert_eq!(inspection.after_parameters, Some(json!({"v": 1})));
        assert_eq!(inspection.after_result_selector, Some(json!({"v": 1})));
        assert_eq!(
            inspection.after_result_path,
            Some(json!({"a": {"b": 1}, "r": {"v": 1}}))
        );
        assert_eq!(inspection.result, None);
    }

    #[test]
    fn info_level_reports_no_inspection_data() {
        let mut request = request(json!({"Type": "Succeed"}), json!({"x": 1}));
        request.inspection_level = InspectionLevel::Info;
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.output, Some(json!({"x": 1})));
        assert!(outcome.inspection.is_none());
    }

    #[test]
    fn a_mocked_error_is_retriable_until_the_retrier_is_spent_then_caught() {
        let definition = json!({
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f"},
            "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3.0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handle"}],
            "End": true
        });
        let mut request = request(definition, json!({"in": true}));
        request.mock = mocked(MockOutcome::Error {
            error: "Boom".into(),
            cause: "it broke".into(),
        });
        request.configuration.retrier_retry_count = 2;
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.status, TestStatus::Retriable);
        assert_eq!(outcome.error.as_deref(), Some("Boom"));
        let details = outcome.inspection.unwrap().error_details.unwrap();
        assert_eq!(details.retry_index, Some(0));
        assert_eq!(details.retry_backoff_interval_seconds, Some(18));

        request.configuration.retrier_retry_count = 3;
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.status, TestStatus::CaughtError);
        assert_eq!(outcome.next_state.as_deref(), Some("Handle"));
        assert_eq!(
            outcome.output,
            Some(json!({"in": true, "error": {"Error": "Boom", "Cause": "it broke"}}))
        );
        let details = outcome.inspection.unwrap().error_details.unwrap();
        assert_eq!((details.retry_index, details.catch_index), (Some(0), Some(0)));
    }

    #[test]
    fn variables_are_visible_and_assignments_reported() {
        let definition = json!({
            "Type": "Pass", "QueryLanguage": "JSONata",
            "Output": "{% $greeting & ' ' & $states.input.name %}",
            "Assign": {"count": "{% $count + 1 %}"}, "End": true
        });
        let mut request = request(definition, json!({"name": "world"}));
        request.variables = json!({"greeting": "hello", "count": 1}).as_object().unwrap().clone();
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.output, Some(json!("hello world")));
        assert_eq!(
            outcome.inspection.unwrap().variables,
            Some(json!({"count": 2, "greeting": "hello"}))
        );
    }

    #[test]
    fn a_map_fails_when_failed_iterations_exceed_its_tolerance() {
        let definition = json!({
            "Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true
        });
        let mut request = request(definition, json!({"items": [1, 2, 3]}));
        request.mock = mocked(MockOutcome::Result("[1, 2, 3]".into()));
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.output, Some(json!([1, 2, 3])));
        let inspection = outcome.inspection.unwrap();
        assert_eq!(inspection.after_items_path, Some(json!([1, 2, 3])));
        assert_eq!(inspection.tolerated_failure_count, Some(1));

        request.configuration.map_iteration_failure_count = Some(2);
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.status, TestStatus::Failed);
        assert_eq!(
            outcome.error.as_deref(),
            Some(names::EXCEED_TOLERATED_FAILURE_THRESHOLD)
        );

        request.configuration.map_iteration_failure_count = Some(4);
        assert!(matches!(run(&request), Err(TestStateError::Validation(_))));
    }

    #[test]
    fn a_given_context_object_replaces_the_built_one() {
        let definition = json!({"Type": "Pass", "Parameters": {"c.$": "$$"}, "End": true});
        let mut request = request(definition, json!({}));
        request.context = Some(json!({"Execution": {"Name": "mine"}}));
        let outcome = run(&request).unwrap();
        assert_eq!(outcome.output, Some(json!({"c": {"Execution": {"Name": "mine"}}})));

        request.context = Some(json!({"Execution": {"Colour": "red"}}));
        let Err(TestStateError::Validation(message)) = run(&request) else {
            panic!("an unknown Context field must be refused")
        };
        assert_eq!(
            message,
            "Invalid Context object provided: Field 'Colour' is not allowed"
        );
    }

    #[test]
    fn requests_a_test_cannot_run_are_refused() {
        let mut pass = request(json!({"Type": "Pass", "End": true}), json!({}));
        pass.mock = mocked(MockOutcome::Result("{}".into()));
        assert!(matches!(run(&pass), Err(TestStateError::Validation(m)) if m.contains("'Pass' is not supported")));

        let parallel = request(
            json!({"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "End": true}),
            json!({}),
        );
        assert!(matches!(run(&parallel), Err(TestStateError::Unsupported(_))));

        let mut named = request(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}), json!({}));
        named.state_name = Some("B".into());
        assert!(matches!(run(&named), Err(TestStateError::Validation(m)) if m == "State not found in definition"));

        let invalid = request(json!({"Type": "Nonsense"}), json!({}));
        assert!(matches!(run(&invalid), Err(TestStateError::Definition(_))));
    }

    /// Issue 11: one tolerated-failure rule. The same Distributed Map, 3 of whose 10
    /// iterations fail, runs as an execution and as a TestState (with
    /// `mapIterationFailureCount` 3), with count-only, percentage-only and both thresholds:
    /// both give the same verdict, and the Map fails when any threshold set is exceeded.
    #[test]
    fn an_execution_and_a_test_agree_on_the_tolerated_failure_verdict() {
        let items: Vec<Value> = (0..10).map(|i| json!({"fail": i % 3 == 1})).collect();
        let cases = [
            // (ToleratedFailureCount, ToleratedFailurePercentage, Map fails)
            (Some(2), None, true),
            (Some(3), None, false),
            (None, Some(20.0), true),
            (None, Some(30.0), false),
            (Some(5), Some(20.0), true),
            (Some(2), Some(50.0), true),
            (Some(3), Some(30.0), false),
        ];
        for (count, percentage, fails) in cases {
            let mut map = json!({
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "End": true,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Check",
                    "States": {
                        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": true, "Next": "Boom"}], "Default": "Fine"},
                        "Boom": {"Type": "Fail", "Error": "Boom"},
                        "Fine": {"Type": "Pass", "End": true}
                    }
                }
            });
            if let Some(count) = count {
                map["ToleratedFailureCount"] = json!(count);
            }
            if let Some(percentage) = percentage {
                map["ToleratedFailurePercentage"] = json!(percentage);
            }
            let input = json!({ "items": items });

            let machine = asl::loader::load(&json!({"StartAt": "Map", "States": {"Map": map.clone()}})).unwrap();
            let spec = ExecutionSpec {
                execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e".into(),
                execution_name: "e".into(),
                state_machine_arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m".into(),
                state_machine_name: "m".into(),
                role_arn: "arn:aws:iam::123456789012:role/r".into(),
                region: "us-east-1".into(),
                account: "123456789012".into(),
                input: ExecutionInput::from_value(input.clone()),
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let outcome = runtime.block_on(run_execution(
                &machine,
                &spec,
                &integrations::Unconfigured,
                &FixedClock,
                &Options::default(),
            ));
            let execution_failed = match outcome.status {
                Status::Failed => {
                    assert_eq!(
                        outcome.error.as_deref(),
                        Some(names::EXCEED_TOLERATED_FAILURE_THRESHOLD)
                    );
                    true
                }
                Status::Succeeded => false,
                other => panic!("{other:?}"),
            };

            let mut test = request(map, input);
            test.mock = mocked(MockOutcome::Result(json!([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).to_string()));
            test.configuration.map_iteration_failure_count = Some(3);
            let tested = run(&test).unwrap();
            let test_failed = match tested.status {
                TestStatus::Failed => {
                    assert_eq!(tested.error.as_deref(), Some(names::EXCEED_TOLERATED_FAILURE_THRESHOLD));
                    true
                }
                TestStatus::Succeeded => false,
                other => panic!("{other:?}"),
            };
            assert_eq!(
                (execution_failed, test_failed),
                (fails, fails),
                "count {count:?}, percentage {percentage:?}"
            );
        }
    }
}
