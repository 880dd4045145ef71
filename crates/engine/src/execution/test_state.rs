//! TestState: evaluate one state in isolation (Developer Guide, "Test with TestState").
//!
//! A test runs a single state once, with the execution's pieces (`Run`, `Frame`,
//! `StateScope`) so that paths, templates, JSONata, `Assign`, Retry and Catch behave exactly
//! as in an execution. What differs is what a test reports: the intermediate values of the
//! input/output processing (`inspectionData`), and the verdict on a failure — whether a
//! retrier would run the state again (`RETRIABLE`), a catcher would take it
//! (`CAUGHT_ERROR`), or the execution would fail. Nothing waits and nothing is recorded:
//! a Wait state ends at once, retries are reported rather than made.
//!
//! Task, Map and Parallel states may be given a mocked result or error instead of calling
//! their integration; Map and Parallel states must be (a test never runs their children).

use std::sync::Arc;

use serde_json::Map as JsonMap;

use super::*;

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
        input_text: request.input.to_string(),
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
    let run = Run {
        spec: &spec,
        integration,
        clock,
        options: &options,
        observer: None,
        tokens: None,
        history: RefCell::new(History::new(false)),
        rng: Cell::new(options.seed | 1),
        execution_input: request.input.clone(),
        start_ms: now,
        start_time: iso_millis(now),
        resumed_wait: Cell::new(None),
        current: RefCell::new(None),
        transitions: Cell::new(0),
        first_input_text: RefCell::new(None),
        fixed_context: Some(context),
        mocks: None,
        mock_invocations: RefCell::default(),
    };
    let frame = Frame::root();
    frame.restore(request.variables.clone());
    let tester = Tester {
        run: &run,
        frame: &frame,
        container,
        state,
        request,
        mocked,
        entered_ms: now,
        retry_count,
    };
    let mut inspection = Inspection {
        input: Some(request.input.clone()),
        ..Inspection::default()
    };
    let mut outcome = tester.evaluate(&mut inspection).await?;
    if request.inspection_level != InspectionLevel::Info {
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

/// One state under test.
struct Tester<'t, 'a> {
    run: &'t Run<'a>,
    frame: &'t Frame,
    container: &'t StateMachine,
    state: &'t State,
    request: &'t TestStateRequest,
    /// The mocked result or error, checked.
    mocked: Option<Result<Value, Failure>>,
    entered_ms: i64,
    /// `$$.State.RetryCount` of a state with retriers.
    retry_count: Option<u64>,
}

/// A state's successful end: its output, where it goes and what it assigns.
struct Done {
    output: Value,
    transition: Transition,
    assigned: Assigned,
}

impl Tester<'_, '_> {
    fn jsonpath(&self) -> bool {
        self.state.query_language == QueryLanguage::JsonPath
    }

    fn scope<'s>(&'s self, input: &'s Value, retry_count: Option<u64>) -> StateScope<'s, 's> {
        self.run
            .scope(self.frame, input, self.state, self.entered_ms, retry_count)
    }

    async fn evaluate(&self, inspection: &mut Inspection) -> Result<TestOutcome, TestStateError> {
        let evaluated = match &self.state.kind {
            StateKind::Task(_) | StateKind::Map(_) | StateKind::Parallel(_) => match self.attempt(inspection).await? {
                Ok(done) => Ok(done),
                Err(failure) => return Ok(self.recover(failure, inspection)),
            },
            _ => self.simple(inspection),
        };
        Ok(match evaluated {
            Ok(done) => self.succeeded(done),
            Err(failure) => failed(failure),
        })
    }

    fn succeeded(&self, done: Done) -> TestOutcome {
        if let Some(assigned) = &done.assigned {
            if let Err(failure) = self
                .frame
                .assign(assigned, self.run.options.variable_limits, &self.state.name)
            {
                return failed(failure);
            }
        }
        TestOutcome {
            status: TestStatus::Succeeded,
            output: Some(done.output),
            error: None,
            cause: None,
            next_state: match done.transition {
                Transition::Next(index) => Some(self.container.states[index].name.clone()),
                Transition::End => None,
            },
            inspection: None,
        }
    }

    /// Pass, Succeed, Fail, Choice and Wait states.
    fn simple(&self, inspection: &mut Inspection) -> Result<Done, Failure> {
        let state = self.state;
        let raw = &self.request.input;
        match &state.kind {
            StateKind::Pass(pass) => {
                let result = match &pass.result {
                    Some(result) => {
                        if self.jsonpath() {
                            inspection.result = Some(result.clone());
                        }
                        result.clone()
                    }
                    None => {
                        let input = self.effective_input(inspection)?;
                        let result = match &pass.parameters {
                            Some(parameters) => parameters.evaluate(&self.scope(&input, None))?,
                            None => input,
                        };
                        if self.jsonpath() {
                            inspection.after_parameters = Some(result.clone());
                        }
                        result
                    }
                };
                self.complete(result, None, &pass.result_path, pass.transition, inspection)
            }
            StateKind::Succeed => {
                let input = self.effective_input(inspection)?;
                let output = self
                    .run
                    .finish_output(state, input, Value::Null, &ResultPath::Discard, self.frame)?;
                Ok(Done {
                    output,
                    transition: Transition::End,
                    assigned: None,
                })
            }
            StateKind::Fail(fail) => {
                let scope = self.scope(raw, None);
                let error = self.run.text(fail.error.as_ref(), &scope, "ErrorPath")?;
                let cause = self.run.text(fail.cause.as_ref(), &scope, "CausePath")?;
                Err(Failure {
                    error: error.unwrap_or_default(),
                    cause,
                    location: None,
                })
            }
            StateKind::Choice(choice) => {
                let input = self.effective_input(inspection)?;
                let scope = self.scope(&input, None);
                let mut chosen = None;
                for branch in &choice.choices {
                    if branch.rule.evaluate(&scope)? {
                        chosen = Some((branch.next, branch.assign.as_ref(), branch.output.as_ref()));
                        break;
                    }
                }
                let (next, assign, output) = match (chosen, choice.default) {
                    (Some(c), _) => c,
                    (None, Some(default)) => (default, None, None),
                    (None, None) => return Err(Failure::new(names::NO_CHOICE_MATCHED, "No Matches!")),
                };
                let assigned = self.run.assign(assign.or(state.assign.as_ref()), &scope)?;
                let output = match output {
                    Some(template) => template.evaluate(&scope)?,
                    None => {
                        drop(scope);
                        self.run
                            .finish_output(state, input, Value::Null, &ResultPath::Discard, self.frame)?
                    }
                };
                Ok(Done {
                    output,
                    transition: Transition::Next(next),
                    assigned,
                })
            }
            StateKind::Wait(wait) => {
                let input = self.effective_input(inspection)?;
                let assigned = {
                    let scope = self.scope(&input, None);
                    // The delay is checked but not waited for.
                    self.run.wait_delay_ms(&wait.wait_for, &scope)?;
                    self.run.assign(state.assign.as_ref(), &scope)?
                };
                let output = self
                    .run
                    .finish_output(state, input, Value::Null, &ResultPath::Discard, self.frame)?;
                Ok(Done {
                    output,
                    transition: wait.transition,
                    assigned,
                })
            }
            StateKind::Task(_) | StateKind::Map(_) | StateKind::Parallel(_) => {
                unreachable!("evaluate runs these through attempt")
            }
        }
    }

    /// `InputPath`, recorded as `afterInputPath` in a JSONPath state.
    fn effective_input(&self, inspection: &mut Inspection) -> Result<Value, Failure> {
        let input = self.run.effective_input(self.state, &self.request.input, self.frame)?;
        if self.jsonpath() {
            inspection.after_input_path = Some(input.clone());
        }
        Ok(input)
    }

    /// `ResultSelector`, `Assign`, `ResultPath` and `OutputPath` (or JSONata's `Output`)
    /// applied to a result.
    fn complete(
        &self,
        result: Value,
        selector: Option<&Template>,
        result_path: &ResultPath,
        transition: Transition,
        inspection: &mut Inspection,
    ) -> Result<Done, Failure> {
        let state = self.state;
        let raw = &self.request.input;
        let selected = match selector {
            Some(selector) => selector.evaluate(&self.scope(&result, self.retry_count))?,
            None => result,
        };
        let assigned = {
            let scope = self
                .run
                .result_scope(self.frame, raw, &selected, state, self.entered_ms);
            self.run.assign(state.assign.as_ref(), &scope)?
        };
        let output = if self.jsonpath() {
            inspection.after_result_selector = Some(selected.clone());
            let merged = apply_result_path(raw.clone(), selected, result_path)?;
            inspection.after_result_path = Some(merged.clone());
            self.run.apply_output_path(state, merged, self.frame)?
        } else {
            self.run
                .finish_output(state, raw.clone(), selected, result_path, self.frame)?
        };
        Ok(Done {
            output,
            transition,
            assigned,
        })
    }

    /// One attempt of a Task, Map or Parallel state. The outer error is a request the test
    /// cannot run; the inner one a failure of the state.
    async fn attempt(&self, inspection: &mut Inspection) -> Result<Result<Done, Failure>, TestStateError> {
        let Some(recovery) = self.state.kind.recovery() else {
            unreachable!("attempt runs only Task, Map and Parallel states")
        };
        let result = match &self.state.kind {
            StateKind::Task(task) => self.task_result(task, inspection).await,
            StateKind::Map(map) => self.map_result(map, inspection)?,
            _ => self.mocked_result(),
        };
        let selector = match &self.state.kind {
            StateKind::Task(task) => task.result_selector.as_ref(),
            StateKind::Map(map) => map.result_selector.as_ref(),
            StateKind::Parallel(parallel) => parallel.result_selector.as_ref(),
            _ => None,
        };
        Ok(result
            .and_then(|result| self.complete(result, selector, recovery.result_path, recovery.transition, inspection)))
    }

    fn mocked_result(&self) -> Result<Value, Failure> {
        match &self.mocked {
            Some(outcome) => outcome.clone(),
            None => Err(Failure::runtime("The state needs a mocked result")),
        }
    }

    async fn task_result(&self, task: &Task, inspection: &mut Inspection) -> Result<Value, Failure> {
        let input = self.effective_input(inspection)?;
        let parameters = match &task.parameters {
            Some(parameters) => parameters.evaluate(&self.scope(&input, self.retry_count))?,
            None => input,
        };
        if self.jsonpath() {
            inspection.after_parameters = Some(parameters.clone());
        } else {
            inspection.after_arguments = Some(parameters.clone());
        }
        let result = match &self.mocked {
            Some(outcome) => outcome.clone()?,
            None => {
                let request = TaskRequest {
                    resource: task.resource.clone(),
                    parameters,
                    state_name: self.state.name.clone(),
                    state_machine_name: self.run.spec.state_machine_name.clone(),
                    execution_arn: self.run.spec.execution_arn.clone(),
                    state_machine_arn: self.run.spec.state_machine_arn.clone(),
                    ..TaskRequest::default()
                };
                self.run.integration.invoke(request).await?
            }
        };
        inspection.result = Some(result.clone());
        Ok(result)
    }

    /// A Map state's settings are evaluated and reported; its result is the mock's, unless
    /// the failed iterations (`mapIterationFailureCount`) exceed what it tolerates.
    fn map_result(
        &self,
        map: &asl::definition::Map,
        inspection: &mut Inspection,
    ) -> Result<Result<Value, Failure>, TestStateError> {
        let input = match self.effective_input(inspection) {
            Ok(input) => input,
            Err(failure) => return Ok(Err(failure)),
        };
        let scope = self.scope(&input, self.retry_count);
        let items = match self.map_items(map, &input, &scope, inspection) {
            Ok(items) => items,
            Err(failure) => return Ok(Err(failure)),
        };
        let limits = match map_limits(map, &scope) {
            Ok(limits) => limits,
            Err(failure) => return Ok(Err(failure)),
        };
        inspection.max_concurrency = Some(limits.max_concurrency);
        inspection.tolerated_failure_count = limits.tolerated_count;
        inspection.tolerated_failure_percentage = limits.tolerated_percentage;
        let failures = self.request.configuration.map_iteration_failure_count.unwrap_or(0);
        if failures > items.len() as u64 {
            return Err(validation(
                "Map iteration failure count must be less than or equal to the number of Map iterations",
            ));
        }
        let result = match self.mocked_result() {
            Ok(result) => result,
            Err(failure) => return Ok(Err(failure)),
        };
        let exceeded = failures > 0
            && (limits.tolerated_count.is_some_and(|n| failures > n)
                || limits
                    .tolerated_percentage
                    .is_some_and(|p| failures as f64 * 100.0 / items.len().max(1) as f64 > p));
        if exceeded {
            return Ok(Err(Failure::new(
                names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                "The specified tolerated failure threshold was exceeded",
            )));
        }
        Ok(Ok(result))
    }

    /// The items of a Map state: from `stateConfiguration.mapItemReaderData` when it reads
    /// them with an `ItemReader`, else as an execution finds them.
    fn map_items(
        &self,
        map: &asl::definition::Map,
        input: &Value,
        scope: &dyn Scope,
        inspection: &mut Inspection,
    ) -> Result<Vec<Value>, Failure> {
        if map.item_reader.is_some() {
            let data = self.request.configuration.map_item_reader_data.as_deref();
            return Ok(match data.map(serde_json::from_str::<Value>) {
                Some(Ok(Value::Array(items))) => items,
                _ => Vec::new(),
            });
        }
        let Items::Path(path) = &map.items else {
            return self.run.map_items(map, input, scope);
        };
        // A test words a path that does not lead to an array its own way, naming the path
        // inside the input or Context object it reads.
        let relative = path
            .as_str()
            .strip_prefix('$')
            .filter(|p| p.starts_with('$'))
            .unwrap_or(path.as_str());
        match asl::template::lookup(scope, path) {
            Some(Value::Array(items)) => {
                if self.jsonpath() {
                    inspection.after_items_path = Some(Value::Array(items.clone()));
                }
                Ok(items)
            }
            _ => Err(Failure::runtime(format!(
                "Reference path \"{relative}\" must point to array."
            ))),
        }
    }

    /// What the state's Retry and Catch make of a failure.
    fn recover(&self, failure: Failure, inspection: &mut Inspection) -> TestOutcome {
        let Some(recovery) = self.state.kind.recovery() else {
            return failed(failure);
        };
        if is_terminal(&failure) {
            return failed(failure);
        }
        let mut details = ErrorDetails::default();
        if let Some(index) = recovery.retry.iter().position(|r| failure.matches(&r.error_equals)) {
            let retrier = &recovery.retry[index];
            let attempts = self.request.configuration.retrier_retry_count;
            details.retry_index = Some(index);
            if attempts < retrier.max_attempts {
                details.retry_backoff_interval_seconds = Some(backoff_seconds(retrier, attempts) as u64);
                inspection.error_details = Some(details);
                return TestOutcome {
                    status: TestStatus::Retriable,
                    ..failed(failure)
                };
            }
        }
        let Some(index) = recovery.catch.iter().position(|c| failure.matches(&c.error_equals)) else {
            inspection.error_details = Some(details).filter(|d| *d != ErrorDetails::default());
            return failed(failure);
        };
        let catcher = &recovery.catch[index];
        details.catch_index = Some(index);
        inspection.error_details = Some(details);
        let caught = self.run.caught_output(
            self.state,
            catcher,
            &failure,
            &self.request.input,
            self.frame,
            self.entered_ms,
        );
        match caught {
            Ok((assigned, output)) => TestOutcome {
                status: TestStatus::CaughtError,
                error: Some(failure.error),
                cause: failure.cause,
                ..self.succeeded(Done {
                    output,
                    transition: Transition::Next(catcher.next),
                    assigned,
                })
            },
            Err(failure) => failed(failure),
        }
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
    use super::*;

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
}
