//! The AWS Step Functions API: AWS JSON 1.0 over HTTP.
//!
//! One route (`POST /`); the operation is named by `X-Amz-Target: AWSStepFunctions.<Op>`.
//! Before an operation runs, [`handle`] refuses, each with AWS's JSON 1.0 error shape:
//! a `Host` the server does not answer to ([`protocol::host`], against DNS rebinding); a
//! body over [`ApiConfig::max_request_bytes`]; with access keys configured, a request
//! without a valid SigV4 signature by one of them ([`protocol::sigv4`]); any other method
//! or path. Without keys any signature, or none, is accepted, as Step Functions Local does.
//! Each operation module decodes its request, checks it with AWS's error codes and messages,
//! calls the store or the engine, and encodes the answer.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use engine::service::Engine;
use engine::token::TokenKey;
use protocol::host::HostCheck;
use protocol::sigv4::{AuthError, Keys};
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

pub use error::{ApiError, ApiResult, ErrorCode};
pub use request::Request;
pub use test_state::json_text as spaced_json;

use request::PageTokens;

/// Settings of the API layer.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    pub account: String,
    pub region: String,
    /// The largest execution input and SendTaskSuccess output, in bytes (AWS: 256 KiB).
    pub max_payload_bytes: usize,
    /// The largest state machine definition, in bytes (AWS: 1 MB).
    pub max_definition_bytes: usize,
    /// The largest request body, in bytes; larger ones are refused before they are read.
    pub max_request_bytes: usize,
    /// With keys, every request must be signed by one of them (SigV4).
    pub keys: Option<Arc<Keys>>,
    /// The `Host` names answered.
    pub hosts: HostCheck,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            max_payload_bytes: 256 * 1024,
            max_definition_bytes: 1024 * 1024,
            max_request_bytes: 4 * 1024 * 1024,
            keys: None,
            hosts: HostCheck::new("127.0.0.1", &[]),
        }
    }
}

/// The service behind the route.
pub struct Api {
    pub engine: Engine,
    pub config: ApiConfig,
    page_tokens: PageTokens,
}

impl Api {
    pub fn new(engine: Engine, config: ApiConfig) -> Arc<Api> {
        let page_tokens = PageTokens::new(TokenKey::new(engine.store().secret()));
        Arc::new(Api {
            engine,
            config,
            page_tokens,
        })
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
            "ValidateStateMachineDefinition" => machines::validate(self, &request),
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

/// The HTTP router: every operation is a `POST /`; everything else gets an AWS-shaped error.
pub fn router(api: Arc<Api>) -> Router {
    Router::new().fallback(handle).with_state(api)
}

async fn handle(State(api): State<Arc<Api>>, request: axum::http::Request<Body>) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .or(parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();
    if !api.config.hosts.allows(host) {
        return ApiError::new(
            ErrorCode::AccessDeniedException,
            format!("Host '{host}' is not served here; start Switchyard with --allowed-host to serve it"),
        )
        .into_response();
    }
    if parts.uri.path() != "/" || parts.method != Method::POST {
        return ApiError::new(
            ErrorCode::UnknownOperationException,
            format!(
                "No operation at {} {}: the Step Functions API is POST / with an X-Amz-Target header",
                parts.method,
                parts.uri.path()
            ),
        )
        .into_response();
    }
    let limit = api.config.max_request_bytes;
    let declared = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            ErrorCode::RequestEntityTooLargeException,
            format!("Request body exceeds the limit of {limit} bytes"),
        )
        .into_response()
    };
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    // Past the limit (sent without a length, or longer than declared). A body that could
    // not be read at all gets the same answer: its client is gone or broke the framing.
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return too_large();
    };
    if let Some(keys) = &api.config.keys {
        if let Err(e) = authenticate(keys, &parts, &body) {
            return e.into_response();
        }
    }
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(operation) = target.strip_prefix("AWSStepFunctions.") else {
        return ApiError::new(
            ErrorCode::UnknownOperationException,
            format!("Unknown target '{target}'"),
        )
        .into_response();
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

/// Check the request's SigV4 signature against the configured keys.
fn authenticate(keys: &Keys, parts: &axum::http::request::Parts, body: &[u8]) -> ApiResult<()> {
    let headers: Vec<(&str, &str)> = header_pairs(&parts.headers);
    let request = protocol::sigv4::HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or_default(),
        headers,
        body,
    };
    match protocol::sigv4::verify(keys, &request, jiff::Timestamp::now()) {
        Ok(_) => Ok(()),
        Err(e) => {
            let code = match e {
                AuthError::Missing => ErrorCode::MissingAuthenticationTokenException,
                AuthError::Incomplete(_) => ErrorCode::IncompleteSignatureException,
                AuthError::UnknownKey => ErrorCode::UnrecognizedClientException,
                _ => ErrorCode::InvalidSignatureException,
            };
            Err(ApiError::new(code, e.to_string()))
        }
    }
}

/// Headers whose values are text (a value that is not cannot be part of a valid signature).
fn header_pairs(headers: &HeaderMap) -> Vec<(&str, &str)> {
    headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect()
}
