//! Running one execution of a state machine in memory, from `ExecutionStarted` to its end.
//!
//! The core (`asl`) evaluates paths, templates and rules; this module sequences the states,
//! runs Map iterations and Parallel branches concurrently on the current thread, sleeps for
//! Wait states and retry back-offs, calls the task integration, and records every history
//! event with AWS's ids and `previousEventId` chain.

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use asl::definition::*;
use asl::errors::{names, Failure};
use asl::template::{select, Scope, Template};
use futures_util::stream::{self, StreamExt};
use integrations::mock::TestCase;
use integrations::{Integration, TaskRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map as JsonMap, Value};

use crate::history::{Event, EventKind, History};

pub mod test_state;

/// The identity of an execution, as the Context object and history show it.
#[derive(Clone, Debug)]
pub struct ExecutionSpec {
    pub execution_arn: String,
    pub execution_name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub role_arn: String,
    pub region: String,
    pub account: String,
    /// The input exactly as given: AWS records it verbatim in `ExecutionStarted`.
    pub input_text: String,
}

/// Knobs for one run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Multiplies every Wait and retry delay and the execution's own `TimeoutSeconds` (so
    /// they keep their order); 0 makes them instant (Step Functions Local's
    /// `WAIT_TIME_SCALE`). Task time-outs are not scaled.
    pub wait_scale: f64,
    /// Keep history events (they are always counted).
    pub keep_history: bool,
    /// Seed for `States.MathRandom`, `States.UUID` and retry jitter.
    pub seed: u64,
    /// The largest payload a state may produce, in bytes (AWS: 256 KiB).
    pub max_payload_bytes: usize,
    pub variable_limits: VariableLimits,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            wait_scale: 1.0,
            keep_history: true,
            seed: 0x5eed,
            max_payload_bytes: 256 * 1024,
            variable_limits: VariableLimits::default(),
        }
    }
}

/// How large workflow variables may grow, in bytes of their JSON text (UTF-8). The Developer
/// Guide, "Passing data between states with variables", section "Variable size limits": at
/// most 256 KiB for one variable and for all the variables of one `Assign` together, and at
/// most 10 MiB for all the variables an execution stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VariableLimits {
    /// The largest variable, and the largest `Assign` (all its variables together).
    pub max_variable_bytes: usize,
    /// The most all stored variables of an execution may hold together: the variables of
    /// the top-level states plus those of the Map iterations and Parallel branches running.
    pub max_execution_bytes: usize,
}

impl Default for VariableLimits {
    fn default() -> VariableLimits {
        VariableLimits {
            max_variable_bytes: 256 * 1024,
            max_execution_bytes: 10 * 1024 * 1024,
        }
    }
}

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
            Status::Aborted => "ABORTED",
        }
    }
}

/// The result of an execution.
#[derive(Debug)]
pub struct Outcome {
    pub status: Status,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub history: Vec<Event>,
    /// How many state transitions ran (states entered).
    pub transitions: u64,
    /// Where a redrive would start: the top-level state that failed (or was running when
    /// the execution timed out or was aborted). Only kept for runs with an observer.
    pub redrive_point: Option<Checkpoint>,
}

/// Where time comes from; tests and the CLI use the system clock.
pub trait Clock {
    fn now_ms(&self) -> i64;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond()
    }
}

/// Render milliseconds since the epoch as the Context object's ISO-8601 form.
pub fn iso_millis(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => String::new(),
    }
}

/// Where a durable execution resumes after a restart: the top-level state it is about to
/// enter (or is waiting in), with everything the run needs to go on exactly as it would
/// have. The engine hands one to its [`Observer`] at every durable point.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub state: String,
    pub input: Value,
    pub variables: JsonMap<String, Value>,
    /// History events so far, and the id the next event points at.
    pub events: u64,
    pub chain: u64,
    pub rng: u64,
    pub transitions: u64,
    pub start_ms: i64,
    /// The execution input text, while no state has entered yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_text: Option<String>,
    /// Set when the run is inside a Wait state: when it ends, and the entered event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<WaitPoint>,
    /// Set on the point a redrive starts from: the run records `ExecutionRedriven` first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_count: Option<u32>,
    /// How many times each mocked Task state has been invoked (see [`Hooks::mocks`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mock_invocations: BTreeMap<String, u64>,
}

/// A Wait state in progress.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct WaitPoint {
    pub until_ms: i64,
    pub entered_event: u64,
}

/// Told of each durable step: the events recorded since the last step and where to resume.
/// The run goes on once the returned future resolves, so a store can make the step
/// durable before anything that follows it happens.
pub trait Observer {
    fn step(&self, events: Vec<Event>, checkpoint: Checkpoint) -> LocalFuture<'_, ()>;

    /// Told of the events so far, without a new resume point, when a Task starts waiting
    /// for someone else (a callback, an activity worker, a job), so that the history shows
    /// what the execution waits for while it waits. After a restart the run resumes at
    /// the last step and records these events again under the same ids.
    fn publish(&self, events: Vec<Event>) -> LocalFuture<'_, ()>;
}

/// Where task tokens are answered: `SendTaskSuccess`/`SendTaskFailure`, heartbeats, and
/// activity workers polling `GetActivityTask`.
pub trait TokenHub {
    /// Wait for the token's answer. With a heartbeat interval, fail with
    /// `States.HeartbeatTimeout` when no heartbeat comes in time.
    fn wait_token<'a>(
        &'a self,
        token: &'a str,
        heartbeat_seconds: Option<u64>,
    ) -> LocalFuture<'a, Result<Value, Failure>>;
    /// Whether the activity exists. A definition may name an activity that is deleted
    /// later; the Task state then fails before scheduling anything.
    fn activity_exists(&self, activity_arn: &str) -> bool;
    /// Queue an activity task; resolves with the worker's name once a worker takes it.
    fn schedule_activity<'a>(
        &'a self,
        activity_arn: &'a str,
        token: &'a str,
        input: &'a Value,
    ) -> LocalFuture<'a, Result<Option<String>, Failure>>;
}

/// What an execution is stopped with (`StopExecution`).
#[derive(Clone, Debug, Default)]
pub struct Stop {
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// The optional parts of a run: durability, task tokens, stopping.
#[derive(Default)]
pub struct Hooks<'a> {
    pub observer: Option<&'a dyn Observer>,
    pub tokens: Option<&'a dyn TokenHub>,
    /// Resume from here instead of starting.
    pub resume: Option<Checkpoint>,
    /// Resolves when the execution is to be aborted.
    pub stop: Option<LocalFuture<'a, Stop>>,
    /// A mock configuration's test case: the Task states it names get its answers instead
    /// of calling the integration (or waiting for an activity worker or a callback). The
    /// answer is chosen by the state's invocation number in the execution (retries and
    /// re-entries count), which checkpoints carry, so a resumed execution sees the same
    /// answers a run without the crash would have seen.
    pub mocks: Option<&'a TestCase>,
}

/// Run an execution to its end.
pub async fn run(
    machine: &StateMachine,
    spec: &ExecutionSpec,
    integration: &dyn Integration,
    clock: &dyn Clock,
    options: &Options,
) -> Outcome {
    run_with(machine, spec, integration, clock, options, Hooks::default()).await
}

