//! Execution history events, shaped exactly as AWS's GetExecutionHistory returns them.

use serde_json::{json, Map, Value};

/// One history event. `details` is rendered to AWS's JSON only when asked for, so a run
/// that never reads its history pays little for it.
#[derive(Clone, Debug)]
pub struct Event {
    pub id: u64,
    pub previous_event_id: u64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    pub kind: EventKind,
}

/// What happened, with the data AWS records for it.
#[derive(Clone, Debug)]
pub enum EventKind {
    ExecutionStarted {
        input: String,
        role_arn: String,
    },
    ExecutionSucceeded {
        output: Value,
    },
    ExecutionFailed {
        error: Option<String>,
        cause: Option<String>,
    },
    ExecutionTimedOut {
        error: Option<String>,
        cause: Option<String>,
    },
    /// `input_text` holds the execution input verbatim when this is the first state: AWS
    /// passes the text through untouched until a state transforms it.
    StateEntered {
        state_type: &'static str,
        name: String,
        input: Value,
        input_text: Option<String>,
    },
    StateExited {
        state_type: &'static str,
        name: String,
        output: Value,
        assigned: Option<Vec<(String, Value)>>,
    },
    /// The events of Map and Parallel states (and Map Runs) that carry no details.
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    MapStateSucceeded,
    MapStateFailed,
    MapRunSucceeded,
    MapRunFailed,
    MapStateStarted {
        length: usize,
    },
    MapIteration {
        phase: IterationPhase,
        index: usize,
        name: String,
    },
    MapRunStarted {
        map_run_arn: String,
    },
    TaskScheduled {
        resource_type: String,
        resource: String,
        region: String,
        parameters: Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    },
    TaskStarted {
        resource_type: String,
        resource: String,
    },
    TaskSucceeded {
        resource_type: String,
        resource: String,
        output: Value,
    },
    TaskFailed {
        resource_type: String,
        resource: String,
        error: Option<String>,
        cause: Option<String>,
    },
    TaskTimedOut {
        resource_type: String,
        resource: String,
        error: Option<String>,
        cause: Option<String>,
    },
    EvaluationFailed {
        error: String,
        cause: String,
        location: Option<String>,
        state: String,
    },
    ExecutionAborted {
        error: Option<String>,
        cause: Option<String>,
    },
    ExecutionRedriven {
        count: u32,
    },
    /// A `.waitForTaskToken` task's call went out; the task now waits for its token.
    TaskSubmitted {
        resource_type: String,
        resource: String,
        output: Value,
    },
    ActivityScheduled {
        resource: String,
        input: Value,
        timeout: Option<u64>,
        heartbeat: Option<u64>,
    },
    ActivityStarted {
        worker_name: Option<String>,
    },
    ActivitySucceeded {
        output: Value,
    },
    /// `ActivityFailed`, or `ActivityTimedOut` when `timed_out`.
    ActivityEnded {
        timed_out: bool,
        error: Option<String>,
        cause: Option<String>,
    },
}

/// Where a Map iteration is in its life, as its events name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IterationPhase {
    Started,
    Succeeded,
    Failed,
    Aborted,
}

impl IterationPhase {
    fn event_type(self) -> &'static str {
        match self {
            IterationPhase::Started => "MapIterationStarted",
            IterationPhase::Succeeded => "MapIterationSucceeded",
            IterationPhase::Failed => "MapIterationFailed",
            IterationPhase::Aborted => "MapIterationAborted",
        }
    }
}

