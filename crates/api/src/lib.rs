//! The AWS Step Functions API: AWS JSON 1.0 over HTTP.
//!
//! One route (`POST /`); the operation is named by `X-Amz-Target: AWSStepFunctions.<Op>`.
//! Requests are accepted signed or unsigned, with any `Host` (StartSyncExecution clients
//! send `sync-` prefixed hosts). Each operation module decodes its request, checks it with
//! AWS's error codes and messages, calls the store or the engine, and encodes the answer.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use engine::service::Engine;
use serde_json::Value;

mod activities;
pub mod error;
mod executions;
mod machines;
mod map_runs;
mod references;
mod request;
pub mod sfn_tasks;
mod tags;
mod test_state;

pub use error::{ApiError, ApiResult};
pub use request::Request;

/// Settings of the API layer.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub account: String,
    pub region: String,
    /// The largest execution input or output, in bytes (AWS: 256 KiB).
    pub max_payload_bytes: usize,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            max_payload_bytes: 256 * 1024,
        }
    }
}

/// The service behind the route.
pub struct Api {
    pub engine: Engine,
    pub config: ApiConfig,
}

impl Api {
    pub fn new(engine: Engine, config: ApiConfig) -> Arc<Api> {
        Arc::new(Api { engine, config })
    }

    /// `arn:aws:states:<region>:<account>:`
    fn arn_prefix(&self) -> String {
        format!("arn:aws:states:{}:{}:", self.config.region, self.config.account)
    }

    /// Run one operation on a decoded request.
    pub async fn call(&self, operation: &str, request: Request) -> ApiResult<Value> {
        match operation {
            "CreateStateMachine" => machines::create(self, &request).await,
            "DescribeStateMachine" => machines::describe(self, &request),
            "UpdateStateMachine" => machines::update(self, &request).await,
            "DeleteStateMachine" => machines::delete(self, &request).await,
            "ListStateMachines" => machines::list(self, &request),
            "DescribeStateMachineForExecution" => machines::describe_for_execution(self, &request),
            "ValidateStateMachineDefinition" => machines::validate(&request),
            "PublishStateMachineVersion" => machines::publish_version(self, &request).await,
            "ListStateMachineVersions" => machines::list_versions(self, &request),
            "DeleteStateMachineVersion" => machines::delete_version(self, &request).await,
            "CreateStateMachineAlias" => machines::create_alias(self, &request).await,
            "DescribeStateMachineAlias" => machines::describe_alias(self, &request),
            "UpdateStateMachineAlias" => machines::update_alias(self, &request).await,
            "DeleteStateMachineAlias" => machines::delete_alias(self, &request).await,
            "ListStateMachineAliases" => machines::list_aliases(self, &request),
            "StartExecution" => executions::start(self, &request, false).await,
            "StartSyncExecution" => executions::start(self, &request, true).await,
            "StopExecution" => executions::stop(self, &request).await,
            "DescribeExecution" => executions::describe(self, &request),
            "ListExecutions" => executions::list(self, &request),
            "GetExecutionHistory" => executions::history(self, &request),
            "RedriveExecution" => executions::redrive(self, &request).await,
            "CreateActivity" => activities::create(self, &request).await,
            "DescribeActivity" => activities::describe(self, &request),
            "DeleteActivity" => activities::delete(self, &request).await,
            "ListActivities" => activities::list(self, &request),
            "GetActivityTask" => activities::get_task(self, &request).await,
            "SendTaskSuccess" => activities::send_success(self, &request).await,
            "SendTaskFailure" => activities::send_failure(self, &request).await,
            "SendTaskHeartbeat" => activities::send_heartbeat(self, &request),
            "TagResource" => tags::tag(self, &request).await,
            "UntagResource" => tags::untag(self, &request).await,
            "ListTagsForResource" => tags::list(self, &request),
            "DescribeMapRun" => map_runs::describe(self, &request),
            "ListMapRuns" => map_runs::list(self, &request),
            "UpdateMapRun" => map_runs::update(self, &request),
            "TestState" => test_state::test_state(self, &request, None).await,
            other => Err(ApiError::new(
                ErrorCode::UnknownOperationException,
                format!("Unknown operation AWSStepFunctions.{other}"),
            )),
        }
    }
}

/// The HTTP router: every operation is a `POST /`.
pub fn router(api: Arc<Api>) -> Router {
    Router::new().route("/", post(handle)).with_state(api)
}

async fn handle(State(api): State<Arc<Api>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(operation) = target.strip_prefix("AWSStepFunctions.") else {
        return ApiError::new(ErrorCode::UnknownOperationException, format!("Unknown target '{target}'")).into_response();
    };
    let result = match Request::parse(&body) {
        Ok(request) if operation == "TestState" => {
            let test_case = headers
                .get(test_state::TEST_CASE_HEADER)
                .map(|v| v.to_str().unwrap_or_default());
            test_state::test_state(&api, &request, test_case).await
        }
        Ok(request) => api.call(operation, request).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(value) => ([("content-type", "application/x-amz-json-1.0")], value.to_string()).into_response(),
        Err(error) => error.into_response(),
    }
}
