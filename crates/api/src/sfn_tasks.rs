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
                    (key, recase(v, upper))
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| recase(v, upper)).collect()),
        other => other.clone(),
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
            let operation = chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default();
            let Value::Object(params) = recase(&request.parameters, false) else {
                return Err(Failure::new("Sfn.ValidationException", "The parameters must be an object"));
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
