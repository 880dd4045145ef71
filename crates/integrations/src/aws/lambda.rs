//! Lambda's Invoke, for `arn:aws:states:::lambda:invoke` (the result holds the parsed
//! `Payload`, `StatusCode`, `ExecutedVersion` and the SDK metadata) and for the legacy
//! `arn:aws:lambda:<region>:<account>:function:<name>` resource (the result is the payload
//! alone). A function error (the `X-Amz-Function-Error` header) fails the task with the
//! payload's `errorType` as the error (`Lambda.Unknown` without one) and the payload as the
//! cause, as Step Functions does.

use asl::errors::Failure;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use super::call::{optimized_result, CallError, Client, Naming, Outgoing, LAMBDA_LIMIT};
use super::services::LAMBDA;
use crate::http::{Bytes, HttpResponse, Method};

/// What may stay unescaped in a path segment (RFC 3986 unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// What Invoke was asked to do.
struct Invocation<'a> {
    function: &'a str,
    payload: Option<String>,
    headers: Vec<(&'static str, String)>,
    qualifier: Option<&'a str>,
}

async fn send(client: &Client, invocation: Invocation<'_>) -> Result<HttpResponse, CallError> {
    let mut path = format!(
        "/2015-03-31/functions/{}/invocations",
        utf8_percent_encode(invocation.function, SEGMENT)
    );
    if let Some(qualifier) = invocation.qualifier {
        path.push_str("?Qualifier=");
        path.extend(utf8_percent_encode(qualifier, SEGMENT));
    }
    client
        .send(
            &LAMBDA,
            Outgoing {
                method: Method::POST,
                path,
                headers: invocation.headers,
                body: invocation.payload.map(Bytes::from).unwrap_or_default(),
                limit: LAMBDA_LIMIT,
            },
        )
        .await
}

/// The function's answer: JSON when it is JSON (always, for a function that returned
/// normally), else the text as it came, and `""` when there is none (asynchronous calls).
fn payload(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&response.body).into_owned()))
}

/// The failure of a function that raised an error.
fn function_error(response: &HttpResponse) -> Option<Failure> {
    response.headers.get("x-amz-function-error")?;
    let text = String::from_utf8_lossy(&response.body).into_owned();
    let error = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|p| p.get("errorType")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "Lambda.Unknown".to_owned());
    Some(Failure::new(error, text))
}

fn text_member<'a>(parameters: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Failure> {
    match parameters.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => {
            Err(CallError::Parameters(format!("The field '{name}' must be a string"))
                .failure(Naming::optimized(&LAMBDA)))
        }
    }
}

/// `arn:aws:states:::lambda:invoke`.
pub(super) async fn invoke(client: &Client, parameters: Value) -> Result<Value, Failure> {
    let Value::Object(parameters) = parameters else {
        return Err(
            CallError::Parameters("The parameters of lambda:invoke must be an object".into())
                .failure(Naming::optimized(&LAMBDA)),
        );
    };
    let function = text_member(&parameters, "FunctionName")?.ok_or_else(|| {
        CallError::Parameters("The field 'FunctionName' is required".into()).failure(Naming::optimized(&LAMBDA))
    })?;
    let mut headers = Vec::new();
    for (member, header) in [
        ("InvocationType", "x-amz-invocation-type"),
        ("LogType", "x-amz-log-type"),
        ("ClientContext", "x-amz-client-context"),
    ] {
        if let Some(value) = text_member(&parameters, member)? {
            headers.push((header, value.to_owned()));
        }
    }
    let invocation = Invocation {
        function,
        payload: parameters.get("Payload").map(Value::to_string),
        headers,
        qualifier: text_member(&parameters, "Qualifier")?,
    };
    let response = send(client, invocation)
        .await
        .map_err(|e| e.failure(Naming::optimized(&LAMBDA)))?;
    if let Some(failure) = function_error(&response) {
        return Err(failure);
    }
    let mut members = Map::new();
    let header = |name: &str| response.header(name);
    if let Some(version) = header("x-amz-executed-version") {
        members.insert("ExecutedVersion".into(), Value::String(version));
    }
    if let Some(log) = header("x-amz-log-result") {
        members.insert("LogResult".into(), Value::String(log));
    }
    members.insert("Payload".into(), payload(&response));
    members.insert("StatusCode".into(), Value::from(response.status.as_u16()));
    Ok(optimized_result(members, &response))
}

/// `arn:aws:lambda:<region>:<account>:function:<name>`: the parameters are the payload and
/// the function's answer is the result.
pub(super) async fn invoke_legacy(client: &Client, function: &str, parameters: Value) -> Result<Value, Failure> {
    let invocation = Invocation {
        function,
        payload: Some(parameters.to_string()),
        headers: Vec::new(),
        qualifier: None,
    };
    let response = send(client, invocation)
        .await
        .map_err(|e| e.failure(Naming::optimized(&LAMBDA)))?;
    match function_error(&response) {
        Some(failure) => Err(failure),
        None => Ok(payload(&response)),
    }
}

