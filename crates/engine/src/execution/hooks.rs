//! What a caller plugs into a run: an observer that makes steps durable, the hub that
//! answers task tokens and activity workers, a stop signal, and a mock test case.

use std::future::Future;
use std::pin::Pin;

use asl::errors::Failure;
use integrations::mock::TestCase;
use serde_json::Value;

use super::Checkpoint;
use crate::history::Event;

/// A boxed future that stays on the thread that runs the execution.
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

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
    /// The token of attempt `attempt` of the task entered at event `entered_event`: the same
    /// for the same attempt, also after a restart, and unforgeable (`crate::token`).
    fn task_token(&self, execution_arn: &str, entered_event: u64, attempt: u64) -> String;
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
