//! AWS's error shape: `{"__type": "<namespace>#<Code>", "message": "..."}` with an HTTP
//! status, and [`ErrorCode`], the one table of the codes this API answers with, their HTTP
//! status and namespace.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The namespace part of `__type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Namespace {
    /// Step Functions' own errors.
    Service,
    /// The request framework's: unknown operations, bodies that do not parse, signatures.
    Coral,
    /// Member constraint violations.
    Validate,
}

impl Namespace {
    fn as_str(self) -> &'static str {
        match self {
            Namespace::Service => "com.amazonaws.swf.service.v2.model",
            Namespace::Coral => "com.amazon.coral.service",
            Namespace::Validate => "com.amazon.coral.validate",
        }
    }
}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $code:ident = $status:literal, $namespace:ident;)*) => {
        /// AWS's error codes (the SDKs' exception names) that the API answers with.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $code,)*
        }

        impl ErrorCode {
            /// The code as it appears on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$code => stringify!($code),)*
                }
            }

            /// The HTTP status AWS answers the code with.
            pub fn status(self) -> StatusCode {
                let status: u16 = match self {
                    $(ErrorCode::$code => $status,)*
                };
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
            }

            fn namespace(self) -> Namespace {
                match self {
                    $(ErrorCode::$code => Namespace::$namespace,)*
                }
            }
        }
    };
}

error_codes! {
    ActivityDoesNotExist = 400, Service;
    ConflictException = 400, Service;
    ExecutionAlreadyExists = 400, Service;
    ExecutionDoesNotExist = 400, Service;
    ExecutionNotRedrivable = 400, Service;
    InvalidArn = 400, Service;
    InvalidDefinition = 400, Service;
    InvalidExecutionInput = 400, Service;
    InvalidLoggingConfiguration = 400, Service;
    InvalidName = 400, Service;
    InvalidOutput = 400, Service;
    InvalidToken = 400, Service;
    MissingRequiredParameter = 400, Service;
    ResourceNotFound = 400, Service;
    StateMachineAlreadyExists = 400, Service;
    StateMachineDoesNotExist = 400, Service;
    StateMachineTypeNotSupported = 400, Service;
    TaskTimedOut = 400, Service;
    TooManyTags = 400, Service;
    ValidationException = 400, Validate;
    SerializationException = 400, Coral;
    /// No such operation, or a path or method the API does not serve.
    UnknownOperationException = 404, Coral;
    /// A request body over the server's limit.
    RequestEntityTooLargeException = 413, Coral;
    /// Authentication is configured and the request carries no signature.
    MissingAuthenticationTokenException = 400, Coral;
    /// A signature that lacks a part (credential, signed headers, signature, date).
    IncompleteSignatureException = 400, Coral;
    /// An access key id that is not configured.
    UnrecognizedClientException = 400, Coral;
    /// A signature that does not match, or a date outside the allowed clock skew.
    InvalidSignatureException = 400, Coral;
    /// A request for a `Host` this server does not answer to (DNS rebinding).
    AccessDeniedException = 403, Coral;
    InternalFailure = 500, Service;
    ServiceUnavailable = 503, Service;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// An error as the API returns it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ValidationException, message)
    }

    /// AWS's wording for a request member that breaks a constraint.
    pub fn constraint(value: &str, member: &str, constraint: &str) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }

    /// A member longer than AWS allows (the value itself is not repeated).
    pub fn too_long(member: &str, max: usize) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        ))
    }

    pub fn missing(member: &str) -> ApiError {
        ApiError::constraint("null", member, "Member must not be null")
    }

    pub fn invalid_arn(arn: &str) -> ApiError {
        ApiError::new(
            ErrorCode::InvalidArn,
            format!("Invalid Arn: 'Invalid ARN prefix: {arn}'"),
        )
    }

    pub fn invalid_name(name: &str) -> ApiError {
        ApiError::new(ErrorCode::InvalidName, format!("Invalid Name: '{name}'"))
    }

    /// A task or paging token this server did not issue (or issued for another listing).
    pub fn invalid_token() -> ApiError {
        ApiError::new(ErrorCode::InvalidToken, "Invalid Token: 'Invalid token'")
    }

    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        ApiError::new(ErrorCode::InternalFailure, error.to_string())
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
                ErrorCode::ExecutionNotRedrivable,
                format!("Execution Not Redrivable: '{reason}'"),
            ),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "__type": format!("{}#{}", self.code.namespace().as_str(), self.code),
            "message": self.message,
        });
        (
            self.code.status(),
            [("content-type", "application/x-amz-json-1.0")],
            body.to_string(),
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_carry_their_status_and_namespace() {
        for (code, status, namespace) in [
            (ErrorCode::InvalidArn, 400, "com.amazonaws.swf.service.v2.model"),
            (ErrorCode::ValidationException, 400, "com.amazon.coral.validate"),
            (ErrorCode::UnknownOperationException, 404, "com.amazon.coral.service"),
            (ErrorCode::InternalFailure, 500, "com.amazonaws.swf.service.v2.model"),
            (ErrorCode::AccessDeniedException, 403, "com.amazon.coral.service"),
        ] {
            assert_eq!(code.status().as_u16(), status, "{code}");
            assert_eq!(code.namespace().as_str(), namespace, "{code}");
        }
        assert_eq!(ErrorCode::TaskTimedOut.as_str(), "TaskTimedOut");
    }
}
