//! The validated model of a state machine.
//!
//! [`crate::loader`] builds these types from JSON or YAML after checking every field, so the
//! rest of the system never re-validates: transitions are indices into [`StateMachine::states`],
//! paths and intrinsic calls are parsed, and each state holds only the fields its type allows.

use serde_json::Value;

use crate::choice::ChoiceRule;
use crate::path::{Path, ReferencePath};
use crate::template::Template;

/// Which query language a state's fields are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

/// A state machine (or a Parallel branch, or a Map's item processor: they have the same shape).
#[derive(Debug)]
pub struct StateMachine {
    pub comment: Option<String>,
    pub start_at: usize,
    pub states: Vec<State>,
    pub timeout_seconds: Option<u64>,
    pub version: Option<String>,
    pub query_language: QueryLanguage,
}

impl StateMachine {
    /// The index of the state called `name`, if there is one.
    pub fn state_index(&self, name: &str) -> Option<usize> {
        self.states.iter().position(|s| s.name == name)
    }
}

/// Where a state goes when it is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Next(usize),
    End,
}

/// One state: the fields every state may have, and its type's own.
#[derive(Debug)]
pub struct State {
    pub name: String,
    pub comment: Option<String>,
    pub query_language: QueryLanguage,
    /// `InputPath`: `None` when absent (the whole input), `Some(None)` for `null` (an empty object).
    pub input_path: Option<Option<Path>>,
    /// `OutputPath`, with the same convention as `input_path`.
    pub output_path: Option<Option<Path>>,
    /// `Assign`: workflow variables set when the state completes.
    pub assign: Option<Template>,
    /// `Output` of a JSONata state.
    pub output: Option<Template>,
    pub kind: StateKind,
}

/// The type-specific part of a state.
#[derive(Debug)]
pub enum StateKind {
    Pass(Pass),
    Task(Box<Task>),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel(Box<Parallel>),
    Map(Box<Map>),
}

impl StateKind {
    /// The `Type` name, as it appears in definitions and history event types.
    pub fn type_name(&self) -> &'static str {
        match self {
            StateKind::Pass(_) => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel(_) => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

/// What Task, Parallel and Map states share for handling their outcome: Retry and Catch,
/// where they go next, and where their result goes.
#[derive(Clone, Copy, Debug)]
pub struct Recovery<'a> {
    pub retry: &'a [Retrier],
    pub catch: &'a [Catcher],
    pub transition: Transition,
    pub result_path: &'a ResultPath,
}

impl StateKind {
    /// Retry, Catch and result placement of the states that have them.
    pub fn recovery(&self) -> Option<Recovery<'_>> {
        let (retry, catch, transition, result_path) = match self {
            StateKind::Task(t) => (&t.retry, &t.catch, t.transition, &t.result_path),
            StateKind::Parallel(p) => (&p.retry, &p.catch, p.transition, &p.result_path),
            StateKind::Map(m) => (&m.retry, &m.catch, m.transition, &m.result_path),
            _ => return None,
        };
        Some(Recovery {
            retry,
            catch,
            transition,
            result_path,
        })
    }
}

/// `ResultPath`: where a state's result goes in its input.
#[derive(Clone, Debug, Default)]
pub enum ResultPath {
    /// Absent or `$`: the result replaces the input.
    #[default]
    Replace,
    /// `null`: the result is discarded and the input passes through.
    Discard,
    /// A reference path inside the input.
    At(ReferencePath),
}

#[derive(Debug)]
pub struct Pass {
    pub transition: Transition,
    pub result: Option<Value>,
    pub parameters: Option<Template>,
    pub result_path: ResultPath,
}

/// A number given literally or read from the input at run time (`TimeoutSeconds` /
/// `TimeoutSecondsPath`, `MaxConcurrency` / `MaxConcurrencyPath`, ...).
#[derive(Debug)]
pub enum Dynamic<T> {
    Literal(T),
    Path(ReferencePath),
    /// A JSONata expression, in a JSONata state.
    Expression(Template),
}

/// A service integration pattern, named by the suffix of a Task's `Resource` (Developer
/// Guide, "Service integration patterns").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrationPattern {
    RequestResponse,
    /// Run a Job, `.sync`.
    Job,
    /// Run a Job with a JSON result, `.sync:2`.
    JobJson,
    /// Wait for Callback, `.waitForTaskToken`.
    Callback,
}

