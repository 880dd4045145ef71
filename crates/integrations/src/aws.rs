//! Task states that call AWS services: the optimized integrations for Lambda, SQS, SNS,
//! DynamoDB, EventBridge, S3, Athena, Glue and CodeBuild, the legacy
//! `arn:aws:lambda:...:function:...` resource, and
//! `arn:aws:states:::aws-sdk:<service>:<action>` for the services that speak the AWS JSON
//! protocol (and S3's object calls).
//!
//! Each call is one signed HTTP request to the service's endpoint ([`AwsConfig`] says
//! which: an override per service, one for all, or the real regional endpoint), and its
//! response or error is shaped as Step Functions shapes it: optimized integrations answer
//! as AWS's SDK for Java 1.x did (with `SdkHttpMetadata`, errors like
//! `DynamoDB.ConditionalCheckFailedException`), `aws-sdk` ones as the SDK for Java 2.x does
//! (errors like `DynamoDb.ConditionalCheckFailedException`). The callback pattern
//! (`.waitForTaskToken`) is the engine's: these integrations only perform the request. For
//! Run a Job (`.sync`), [`Integration::run_job`] waits for the job the request started
//! (an Athena query, a Glue job run, a CodeBuild build; see `jobs`).

use std::collections::HashMap;
use std::sync::Arc;

use asl::definition::IntegrationPattern;
use asl::errors::{names, Failure};
use serde_json::Value;

use crate::http::HttpClient;
use crate::{Integration, TaskFuture, TaskRequest};

mod call;
mod jobs;
mod json_services;
mod lambda;
mod s3;
mod sdk;
pub mod services;
mod sns;
mod xml;

use call::{Client, Naming};
use services::{Protocol, Service};

/// `key` with its first letter upper- or lowercased: SDK integrations take and give a
/// service's members in PascalCase, while some services (and Step Functions' own API) use
/// camelCase on the wire.
pub fn recase_key(key: &str, upper: bool) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(c) if upper => c.to_uppercase().chain(chars).collect(),
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `value` with every object key recased by [`recase_key`] (values stay as they are).
fn recase(value: Value, upper: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (recase_key(&k, upper), recase(v, upper)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| recase(v, upper)).collect()),
        other => other,
    }
}

/// Call `operation` (PascalCase) of `service`, a JSON-protocol service, with `body` in
/// Step Functions' PascalCase; for services that are camelCase on the wire, the request's
/// and the answer's keys are recased. Errors are named by `naming`.
async fn json_call(
    client: &Client,
    service: &'static Service,
    operation: &str,
    body: Value,
    naming: Naming<'_>,
) -> Result<Value, Failure> {
    let camel_case = matches!(service.protocol, Protocol::Json { camel_case: true, .. });
    let body = if camel_case { recase(body, false) } else { body };
    let (answer, _) = client
        .json(service, operation, &body)
        .await
        .map_err(|e| e.failure(naming))?;
    Ok(if camel_case { recase(answer, true) } else { answer })
}

/// The resource prefixes [`AwsIntegration`] answers; the server routes each to it.
pub const RESOURCE_PREFIXES: &[&str] = &[
    "arn:aws:states:::lambda:",
    "arn:aws:lambda:",
    "arn:aws:states:::sqs:",
    "arn:aws:states:::sns:",
    "arn:aws:states:::dynamodb:",
    "arn:aws:states:::events:",
    "arn:aws:states:::athena:",
    "arn:aws:states:::glue:",
    "arn:aws:states:::codebuild:",
    "arn:aws:states:::aws-sdk:",
];