impl EventKind {
    /// The `type` field.
    pub fn type_name(&self) -> String {
        match self {
            EventKind::ExecutionStarted { .. } => "ExecutionStarted".into(),
            EventKind::ExecutionSucceeded { .. } => "ExecutionSucceeded".into(),
            EventKind::ExecutionFailed { .. } => "ExecutionFailed".into(),
            EventKind::ExecutionTimedOut { .. } => "ExecutionTimedOut".into(),
            EventKind::StateEntered { state_type, .. } => format!("{state_type}StateEntered"),
            EventKind::StateExited { state_type, .. } => format!("{state_type}StateExited"),
            EventKind::ParallelStateStarted => "ParallelStateStarted".into(),
            EventKind::ParallelStateSucceeded => "ParallelStateSucceeded".into(),
            EventKind::ParallelStateFailed => "ParallelStateFailed".into(),
            EventKind::MapStateSucceeded => "MapStateSucceeded".into(),
            EventKind::MapStateFailed => "MapStateFailed".into(),
            EventKind::MapRunSucceeded => "MapRunSucceeded".into(),
            EventKind::MapRunFailed => "MapRunFailed".into(),
            EventKind::MapStateStarted { .. } => "MapStateStarted".into(),
            EventKind::MapIteration { phase, .. } => phase.event_type().into(),
            EventKind::MapRunStarted { .. } => "MapRunStarted".into(),
            EventKind::TaskScheduled { .. } => "TaskScheduled".into(),
            EventKind::TaskStarted { .. } => "TaskStarted".into(),
            EventKind::TaskSucceeded { .. } => "TaskSucceeded".into(),
            EventKind::TaskFailed { .. } => "TaskFailed".into(),
            EventKind::TaskTimedOut { .. } => "TaskTimedOut".into(),
            EventKind::EvaluationFailed { .. } => "EvaluationFailed".into(),
            EventKind::ExecutionAborted { .. } => "ExecutionAborted".into(),
            EventKind::ExecutionRedriven { .. } => "ExecutionRedriven".into(),
            EventKind::TaskSubmitted { .. } => "TaskSubmitted".into(),
            EventKind::ActivityScheduled { .. } => "ActivityScheduled".into(),
            EventKind::ActivityStarted { .. } => "ActivityStarted".into(),
            EventKind::ActivitySucceeded { .. } => "ActivitySucceeded".into(),
            EventKind::ActivityEnded { timed_out: false, .. } => "ActivityFailed".into(),
            EventKind::ActivityEnded { timed_out: true, .. } => "ActivityTimedOut".into(),
        }
    }

    /// Whether later events point back at this one. AWS chains `previousEventId` through
    /// the events of the running thread of states, but the closing events of a Map
    /// iteration or a Map/Parallel state, and `ExecutionStarted`, are not pointed at.
    pub(crate) fn advances_chain(&self) -> bool {
        !matches!(
            self,
            EventKind::ExecutionStarted { .. }
                | EventKind::MapIteration {
                    phase: IterationPhase::Succeeded | IterationPhase::Failed | IterationPhase::Aborted,
                    ..
                }
                | EventKind::MapStateSucceeded
                | EventKind::ParallelStateSucceeded
        )
    }
}

/// Compact JSON text, as AWS writes payloads into history events.
fn text(value: &Value) -> Value {
    Value::String(value.to_string())
}

fn payload_details(key: &str, value: &Value) -> Vec<(String, Value)> {
    vec![
        (key.to_owned(), text(value)),
        (format!("{key}Details"), json!({"truncated": false})),
    ]
}

fn error_cause(error: &Option<String>, cause: &Option<String>) -> Map<String, Value> {
    let mut map = Map::new();
    if let Some(e) = error.as_ref().filter(|e| !e.is_empty()) {
        map.insert("error".into(), e.clone().into());
    }
    if let Some(c) = cause {
        map.insert("cause".into(), c.clone().into());
    }
    map
}

/// The details of a task's failure or time-out.
fn task_error(
    resource_type: &str,
    resource: &str,
    error: &Option<String>,
    cause: &Option<String>,
) -> Map<String, Value> {
    let mut map = error_cause(error, cause);
    map.insert("resourceType".into(), resource_type.into());
    map.insert("resource".into(), resource.into());
    map
}

/// The details of a task's result (`TaskSubmitted`, `TaskSucceeded`).
fn task_output(resource_type: &str, resource: &str, output: &Value) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("resourceType".into(), resource_type.into());
    map.insert("resource".into(), resource.into());
    map.extend(payload_details("output", output));
    map
}

/// A scheduled task's or activity's `TimeoutSeconds` and `HeartbeatSeconds`, where set.
fn insert_limits(map: &mut Map<String, Value>, timeout: &Option<u64>, heartbeat: &Option<u64>) {
    if let Some(t) = timeout {
        map.insert("timeoutInSeconds".into(), (*t).into());
    }
    if let Some(h) = heartbeat {
        map.insert("heartbeatInSeconds".into(), (*h).into());
    }
}