/// Run (or resume) an execution to its end, telling `hooks.observer` of each durable step.
/// With an observer, `Outcome::history` holds only the events after the last step.
pub async fn run_with(
    machine: &StateMachine,
    spec: &ExecutionSpec,
    integration: &dyn Integration,
    clock: &dyn Clock,
    options: &Options,
    hooks: Hooks<'_>,
) -> Outcome {
    let input: Value = serde_json::from_str(&spec.input_text).unwrap_or(Value::Null);
    let resume = hooks.resume;
    let start_ms = resume.as_ref().map_or_else(|| clock.now_ms(), |c| c.start_ms);
    let run = Run {
        spec,
        integration,
        clock,
        options,
        observer: hooks.observer,
        tokens: hooks.tokens,
        history: RefCell::new(match &resume {
            Some(c) => History::resumed(c.events, c.chain),
            None => History::new(options.keep_history),
        }),
        rng: Cell::new(resume.as_ref().map_or(options.seed | 1, |c| c.rng)),
        execution_input: input.clone(),
        start_ms,
        start_time: iso_millis(start_ms),
        transitions: Cell::new(resume.as_ref().map_or(0, |c| c.transitions)),
        first_input_text: RefCell::new(match &resume {
            Some(c) => c.input_text.clone(),
            None => Some(spec.input_text.clone()),
        }),
        resumed_wait: Cell::new(resume.as_ref().and_then(|c| c.wait)),
        current: RefCell::new(None),
        fixed_context: None,
        mocks: hooks.mocks,
        mock_invocations: RefCell::new(resume.as_ref().map(|c| c.mock_invocations.clone()).unwrap_or_default()),
    };
    let root = Rc::new(Frame::root());
    let (start, input) = match resume {
        Some(c) => {
            if let Some(count) = c.redrive_count {
                run.emit(true, || EventKind::ExecutionRedriven { count });
            }
            root.restore(c.variables);
            (machine.state_index(&c.state).unwrap_or(machine.start_at), c.input)
        }
        None => {
            run.emit(true, || EventKind::ExecutionStarted {
                input: spec.input_text.clone(),
                role_arn: spec.role_arn.clone(),
            });
            (machine.start_at, input)
        }
    };
    let body = run.run_states(machine, start, input, root.clone());
    let timed = async {
        match machine.timeout_seconds {
            Some(seconds) => {
                let deadline = start_ms as f64 + seconds as f64 * 1000.0 * options.wait_scale.max(0.0);
                let limit = Duration::from_secs_f64(((deadline - clock.now_ms() as f64) / 1000.0).max(0.0));
                match tokio::time::timeout(limit, body).await {
                    Ok(r) => r.map_err(Ending::Failed),
                    Err(_) => Err(Ending::TimedOut),
                }
            }
            None => body.await.map_err(Ending::Failed),
        }
    };
    let result = match hooks.stop {
        Some(stop) => {
            tokio::select! {
                result = timed => result,
                stop = stop => Err(Ending::Aborted(stop)),
            }
        }
        None => timed.await,
    };
    let (status, output, error, cause) = match result {
        Ok(output) => {
            run.emit(true, || EventKind::ExecutionSucceeded { output: output.clone() });
            (Status::Succeeded, Some(output), None, None)
        }
        Err(Ending::Failed(f)) => {
            // A Fail state without `Error` fails the execution with no error name at all.
            let error = Some(f.error).filter(|e| !e.is_empty());
            run.emit(true, || EventKind::ExecutionFailed {
                error: error.clone(),
                cause: f.cause.clone(),
            });
            (Status::Failed, None, error, f.cause)
        }
        Err(Ending::TimedOut) => {
            let error = names::TIMEOUT.to_owned();
            run.emit(true, || EventKind::ExecutionTimedOut {
                error: Some(error.clone()),
                cause: None,
            });
            (Status::TimedOut, None, Some(error), None)
        }
        Err(Ending::Aborted(stop)) => {
            // Whatever was running when the stop came points the aborted event at itself.
            run.history.borrow_mut().chain_to_last();
            run.emit(true, || EventKind::ExecutionAborted {
                error: stop.error.clone(),
                cause: stop.cause.clone(),
            });
            (Status::Aborted, None, stop.error, stop.cause)
        }
    };
    let transitions = run.transitions.get();
    let redrive_point = match (status, run.current.take()) {
        (Status::Succeeded, _) | (_, None) => None,
        (_, Some((index, input))) => {
            let state = &machine.states[index];
            let (count, chain) = run.history.borrow().position();
            Some(Checkpoint {
                state: state.name.clone(),
                input,
                // A state's `Assign` is kept only once it completes, so the top-level
                // variables are still those the redriven state started with.
                variables: root.snapshot(),
                events: count,
                chain,
                rng: run.rng.get(),
                transitions: run.transitions.get(),
                start_ms: run.start_ms,
                input_text: None,
                wait: None,
                redrive_count: None,
                // A redrive goes on counting: a mock's next answer is for the next call.
                mock_invocations: run.mock_invocations.borrow().clone(),
            })
        }
    };
    Outcome {
        redrive_point,
        status,
        output,
        error,
        cause,
        history: run.history.into_inner().into_events(),
        transitions,
    }
}

enum Ending {
    Failed(Failure),
    TimedOut,
    Aborted(Stop),
}

/// A boxed future that stays on the thread that runs the execution.
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Variables visible to a thread of states: its own, then its parent's (read-only).
struct Frame {
    /// The frame's own variables, each with the length of its JSON text.
    vars: RefCell<HashMap<String, (Value, usize)>>,
    /// The bytes the variables of every live frame of the execution hold (shared by all its
    /// frames); a frame's own leave the count when the frame ends (its Map iteration or
    /// Parallel branch is over).
    execution_bytes: Rc<Cell<usize>>,
    parent: Option<Rc<Frame>>,
    /// `$$.Map.Item` of an iteration.
    map_item: Option<(usize, Value)>,
    /// False inside a Distributed Map's child executions, whose events AWS records elsewhere.
    record: bool,
}

impl Frame {
    fn root() -> Frame {
        Frame {
            vars: RefCell::new(HashMap::new()),
            execution_bytes: Rc::new(Cell::new(0)),
            parent: None,
            map_item: None,
            record: true,
        }
    }

    fn child(parent: &Rc<Frame>, map_item: Option<(usize, Value)>, record: bool) -> Frame {
        Frame {
            vars: RefCell::new(HashMap::new()),
            execution_bytes: parent.execution_bytes.clone(),
            parent: Some(parent.clone()),
            map_item,
            record: record && parent.record,
        }
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((v, _)) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }

    /// This frame's own variables, as a checkpoint stores them.
    fn snapshot(&self) -> JsonMap<String, Value> {
        self.vars
            .borrow()
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect()
    }

    /// Set variables given from outside (a checkpoint's, TestState's `variables`): they
    /// count toward the execution's total, but no limit is checked.
    fn restore(&self, variables: impl IntoIterator<Item = (String, Value)>) {
        let mut vars = self.vars.borrow_mut();
        for (name, value) in variables {
            let size = json_len(&value);
            self.execution_bytes.set(self.execution_bytes.get() + size);
            if let Some((_, old)) = vars.insert(name, (value, size)) {
                self.execution_bytes.set(self.execution_bytes.get() - old);
            }
        }
    }

    /// Store the variables a state's `Assign` produced, within `limits`: each variable, and
    /// all of them together, at most `max_variable_bytes`; the execution's variables
    /// afterwards at most `max_execution_bytes`. Nothing is stored when a limit is exceeded.
    ///
    /// AWS documents the limits but not the error it raises; a variable is data like a
    /// state's output, so exceeding a limit fails with `States.DataLimitExceeded`, as an
    /// output over the payload quota does, with a cause naming the variable and the limit.
    fn assign(&self, assigned: &[(String, Value)], limits: VariableLimits, state: &str) -> Result<(), Failure> {
        let exceeded = |what: String, limit: usize| {
            Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state '{state}' assigned {what} with a size exceeding the maximum number of bytes service limit ({limit} bytes)."
                ),
            )
        };
        let mut sizes = Vec::with_capacity(assigned.len());
        let mut total = 0;
        for (name, value) in assigned {
            let size = json_len(value);
            if size > limits.max_variable_bytes {
                return Err(exceeded(format!("the variable '{name}'"), limits.max_variable_bytes));
            }
            total += size;
            sizes.push(size);
        }
        if total > limits.max_variable_bytes {
            return Err(exceeded("variables".to_owned(), limits.max_variable_bytes));
        }
        let mut vars = self.vars.borrow_mut();
        let replaced: usize = assigned
            .iter()
            .filter_map(|(name, _)| vars.get(name).map(|(_, size)| *size))
            .sum();
        let after = self.execution_bytes.get() - replaced + total;
        if after > limits.max_execution_bytes {
            return Err(exceeded(
                "variables that bring the execution's variables".to_owned(),
                limits.max_execution_bytes,
            ));
        }
        self.execution_bytes.set(after);
        for ((name, value), size) in assigned.iter().zip(sizes) {
            vars.insert(name.clone(), (value.clone(), size));
        }
        Ok(())
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let own: usize = self.vars.get_mut().values().map(|(_, size)| size).sum();
        self.execution_bytes.set(self.execution_bytes.get().saturating_sub(own));
    }
}

/// The length of a value's compact JSON text, counted without building the text.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` to a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

struct Run<'a> {
    spec: &'a ExecutionSpec,
    integration: &'a dyn Integration,
    clock: &'a dyn Clock,
    options: &'a Options,
    observer: Option<&'a dyn Observer>,
    tokens: Option<&'a dyn TokenHub>,
    history: RefCell<History>,
    rng: Cell<u64>,
    execution_input: Value,
    start_ms: i64,
    start_time: String,
    /// The Wait state a resumed run is inside; taken by the first state it runs.
    resumed_wait: Cell<Option<WaitPoint>>,
    /// The top-level state running and its input (durable runs only: a redrive starts there).
    current: RefCell<Option<(usize, Value)>>,
    transitions: Cell<u64>,
    /// The input text, until the first state's entered event takes it.
    first_input_text: RefCell<Option<String>>,
    /// A Context object given whole (TestState's `context`): it replaces the one built from
    /// the execution, so `$$` shows exactly what the caller supplied.
    fixed_context: Option<Value>,
    mocks: Option<&'a TestCase>,
    /// Invocations so far of each mocked state (see [`Hooks::mocks`]).
    mock_invocations: RefCell<BTreeMap<String, u64>>,
}