/// Credentials for signing requests, from the standard environment variables.
#[derive(Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret (server logs, panics).
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`; `None` unless
    /// both keys are set.
    pub fn from_env() -> Option<Credentials> {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Some(Credentials {
            access_key_id: var("AWS_ACCESS_KEY_ID")?,
            secret_access_key: var("AWS_SECRET_ACCESS_KEY")?,
            session_token: var("AWS_SESSION_TOKEN"),
        })
    }
}

/// Where each service is reached.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    /// Per-service overrides, keyed by [`Service::sdk_name`].
    by_service: HashMap<&'static str, String>,
    /// The endpoint of every service without its own.
    all: Option<String>,
}

impl Endpoints {
    /// The AWS SDKs' variables: `AWS_ENDPOINT_URL_<SERVICE>` (e.g.
    /// `AWS_ENDPOINT_URL_DYNAMODB`) and `AWS_ENDPOINT_URL` for all services.
    pub fn from_env() -> Endpoints {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut endpoints = Endpoints {
            by_service: HashMap::new(),
            all: var("AWS_ENDPOINT_URL"),
        };
        for service in services::ALL {
            if let Some(url) = var(&format!("AWS_ENDPOINT_URL_{}", service.env_key)) {
                endpoints.by_service.insert(service.sdk_name, url);
            }
        }
        endpoints
    }

    /// Reach `service` at `url` (wins over everything else).
    pub fn set(&mut self, service: &Service, url: impl Into<String>) {
        self.by_service.insert(service.sdk_name, url.into());
    }

    /// Reach every service without its own endpoint at `url`.
    pub fn set_all(&mut self, url: impl Into<String>) {
        self.all = Some(url.into());
    }

    /// The base URL of `service` (no trailing slash): its override, the common one, or
    /// the real regional endpoint, as AWS's own integrations would call.
    pub fn resolve(&self, service: &Service, region: &str) -> String {
        let url = self
            .by_service
            .get(service.sdk_name)
            .or(self.all.as_ref())
            .cloned()
            .unwrap_or_else(|| format!("https://{}.{region}.amazonaws.com", service.endpoint_prefix));
        url.trim_end_matches('/').to_owned()
    }
}

/// What the AWS integrations need to know.
#[derive(Clone, Debug)]
pub struct AwsConfig {
    /// The region requests are signed for and real endpoints are in.
    pub region: String,
    /// `None`: requests go unsigned (an emulator may not care; AWS answers with its
    /// authentication error, which the task reports).
    pub credentials: Option<Credentials>,
    pub endpoints: Endpoints,
}

/// The integration for every resource in [`RESOURCE_PREFIXES`].
pub struct AwsIntegration {
    /// Shared with the requests that stop abandoned jobs, which outlive the task.
    client: Arc<Client>,
}

impl AwsIntegration {
    pub fn new(config: AwsConfig, http: HttpClient) -> AwsIntegration {
        AwsIntegration {
            client: Arc::new(Client::new(config, http)),
        }
    }
}

/// What a Task resource asks for, with its integration pattern suffix removed (the engine
/// handles the pattern).
#[derive(Debug, PartialEq, Eq)]
enum Call<'a> {
    /// `arn:aws:lambda:<region>:<account>:function:<name>`: invoke, the result is the payload.
    LegacyLambda(&'a str),
    /// `arn:aws:states:::<service>:<action>`.
    Optimized { service: &'a str, action: &'a str },
    /// `arn:aws:states:::aws-sdk:<service>:<action>`.
    Sdk { service: &'a str, action: &'a str },
}

fn parse_resource(resource: &str) -> Option<Call<'_>> {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, rest] if rest.starts_with("function:") => Some(Call::LegacyLambda(resource)),
        ["arn", _, "states", "", "", rest] => {
            let (rest, _) = IntegrationPattern::split(rest);
            match rest.split(':').collect::<Vec<_>>().as_slice() {
                ["aws-sdk", service, action] => Some(Call::Sdk { service, action }),
                ["aws-sdk", ..] => None,
                [service, action] => Some(Call::Optimized { service, action }),
                _ => None,
            }
        }
        _ => None,
    }
}

fn unsupported(resource: &str) -> Failure {
    Failure::new(
        names::TASK_FAILED,
        format!("Switchyard does not support the resource '{resource}'"),
    )
}

impl Integration for AwsIntegration {
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        Box::pin(async move {
            let client = &self.client;
            let parameters = request.parameters;
            match parse_resource(&request.resource) {
                Some(Call::LegacyLambda(function)) => lambda::invoke_legacy(client, function, parameters).await,
                Some(Call::Optimized { service, action }) => match (service, action) {
                    ("lambda", "invoke") => lambda::invoke(client, parameters).await,
                    ("sqs", "sendMessage") => json_services::sqs_send_message(client, parameters).await,
                    ("dynamodb", "getItem" | "putItem" | "updateItem" | "deleteItem") => {
                        json_services::dynamodb(client, action, parameters).await
                    }
                    ("events", "putEvents") => {
                        let origin = [request.execution_arn.as_str(), request.state_machine_arn.as_str()];
                        json_services::put_events(client, parameters, origin).await
                    }
                    ("sns", "publish") => sns::publish(client, parameters).await,
                    (
                        "athena",
                        "startQueryExecution" | "stopQueryExecution" | "getQueryExecution" | "getQueryResults",
                    ) => jobs::call(client, &services::ATHENA, action, parameters).await,
                    ("glue", "startJobRun") => jobs::start_job_run(client, parameters).await,
                    (
                        "codebuild",
                        "startBuild" | "stopBuild" | "batchDeleteBuilds" | "batchGetReports" | "startBuildBatch"
                        | "stopBuildBatch" | "retryBuildBatch" | "deleteBuildBatch",
                    ) => jobs::call(client, &services::CODEBUILD, action, parameters).await,
                    _ => Err(unsupported(&request.resource)),
                },
                Some(Call::Sdk { service, action }) => match services::by_sdk_name(service) {
                    Some(service) if std::ptr::eq(service, &services::S3) => s3::call(client, action, parameters).await,
                    Some(service) => sdk::call(client, service, action, parameters)
                        .await
                        .unwrap_or_else(|| Err(unsupported(&request.resource))),
                    None => Err(unsupported(&request.resource)),
                },
                None => Err(unsupported(&request.resource)),
            }
        })
    }

    fn run_job(&self, request: TaskRequest, submitted: &Value) -> Option<TaskFuture<'_>> {
        let Some(Call::Optimized { service, action }) = parse_resource(&request.resource) else {
            return None;
        };
        let job = jobs::job(service, action, submitted)?;
        let client = self.client.clone();
        Some(Box::pin(async move { jobs::wait(client, job?).await }))
    }
}

/// `value` as the text a string parameter carries: strings as they are, anything else as
/// its JSON (Step Functions sends an object `MessageBody` as JSON text).
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recasing_changes_keys_only() {
        let pascal = json!({"LogGroupName": "g", "Tags": [{"Key": "aB"}]});
        let camel = recase(pascal.clone(), false);
        assert_eq!(camel, json!({"logGroupName": "g", "tags": [{"key": "aB"}]}));
        assert_eq!(recase(camel, true), pascal);
    }

    #[test]
    fn resources_name_their_call() {
        let cases = [
            (
                "arn:aws:states:::lambda:invoke",
                Some(Call::Optimized {
                    service: "lambda",
                    action: "invoke",
                }),
            ),
            (
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                Some(Call::Optimized {
                    service: "sqs",
                    action: "sendMessage",
                }),
            ),
            (
                "arn:aws:states:::aws-sdk:dynamodb:getItem",
                Some(Call::Sdk {
                    service: "dynamodb",
                    action: "getItem",
                }),
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:f",
                Some(Call::LegacyLambda("arn:aws:lambda:us-east-1:123456789012:function:f")),
            ),
            ("arn:aws:states:us-east-1:123456789012:activity:a", None),
            ("arn:aws:states:::aws-sdk:dynamodb", None),
        ];
        for (resource, expected) in cases {
            assert_eq!(parse_resource(resource), expected, "{resource}");
        }
    }

    #[test]
    fn an_override_wins_over_the_common_endpoint_which_wins_over_aws() {
        let mut endpoints = Endpoints::default();
        assert_eq!(
            endpoints.resolve(&services::ECR, "eu-west-1"),
            "https://api.ecr.eu-west-1.amazonaws.com"
        );
        endpoints.set_all("http://localhost:4566/");
        endpoints.set(&services::SQS, "http://127.0.0.1:9324");
        assert_eq!(endpoints.resolve(&services::SQS, "us-east-1"), "http://127.0.0.1:9324");
        assert_eq!(
            endpoints.resolve(&services::LAMBDA, "us-east-1"),
            "http://localhost:4566"
        );
    }
}