impl Event {
    /// The event as AWS's JSON, with `timestamp` rendered by `timestamp`.
    pub fn to_json(&self, timestamp: impl Fn(i64) -> Value) -> Value {
        let mut event = Map::new();
        event.insert("timestamp".into(), timestamp(self.timestamp_ms));
        event.insert("type".into(), self.kind.type_name().into());
        event.insert("id".into(), self.id.into());
        event.insert("previousEventId".into(), self.previous_event_id.into());
        let details: Option<(&str, Map<String, Value>)> = match &self.kind {
            EventKind::ExecutionStarted { input, role_arn } => Some((
                "executionStartedEventDetails",
                [
                    ("input".to_owned(), Value::String(input.clone())),
                    ("inputDetails".to_owned(), json!({"truncated": false})),
                    ("roleArn".to_owned(), role_arn.clone().into()),
                ]
                .into_iter()
                .collect(),
            )),
            EventKind::ExecutionSucceeded { output } => Some((
                "executionSucceededEventDetails",
                payload_details("output", output).into_iter().collect(),
            )),
            EventKind::ExecutionFailed { error, cause } => {
                Some(("executionFailedEventDetails", error_cause(error, cause)))
            }
            EventKind::ExecutionTimedOut { error, cause } => {
                Some(("executionTimedOutEventDetails", error_cause(error, cause)))
            }
            EventKind::StateEntered {
                name,
                input,
                input_text,
                ..
            } => {
                let mut map: Map<String, Value> = payload_details("input", input).into_iter().collect();
                if let Some(text) = input_text {
                    map.insert("input".into(), Value::String(text.clone()));
                }
                map.insert("name".into(), name.clone().into());
                Some(("stateEnteredEventDetails", map))
            }
            EventKind::StateExited {
                name, output, assigned, ..
            } => {
                let mut map = Map::new();
                map.insert("name".into(), name.clone().into());
                map.extend(payload_details("output", output));
                if let Some(vars) = assigned.as_ref().filter(|v| !v.is_empty()) {
                    let vars: Map<String, Value> = vars.iter().map(|(k, v)| (k.clone(), text(v))).collect();
                    map.insert("assignedVariables".into(), Value::Object(vars));
                    map.insert("assignedVariablesDetails".into(), json!({"truncated": false}));
                }
                Some(("stateExitedEventDetails", map))
            }
            EventKind::ParallelStateStarted
            | EventKind::ParallelStateSucceeded
            | EventKind::ParallelStateFailed
            | EventKind::MapStateSucceeded
            | EventKind::MapStateFailed
            | EventKind::MapRunSucceeded
            | EventKind::MapRunFailed => None,
            EventKind::MapStateStarted { length } => Some((
                "mapStateStartedEventDetails",
                [("length".to_owned(), Value::from(*length))].into_iter().collect(),
            )),
            EventKind::MapIteration { phase, index, name } => {
                let key = match phase {
                    IterationPhase::Started => "mapIterationStartedEventDetails",
                    IterationPhase::Succeeded => "mapIterationSucceededEventDetails",
                    IterationPhase::Failed => "mapIterationFailedEventDetails",
                    IterationPhase::Aborted => "mapIterationAbortedEventDetails",
                };
                Some((
                    key,
                    [
                        ("index".to_owned(), Value::from(*index)),
                        ("name".to_owned(), name.clone().into()),
                    ]
                    .into_iter()
                    .collect(),
                ))
            }
            EventKind::MapRunStarted { map_run_arn } => Some((
                "mapRunStartedEventDetails",
                [("mapRunArn".to_owned(), map_run_arn.clone().into())]
                    .into_iter()
                    .collect(),
            )),
            EventKind::TaskScheduled {
                resource_type,
                resource,
                region,
                parameters,
                timeout,
                heartbeat,
            } => {
                let mut map = Map::new();
                map.insert("resourceType".into(), resource_type.clone().into());
                map.insert("resource".into(), resource.clone().into());
                map.insert("region".into(), region.clone().into());
                map.insert("parameters".into(), text(parameters));
                insert_limits(&mut map, timeout, heartbeat);
                Some(("taskScheduledEventDetails", map))
            }
            EventKind::TaskStarted {
                resource_type,
                resource,
            } => Some((
                "taskStartedEventDetails",
                [
                    ("resourceType".to_owned(), resource_type.clone().into()),
                    ("resource".to_owned(), resource.clone().into()),
                ]
                .into_iter()
                .collect(),
            )),
            EventKind::TaskSucceeded {
                resource_type,
                resource,
                output,
            } => Some((
                "taskSucceededEventDetails",
                task_output(resource_type, resource, output),
            )),
            EventKind::TaskFailed {
                resource_type,
                resource,
                error,
                cause,
            } => Some((
                "taskFailedEventDetails",
                task_error(resource_type, resource, error, cause),
            )),
            EventKind::TaskTimedOut {
                resource_type,
                resource,
                error,
                cause,
            } => Some((
                "taskTimedOutEventDetails",
                task_error(resource_type, resource, error, cause),
            )),
            EventKind::ExecutionAborted { error, cause } => {
                Some(("executionAbortedEventDetails", error_cause(error, cause)))
            }
            EventKind::ExecutionRedriven { count } => Some((
                "executionRedrivenEventDetails",
                [("redriveCount".to_owned(), Value::from(*count))].into_iter().collect(),
            )),
            EventKind::TaskSubmitted {
                resource_type,
                resource,
                output,
            } => Some((
                "taskSubmittedEventDetails",
                task_output(resource_type, resource, output),
            )),
            EventKind::ActivityScheduled {
                resource,
                input,
                timeout,
                heartbeat,
            } => {
                let mut map = Map::new();
                map.insert("resource".into(), resource.clone().into());
                map.extend(payload_details("input", input));
                insert_limits(&mut map, timeout, heartbeat);
                Some(("activityScheduledEventDetails", map))
            }
            EventKind::ActivityStarted { worker_name } => Some((
                "activityStartedEventDetails",
                worker_name
                    .iter()
                    .map(|w| ("workerName".to_owned(), Value::from(w.clone())))
                    .collect(),
            )),
            EventKind::ActivitySucceeded { output } => Some((
                "activitySucceededEventDetails",
                payload_details("output", output).into_iter().collect(),
            )),
            EventKind::ActivityEnded {
                timed_out,
                error,
                cause,
            } => Some((
                if !*timed_out {
                    "activityFailedEventDetails"
                } else {
                    "activityTimedOutEventDetails"
                },
                error_cause(error, cause),
            )),
            EventKind::EvaluationFailed {
                error,
                cause,
                location,
                state,
            } => {
                let mut map = Map::new();
                map.insert("error".into(), error.clone().into());
                map.insert("cause".into(), cause.clone().into());
                if let Some(l) = location {
                    map.insert("location".into(), l.clone().into());
                }
                map.insert("state".into(), state.clone().into());
                Some(("evaluationFailedEventDetails", map))
            }
        };
        if let Some((key, map)) = details {
            event.insert(key.into(), Value::Object(map));
        }
        Value::Object(event)
    }
}