impl IntegrationPattern {
    /// `resource` without its pattern suffix, and the pattern the suffix names.
    pub fn split(resource: &str) -> (&str, IntegrationPattern) {
        [
            (".sync:2", IntegrationPattern::JobJson),
            (".sync", IntegrationPattern::Job),
            (".waitForTaskToken", IntegrationPattern::Callback),
        ]
        .iter()
        .find_map(|&(suffix, pattern)| resource.strip_suffix(suffix).map(|call| (call, pattern)))
        .unwrap_or((resource, IntegrationPattern::RequestResponse))
    }
}

#[derive(Debug)]
pub struct Task {
    pub transition: Transition,
    pub resource: String,
    pub parameters: Option<Template>,
    pub result_path: ResultPath,
    pub result_selector: Option<Template>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    pub timeout_seconds: Option<Dynamic<u64>>,
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    pub credentials: Option<Value>,
}

impl Task {
    /// The integration pattern its `Resource` names.
    pub fn pattern(&self) -> IntegrationPattern {
        IntegrationPattern::split(&self.resource).1
    }
}

#[derive(Debug)]
pub struct Choice {
    pub choices: Vec<ChoiceBranch>,
    pub default: Option<usize>,
}

/// One entry of `Choices`: a rule and where it leads.
#[derive(Debug)]
pub struct ChoiceBranch {
    pub rule: ChoiceRule,
    pub next: usize,
    /// `Assign` of a matched rule.
    pub assign: Option<Template>,
    /// `Output` of a matched rule (JSONata).
    pub output: Option<Template>,
}

#[derive(Debug)]
pub enum WaitFor {
    Seconds(Dynamic<u64>),
    Timestamp(Dynamic<String>),
}

#[derive(Debug)]
pub struct Wait {
    pub transition: Transition,
    pub wait_for: WaitFor,
}

/// A string given literally or read from a path (`Error`/`ErrorPath`, `Cause`/`CausePath`).
#[derive(Debug)]
pub enum Text {
    Literal(String),
    Path(Path),
    /// `ErrorPath`/`CausePath` may also hold an intrinsic function call.
    Intrinsic(crate::intrinsics::Intrinsic),
    Expression(Template),
}

#[derive(Debug)]
pub struct Fail {
    pub error: Option<Text>,
    pub cause: Option<Text>,
}

#[derive(Debug)]
pub struct Parallel {
    pub transition: Transition,
    pub branches: Vec<StateMachine>,
    pub parameters: Option<Template>,
    pub result_path: ResultPath,
    pub result_selector: Option<Template>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

/// How a Map runs its iterations (`ProcessorConfig.Mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapMode {
    Inline,
    Distributed,
}

/// Where a Map's items come from.
#[derive(Debug)]
pub enum Items {
    /// `ItemsPath` (absent means `$`).
    Path(ReferencePath),
    /// `Items` of a JSONata Map: an array or an expression.
    Expression(Template),
    /// A JSONata Map without `Items`: the state's input.
    Input,
}

#[derive(Debug)]
pub struct Map {
    pub transition: Transition,
    pub processor: StateMachine,
    pub mode: MapMode,
    /// `ProcessorConfig.ExecutionType` of a distributed Map.
    pub execution_type: Option<String>,
    /// `true` when the definition used the legacy `Iterator` / `Parameters` fields.
    pub legacy: bool,
    pub items: Items,
    pub item_selector: Option<Template>,
    pub item_reader: Option<Value>,
    pub item_batcher: Option<Value>,
    pub result_writer: Option<Value>,
    pub max_concurrency: Dynamic<u64>,
    pub tolerated_failure_percentage: Option<Dynamic<f64>>,
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    pub label: Option<String>,
    pub result_path: ResultPath,
    pub result_selector: Option<Template>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

/// `JitterStrategy` of a retrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Jitter {
    #[default]
    None,
    Full,
}

/// One entry of a `Retry` list.
#[derive(Debug)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

/// One entry of a `Catch` list.
#[derive(Debug)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: usize,
    pub result_path: ResultPath,
    pub assign: Option<Template>,
    pub output: Option<Template>,
}
