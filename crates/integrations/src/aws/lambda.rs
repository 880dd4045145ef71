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

fn naming() -> Naming<'static> {
    Naming::Optimized(LAMBDA.optimized.as_ref().expect("Lambda has an optimized integration"))
}

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
        Some(_) => Err(CallError::Parameters(format!("The field '{name}' must be a string")).failure(naming())),
    }
}

/// `arn:aws:states:::lambda:invoke`.
pub(super) async fn invoke(client: &Client, parameters: Value) -> Result<Value, Failure> {
    let Value::Object(parameters) = parameters else {
        return Err(
            CallError::Parameters("The parameters of lambda:invoke must be an object".into()).failure(naming()),
        );
    };
    let function = text_member(&parameters, "FunctionName")?
        .ok_or_else(|| CallError::Parameters("The field 'FunctionName' is required".into()).failure(naming()))?;
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
    let response = send(client, invocation).await.map_err(|e| e.failure(naming()))?;
    if let Some(failure) = function_error(&response) {
        return Err(failure);
    }
    let mut members = Map::new();
    let header = |name: &str| {
        response
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
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
    let response = send(client, invocation).await.map_err(|e| e.failure(naming()))?;
    match function_error(&response) {
        Some(failure) => Err(failure),
        None => Ok(payload(&response)),
    }
}
