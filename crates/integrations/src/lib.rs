//! Task integrations: what a Task state's `Resource` does when the engine runs it.
//!
//! The engine knows only the [`Integration`] trait. This crate holds its implementations
//! ([`http_task::HttpTask`] calls HTTP APIs with the credentials of [`connections`],
//! [`aws::AwsIntegration`] calls AWS services or emulators of them), the [`Router`] that
//! sends each resource to its integration, the [`http::HttpClient`] the networked ones
//! share, and [`mock`], Step Functions Local's mock configuration files: the engine asks a
//! [`mock::TestCase`] first and calls the integration only for Task states it does not mock.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use asl::errors::Failure;
use serde_json::Value;

pub mod aws;
pub mod connections;
pub mod http;
pub mod http_task;
pub mod mock;

/// Everything an integration is told about one Task invocation.
#[derive(Clone, Debug, Default)]
pub struct TaskRequest {
    /// The `Resource` ARN as written.
    pub resource: String,
    /// The effective parameters (after `Parameters`/`Arguments`).
    pub parameters: Value,
    /// The Task state's name.
    pub state_name: String,
    /// The state machine's name (mock configurations are keyed by it).
    pub state_machine_name: String,
    /// The running execution's ARN and its state machine's, which some integrations pass
    /// on (EventBridge adds both to each event's `Resources`).
    pub execution_arn: String,
    pub state_machine_arn: String,
    /// Which attempt this is: the id of the state's entered event and its retry count. A
    /// restarted execution that runs the attempt again gives the same pair, so an
    /// integration that starts something (a nested execution) can find what the
    /// interrupted attempt started instead of starting it twice.
    pub entered_event: u64,
    pub retry_count: u64,
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

/// An integration the server can share between its executor threads.
pub type SharedIntegration = Arc<dyn Integration + Send + Sync>;

/// Sends each Task to the integration registered for the start of its `Resource` ARN (the
/// longest matching prefix wins), and the rest to a fallback.
pub struct Router {
    routes: Vec<(String, SharedIntegration)>,
    fallback: SharedIntegration,
}

impl Router {
    pub fn new(fallback: SharedIntegration) -> Router {
        Router {
            routes: Vec::new(),
            fallback,
        }
    }

    /// Send resources that start with `prefix` to `integration`.
    pub fn route(mut self, prefix: impl Into<String>, integration: SharedIntegration) -> Router {
        self.routes.push((prefix.into(), integration));
        self.routes.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        self
    }

    fn pick(&self, resource: &str) -> &dyn Integration {
        self.routes
            .iter()
            .find(|(prefix, _)| resource.starts_with(prefix.as_str()))
            .map_or(self.fallback.as_ref(), |(_, integration)| integration.as_ref())
    }
}

impl Integration for Router {
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        self.pick(&request.resource).invoke(request)
    }

    fn run_job(&self, request: TaskRequest, submitted: &Value) -> Option<TaskFuture<'_>> {
        self.pick(&request.resource).run_job(request, submitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers with its own name, so a test sees which integration a resource reached.
    struct Named(&'static str);

    impl Integration for Named {
        fn invoke(&self, _: TaskRequest) -> TaskFuture<'_> {
            Box::pin(async move { Ok(Value::from(self.0)) })
        }
    }

    #[tokio::test]
    async fn the_longest_matching_prefix_wins() {
        let router = Router::new(Arc::new(Named("fallback")))
            .route("arn:aws:states:::aws-sdk:", Arc::new(Named("sdk")))
            .route("arn:aws:states:::aws-sdk:dynamodb:", Arc::new(Named("dynamodb")))
            .route("arn:aws:states:::http:invoke", Arc::new(Named("http")));
        let answer = |resource: &str| {
            router.invoke(TaskRequest {
                resource: resource.into(),
                parameters: Value::Null,
                ..TaskRequest::default()
            })
        };
        assert_eq!(
            answer("arn:aws:states:::aws-sdk:dynamodb:getItem").await.unwrap(),
            "dynamodb"
        );
        assert_eq!(answer("arn:aws:states:::aws-sdk:s3:getObject").await.unwrap(), "sdk");
        assert_eq!(answer("arn:aws:states:::http:invoke").await.unwrap(), "http");
        assert_eq!(answer("arn:aws:states:::sqs:sendMessage").await.unwrap(), "fallback");
    }
}
