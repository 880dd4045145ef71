//! TestState: run one state in isolation (Developer Guide, "Test with TestState").

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::request::Request;
use crate::Api;

pub(crate) async fn test_state(_api: &Api, _request: &Request) -> ApiResult<Value> {
    Err(ApiError::validation("TestState is being built"))
}
