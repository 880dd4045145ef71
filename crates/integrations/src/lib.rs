//! Task integrations: what a Task state's `Resource` does when the engine runs it.
//!
//! The engine knows only the [`Integration`] trait. This crate holds its implementations,
//! and [`mock`], Step Functions Local's mock configuration files: the engine asks a
//! [`mock::TestCase`] first and calls the integration only for Task states it does not mock.

use std::future::Future;
use std::pin::Pin;

use asl::errors::Failure;
use serde_json::Value;

pub mod mock;

/// Everything an integration is told about one Task invocation.
#[derive(Clone, Debug)]
pub struct TaskRequest {
    /// The `Resource` ARN as written.
    pub resource: String,
    /// The effective parameters (after `Parameters`/`Arguments`).
    pub parameters: Value,
    /// The Task state's name.
    pub state_name: String,
    /// The state machine's name (mock configurations are keyed by it).
    pub state_machine_name: String,
}

/// A boxed future, so the trait stays object-safe without an extra crate.
pub type TaskFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, Failure>> + 'a>>;

/// Runs Task states.
pub trait Integration {
    /// Perform the task and return its result, or the error it raised. For a Run a Job
    /// resource (`.sync`), this starts the job and returns what starting it returned.
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_>;

    /// Wait for the job that `invoke` started for a `.sync` resource (`submitted` is what
    /// starting it returned) and return the job's result. `None` when this integration
    /// answered the whole task in `invoke` (mocks do), so there is nothing to wait for.
    fn run_job(&self, request: TaskRequest, submitted: &Value) -> Option<TaskFuture<'_>> {
        let _ = (request, submitted);
        None
    }
}

/// The integration used when none is configured: every task fails, naming the resource,
/// so a user sees at once that the Task needs a mock or an endpoint.
pub struct Unconfigured;

impl Integration for Unconfigured {
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        Box::pin(async move {
            Err(Failure::new(
                asl::errors::names::TASK_FAILED,
                format!("No integration is configured for resource '{}'", request.resource),
            ))
        })
    }
}
