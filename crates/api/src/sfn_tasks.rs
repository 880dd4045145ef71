//! Task states that call Step Functions itself, answered by this server's own API: the SDK
//! integration (`arn:aws:states:::aws-sdk:sfn:<action>`) and the optimized nested-execution
//! integration (`arn:aws:states:::states:startExecution`, with `.sync`, `.sync:2` and
//! `.waitForTaskToken`), shaped as AWS's integrations shape them.

use std::sync::{Arc, Weak};

use asl::errors::Failure;
use integrations::aws::recase_key;
use integrations::{Integration, TaskFuture, TaskRequest};
use serde_json::{json, Map, Value};

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
                    let key = recase_key(k, upper);
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

const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// A failure of the nested-execution integration, worded as AWS's Java SDK words it.
fn start_failure(e: &crate::ApiError) -> Failure {
    Failure::new(
        format!("StepFunctions.{}Exception", e.code),
        format!(
            "{} (Service: AWSStepFunctions; Status Code: 400; Error Code: {}; Request ID: {}; Proxy: null)",
            e.message,
            e.code,
            uuid::Uuid::new_v4()
        ),
    )
}

impl SfnTasks {
    /// The API, unless the server is shutting down.
    fn api(&self) -> Result<Arc<Api>, Failure> {
        self.api
            .upgrade()
            .ok_or_else(|| Failure::new(asl::errors::names::TASK_FAILED, "The server is shutting down"))
    }

    /// StartExecution from a Task state: the child's input is `Input` (JSON text, or any
    /// JSON value, which is serialised). The child is started for this attempt of the Task
    /// (`request`'s entered event and retry count): when a restarted parent runs the
    /// attempt again, it gets the child it started before, named or not, and waits for
    /// that one instead of starting a second.
    async fn start_execution(&self, api: &Api, request: &TaskRequest) -> Result<Value, Failure> {
        let parameters = &request.parameters;
        let attempt = engine::service::started_by(&request.execution_arn, request.entered_event, request.retry_count);
        let mut start = Map::new();
        if let Some(arn) = parameters.get("StateMachineArn") {
            start.insert("stateMachineArn".into(), arn.clone());
        }
        if let Some(name) = parameters.get("Name").filter(|n| !n.is_null()) {
            start.insert("name".into(), name.clone());
        }
        match parameters.get("Input") {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                start.insert("input".into(), text.clone().into());
            }
            Some(other) => {
                start.insert("input".into(), other.to_string().into());
            }
        }
        let started = crate::executions::start_for_task(api, &Request(start), attempt)
            .await
            .map_err(|e| start_failure(&e))?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let length = started.to_string().len().to_string();
        let date = engine::execution::iso_millis(jiff::Timestamp::now().as_millisecond());
        Ok(json!({
            "ExecutionArn": started["executionArn"],
            "SdkHttpMetadata": {
                "AllHttpHeaders": {
                    "x-amzn-RequestId": [request_id],
                    "connection": ["keep-alive"],
                    "Content-Length": [length],
                    "Date": [date],
                    "Content-Type": ["application/x-amz-json-1.0"],
                },
                "HttpHeaders": {
                    "connection": "keep-alive",
                    "Content-Length": length,
                    "Content-Type": "application/x-amz-json-1.0",
                    "Date": date,
                    "x-amzn-RequestId": request_id,
                },
                "HttpStatusCode": 200,
            },
            "SdkResponseMetadata": {"RequestId": request_id},
            "StartDate": started["startDate"].as_number().map_or(Value::Null, iso_date),
        }))
    }

    /// Wait for a child execution; `.sync` gives its output as text, `.sync:2` as JSON.
    async fn child_result(&self, api: &Api, submitted: &Value, parsed_output: bool) -> Result<Value, Failure> {
        let arn = submitted["ExecutionArn"].as_str().unwrap_or_default();
        api.engine
            .wait(arn)
            .await
            .map_err(|e| Failure::new(asl::errors::names::TASK_FAILED, e.to_string()))?;
        let mut request = Map::new();
        request.insert("executionArn".into(), arn.into());
        let described = api
            .call("DescribeExecution", Request(request))
            .await
            .map_err(|e| start_failure(&e))?;
        let mut out = Map::new();
        for (key, value) in described.as_object().into_iter().flatten() {
            let value = match key.as_str() {
                "redriveCount" | "redriveStatus" | "redriveStatusReason" => continue,
                "startDate" | "stopDate" => value.as_number().map_or(Value::Null, iso_date),
                "output" if parsed_output => {
                    serde_json::from_str(value.as_str().unwrap_or("null")).unwrap_or(Value::Null)
                }
                _ => recase(value, true),
            };
            out.insert(recase_key(key, true), value);
        }
        let status = out.get("Status").and_then(Value::as_str).unwrap_or_default().to_owned();
        match status.as_str() {
            "SUCCEEDED" => Ok(Value::Object(out)),
            "TIMED_OUT" => Err(Failure::new(
                asl::errors::names::TIMEOUT,
                Value::Object(out).to_string(),
            )),
            _ => Err(Failure::new(
                asl::errors::names::TASK_FAILED,
                Value::Object(out).to_string(),
            )),
        }
    }
}

/// An API timestamp (epoch seconds) as the SDK integration renders a date in a task's result:
/// ISO 8601 in UTC with milliseconds. The API's JSON carries dates as numbers, but a state's
/// result is what AWS's Java SDK serializes, which writes `Instant`s as text (recorded:
/// aws-sdk `test_sfn_start_execution`, `StartDate`).
fn iso_date(seconds: &serde_json::Number) -> Value {
    let millis = seconds.as_f64().map_or(0, |s| (s * 1000.0).round() as i64);
    match engine::execution::iso_millis(millis) {
        text if text.is_empty() => Value::Number(seconds.clone()),
        text => Value::String(text),
    }
}

impl Integration for SfnTasks {
    fn run_job(&self, request: TaskRequest, submitted: &Value) -> Option<TaskFuture<'_>> {
        let parsed_output = match request.resource.strip_prefix(START_EXECUTION) {
            Some(".sync") => false,
            Some(".sync:2") => true,
            // Other services' jobs (`glue:startJobRun.sync`, ...) are waited for by the
            // integration that started them.
            _ => return self.fallback.run_job(request, submitted),
        };
        let submitted = submitted.clone();
        Some(Box::pin(async move {
            let api = self.api()?;
            self.child_result(&api, &submitted, parsed_output).await
        }))
    }

    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        if let Some(pattern) = request.resource.strip_prefix(START_EXECUTION) {
            if ["", ".sync", ".sync:2", ".waitForTaskToken"].contains(&pattern) {
                return Box::pin(async move {
                    let api = self.api()?;
                    self.start_execution(&api, &request).await
                });
            }
        }
        let Some(action) = request.resource.strip_prefix("arn:aws:states:::aws-sdk:sfn:") else {
            return self.fallback.invoke(request);
        };
        let action = action.to_owned();
        Box::pin(async move {
            let api = self.api()?;
            let operation = recase_key(&action, true);
            let Value::Object(params) = recase(&request.parameters, false) else {
                return Err(Failure::new(
                    "Sfn.ValidationException",
                    "The parameters must be an object",
                ));
            };
            match api.call(&operation, Request(params)).await {
                Ok(result) => Ok(recase(&result, true)),
                Err(e) => {
                    let code = if e.code.as_str().ends_with("Exception") {
                        e.code.as_str().to_owned()
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