/// The events of one execution, and the id the next event will point back at.
#[derive(Debug, Default)]
pub struct History {
    events: Vec<Event>,
    /// Events handed out by [`History::drain`] (committed elsewhere); `events[0]` has id
    /// `drained + 1`.
    drained: u64,
    chain: u64,
    /// When false, events are counted but not kept (benchmarks, express runs nobody reads).
    pub keep: bool,
    count: u64,
}

impl History {
    pub fn new(keep: bool) -> History {
        History {
            keep,
            ..History::default()
        }
    }

    /// A history that goes on from `count` events, the last chained one being `chain`
    /// (an execution resumed from a checkpoint; the earlier events are in the store).
    pub fn resumed(count: u64, chain: u64) -> History {
        History {
            keep: true,
            drained: count,
            count,
            chain,
            events: Vec::new(),
        }
    }

    /// How many events there are, and the one the next event points at.
    pub fn position(&self) -> (u64, u64) {
        (self.count, self.chain)
    }

    /// Take the events recorded since the last drain.
    pub fn drain(&mut self) -> Vec<Event> {
        self.drained = self.count;
        std::mem::take(&mut self.events)
    }

    /// Append an event; returns its id.
    pub fn push(&mut self, timestamp_ms: i64, kind: EventKind) -> u64 {
        self.count += 1;
        let id = self.count;
        let advances = kind.advances_chain();
        if self.keep {
            self.events.push(Event {
                id,
                previous_event_id: self.chain,
                timestamp_ms,
                kind,
            });
        }
        if advances {
            self.chain = id;
        }
        id
    }

    /// Append an event that points at the latest event rather than the chain, and does not
    /// advance it: AWS's `MapStateSucceeded` and `ParallelStateSucceeded` point at the last
    /// iteration's or branch's closing event.
    pub fn push_after_last(&mut self, timestamp_ms: i64, kind: EventKind) -> u64 {
        let chain = self.chain;
        self.chain = self.count;
        let id = self.push(timestamp_ms, kind);
        self.chain = chain;
        id
    }

    /// A kept event by id.
    pub fn event(&self, id: u64) -> Option<&Event> {
        let index = usize::try_from(id.checked_sub(self.drained + 1)?).ok()?;
        self.events.get(index).filter(|e| e.id == id)
    }

    /// Append an event that points at `prev` and advances the chain to itself.
    pub fn push_with_prev(&mut self, timestamp_ms: i64, prev: u64, kind: EventKind) -> u64 {
        self.chain = prev;
        let id = self.push(timestamp_ms, kind);
        self.chain = id;
        id
    }

    /// Count an event without keeping it; returns its id.
    pub fn skip(&mut self) -> u64 {
        self.count += 1;
        self.count
    }

    /// Make the latest event the one the next event points at.
    pub fn chain_to_last(&mut self) {
        self.chain = self.count;
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn into_events(self) -> Vec<Event> {
        self.events
    }
}
