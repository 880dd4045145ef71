//! The optimized integrations of the JSON-protocol services: SQS `sendMessage`, DynamoDB
//! `getItem`/`putItem`/`updateItem`/`deleteItem` and EventBridge `putEvents`. Each passes
//! the Task's parameters as the request (after Step Functions' own conversions, e.g. a JSON
//! `MessageBody` sent as text) and returns the service's answer, with the SDK metadata for
//! SQS and DynamoDB as AWS adds it.

use asl::errors::Failure;
use serde_json::{Map, Value};

use super::call::{optimized_result, CallError, Client, Naming};
use super::services::{Service, DYNAMODB, EVENTBRIDGE, SQS};
use super::text_of;

fn object(parameters: Value, service: &'static Service, action: &str) -> Result<Map<String, Value>, Failure> {
    match parameters {
        Value::Object(map) => Ok(map),
        _ => Err(
            CallError::Parameters(format!("The parameters of {action} must be an object"))
                .failure(Naming::optimized(service)),
        ),
    }
}

/// Call `action` and shape the answer as an optimized integration's result.
async fn call_with_metadata(
    client: &Client,
    service: &'static Service,
    action: &str,
    body: Value,
) -> Result<Value, Failure> {
    let (answer, response) = client
        .json(service, action, &body)
        .await
        .map_err(|e| e.failure(Naming::optimized(service)))?;
    let members = match answer {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Ok(optimized_result(members, &response))
}

/// `arn:aws:states:::sqs:sendMessage` (and `.waitForTaskToken`).
pub(super) async fn sqs_send_message(client: &Client, parameters: Value) -> Result<Value, Failure> {
    let mut body = object(parameters, &SQS, "sqs:sendMessage")?;
    if let Some(message) = body.get_mut("MessageBody") {
        *message = Value::String(text_of(message));
    }
    call_with_metadata(client, &SQS, "SendMessage", Value::Object(body)).await
}

/// `arn:aws:states:::dynamodb:<getItem|putItem|updateItem|deleteItem>`.
pub(super) async fn dynamodb(client: &Client, action: &str, parameters: Value) -> Result<Value, Failure> {
    let body = object(parameters, &DYNAMODB, action)?;
    let mut operation = action.to_owned();
    operation[..1].make_ascii_uppercase();
    call_with_metadata(client, &DYNAMODB, &operation, Value::Object(body)).await
}

/// `arn:aws:states:::events:putEvents`: each entry's `Detail` goes as JSON text, and the
/// execution's and state machine's ARNs are appended to its `Resources` (as the optimized
/// integration does, so rules can match events by the workflow that sent them); a
/// non-zero `FailedEntryCount` fails the task with `EventBridge.FailedEntry`.
pub(super) async fn put_events(client: &Client, parameters: Value, origin: [&str; 2]) -> Result<Value, Failure> {
    let mut body = object(parameters, &EVENTBRIDGE, "events:putEvents")?;
    if let Some(Value::Array(entries)) = body.get_mut("Entries") {
        for entry in entries.iter_mut() {
            if let Some(detail) = entry.get_mut("Detail") {
                *detail = Value::String(text_of(detail));
            }
            if let Some(entry) = entry.as_object_mut() {
                let resources = entry.entry("Resources").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(resources) = resources {
                    resources.extend(origin.map(Value::from));
                }
            }
        }
    }
    let (answer, _) = client
        .json(&EVENTBRIDGE, "PutEvents", &Value::Object(body))
        .await
        .map_err(|e| e.failure(Naming::optimized(&EVENTBRIDGE)))?;
    let failed = answer.get("FailedEntryCount").and_then(Value::as_u64).unwrap_or(0);
    if failed > 0 {
        return Err(Failure::new("EventBridge.FailedEntry", answer.to_string()));
    }
    Ok(answer)
}