/// The [`Scope`] of one state: its input, the lazily built Context object and variables.
struct StateScope<'r, 'a> {
    run: &'r Run<'a>,
    frame: &'r Frame,
    input: &'r Value,
    state_name: &'r str,
    entered_ms: i64,
    retry_count: Option<u64>,
    map_item: Option<(usize, &'r Value)>,
    context: OnceCell<Value>,
    /// `$states.result` of a JSONata `Output`/`Assign`.
    result: Option<&'r Value>,
    /// `$states.errorOutput` of a JSONata Catch.
    error_output: Option<&'r Value>,
    /// `$$.Task.Token` of a callback or activity task.
    task_token: Option<&'r str>,
}

impl<'r> StateScope<'r, '_> {
    fn with_result(mut self, result: &'r Value) -> Self {
        self.result = Some(result);
        self
    }

    fn with_error_output(mut self, error_output: &'r Value) -> Self {
        self.error_output = Some(error_output);
        self
    }
}

impl Scope for StateScope<'_, '_> {
    fn input(&self) -> &Value {
        self.input
    }

    fn context(&self) -> &Value {
        self.context.get_or_init(|| {
            if let Some(context) = &self.run.fixed_context {
                return context.clone();
            }
            let spec = self.run.spec;
            let mut state = JsonMap::new();
            state.insert("Name".into(), self.state_name.into());
            state.insert("EnteredTime".into(), iso_millis(self.entered_ms).into());
            if let Some(r) = self.retry_count {
                state.insert("RetryCount".into(), r.into());
            }
            let mut context = json!({
                "Execution": {
                    "Id": spec.execution_arn,
                    "Input": self.run.execution_input,
                    "StartTime": self.run.start_time,
                    "Name": spec.execution_name,
                    "RoleArn": spec.role_arn,
                    "RedriveCount": 0,
                },
                "StateMachine": {"Id": spec.state_machine_arn, "Name": spec.state_machine_name},
                "State": Value::Object(state),
            });
            if let Some((index, value)) = self.map_item {
                context["Map"] = json!({"Item": {"Index": index, "Value": value}});
            }
            if let Some(token) = self.task_token {
                context["Task"] = json!({ "Token": token });
            }
            context
        })
    }

    fn variable(&self, name: &str) -> Option<Value> {
        self.frame.lookup(name)
    }

    fn result(&self) -> Option<&Value> {
        self.result
    }

    fn error_output(&self) -> Option<&Value> {
        self.error_output
    }

    fn random_u64(&self) -> u64 {
        self.run.next_random()
    }

    fn max_payload_bytes(&self) -> usize {
        self.run.options.max_payload_bytes
    }
}

/// The variables a state assigns (`Assign`), in order, once its output is computed.
type Assigned = Option<Vec<(String, Value)>>;

/// The result of a state that completed.
struct Completed {
    transition: Transition,
    output: Value,
}

/// A Task/Parallel/Map attempt's failure, and whether it is eligible for Retry/Catch.
fn is_terminal(failure: &Failure) -> bool {
    failure.error == names::RUNTIME || failure.error == names::DATA_LIMIT_EXCEEDED
}

impl<'a> Run<'a> {
    fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Record an event. The event is built only when the history keeps events, so a run
    /// that only counts them does not copy payloads.
    fn emit(&self, record: bool, kind: impl FnOnce() -> EventKind) -> u64 {
        if !record {
            return 0;
        }
        let mut history = self.history.borrow_mut();
        if !history.keep {
            return history.skip();
        }
        let now = self.now();
        history.push(now, kind())
    }

