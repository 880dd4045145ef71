//! Task states that call Step Functions itself (`arn:aws:states:::aws-sdk:sfn:<action>`),
//! answered by this server's own API, as AWS's SDK integration would answer them.

use std::sync::{Arc, Weak};

use asl::errors::Failure;
use integrations::{Integration, TaskFuture, TaskRequest};
use serde_json::{Map, Value};

use crate::{Api, Request};

/// The integration the engine uses when serving the API: `aws-sdk:sfn:*` goes to the API;
/// everything else to `fallback`.
pub struct SfnTasks {
    api: Weak<Api>,
    fallback: Arc<dyn Integration + Send + Sync>,
}

impl SfnTasks {
    pub fn new(api: &Arc<Api>, fallback: Arc<dyn Integration + Send + Sync>) -> SfnTasks {
        SfnTasks {
            api: Arc::downgrade(api),
            fallback,
        }
    }
}

/// SDK integrations take and give the service's members in PascalCase; the API's JSON is
/// camelCase.
fn recase(value: &Value, upper: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let mut chars = k.chars();
                    let key = match chars.next() {
                        Some(c) if upper => c.to_ascii_uppercase().to_string() + chars.as_str(),
                        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
                        None => String::new(),
                    };
                    let value = match v {
                        Value::Number(seconds) if upper && key.ends_with("Date") => iso_date(seconds),
                        _ => recase(v, upper),
                    };
                    (key, value)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| recase(v, upper)).collect()),
        other => other.clone(),
    }
}

/// An API timestamp (epoch seconds) as the SDK integration renders a date in a task's result:
/// ISO 8601 in UTC with milliseconds. The API's JSON carries dates as numbers, but a state's
/// result is what AWS's Java SDK serializes, which writes `Instant`s as text (recorded:
/// aws-sdk `test_sfn_start_execution`, `StartDate`).
fn iso_date(seconds: &serde_json::Number) -> Value {
    let millis = seconds.as_f64().map_or(0, |s| (s * 1000.0).round() as i64);
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(t) => Value::String(t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        Err(_) => Value::Number(seconds.clone()),
    }
}

impl Integration for SfnTasks {
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        let Some(action) = request.resource.strip_prefix("arn:aws:states:::aws-sdk:sfn:") else {
            return self.fallback.invoke(request);
        };
        let action = action.to_owned();
        Box::pin(async move {
            let api = self
                .api
                .upgrade()
                .ok_or_else(|| Failure::new(asl::errors::names::TASK_FAILED, "The server is shutting down"))?;
            let mut chars = action.chars();
            let operation = chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default();
            let Value::Object(params) = recase(&request.parameters, false) else {
                return Err(Failure::new(
                    "Sfn.ValidationException",
                    "The parameters must be an object",
                ));
            };
            match api.call(&operation, Request(params)).await {
                Ok(result) => Ok(recase(&result, true)),
                Err(e) => {
                    let code = if e.code.ends_with("Exception") {
                        e.code.to_owned()
                    } else {
                        format!("{}Exception", e.code)
                    };
                    Err(Failure::new(
                        format!("Sfn.{code}"),
                        format!(
                            "{} (Service: Sfn, Status Code: 400, Request ID: {}) (SDK Attempt Count: 1)",
                            e.message,
                            uuid::Uuid::new_v4()
                        ),
                    ))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn result_dates_become_iso_text() {
        let result = recase(&json!({"executionArn": "x", "startDate": 1700000000.5}), true);
        assert_eq!(
            result,
            json!({"ExecutionArn": "x", "StartDate": "2023-11-14T22:13:20.500Z"})
        );
    }
}
