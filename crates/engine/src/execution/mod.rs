//! Running one execution of a state machine in memory, from `ExecutionStarted` to its end.
//!
//! The core (`asl`) evaluates paths, templates and rules and decides Retry/Catch and Map
//! limits; this module carries those decisions out. It sequences the states (the loop
//! here, with the one `match` on the state type that hands each state to its module in
//! [`states`]), runs Map iterations and Parallel branches concurrently on the current
//! thread, sleeps for Wait states and retry back-offs, calls the task integration, and
//! records every history event with AWS's ids and `previousEventId` chain.
//!
//! - `run.rs`: [`Run`](run::Run), what one execution shares (history, randomness, hooks).
//! - `frame.rs`: workflow variables of a thread of states; `scope.rs`: the `Scope` a
//!   state's expressions see (input, Context object, variables).
//! - `io.rs`: `InputPath` → `Parameters` → `ResultSelector` → `ResultPath` → `OutputPath`,
//!   and JSONata's `Output`, `Assign`.
//! - `recovery.rs`: running attempts under `Retry` and `Catch`.
//! - `states/`: one module per state type.
//! - `hooks.rs`: what a caller plugs in (durability, task tokens, stop, mocks).
//! - `test_state.rs`: TestState, which runs the same `states` code with a probe.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use asl::definition::{State, StateKind, StateMachine, Transition};
use asl::errors::{names, Failure};
use integrations::Integration;
use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Value};

use crate::history::{Event, EventKind};

mod frame;
mod hooks;
mod io;
mod progress;
mod recovery;
mod run;
mod scope;
mod states;
pub mod test_state;

pub use hooks::{Hooks, LocalFuture, Observer, Stop, TokenHub};
pub use progress::{Child, Inside, Position};

use frame::Frame;
use run::{Environment, Run};

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
    pub input: ExecutionInput,
}

/// An execution's input: the text exactly as given (AWS records it verbatim in
/// `ExecutionStarted`) and its value, parsed once.
#[derive(Clone, Debug)]
pub struct ExecutionInput {
    text: String,
    value: Value,
}

impl ExecutionInput {
    /// Parse the input text; it must be JSON.
    pub fn parse(text: impl Into<String>) -> Result<ExecutionInput, serde_json::Error> {
        let text = text.into();
        let value = serde_json::from_str(&text)?;
        Ok(ExecutionInput { text, value })
    }