    fn next_random(&self) -> u64 {
        // xorshift64*: deterministic for a seed, and plenty for jitter and MathRandom.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn run_machine<'s>(
        &'s self,
        machine: &'s StateMachine,
        input: Value,
        frame: Rc<Frame>,
    ) -> LocalFuture<'s, Result<Value, Failure>> {
        self.run_states(machine, machine.start_at, input, frame)
    }

    fn run_states<'s>(
        &'s self,
        machine: &'s StateMachine,
        start: usize,
        input: Value,
        frame: Rc<Frame>,
    ) -> LocalFuture<'s, Result<Value, Failure>> {
        Box::pin(async move {
            let mut index = start;
            let mut input = input;
            let top_level = frame.parent.is_none();
            loop {
                let state = &machine.states[index];
                // A durable step ends before each top-level state that waits for something:
                // the states between two such points run again after a crash, and they only
                // compute.
                if top_level && self.observer.is_some() {
                    // Set before the step's commit is awaited, so a stop during it redrives
                    // this state, with the variables the previous states left.
                    *self.current.borrow_mut() = Some((index, input.clone()));
                    if self.resumed_wait.get().is_none() && waits(state) {
                        self.checkpoint(state, &input, &frame, None).await;
                    }
                }
                let completed = self.run_state(state, input, &frame).await?;
                match completed.transition {
                    Transition::Next(next) => {
                        index = next;
                        input = completed.output;
                    }
                    Transition::End => return Ok(completed.output),
                }
            }
        })
    }

    /// Hand the events so far to the observer (when there is one) before waiting for an
    /// answer from outside the run.
    async fn publish(&self) {
        let Some(observer) = self.observer else { return };
        let events = self.history.borrow_mut().drain();
        if !events.is_empty() {
            observer.publish(events).await;
        }
    }

    /// Hand the events so far and the resume point to the observer (when there is one).
    async fn checkpoint(&self, state: &State, input: &Value, frame: &Frame, wait: Option<WaitPoint>) {
        let Some(observer) = self.observer else { return };
        let (events, (count, chain)) = {
            let mut history = self.history.borrow_mut();
            (history.drain(), history.position())
        };
        let checkpoint = Checkpoint {
            state: state.name.clone(),
            input: input.clone(),
            variables: frame.snapshot(),
            events: count,
            chain,
            rng: self.rng.get(),
            transitions: self.transitions.get(),
            start_ms: self.start_ms,
            input_text: self.first_input_text.borrow().clone(),
            wait,
            redrive_count: None,
            mock_invocations: self.mock_invocations.borrow().clone(),
        };
        observer.step(events, checkpoint).await;
    }

    fn scope<'r>(
        &'r self,
        frame: &'r Frame,
        input: &'r Value,
        state: &'r State,
        entered_ms: i64,
        retry_count: Option<u64>,
    ) -> StateScope<'r, 'a> {
        StateScope {
            run: self,
            frame,
            input,
            state_name: &state.name,
            entered_ms,
            retry_count,
            map_item: frame.map_item.as_ref().map(|(i, v)| (*i, v)),
            context: OnceCell::new(),
            result: None,
            error_output: None,
            task_token: None,
        }
    }

    /// The scope of `Assign` once a state has its result: in JSONPath `$` is the result; in
    /// JSONata `$states.input` is the state's input and `$states.result` the result.
    fn result_scope<'r>(
        &'r self,
        frame: &'r Frame,
        raw_input: &'r Value,
        result: &'r Value,
        state: &'r State,
        entered_ms: i64,
    ) -> StateScope<'r, 'a> {
        match state.query_language {
            QueryLanguage::JsonPath => self.scope(frame, result, state, entered_ms, None),
            QueryLanguage::Jsonata => self
                .scope(frame, raw_input, state, entered_ms, None)
                .with_result(result),
        }
    }

    /// Prefix a runtime error with the state it happened in, as AWS words it.
    fn located(failure: Failure, state: &State, entered_id: u64) -> Failure {
        match failure.cause {
            Some(cause) if failure.error == names::RUNTIME || failure.error == names::QUERY_EVALUATION_ERROR => {
                Failure {
                    cause: Some(format!(
                        "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                        state.name, entered_id, cause
                    )),
                    ..failure
                }
            }
            cause => Failure { cause, ..failure },
        }
    }

    async fn run_state(&self, state: &State, raw_input: Value, frame: &Rc<Frame>) -> Result<Completed, Failure> {
        let record = frame.record;
        let state_type = state.kind.type_name();
        let entered_ms = self.now();
        let entered_id = match self.resumed_wait.get() {
            // Resumed inside this Wait state: it entered before the restart.
            Some(point) => point.entered_event,
            None => {
                self.transitions.set(self.transitions.get() + 1);
                let input_text = self.first_input_text.borrow_mut().take();
                self.emit(record, || EventKind::StateEntered {
                    state_type,
                    name: state.name.clone(),
                    input: raw_input.clone(),
                    input_text,
                })
            }
        };
        let result = self.state_body(state, raw_input, frame, entered_ms, entered_id).await;
        match result {
            Ok((completed, assigned)) => {
                if let Some(assigned) = &assigned {
                    frame.assign(assigned, self.options.variable_limits, &state.name)?;
                }
                if exceeds(&completed.output, self.options.max_payload_bytes) {
                    return Err(Failure::new(
                        names::DATA_LIMIT_EXCEEDED,
                        format!(
                            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                            state.name
                        ),
                    ));
                }
                if !matches!(state.kind, StateKind::Fail(_)) {
                    self.emit(record, || EventKind::StateExited {
                        state_type,
                        name: state.name.clone(),
                        output: completed.output.clone(),
                        assigned,
                    });
                }
                Ok(completed)
            }
            Err(failure) => {
                // Task, Parallel and Map states record it themselves, before their own
                // failure events (see `with_retry`).
                if !matches!(
                    state.kind,
                    StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
                ) {
                    self.record_evaluation_failure(record, state, &failure, entered_id);
                }
                Err(failure)
            }
        }
    }

    /// AWS records a failed JSONata evaluation in a state (not one passed up from a Map
    /// iteration or branch) as an `EvaluationFailed` event. It points where the state's
    /// entered event pointed, except in a Wait state, where it points at the entered event
    /// (both as recorded from AWS).
    fn record_evaluation_failure(&self, record: bool, state: &State, failure: &Failure, entered_id: u64) {
        if !record || failure.error != names::QUERY_EVALUATION_ERROR || !is_own(failure, state, entered_id) {
            return;
        }
        let now = self.now();
        let mut history = self.history.borrow_mut();
        if !history.keep {
            history.skip();
            return;
        }
        let prev = match state.kind {
            StateKind::Wait(_) => entered_id,
            _ => history.event(entered_id).map_or(0, |e| e.previous_event_id),
        };
        history.push_with_prev(
            now,
            prev,
            EventKind::EvaluationFailed {
                error: failure.error.clone(),
                cause: failure.cause.clone().unwrap_or_default(),
                location: failure.location.clone(),
                state: state.name.clone(),
            },
        );
    }

    /// Apply `InputPath`.
    fn effective_input(&self, state: &State, raw: &Value, frame: &Frame) -> Result<Value, Failure> {
        match &state.input_path {
            None => Ok(raw.clone()),
            Some(None) => Ok(Value::Object(JsonMap::new())),
            Some(Some(path)) => self.select_io_path(path, raw, state, frame),
        }
    }

    /// `InputPath` / `OutputPath` selection with AWS's error text. The path may start at
    /// the Context object (`$$`) or a variable, so it is selected through a scope.
    fn select_io_path(
        &self,
        path: &asl::path::Path,
        value: &Value,
        state: &State,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        let scope = self.scope(frame, value, state, self.now(), None);
        select(&scope, path).map_err(|error| {
            asl::template::limit_failure(&error, path, None).unwrap_or_else(|| {
                Failure::runtime(format!(
                    "Invalid path '{}' : No results for path: {}",
                    path.as_str(),
                    path.normalized()
                ))
            })
        })
    }

    /// Apply `ResultPath` then `OutputPath`.
    fn finish_output(
        &self,
        state: &State,
        raw_input: Value,
        result: Value,
        result_path: &ResultPath,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        if state.query_language == QueryLanguage::Jsonata {
            // JSONata states shape their output with `Output` alone; without it a state
            // passes on its result, or its input when it has no result.
            let discard = matches!(result_path, ResultPath::Discard);
            return match &state.output {
                Some(template) => {
                    let scope = self.scope(frame, &raw_input, state, self.now(), None);
                    let scope = if discard { scope } else { scope.with_result(&result) };
                    template.evaluate(&scope)
                }
                None if discard => Ok(raw_input),
                None => Ok(result),
            };
        }
        let merged = apply_result_path(raw_input, result, result_path)?;
        self.apply_output_path(state, merged, frame)
    }

    /// Apply `OutputPath` (JSONPath states).
    fn apply_output_path(&self, state: &State, merged: Value, frame: &Frame) -> Result<Value, Failure> {
        match &state.output_path {
            None => Ok(merged),
            Some(None) => Ok(Value::Object(JsonMap::new())),
            Some(Some(path)) => self.select_io_path(path, &merged, state, frame),
        }
    }

    /// Evaluate `Assign` and store the variables; returns them for the history event.
    /// Evaluate `Assign`. The values are stored only once the state's output is computed
    /// (by `run_state`): every expression of a state sees the variables from before it.
    fn assign(&self, template: Option<&Template>, scope: &dyn Scope) -> Result<Option<Vec<(String, Value)>>, Failure> {
        let Some(template) = template else {
            return Ok(None);
        };
        let Value::Object(values) = template.evaluate(scope)? else {
            return Err(Failure::runtime("Assign must be an object"));
        };
        Ok(Some(values.into_iter().collect()))
    }

    async fn state_body(
        &self,
        state: &State,
        raw_input: Value,
        frame: &Rc<Frame>,
        entered_ms: i64,
        entered_id: u64,
    ) -> Result<(Completed, Option<Vec<(String, Value)>>), Failure> {
        let located = |f: Failure| Run::located(f, state, entered_id);
        match &state.kind {
            StateKind::Pass(pass) => {
                let input = self.effective_input(state, &raw_input, frame).map_err(located)?;
                let scope = self.scope(frame, &input, state, entered_ms, None);
                let result = match (&pass.result, &pass.parameters) {
                    (Some(result), _) => result.clone(),
                    (None, Some(parameters)) => parameters.evaluate(&scope).map_err(located)?,
                    (None, None) => input.clone(),
                };
                drop(scope);
                let assigned = {
                    let scope = self.result_scope(frame, &raw_input, &result, state, entered_ms);
                    self.assign(state.assign.as_ref(), &scope).map_err(located)?
                };
                let output = self
                    .finish_output(state, raw_input, result, &pass.result_path, frame)
                    .map_err(located)?;
                Ok((
                    Completed {
                        transition: pass.transition,
                        output,
                    },
                    assigned,
                ))
            }
            StateKind::Succeed => {
                let input = self.effective_input(state, &raw_input, frame).map_err(located)?;
                let output = self
                    .finish_output(state, input, Value::Null, &ResultPath::Discard, frame)
                    .map_err(located)?;
                Ok((
                    Completed {
                        transition: Transition::End,
                        output,
                    },
                    None,
                ))
            }
            StateKind::Fail(fail) => {
                let scope = self.scope(frame, &raw_input, state, entered_ms, None);
                let error = self.text(fail.error.as_ref(), &scope, "ErrorPath").map_err(located)?;
                let cause = self.text(fail.cause.as_ref(), &scope, "CausePath").map_err(located)?;
                Err(Failure {
                    error: error.unwrap_or_default(),
                    cause,
                    location: None,
                })
            }
            StateKind::Choice(choice) => {
                let input = self.effective_input(state, &raw_input, frame).map_err(located)?;
                let scope = self.scope(frame, &input, state, entered_ms, None);
                let mut chosen = None;
                for branch in &choice.choices {
                    if branch.rule.evaluate(&scope).map_err(located)? {
                        chosen = Some((branch.next, branch.assign.as_ref(), branch.output.as_ref()));
                        break;
                    }
                }
                let (next, branch_assign, branch_output) = match (chosen, choice.default) {
                    (Some(c), _) => c,
                    (None, Some(default)) => (default, None, None),
                    (None, None) => {
                        return Err(Failure::new(names::NO_CHOICE_MATCHED, "No Matches!"));
                    }
                };
                let assigned = self
                    .assign(branch_assign.or(state.assign.as_ref()), &scope)
                    .map_err(located)?;
                // A matched rule's own `Output` takes the place of the state's (JSONata).
                let output = match branch_output {
                    Some(template) => template.evaluate(&scope).map_err(located)?,
                    None => {
                        drop(scope);
                        self.finish_output(state, input, Value::Null, &ResultPath::Discard, frame)
                            .map_err(located)?
                    }
                };
                Ok((
                    Completed {
                        transition: Transition::Next(next),
                        output,
                    },
                    assigned,
                ))
            }
            StateKind::Wait(wait) => {
                let input = self.effective_input(state, &raw_input, frame).map_err(located)?;
                let delay_ms = {
                    let scope = self.scope(frame, &input, state, entered_ms, None);
                    self.wait_delay_ms(&wait.wait_for, &scope).map_err(located)?
                };
                if delay_ms / 1000 > i64::from(i32::MAX) {
                    return Err(located(Failure::runtime("Wait state delay is too long.")));
                }
                match self.resumed_wait.take() {
                    Some(point) => self.sleep_until(point.until_ms).await,
                    None if frame.parent.is_none() && self.observer.is_some() => {
                        // The timer is part of the durable step: after a restart it fires at
                        // the same time (or at once, if that has passed).
                        let until_ms = self.now() + (delay_ms as f64 * self.options.wait_scale.max(0.0)) as i64;
                        let point = WaitPoint {
                            until_ms,
                            entered_event: entered_id,
                        };
                        self.checkpoint(state, &raw_input, frame, Some(point)).await;
                        self.sleep_until(until_ms).await;
                    }
                    None => self.sleep_ms(delay_ms).await,
                }
                let assigned = {
                    let scope = self.scope(frame, &input, state, entered_ms, None);
                    self.assign(state.assign.as_ref(), &scope).map_err(located)?
                };
                let output = self
                    .finish_output(state, input, Value::Null, &ResultPath::Discard, frame)
                    .map_err(located)?;
                Ok((
                    Completed {
                        transition: wait.transition,
                        output,
                    },
                    assigned,
                ))
            }
            StateKind::Task(task) => {
                self.with_retry(state, &raw_input, frame, entered_ms, entered_id, |retry_count| {
                    self.task_attempt(state, task, &raw_input, frame, entered_ms, entered_id, retry_count)
                })
                .await
            }
            StateKind::Parallel(parallel) => {
                self.with_retry(state, &raw_input, frame, entered_ms, entered_id, |_| {
                    self.parallel_attempt(state, parallel, &raw_input, frame, entered_ms, entered_id)
                })
                .await
            }
            StateKind::Map(map) => {
                self.with_retry(state, &raw_input, frame, entered_ms, entered_id, |_| {
                    self.map_attempt(state, map, &raw_input, frame, entered_ms, entered_id)
                })
                .await
            }
        }
    }

    fn text(&self, text: Option<&Text>, scope: &dyn Scope, field: &str) -> Result<Option<String>, Failure> {
        let Some(text) = text else { return Ok(None) };
        let value = match text {
            Text::Literal(s) => return Ok(Some(s.clone())),
            Text::Path(path) => select(scope, path).map_err(|error| {
                asl::template::limit_failure(&error, path, Some(field)).unwrap_or_else(|| {
                    Failure::runtime(format!(
                        "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
                        path.as_str(),
                        field,
                        scope.input()
                    ))
                })
            })?,
            Text::Intrinsic(call) => asl::template::call(call, scope)?,
            Text::Expression(t) => t.evaluate(scope)?,
        };
        Ok(Some(match value {
            Value::String(s) => s,
            other => other.to_string(),
        }))
    }

    fn wait_delay_ms(&self, wait_for: &WaitFor, scope: &dyn Scope) -> Result<i64, Failure> {
        match wait_for {
            WaitFor::Seconds(Dynamic::Literal(s)) => Ok(*s as i64 * 1000),
            WaitFor::Seconds(Dynamic::Path(path)) => {
                let value = asl::template::lookup(scope, path).ok_or_else(|| {
                    Failure::runtime(format!(
                        "Invalid path '{}' : No results for path: {}",
                        path.as_str(),
                        path.as_str()
                    ))
                })?;
                match value.as_i64() {
                    Some(n) if n >= 0 => Ok(n.saturating_mul(1000)),
                    Some(_) => Err(Failure::runtime(format!(
                        "The SecondsPath parameter references a negative value: {} == {}",
                        path.as_str(),
                        value
                    ))),
                    None => Err(Failure::runtime(format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                        path.as_str(),
                        value
                    ))),
                }
            }
            WaitFor::Seconds(Dynamic::Expression(t)) => {
                let value = t.evaluate(scope)?;
                value.as_u64().map(|n| n as i64 * 1000).ok_or_else(|| {
                    Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!("The Seconds field must be a positive integer: {value}"),
                    )
                })
            }
            WaitFor::Timestamp(timestamp) => {
                let (text, from_path) = match timestamp {
                    Dynamic::Literal(s) => (Value::String(s.clone()), None),
                    Dynamic::Path(path) => {
                        let value = asl::template::lookup(scope, path).ok_or_else(|| {
                            Failure::runtime(format!(
                                "Invalid path '{}' : No results for path: {}",
                                path.as_str(),
                                path.as_str()
                            ))
                        })?;
                        (value, Some(path.as_str()))
                    }
                    Dynamic::Expression(t) => (t.evaluate(scope)?, None),
                };
                let parsed = text.as_str().and_then(asl::choice::parse_timestamp);
                match (parsed, from_path) {
                    (Some(ts), _) => Ok(ts.as_millisecond() - self.now()),
                    (None, Some(path)) => Err(Failure::runtime(format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                        path,
                        text.as_str().map(str::to_owned).unwrap_or_else(|| text.to_string())
                    ))),
                    (None, None) => Err(Failure {
                        location: Some("Timestamp".into()),
                        ..Failure::new(
                            names::QUERY_EVALUATION_ERROR,
                            format!(
                                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                                text.as_str().map(str::to_owned).unwrap_or_else(|| text.to_string())
                            ),
                        )
                    }),
                }
            }
        }
    }

    async fn sleep_until(&self, until_ms: i64) {
        let left = until_ms - self.now();
        if left > 0 {
            tokio::time::sleep(Duration::from_millis(left as u64)).await;
        }
    }

    async fn sleep_ms(&self, ms: i64) {
        let scaled = ms as f64 * self.options.wait_scale;
        if scaled > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(scaled / 1000.0)).await;
        }
    }

    /// Run attempts of a Task, Parallel or Map state under its Retry and Catch rules.
    #[allow(clippy::too_many_arguments)]
    async fn with_retry<'s, F, Fut>(
        &'s self,
        state: &'s State,
        raw_input: &Value,
        frame: &Rc<Frame>,
        entered_ms: i64,
        entered_id: u64,
        attempt: F,
    ) -> Result<(Completed, Option<Vec<(String, Value)>>), Failure>
    where
        F: Fn(u64) -> Fut,
        Fut: Future<Output = Result<Value, Failure>>,
    {
        let Some(Recovery {
            retry,
            catch,
            transition,
            result_path,
        }) = state.kind.recovery()
        else {
            unreachable!("with_retry runs only Task, Parallel and Map states")
        };
        let located = |f: Failure| Run::located(f, state, entered_id);
        let mut attempts = vec![0u64; retry.len()];
        let mut retry_count = 0;
        let failure = loop {
            match attempt(retry_count).await {
                Ok(result) => {
                    let assigned = {
                        let scope = self.result_scope(frame, raw_input, &result, state, entered_ms);
                        self.assign(state.assign.as_ref(), &scope).map_err(located)?
                    };
                    let output = self
                        .finish_output(state, raw_input.clone(), result, result_path, frame)
                        .map_err(located)?;
                    return Ok((Completed { transition, output }, assigned));
                }
                Err(failure) => {
                    if is_terminal(&failure) {
                        break failure;
                    }
                    let Some(i) = retry.iter().position(|r| failure.matches(&r.error_equals)) else {
                        break failure;
                    };
                    let retrier = &retry[i];
                    if attempts[i] >= retrier.max_attempts {
                        break failure;
                    }
                    let mut delay = backoff_seconds(retrier, attempts[i]);
                    if retrier.jitter == Jitter::Full {
                        delay *= (self.next_random() >> 11) as f64 / (1u64 << 53) as f64;
                    }
                    attempts[i] += 1;
                    retry_count += 1;
                    self.sleep_ms((delay * 1000.0) as i64).await;
                }
            }
        };
        // A Map or Parallel state records its failure only once no retrier will run it again.
        let failed_marker = match state.kind {
            StateKind::Map(_) => Some("MapStateFailed"),
            StateKind::Parallel(_) => Some("ParallelStateFailed"),
            _ => None,
        };
        self.record_evaluation_failure(frame.record, state, &failure, entered_id);
        if let Some(marker) = failed_marker.filter(|_| !is_terminal(&failure)) {
            self.emit(frame.record, || EventKind::Marker(marker));
        }
        let Some(catcher) = catch.iter().find(|c| failure.matches(&c.error_equals)) else {
            return Err(failure);
        };
        let (assigned, output) = self
            .caught_output(state, catcher, &failure, raw_input, frame, entered_ms)
            .map_err(located)?;
        Ok((
            Completed {
                transition: Transition::Next(catcher.next),
                output,
            },
            assigned,
        ))
    }

    /// The variables a Catcher assigns and the output it passes to its `Next` state.
    fn caught_output(
        &self,
        state: &State,
        catcher: &Catcher,
        failure: &Failure,
        raw_input: &Value,
        frame: &Frame,
        entered_ms: i64,
    ) -> Result<(Assigned, Value), Failure> {
        let error_output = failure.to_output();
        if state.query_language == QueryLanguage::Jsonata {
            let scope = self
                .scope(frame, raw_input, state, entered_ms, None)
                .with_error_output(&error_output);
            let assigned = self.assign(catcher.assign.as_ref(), &scope)?;
            let output = match &catcher.output {
                Some(template) => template.evaluate(&scope)?,
                None => error_output.clone(),
            };
            return Ok((assigned, output));
        }
        let assigned = {
            let scope = self.scope(frame, &error_output, state, entered_ms, None);
            self.assign(catcher.assign.as_ref(), &scope)?
        };
        let output = apply_result_path(raw_input.clone(), error_output, &catcher.result_path)?;
        Ok((assigned, output))
    }

    /// The items a Map state iterates over (`ItemsPath`, `Items`, or its input).
    fn map_items(&self, map: &asl::definition::Map, input: &Value, scope: &dyn Scope) -> Result<Vec<Value>, Failure> {
        Ok(match &map.items {
            Items::Path(path) => {
                let value = asl::template::lookup(scope, path).ok_or_else(|| {
                    Failure::runtime(format!(
                        "Invalid path '{}' : No results for path: {}",
                        path.as_str(),
                        path.as_str()
                    ))
                })?;
                match value {
                    Value::Array(items) => items,
                    other => {
                        return Err(Failure::runtime(format!(
                            "Invalid path '{}': The ItemsPath field must reference an array but was: {}",
                            path.as_str(),
                            other
                        )))
                    }
                }
            }
            Items::Expression(t) => match t.evaluate(scope)? {
                Value::Array(items) => items,
                other => {
                    let expression = match t {
                        Template::Jsonata { expression, .. } => expression.as_str(),
                        _ => "",
                    };
                    return Err(Failure {
                        error: names::QUERY_EVALUATION_ERROR.into(),
                        cause: Some(format!(
                            "The JSONata expression '{expression}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {other}",
                            json_type(&other)
                        )),
                        location: Some("Items".into()),
                    });
                }
            },
            Items::Input => match input.clone() {
                Value::Array(items) => items,
                other => {
                    return Err(Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!("Map state input must be an array but was: {other}"),
                    ))
                }
            },
        })
    }

    /// The mock's answer for this invocation of the Task state `state_name`, counting it;
    /// `None` when the state is not mocked.
    fn mock_answer(&self, state_name: &str) -> Option<Result<Value, Failure>> {
        let mocks = self.mocks.filter(|m| m.mocks(state_name))?;
        let invocation = {
            let mut counts = self.mock_invocations.borrow_mut();
            let count = counts.entry(state_name.to_owned()).or_insert(0);
            *count += 1;
            *count - 1
        };
        mocks.answer(state_name, invocation)
    }

    #[allow(clippy::too_many_arguments)]
    async fn task_attempt(
        &self,
        state: &State,
        task: &Task,
        raw_input: &Value,
        frame: &Rc<Frame>,
        entered_ms: i64,
        entered_id: u64,
        retry_count: u64,
    ) -> Result<Value, Failure> {
        let located = |f: Failure| Run::located(f, state, entered_id);
        let record = frame.record;
        let input = self.effective_input(state, raw_input, frame).map_err(located)?;
        let mocked = self.mock_answer(&state.name);
        let pattern = match self.tokens {
            _ if mocked.is_some() => Pattern::Mocked {
                activity: is_activity(&task.resource),
            },
            Some(tokens) if is_activity(&task.resource) => Pattern::Activity(tokens),
            Some(tokens) if task.pattern() == IntegrationPattern::Callback => Pattern::Callback(tokens),
            _ if matches!(task.pattern(), IntegrationPattern::Job | IntegrationPattern::JobJson) => Pattern::Job,
            _ => Pattern::RequestResponse,
        };
        let token = match pattern {
            Pattern::RequestResponse | Pattern::Job => None,
            // Step Functions Local hands a mocked callback task a token too, so parameters
            // that pass `$$.Task.Token` on evaluate as they would for real.
            Pattern::Mocked { activity } => (activity || task.pattern() == IntegrationPattern::Callback)
                .then(|| crate::token::encode(&self.spec.execution_arn, entered_id, retry_count)),
            Pattern::Activity(_) | Pattern::Callback(_) => {
                Some(crate::token::encode(&self.spec.execution_arn, entered_id, retry_count))
            }
        };
        let parameters = {
            let mut scope = self.scope(frame, &input, state, entered_ms, Some(retry_count));
            scope.task_token = token.as_deref();
            match &task.parameters {
                Some(p) => p.evaluate(&scope).map_err(located)?,
                None => input.clone(),
            }
        };
        let (resource_type, resource) = split_resource(&task.resource);
        let (timeout, heartbeat) = {
            let scope = self.scope(frame, &input, state, entered_ms, Some(retry_count));
            let timeout =
                dynamic_seconds(task.timeout_seconds.as_ref(), &scope, "TimeoutSecondsPath").map_err(located)?;
            let heartbeat =
                dynamic_seconds(task.heartbeat_seconds.as_ref(), &scope, "HeartbeatSecondsPath").map_err(located)?;
            (timeout, heartbeat)
        };
        let token = token.unwrap_or_default();
        // A service task, mocked or real, records that it was scheduled and started.
        let task_started = || {
            self.emit(record, || EventKind::TaskScheduled {
                resource_type: resource_type.clone(),
                resource: resource.clone(),
                region: self.spec.region.clone(),
                parameters: parameters.clone(),
                timeout,
                heartbeat,
            });
            self.emit(record, || EventKind::TaskStarted {
                resource_type: resource_type.clone(),
                resource: resource.clone(),
            });
        };
        let invocation: LocalFuture<'_, Result<Value, Failure>> = match (mocked, pattern) {
            // A mocked task records the events a real one of its kind records up to its
            // result, which the mock gives at once: no worker or callback is waited for
            // (Step Functions Local), and there is no `TaskSubmitted`, since nothing was
            // submitted.
            (Some(answer), Pattern::Mocked { activity: true }) => {
                self.emit(record, || EventKind::ActivityScheduled {
                    resource: task.resource.clone(),
                    input: parameters.clone(),
                    timeout,
                    heartbeat,
                });
                self.emit(record, || EventKind::ActivityStarted { worker_name: None });
                Box::pin(std::future::ready(answer))
            }
            (Some(answer), _) => {
                task_started();
                Box::pin(std::future::ready(answer))
            }
            (None, Pattern::Activity(tokens)) => {
                if !tokens.activity_exists(&task.resource) {
                    // Recorded (activities test_activity_task_on_deleted): a States.Runtime
                    // failure of the state, with no ActivityScheduled event.
                    return Err(located(Failure::new(
                        names::RUNTIME,
                        format!("The activity {} does not exist.", task.resource),
                    )));
                }
                self.emit(record, || EventKind::ActivityScheduled {
                    resource: task.resource.clone(),
                    input: parameters.clone(),
                    timeout,
                    heartbeat,
                });
                Box::pin(async {
                    self.publish().await;
                    let worker_name = tokens.schedule_activity(&task.resource, &token, &parameters).await?;
                    self.emit(record, || EventKind::ActivityStarted { worker_name });
                    self.publish().await;
                    tokens.wait_token(&token, heartbeat).await
                })
            }
            (None, _) => {
                task_started();
                let request = TaskRequest {
                    resource: task.resource.clone(),
                    parameters: parameters.clone(),
                    state_name: state.name.clone(),
                    state_machine_name: self.spec.state_machine_name.clone(),
                    execution_arn: self.spec.execution_arn.clone(),
                    state_machine_arn: self.spec.state_machine_arn.clone(),
                };
                let call = self.integration.invoke(request.clone());
                match pattern {
                    Pattern::Job => Box::pin(async {
                        let submitted = call.await?;
                        match self.integration.run_job(request, &submitted) {
                            Some(job) => {
                                self.emit(record, || EventKind::TaskSubmitted {
                                    resource_type: resource_type.clone(),
                                    resource: resource.clone(),
                                    output: submitted,
                                });
                                self.publish().await;
                                job.await
                            }
                            None => Ok(submitted),
                        }
                    }),
                    Pattern::Callback(tokens) => Box::pin(async {
                        let output = call.await?;
                        self.emit(record, || EventKind::TaskSubmitted {
                            resource_type: resource_type.clone(),
                            resource: resource.clone(),
                            output,
                        });
                        self.publish().await;
                        tokens.wait_token(&token, heartbeat).await
                    }),
                    _ => call,
                }
            }
        };
        let outcome = match timeout {
            Some(seconds) => {
                // Not scaled by `wait_scale`: a task's time-out bounds work done outside the
                // run (an activity worker, a callback), which no scale speeds up.
                let limit = Duration::from_secs(seconds);
                tokio::time::timeout(limit, invocation).await.unwrap_or_else(|_| {
                    Err(Failure {
                        error: names::TIMEOUT.into(),
                        cause: None,
                        location: None,
                    })
                })
            }
            None => invocation.await,
        };
        let activity = matches!(pattern, Pattern::Activity(_) | Pattern::Mocked { activity: true });
        match outcome {
            Ok(result) => {
                if activity {
                    self.emit(record, || EventKind::ActivitySucceeded { output: result.clone() });
                } else {
                    self.emit(record, || EventKind::TaskSucceeded {
                        resource_type,
                        resource,
                        output: result.clone(),
                    });
                }
                if result.to_string().len() > self.options.max_payload_bytes {
                    return Err(Failure::new(
                        names::DATA_LIMIT_EXCEEDED,
                        format!("The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.", state.name),
                    ));
                }
                let scope = self.scope(frame, &result, state, entered_ms, Some(retry_count));
                match &task.result_selector {
                    Some(selector) => selector.evaluate(&scope).map_err(located),
                    None => Ok(result.clone()),
                }
            }
            Err(failure) => {
                let timed_out = failure.error == names::TIMEOUT || failure.error == names::HEARTBEAT_TIMEOUT;
                let error = Some(failure.error.clone());
                let cause = failure.cause.clone();
                self.emit(record, || match (activity, timed_out) {
                    (true, _) => EventKind::ActivityEnded {
                        event: if timed_out {
                            "ActivityTimedOut"
                        } else {
                            "ActivityFailed"
                        },
                        error,
                        cause,
                    },
                    (false, true) => EventKind::TaskTimedOut {
                        resource_type,
                        resource,
                        error,
                        cause,
                    },
                    (false, false) => EventKind::TaskFailed {
                        resource_type,
                        resource,
                        error,
                        cause,
                    },
                });
                Err(failure)
            }
        }
    }

    async fn parallel_attempt(
        &self,
        state: &State,
        parallel: &Parallel,
        raw_input: &Value,
        frame: &Rc<Frame>,
        entered_ms: i64,
        entered_id: u64,
    ) -> Result<Value, Failure> {
        let located = |f: Failure| Run::located(f, state, entered_id);
        let record = frame.record;
        let input = self.effective_input(state, raw_input, frame).map_err(located)?;
        let branch_input = match &parallel.parameters {
            Some(p) => p
                .evaluate(&self.scope(frame, &input, state, entered_ms, None))
                .map_err(located)?,
            None => input,
        };
        self.emit(record, || EventKind::Marker("ParallelStateStarted"));
        let branches = parallel.branches.iter().enumerate().map(|(index, branch)| {
            let child = Rc::new(Frame::child(frame, None, true));
            let run = self.run_machine(branch, branch_input.clone(), child);
            async move { (index, run.await) }
        });
        // Branches finish in any order; the first failure stops the others at once.
        let mut results: Vec<Option<Value>> = vec![None; parallel.branches.len()];
        let mut stream = stream::iter(branches).buffer_unordered(parallel.branches.len().max(1));
        while let Some((index, r)) = stream.next().await {
            match r {
                Ok(v) => results[index] = Some(v),
                Err(f) => return Err(f),
            }
        }
        drop(stream);
        let results: Vec<Value> = results.into_iter().flatten().collect();
        if record {
            let now = self.now();
            self.history
                .borrow_mut()
                .push_after_last(now, EventKind::Marker("ParallelStateSucceeded"));
        }
        let result = Value::Array(results);
        match &parallel.result_selector {
            Some(selector) => selector
                .evaluate(&self.scope(frame, &result, state, entered_ms, None))
                .map_err(located),
            None => Ok(result),
        }
    }

    async fn map_attempt(
        &self,
        state: &State,
        map: &asl::definition::Map,
        raw_input: &Value,
        frame: &Rc<Frame>,
        entered_ms: i64,
        entered_id: u64,
    ) -> Result<Value, Failure> {
        let located = |f: Failure| Run::located(f, state, entered_id);
        let record = frame.record;
        let input = self.effective_input(state, raw_input, frame).map_err(located)?;
        let scope = self.scope(frame, &input, state, entered_ms, None);
        let items = self.map_items(map, &input, &scope).map_err(located)?;
        // AWS reports the item count before it reads the concurrency and tolerance settings.
        self.emit(record, || EventKind::MapStateStarted { length: items.len() });
        let MapLimits {
            max_concurrency,
            stalls,
            tolerated_count,
            tolerated_percentage,
        } = map_limits(map, &scope).map_err(located)?;
        if stalls {
            std::future::pending::<()>().await;
        }
        drop(scope);
        let input = &input;

        let distributed = map.mode == MapMode::Distributed;
        if distributed {
            let label = map
                .label
                .clone()
                .unwrap_or_else(|| format!("{:08x}", self.next_random() as u32));
            let map_run_arn = format!(
                "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
                self.spec.region,
                self.spec.account,
                self.spec.state_machine_name,
                label,
                uuid_from(self.next_random(), self.next_random())
            );
            self.emit(record, || EventKind::MapRunStarted { map_run_arn });
        }
        let total = items.len();
        let concurrency = if max_concurrency == 0 {
            total.max(1)
        } else {
            max_concurrency as usize
        };
        // Iterations started and not yet finished: stopped ones are reported as aborted.
        let running = RefCell::new(std::collections::BTreeSet::new());
        let running = &running;
        let iterations = items.into_iter().enumerate().map(|(index, item)| {
            let frame = frame.clone();
            async move {
                let iteration_record = record && !distributed;
                let iteration_input = match &map.item_selector {
                    Some(selector) => {
                        let child = Frame::child(&frame, Some((index, item)), true);
                        let scope = self.scope(&child, input, state, entered_ms, None);
                        match selector.evaluate(&scope) {
                            Ok(v) => v,
                            Err(f) => return (index, Err(Run::located(f, state, entered_id))),
                        }
                    }
                    None => item,
                };
                self.emit(iteration_record, || EventKind::MapIteration {
                    event: "MapIterationStarted",
                    index,
                    name: state.name.clone(),
                });
                running.borrow_mut().insert(index);
                let child = Rc::new(Frame::child(&frame, None, !distributed));
                let result = self.run_machine(&map.processor, iteration_input, child).await;
                running.borrow_mut().remove(&index);
                let event = if result.is_ok() {
                    "MapIterationSucceeded"
                } else {
                    "MapIterationFailed"
                };
                self.emit(iteration_record, || EventKind::MapIteration {
                    event,
                    index,
                    name: state.name.clone(),
                });
                (index, result)
            }
        });
        // Iterations finish in any order and free their slot at once; results keep item order.
        let mut results: Vec<Option<Value>> = vec![None; total];
        let mut failures = 0u64;
        let mut first_failure = None;
        let mut stream = stream::iter(iterations).buffer_unordered(concurrency);
        while let Some((index, r)) = stream.next().await {
            match r {
                Ok(v) => results[index] = Some(v),
                Err(f) => {
                    failures += 1;
                    let tolerated = distributed
                        && (tolerated_count.is_some_and(|n| failures <= n)
                            || tolerated_percentage.is_some_and(|p| (failures as f64) * 100.0 / (total as f64) <= p));
                    if tolerated {
                        results[index] = Some(f.to_output());
                        continue;
                    }
                    first_failure = Some(f);
                    break;
                }
            }
        }
        drop(stream);
        let aborted = std::mem::take(&mut *running.borrow_mut());
        for index in aborted {
            self.emit(record && !distributed, || EventKind::MapIteration {
                event: "MapIterationAborted",
                index,
                name: state.name.clone(),
            });
        }
        if let Some(f) = first_failure {
            if distributed {
                self.emit(record, || EventKind::Marker("MapRunFailed"));
                let exceeded = tolerated_count.is_some() || tolerated_percentage.is_some();
                return Err(if exceeded {
                    Failure::new(
                        names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                        "The specified tolerated failure threshold was exceeded",
                    )
                } else {
                    f
                });
            }
            return Err(f);
        }
        if record {
            let now = self.now();
            let mut history = self.history.borrow_mut();
            if distributed {
                history.push(now, EventKind::Marker("MapRunSucceeded"));
            } else {
                history.chain_to_last();
            }
            history.push_after_last(now, EventKind::Marker("MapStateSucceeded"));
        }
        let result = Value::Array(results.into_iter().flatten().collect());
        match &map.result_selector {
            Some(selector) => selector
                .evaluate(&self.scope(frame, &result, state, entered_ms, None))
                .map_err(located),
            None => Ok(result),
        }
    }
}

