//! `arn:aws:states:::aws-sdk:<service>:<action>` for services that speak the AWS JSON
//! protocol: the action (`getItem` → `DynamoDB_20120810.GetItem`) and the parameters are
//! the request, the answer is the result. No service model is needed, since JSON-protocol
//! requests are the members themselves; for the few services whose members are camelCase
//! on the wire (CloudWatch Logs, ECS, ...), keys are recased both ways, as Step Functions
//! takes and gives them in PascalCase.

use asl::errors::Failure;
use serde_json::{Map, Value};

use super::call::{Client, Naming};
use super::services::{Protocol, Service};
use super::{json_call, recase_key};

/// Call `action` of `service`; `None` when the service does not speak the JSON protocol.
pub(super) async fn call(
    client: &Client,
    service: &'static Service,
    action: &str,
    parameters: Value,
) -> Option<Result<Value, Failure>> {
    let Protocol::Json { .. } = service.protocol else {
        return None;
    };
    let body = match parameters {
        Value::Null => Value::Object(Map::new()),
        other => other,
    };
    let naming = Naming::Sdk(service.sdk_id);
    Some(json_call(client, service, &recase_key(action, true), body, naming).await)
}