    /// An input given as a value; its text is the value's compact JSON.
    pub fn from_value(value: Value) -> ExecutionInput {
        ExecutionInput {
            text: value.to_string(),
            value,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn value(&self) -> &Value {
        &self.value
    }
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
    /// Set when the run is inside a Map or Parallel state whose iterations or branches
    /// have resume points: how far each has come (see [`Inside`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inside: Option<Inside>,
}

/// A Wait state in progress.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct WaitPoint {
    pub until_ms: i64,
    pub entered_event: u64,
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
    let Hooks {
        observer,
        tokens,
        resume,
        stop,
        mocks,
    } = hooks;
    let environment = Environment {
        spec,
        integration,
        clock,
        options,
    };
    let run = Run::new(environment, resume.as_ref(), |run| {
        run.observer = observer;
        run.tokens = tokens;
        run.mocks = mocks;
    });
    let start_ms = run.start_ms;
    // A durable run commits the progress of its Map and Parallel states (see `progress`).
    let root = Rc::new(match observer {
        Some(_) => Frame::root().tracked(),
        None => Frame::root(),
    });
    let (start, input) = match resume {
        Some(c) => {
            if let Some(count) = c.redrive_count {
                run.emit(true, || EventKind::ExecutionRedriven { count });
            }
            root.restore(c.variables);
            root.reach(&c.state, &c.input);
            root.resume_inside(c.inside);
            (machine.state_index(&c.state).unwrap_or(machine.start_at), c.input)
        }
        None => {
            run.emit(true, || EventKind::ExecutionStarted {
                input: spec.input.text().to_owned(),
                role_arn: spec.role_arn.clone(),
            });
            (machine.start_at, spec.input.value().clone())
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
    let result = match stop {
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
        // A state's `Assign` is kept only once it completes, so the top-level variables
        // are still those the redriven state started with. A redrive goes on counting
        // mock invocations: a mock's next answer is for the next call.
        (_, Some((index, input))) => Some(run.resume_point(&machine.states[index], input, &root, None, false)),
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

/// The variables a state assigns (`Assign`), in order, once its output is computed.
type Assigned = Option<Vec<(String, Value)>>;

/// The result of a state that completed.
struct Completed {
    transition: Transition,
    output: Value,
    assigned: Assigned,
}

/// A state being run: what every state module gets.
struct Entered<'s> {
    state: &'s State,
    /// The state's input, before `InputPath`.
    raw_input: Value,
    frame: &'s Rc<Frame>,
    entered_ms: i64,
    entered_id: u64,
    /// Whether runtime errors get the execution's "An error occurred while executing the
    /// state" prefix (TestState reports them without it).
    prefix_errors: bool,
    /// A resumed Map or Parallel state: how far its iterations or branches had come
    /// (taken by its first attempt).
    resumed: RefCell<Option<Inside>>,
}

impl<'s> Entered<'s> {
    /// A failure of this state's own evaluation, marked as raised by it (and worded with
    /// the prefix AWS gives runtime errors in an execution).
    fn located(&self, failure: Failure) -> Failure {
        self.locator().at(failure)
    }

    /// What [`Entered::located`] needs, apart from the input.
    fn locator(&self) -> Locator<'s> {
        Locator {
            state: self.state,
            entered_id: self.entered_id,
            prefix_errors: self.prefix_errors,
        }
    }
}

/// Marks failures as raised by one state (see [`Entered::located`]).
#[derive(Clone, Copy)]
struct Locator<'s> {
    state: &'s State,
    entered_id: u64,
    prefix_errors: bool,
}

impl Locator<'_> {
    fn at(self, failure: Failure) -> Failure {
        let failure = run::located(failure, self.state, self.entered_id);
        match self.prefix_errors {
            true => run::prefixed(failure, self.state, self.entered_id),
            false => failure,
        }
    }
}

impl<'a> Run<'a> {
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
                    if self.resumed_wait.get().is_none() && !frame.resuming() && is_resume_point(state) {
                        self.checkpoint(state, &input, &frame, None).await;
                    }
                } else if frame.progress.is_some() && !frame.resuming() && is_resume_point(state) {
                    // Inside a Map iteration or Parallel branch of a durable run: commit
                    // where this thread stands, with the progress of all the others.
                    frame.reach(&state.name, &input);
                    self.commit_progress(&frame).await;
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

    /// Enter a state, run it, store what it assigns and record its exit.
    async fn run_state(&self, state: &State, raw_input: Value, frame: &Rc<Frame>) -> Result<Completed, Failure> {
        let record = frame.record;
        let state_type = state.kind.type_name();
        let entered_ms = self.now();
        let resumed = frame.take_resumed();
        let entered_id = match (self.resumed_wait.get(), &resumed) {
            // Resumed inside this Wait state: it entered before the restart.
            (Some(point), _) => point.entered_event,
            // Resumed inside this Map or Parallel state.
            (None, Some(inside)) => inside.entered_event,
            (None, None) => {
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
        let entered = Entered {
            state,
            raw_input,
            frame,
            entered_ms,
            entered_id,
            prefix_errors: self.probe.is_none(),
            resumed: RefCell::new(resumed),
        };
        let completed = match self.dispatch(entered).await {
            Ok(completed) => completed,
            Err(failure) => {
                // Task, Parallel and Map states record it themselves, before their own
                // failure events (see `recovery`).
                if state.kind.recovery().is_none() {
                    self.record_evaluation_failure(record, state, &failure, entered_id);
                }
                return Err(failure);
            }
        };
        if let Some(assigned) = &completed.assigned {
            frame.assign(assigned, self.options.variable_limits, &state.name)?;
        }
        if io::exceeds(&completed.output, self.options.max_payload_bytes) {
            return Err(io::too_large(state));
        }
        self.emit(record, || EventKind::StateExited {
            state_type,
            name: state.name.clone(),
            output: completed.output.clone(),
            assigned: completed.assigned.clone(),
        });
        Ok(completed)
    }

    /// The one place that tells the state types apart: each goes to its own module.
    async fn dispatch(&self, entered: Entered<'_>) -> Result<Completed, Failure> {
        match &entered.state.kind {
            StateKind::Pass(pass) => states::pass::run(self, pass, entered),
            StateKind::Succeed => states::succeed::run(self, entered),
            StateKind::Fail(fail) => states::fail::run(self, fail, entered),
            StateKind::Choice(choice) => states::choice::run(self, choice, entered),
            StateKind::Wait(wait) => states::wait::run(self, wait, entered).await,
            StateKind::Task(task) => {
                recovery::run(self, &entered, None, |retry_count| {
                    states::task::attempt(self, task, &entered, retry_count)
                })
                .await
            }
            StateKind::Parallel(parallel) => {
                let failed = Some(EventKind::ParallelStateFailed);
                recovery::run(self, &entered, failed, |_| {
                    states::parallel::attempt(self, parallel, &entered)
                })
                .await
            }
            StateKind::Map(map) => {
                let failed = Some(EventKind::MapStateFailed);
                recovery::run(self, &entered, failed, |_| states::map::attempt(self, map, &entered)).await
            }
        }
    }
}

/// Whether a state waits for something outside the run (a task, a timer, children), so a
/// durable step ends before it.
fn is_resume_point(state: &State) -> bool {
    state.kind.recovery().is_some() || matches!(state.kind, StateKind::Wait(_))
}
