//! S3's object calls through `arn:aws:states:::aws-sdk:s3:<action>`: `getObject` (the body
//! as text, with its headers as members), `putObject` (a JSON `Body` is stored as its
//! text) and `deleteObject`. S3 is REST-XML, so each action is written out; other S3
//! actions are not supported. Buckets are addressed path-style (`<endpoint>/<bucket>/<key>`),
//! which works for AWS and for every emulator.

use asl::errors::{names, Failure};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

use super::call::{CallError, Client, Naming, Outgoing, DEFAULT_LIMIT};
use super::services::S3;
use super::text_of;
use crate::http::{Bytes, HttpResponse, Method};

/// What stays unescaped in an object key: unreserved characters and the `/` separators.
const KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

fn naming() -> Naming<'static> {
    Naming::Sdk(S3.sdk_id)
}

fn required<'a>(parameters: &'a Map<String, Value>, name: &str) -> Result<&'a str, Failure> {
    parameters.get(name).and_then(Value::as_str).ok_or_else(|| {
        CallError::Parameters(format!("The field '{name}' is required and must be a string")).failure(naming())
    })
}

/// The response headers an object call reports, with their member names and types.
const HEADERS: &[(&str, &str, bool)] = &[
    ("accept-ranges", "AcceptRanges", false),
    ("content-length", "ContentLength", true),
    ("content-type", "ContentType", false),
    ("etag", "ETag", false),
    ("last-modified", "LastModified", false),
    ("x-amz-version-id", "VersionId", false),
    ("x-amz-server-side-encryption", "ServerSideEncryption", false),
    ("x-amz-delete-marker", "DeleteMarker", false),
];

fn header_members(response: &HttpResponse, members: &mut Map<String, Value>) {
    for (header, member, numeric) in HEADERS {
        let Some(text) = response.headers.get(*header).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        let value = match (numeric, text.parse::<u64>()) {
            (true, Ok(n)) => Value::from(n),
            _ if *member == "DeleteMarker" => Value::Bool(text == "true"),
            _ => Value::String(text.to_owned()),
        };
        members.insert((*member).to_owned(), value);
    }
}

/// Call `action`; unsupported S3 actions fail naming the resource.
pub(super) async fn call(client: &Client, action: &str, parameters: Value) -> Result<Value, Failure> {
    let Value::Object(parameters) = parameters else {
        return Err(
            CallError::Parameters(format!("The parameters of s3:{action} must be an object")).failure(naming()),
        );
    };
    let bucket = required(&parameters, "Bucket")?;
    let key = required(&parameters, "Key")?;
    let path = format!(
        "/{}/{}",
        utf8_percent_encode(bucket, KEY),
        utf8_percent_encode(key, KEY)
    );
    let (method, body, headers) = match action {
        "getObject" => (Method::GET, Bytes::new(), Vec::new()),
        "deleteObject" => (Method::DELETE, Bytes::new(), Vec::new()),
        "putObject" => {
            let body = parameters.get("Body").map(text_of).unwrap_or_default();
            let mut headers = Vec::new();
            if let Some(content_type) = parameters.get("ContentType").and_then(Value::as_str) {
                headers.push(("content-type", content_type.to_owned()));
            }
            (Method::PUT, Bytes::from(body), headers)
        }
        _ => {
            return Err(Failure::new(
                names::TASK_FAILED,
                format!("Switchyard does not support the resource 'arn:aws:states:::aws-sdk:s3:{action}'"),
            ))
        }
    };
    let outgoing = Outgoing {
        method,
        path,
        headers,
        body,
        limit: DEFAULT_LIMIT,
    };
    let response = client.send(&S3, outgoing).await.map_err(|e| e.failure(naming()))?;
    let mut members = Map::new();
    if action == "getObject" {
        members.insert(
            "Body".into(),
            Value::String(String::from_utf8_lossy(&response.body).into_owned()),
        );
    }
    header_members(&response, &mut members);
    if action == "putObject" {
        members.remove("ContentLength");
    }
    let mut entries: Vec<(String, Value)> = members.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::Object(entries.into_iter().collect()))
}