#[cfg(test)]
mod tests {
    use crate::aws::services::LAMBDA;
    use crate::aws::{AwsConfig, AwsIntegration, Credentials, Endpoints};
    use crate::http::tests::serve_once;
    use crate::http::HttpClient;
    use crate::{Integration, TaskRequest};
    use serde_json::json;

    /// A one-request Lambda on loopback: answers `reply` and hands back the request's text.
    async fn lambda_once(reply: String) -> (AwsIntegration, tokio::task::JoinHandle<String>) {
        let (address, server) = serve_once(reply).await;
        let mut endpoints = Endpoints::default();
        endpoints.set(&LAMBDA, format!("http://{address}"));
        let config = AwsConfig {
            region: "eu-west-1".into(),
            credentials: Some(Credentials {
                access_key_id: "AKIDTEST".into(),
                secret_access_key: "secret".into(),
                session_token: Some("session".into()),
            }),
            endpoints,
        };
        (AwsIntegration::new(config, HttpClient::new()), server)
    }

    fn reply(status: &str, headers: &[&str], body: &str) -> String {
        let mut text = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
        for header in headers {
            text.push_str(header);
            text.push_str("\r\n");
        }
        text + "\r\n" + body
    }

    fn invoke(resource: &str, parameters: serde_json::Value) -> TaskRequest {
        TaskRequest {
            resource: resource.into(),
            parameters,
            ..TaskRequest::default()
        }
    }

    #[tokio::test]
    async fn a_request_is_signed_and_carries_the_invoke_members() {
        let ok = reply(
            "200 OK",
            &["x-amz-executed-version: 7", "x-amzn-requestid: r-1"],
            r#"{"ok":true}"#,
        );
        let (lambda, server) = lambda_once(ok).await;
        let function = "arn:aws:lambda:eu-west-1:123456789012:function:f";
        let parameters = json!({
            "FunctionName": function,
            "Qualifier": "prod",
            "InvocationType": "RequestResponse",
            "Payload": {"a": 1}
        });
        let result = lambda
            .invoke(invoke("arn:aws:states:::lambda:invoke", parameters))
            .await
            .unwrap();
        assert_eq!(result["ExecutedVersion"], "7");
        assert_eq!(result["Payload"], json!({"ok": true}));
        assert_eq!(result["StatusCode"], 200);
        assert_eq!(result["SdkResponseMetadata"], json!({"RequestId": "r-1"}));
        let request = server.await.unwrap();
        assert!(
            request.starts_with(
                "POST /2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Af/invocations?Qualifier=prod HTTP/1.1\r\n"
            ),
            "{request}"
        );
        assert!(
            request.contains("x-amz-invocation-type: RequestResponse\r\n"),
            "{request}"
        );
        assert!(request.contains("x-amz-security-token: session\r\n"), "{request}");
        assert!(
            request.contains("authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/"),
            "{request}"
        );
        assert!(
            request.contains("/eu-west-1/lambda/aws4_request, SignedHeaders="),
            "{request}"
        );
        assert!(request.ends_with(r#"{"a":1}"#), "{request}");
    }

    #[tokio::test]
    async fn a_function_error_fails_with_the_payloads_error_type() {
        let payload = r#"{"errorMessage":"bad input","errorType":"ValueError","stackTrace":[]}"#;
        let (lambda, _) = lambda_once(reply("200 OK", &["x-amz-function-error: Unhandled"], payload)).await;
        let failure = lambda
            .invoke(invoke("arn:aws:states:::lambda:invoke", json!({"FunctionName": "f"})))
            .await
            .unwrap_err();
        assert_eq!(failure.error, "ValueError");
        assert_eq!(failure.cause.as_deref(), Some(payload));

        let (lambda, _) = lambda_once(reply("200 OK", &["x-amz-function-error: Unhandled"], "out of memory")).await;
        let failure = lambda
            .invoke(invoke("arn:aws:lambda:eu-west-1:123456789012:function:f", json!({})))
            .await
            .unwrap_err();
        assert_eq!(failure.error, "Lambda.Unknown");
        assert_eq!(failure.cause.as_deref(), Some("out of memory"));
    }

    #[tokio::test]
    async fn a_service_error_is_named_as_the_optimized_integration_names_it() {
        let body =
            r#"{"Type":"User","Message":"Function not found: arn:aws:lambda:eu-west-1:123456789012:function:f"}"#;
        let answer = reply(
            "404 Not Found",
            &["x-amzn-errortype: ResourceNotFoundException", "x-amzn-requestid: r-9"],
            body,
        );
        let (lambda, _) = lambda_once(answer).await;
        let failure = lambda
            .invoke(invoke("arn:aws:states:::lambda:invoke", json!({"FunctionName": "f"})))
            .await
            .unwrap_err();
        assert_eq!(failure.error, "Lambda.ResourceNotFoundException");
        assert_eq!(
            failure.cause.as_deref(),
            Some(
                "Function not found: arn:aws:lambda:eu-west-1:123456789012:function:f (Service: AWSLambda; \
                 Status Code: 404; Error Code: ResourceNotFoundException; Request ID: r-9; Proxy: null)"
            )
        );
    }
}