/// JSON's name for a value's type, as AWS words it in error causes.
/// The number a Map's `...Path` field refers to, or AWS's error when it is not a valid
/// `kind` ("integer", "float").
fn path_number<T>(
    scope: &dyn Scope,
    path: &asl::path::ReferencePath,
    field: &str,
    kind: &str,
    convert: impl Fn(&Value) -> Option<T>,
) -> Result<T, Failure> {
    let value = asl::template::lookup(scope, path).unwrap_or(Value::Null);
    convert(&value).ok_or_else(|| {
        Failure::runtime(format!(
            "The {field} field refers to value \"{}\" which is not a valid {kind}: {}",
            value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string()),
            path.as_str()
        ))
    })
}

/// How a Task hands out its work (Developer Guide, "Service integration patterns").
#[derive(Clone, Copy)]
enum Pattern<'a> {
    RequestResponse,
    /// `.sync`/`.sync:2`: the call starts a job, then the task waits for the job.
    Job,
    /// `.waitForTaskToken`: the call goes out, then the task waits for its token.
    Callback(&'a dyn TokenHub),
    Activity(&'a dyn TokenHub),
    /// Answered by the run's mock test case; `activity` picks the events to record.
    Mocked {
        activity: bool,
    },
}

/// `arn:aws:states:<region>:<account>:activity:<name>`.
fn is_activity(resource: &str) -> bool {
    resource.split(':').nth(5) == Some("activity")
}

/// Whether a state waits for something outside the run (a task, a timer, children), so a
/// durable step ends before it.
fn waits(state: &State) -> bool {
    matches!(
        state.kind,
        StateKind::Task(_) | StateKind::Wait(_) | StateKind::Map(_) | StateKind::Parallel(_)
    )
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether a failure was raised by this state's own evaluation (it carries the state's
/// "An error occurred while executing the state" prefix) rather than passed up from a
/// Map iteration or Parallel branch.
fn is_own(failure: &Failure, state: &State, entered_id: u64) -> bool {
    failure.cause.as_deref().is_some_and(|c| {
        c.strip_prefix("An error occurred while executing the state '")
            .and_then(|rest| rest.strip_prefix(state.name.as_str()))
            .and_then(|rest| rest.strip_prefix("' (entered at the event id #"))
            .and_then(|rest| rest.strip_prefix(entered_id.to_string().as_str()))
            .is_some_and(|rest| rest.starts_with(")."))
    })
}

/// Resolve `TimeoutSeconds`/`HeartbeatSeconds` and their `...Path` and JSONata forms.
fn dynamic_seconds(value: Option<&Dynamic<u64>>, scope: &dyn Scope, field: &str) -> Result<Option<u64>, Failure> {
    let resolved = match value {
        None => return Ok(None),
        Some(Dynamic::Literal(n)) => return Ok(Some(*n)),
        Some(Dynamic::Path(path)) => asl::template::lookup(scope, path),
        Some(Dynamic::Expression(t)) => Some(t.evaluate(scope)?),
    };
    match resolved.as_ref().and_then(Value::as_u64) {
        Some(n) if n > 0 => Ok(Some(n)),
        _ => Err(Failure::runtime(format!(
            "The {field} field refers to value {} which is not a positive integer",
            resolved.map(|v| v.to_string()).unwrap_or_else(|| "null".into())
        ))),
    }
}

/// Whether `value` serialises to more than `limit` bytes: a quick upper bound first, and the
/// exact count ([`json_len`], no text built) only when the bound is over the limit.
fn exceeds(value: &Value, limit: usize) -> bool {
    fn size(value: &Value, budget: &mut isize) {
        if *budget < 0 {
            return;
        }
        match value {
            Value::Null => *budget -= 4,
            Value::Bool(b) => *budget -= if *b { 4 } else { 5 },
            Value::Number(n) => *budget -= if n.is_f64() { 24 } else { 20 },
            Value::String(s) => *budget -= s.len() as isize + 2,
            Value::Array(items) => {
                *budget -= 2 + items.len() as isize;
                items.iter().for_each(|v| size(v, budget));
            }
            Value::Object(map) => {
                *budget -= 2 + map.len() as isize * 2;
                for (k, v) in map {
                    *budget -= k.len() as isize + 2;
                    size(v, budget);
                }
            }
        }
    }
    let mut budget = limit as isize;
    size(value, &mut budget);
    budget < 0 && json_len(value) > limit
}

/// `MaxConcurrency` and the tolerated failure thresholds of a Map state, resolved.
struct MapLimits {
    max_concurrency: u64,
    /// `MaxConcurrencyPath` read a negative number. AWS then leaves the execution running
    /// with no further events (recorded: scenarios `test_max_concurrency_path_negative`)
    /// until it is stopped or times out; so does this engine, rather than guess a result
    /// AWS never gives.
    stalls: bool,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
}

/// Resolve a Map state's [`MapLimits`] (literal, `...Path` or JSONata forms).
fn map_limits(map: &asl::definition::Map, scope: &dyn Scope) -> Result<MapLimits, Failure> {
    let (max_concurrency, stalls) = match &map.max_concurrency {
        Dynamic::Literal(n) => (*n, false),
        Dynamic::Path(path) => {
            let value = asl::template::lookup(scope, path);
            let limit = value.as_ref().and_then(Value::as_u64).unwrap_or(0);
            (limit, value.as_ref().and_then(Value::as_f64).is_some_and(|n| n < 0.0))
        }
        Dynamic::Expression(t) => (t.evaluate(scope)?.as_u64().unwrap_or(0), false),
    };
    let tolerated_count = match &map.tolerated_failure_count {
        None => None,
        Some(Dynamic::Literal(n)) => Some(*n),
        Some(Dynamic::Path(path)) => Some(path_number(
            scope,
            path,
            "ToleratedFailureCountPath",
            "integer",
            Value::as_u64,
        )?),
        Some(Dynamic::Expression(t)) => t.evaluate(scope)?.as_u64(),
    };
    let tolerated_percentage = match &map.tolerated_failure_percentage {
        None => None,
        Some(Dynamic::Literal(p)) => Some(*p),
        Some(Dynamic::Path(path)) => {
            let p = path_number(scope, path, "ToleratedFailurePercentagePath", "float", Value::as_f64)?;
            if !(0.0..=100.0).contains(&p) {
                return Err(Failure::runtime(
                    "ToleratedFailurePercentage must be between 0 and 100.",
                ));
            }
            Some(p)
        }
        Some(Dynamic::Expression(t)) => t.evaluate(scope)?.as_f64(),
    };
    Ok(MapLimits {
        max_concurrency,
        stalls,
        tolerated_count,
        tolerated_percentage,
    })
}

/// A retrier's delay before its next attempt, given how many it has made, before jitter.
fn backoff_seconds(retrier: &Retrier, attempts: u64) -> f64 {
    let delay = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(attempts.min(i32::MAX as u64) as i32);
    match retrier.max_delay_seconds {
        Some(max) => delay.min(max as f64),
        None => delay,
    }
}

/// Place a result into the raw input according to `ResultPath`.
fn apply_result_path(raw_input: Value, result: Value, result_path: &ResultPath) -> Result<Value, Failure> {
    match result_path {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw_input),
        ResultPath::At(path) => {
            let mut target = raw_input;
            path.set(&mut target, result).map_err(|_| {
                Failure::new(
                    names::RESULT_PATH_MATCH_FAILURE,
                    format!(
                        "Unable to apply ResultPath \"{}\" to input \"{}\"",
                        path.as_str(),
                        target
                    ),
                )
            })?;
            Ok(target)
        }
    }
}

/// Split a Task `Resource` into the `resourceType` and `resource` AWS shows in task events.
fn split_resource(resource: &str) -> (String, String) {
    if let Some(rest) = resource.strip_prefix("arn:aws:states:::") {
        if let Some((kind, action)) = rest.rsplit_once(':') {
            return (kind.to_owned(), action.to_owned());
        }
        return (rest.to_owned(), String::new());
    }
    let service = resource.split(':').nth(2).unwrap_or_default();
    (service.to_owned(), resource.to_owned())
}

/// A version-4 UUID from 128 random bits.
fn uuid_from(a: u64, b: u64) -> String {
    let bytes = ((a as u128) << 64 | b as u128).to_be_bytes();
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}
