//! AWS's error shape: `{"__type": "...#Code", "message": "..."}` with an HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error as the API returns it. `code` is AWS's error code (the SDKs' exception name).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new("ValidationException", message)
    }

    /// AWS's wording for a request member that breaks a constraint.
    pub fn constraint(value: &str, member: &str, constraint: &str) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }

    pub fn missing(member: &str) -> ApiError {
        ApiError::constraint("null", member, "Member must not be null")
    }

    pub fn invalid_arn(arn: &str) -> ApiError {
        ApiError::new("InvalidArn", format!("Invalid Arn: 'Invalid ARN prefix: {arn}'"))
    }

    pub fn invalid_name(name: &str) -> ApiError {
        ApiError::new("InvalidName", format!("Invalid Name: '{name}'"))
    }

    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        ApiError::new("InternalFailure", error.to_string())
    }

    fn status(&self) -> StatusCode {
        match self.code {
            "InternalFailure" | "ServiceUnavailable" => StatusCode::INTERNAL_SERVER_ERROR,
            "UnknownOperationException" => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> ApiError {
        ApiError::internal(error)
    }
}

impl From<engine::service::EngineError> for ApiError {
    fn from(error: engine::service::EngineError) -> ApiError {
        match error {
            engine::service::EngineError::NotRedrivable(reason) => ApiError::new(
                "ExecutionNotRedrivable",
                format!("Execution Not Redrivable: '{reason}'"),
            ),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let namespace = match self.code {
            "ValidationException" => "com.amazon.coral.validate",
            "UnknownOperationException" | "SerializationException" => "com.amazon.coral.service",
            _ => "com.amazonaws.swf.service.v2.model",
        };
        let body = json!({
            "__type": format!("{namespace}#{}", self.code),
            "message": self.message,
        });
        (
            self.status(),
            [("content-type", "application/x-amz-json-1.0")],
            body.to_string(),
        )
            .into_response()
    }
}
