//! One AWS request: the URL from the endpoint configuration, the SigV4 signature, the
//! exchange over the shared HTTP client, and a non-2xx answer read into a [`ServiceError`].
//! Also the two ways Step Functions names a failed call (optimized vs `aws-sdk`), and the
//! `SdkHttpMetadata`/`SdkResponseMetadata` that optimized integrations add to results.

use std::time::{Duration, SystemTime};

use asl::errors::{names, Failure};
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use serde_json::{json, Map, Value};

use super::services::{OptimizedNames, Protocol, Service};
use super::{xml, AwsConfig};
use crate::http::{header, Bytes, HttpClient, HttpError, HttpResponse, Method, Request};

/// Lambda runs a synchronous invocation for up to 15 minutes; the Task's own
/// `TimeoutSeconds` bounds it more tightly when set.
pub(super) const LAMBDA_LIMIT: Duration = Duration::from_secs(15 * 60 + 30);
/// Every other call is quick; a silent endpoint should not hold a task for long.
pub(super) const DEFAULT_LIMIT: Duration = Duration::from_secs(70);

/// An error answer of an AWS service.
#[derive(Debug, Clone)]
pub(crate) struct ServiceError {
    pub(crate) status: u16,
    /// The error's shape name (`ConditionalCheckFailedException`, `QueueDoesNotExist`),
    /// when the service named one.
    pub(crate) code: Option<String>,
    /// The code the service's query-compatible header gives (SQS:
    /// `AWS.SimpleQueueService.NonExistentQueue`), which AWS's causes show.
    pub(crate) query_code: Option<String>,
    pub(crate) message: String,
    pub(crate) request_id: String,
}

/// Why a call did not return a result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallError {
    /// No answer: the endpoint is unreachable, silent, or broke the connection.
    #[error("Unable to execute HTTP request: {0}")]
    Http(#[from] HttpError),
    #[error("Unable to sign the request: {0}")]
    Sign(String),
    /// The service answered with an error.
    #[error("{}", .0.message)]
    Service(ServiceError),
    /// The Task's parameters cannot make a request (a required member is missing).
    #[error("{0}")]
    Parameters(String),
    /// A 2xx answer whose body is not what the protocol promises.
    #[error("Unable to read the response: {0}")]
    Response(String),
}

/// Whose naming a failure follows.
#[derive(Clone, Copy)]
pub(crate) enum Naming<'a> {
    /// Optimized integrations (SDK for Java 1.x): `SQS.QueueDoesNotExistException`,
    /// `... (Service: AmazonSQS; Status Code: 400; Error Code: ...; Request ID: ...; Proxy: null)`.
    Optimized(&'a OptimizedNames),
    /// `aws-sdk` integrations (SDK for Java 2.x): `Sqs.QueueDoesNotExistException`,
    /// `... (Service: Sqs, Status Code: 400, Request ID: ...)`.
    Sdk(&'a str),
}

impl Naming<'static> {
    /// The naming of `service`'s optimized integrations (each module calls only services
    /// that have them).
    pub(crate) fn optimized(service: &'static Service) -> Naming<'static> {
        Naming::Optimized(
            service
                .optimized
                .as_ref()
                .expect("a service with optimized integrations"),
        )
    }
}

impl Naming<'_> {
    fn prefix(&self) -> &str {
        match self {
            Naming::Optimized(names) => names.error_prefix,
            Naming::Sdk(id) => id,
        }
    }
}

/// `code` as Step Functions names the error: always with the `Exception` suffix (docs,
/// "AWS SDK service integrations": S3's `NoSuchKey` is `S3.NoSuchKeyException`).
fn exception_name(code: &str) -> String {
    if code.ends_with("Exception") {
        code.to_owned()
    } else {
        format!("{code}Exception")
    }
}

impl CallError {
    pub(crate) fn failure(&self, naming: Naming<'_>) -> Failure {
        let prefix = naming.prefix();
        match (self, naming) {
            (CallError::Service(e), Naming::Optimized(names)) => {
                let exception = e.code.as_deref().map_or_else(
                    || format!("{}Exception", names.cause_name.replace(' ', "")),
                    exception_name,
                );
                let code = e.query_code.as_deref().or(e.code.as_deref()).unwrap_or("null");
                Failure::new(
                    format!("{prefix}.{exception}"),
                    format!(
                        "{} (Service: {}; Status Code: {}; Error Code: {code}; Request ID: {}; Proxy: null)",
                        e.message, names.cause_name, e.status, e.request_id
                    ),
                )
            }
            (CallError::Service(e), Naming::Sdk(id)) => {
                let exception = e
                    .code
                    .as_deref()
                    .map_or_else(|| format!("{id}Exception"), exception_name);
                Failure::new(
                    format!("{prefix}.{exception}"),
                    format!(
                        "{} (Service: {id}, Status Code: {}, Request ID: {}) (SDK Attempt Count: 1)",
                        e.message, e.status, e.request_id
                    ),
                )
            }
            (CallError::Parameters(message), _) => Failure::new(names::TASK_FAILED, message.clone()),
            (other, _) => Failure::new(format!("{prefix}.SdkClientException"), other.to_string()),
        }
    }
}

/// The shared HTTP client, with what it takes to address and sign AWS requests.
pub(crate) struct Client {
    http: HttpClient,
    config: AwsConfig,
}

/// A request to send: everything but the endpoint and the signature.
pub(crate) struct Outgoing<'a> {
    pub(crate) method: Method,
    /// Path and query, already encoded, starting with `/`.
    pub(crate) path: String,
    pub(crate) headers: Vec<(&'a str, String)>,
    pub(crate) body: Bytes,
    pub(crate) limit: Duration,
}

impl Client {
    pub(crate) fn new(config: AwsConfig, http: HttpClient) -> Client {
        Client { http, config }
    }

    /// Send `outgoing` to `service`, signed; a non-2xx answer is a [`CallError::Service`].
    pub(crate) async fn send(&self, service: &Service, outgoing: Outgoing<'_>) -> Result<HttpResponse, CallError> {
        let url = format!(
            "{}{}",
            self.config.endpoints.resolve(service, &self.config.region),
            outgoing.path
        );
        let mut builder = Request::builder().method(outgoing.method).uri(&url);
        for (name, value) in &outgoing.headers {
            builder = builder.header(*name, value);
        }
        let mut request = builder
            .body(outgoing.body)
            .map_err(|e| CallError::Parameters(format!("Invalid request to {url}: {e}")))?;
        let host = request
            .uri()
            .authority()
            .map(|a| a.as_str().to_owned())
            .ok_or_else(|| CallError::Parameters(format!("The endpoint {url} has no host")))?;
        request.headers_mut().insert(
            header::HOST,
            host.parse()
                .map_err(|_| CallError::Parameters(format!("Invalid host {host}")))?,
        );
        if let Some(credentials) = &self.config.credentials {
            self.sign(&mut request, service, credentials)?;
        }
        let response = self.http.send(request, outgoing.limit).await?;
        if response.status.is_success() {
            Ok(response)
        } else {
            Err(CallError::Service(read_error(&response)))
        }
    }

    /// Call `action` of a JSON-protocol `service` with `body`; returns the answer's JSON
    /// and the response (for its metadata).
    pub(crate) async fn json(
        &self,
        service: &Service,
        action: &str,
        body: &Value,
    ) -> Result<(Value, HttpResponse), CallError> {
        let Protocol::Json {
            version, target_prefix, ..
        } = service.protocol
        else {
            return Err(CallError::Parameters(format!(
                "{} does not speak the AWS JSON protocol",
                service.sdk_id
            )));
        };
        let outgoing = Outgoing {
            method: Method::POST,
            path: "/".into(),
            headers: vec![
                ("x-amz-target", format!("{target_prefix}.{action}")),
                ("content-type", format!("application/x-amz-json-{version}")),
            ],
            body: Bytes::from(body.to_string()),
            limit: DEFAULT_LIMIT,
        };
        let response = self.send(service, outgoing).await?;
        let value = if response.body.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(&response.body).map_err(|e| CallError::Response(e.to_string()))?
        };
        Ok((value, response))
    }

    fn sign(
        &self,
        request: &mut Request<Bytes>,
        service: &Service,
        credentials: &super::Credentials,
    ) -> Result<(), CallError> {
        let identity = aws_credential_types::Credentials::new(
            &credentials.access_key_id,
            &credentials.secret_access_key,
            credentials.session_token.clone(),
            None,
            "environment",
        )
        .into();
        let mut settings = SigningSettings::default();
        if service.protocol == Protocol::RestXml {
            // S3 signs the payload's hash in a header and its paths as they are.
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
            settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
            settings.percent_encoding_mode = PercentEncodingMode::Single;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.config.region)
            .name(service.signing_name)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| CallError::Sign(e.to_string()))?
            .into();
        let uri = request.uri().to_string();
        let headers = request
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
        let signable = SignableRequest::new(
            request.method().as_str(),
            &uri,
            headers,
            SignableBody::Bytes(request.body()),
        )
        .map_err(|e| CallError::Sign(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| CallError::Sign(e.to_string()))?
            .into_parts();
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

/// The request id AWS put in the response's headers.
pub(crate) fn request_id(response: &HttpResponse) -> String {
    ["x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|name| response.headers.get(*name)?.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Read an error answer: JSON (`__type`/`code` and `message`) from JSON and REST-JSON
/// services, XML (`<Code>`, `<Message>`) from query and REST-XML ones.
fn read_error(response: &HttpResponse) -> ServiceError {
    let header = |name: &str| response.header(name);
    let mut error = ServiceError {
        status: response.status.as_u16(),
        code: header("x-amzn-errortype"),
        query_code: header("x-amzn-query-error").map(|v| v.split(';').next().unwrap_or_default().to_owned()),
        message: String::new(),
        request_id: request_id(response),
    };
    // Each protocol has its error format, but gateways in front of a service (its
    // authentication layer, an emulator) may answer in the other; read what came.
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(body)) => {
            let text = |keys: &[&str]| keys.iter().find_map(|k| body.get(*k)?.as_str().map(str::to_owned));
            if let Some(code) = text(&["__type", "code", "Code"]) {
                error.code = Some(code);
            }
            error.message = text(&["message", "Message", "errorMessage"]).unwrap_or_default();
        }
        _ => {
            let leaves = xml::leaves(&response.body);
            error.code = xml::find(&leaves, "Code").or(error.code);
            error.message = xml::find(&leaves, "Message").unwrap_or_default();
            if error.request_id.is_empty() {
                error.request_id = xml::find(&leaves, "RequestId").unwrap_or_default();
            }
        }
    }
    // `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`, or a code with a
    // documentation link after a colon: the shape name is what names the error.
    error.code = error.code.map(|code| {
        let code = code.rsplit('#').next().unwrap_or(&code);
        code.split(':').next().unwrap_or(code).to_owned()
    });
    if error.message.is_empty() {
        error.message = String::from_utf8_lossy(&response.body).into_owned();
    }
    error
}

/// Header names as AWS's SDK for Java reports the common ones (HTTP/1.1 names are
/// case-insensitive and the client reads them in lowercase).
fn header_name(name: &str) -> &str {
    match name {
        "connection" => "Connection",
        "content-length" => "Content-Length",
        "content-type" => "Content-Type",
        "date" => "Date",
        "x-amzn-requestid" => "x-amzn-RequestId",
        "x-amz-executed-version" => "X-Amz-Executed-Version",
        "x-amzn-trace-id" => "X-Amzn-Trace-Id",
        "x-amzn-remapped-content-length" => "x-amzn-Remapped-Content-Length",
        other => other,
    }
}

/// The `SdkHttpMetadata` and `SdkResponseMetadata` members of an optimized integration's
/// result.
pub(crate) fn sdk_metadata(response: &HttpResponse) -> [(String, Value); 2] {
    let mut all = Map::new();
    let mut single = Map::new();
    for name in response.headers.keys() {
        let values: Vec<Value> = response
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let name = header_name(name.as_str()).to_owned();
        single.insert(name.clone(), values.last().cloned().unwrap_or_default());
        all.insert(name, Value::Array(values));
    }
    [
        (
            "SdkHttpMetadata".into(),
            json!({
                "AllHttpHeaders": all,
                "HttpHeaders": single,
                "HttpStatusCode": response.status.as_u16(),
            }),
        ),
        ("SdkResponseMetadata".into(), json!({"RequestId": request_id(response)})),
    ]
}

/// An optimized integration's result: the service's members and the SDK metadata, in
/// the alphabetical order AWS's results have.
pub(crate) fn optimized_result(members: Map<String, Value>, response: &HttpResponse) -> Value {
    let mut entries: Vec<(String, Value)> = members.into_iter().collect();
    entries.extend(sdk_metadata(response));
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(entries.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{HeaderMap, StatusCode};

    fn response(status: u16, headers: &[(&'static str, &str)], body: &str) -> HttpResponse {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(*name, value.parse().unwrap());
        }
        HttpResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn json_errors_are_named_as_each_integration_kind_names_them() {
        let answer = response(
            400,
            &[
                ("x-amzn-requestid", "r-1"),
                ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"),
            ],
            r#"{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "The specified queue does not exist."}"#,
        );
        let error = CallError::Service(read_error(&answer));
        let optimized = error.failure(Naming::Optimized(
            super::super::services::SQS.optimized.as_ref().unwrap(),
        ));
        assert_eq!(optimized.error, "SQS.QueueDoesNotExistException");
        assert_eq!(
            optimized.cause.as_deref(),
            Some("The specified queue does not exist. (Service: AmazonSQS; Status Code: 400; Error Code: AWS.SimpleQueueService.NonExistentQueue; Request ID: r-1; Proxy: null)")
        );
        let sdk = error.failure(Naming::Sdk("Sqs"));
        assert_eq!(sdk.error, "Sqs.QueueDoesNotExistException");
        assert_eq!(
            sdk.cause.as_deref(),
            Some("The specified queue does not exist. (Service: Sqs, Status Code: 400, Request ID: r-1) (SDK Attempt Count: 1)")
        );
    }

    #[test]
    fn xml_errors_give_code_message_and_request_id() {
        let answer = response(
            404,
            &[],
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>abc</RequestId></ErrorResponse>",
        );
        let error = read_error(&answer);
        assert_eq!(error.code.as_deref(), Some("NotFound"));
        assert_eq!(error.message, "Topic does not exist");
        assert_eq!(error.request_id, "abc");
    }

    #[test]
    fn metadata_lists_every_header_and_sorts_members() {
        let answer = response(
            200,
            &[("content-type", "application/json"), ("x-amzn-requestid", "r-2")],
            "{}",
        );
        let mut members = Map::new();
        members.insert("MessageId".into(), json!("m"));
        members.insert("MD5OfMessageBody".into(), json!("d"));
        let result = optimized_result(members, &answer);
        let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "MD5OfMessageBody",
                "MessageId",
                "SdkHttpMetadata",
                "SdkResponseMetadata"
            ]
        );
        assert_eq!(
            result["SdkHttpMetadata"],
            json!({
                "AllHttpHeaders": {"Content-Type": ["application/json"], "x-amzn-RequestId": ["r-2"]},
                "HttpHeaders": {"Content-Type": "application/json", "x-amzn-RequestId": "r-2"},
                "HttpStatusCode": 200
            })
        );
        assert_eq!(result["SdkResponseMetadata"], json!({"RequestId": "r-2"}));
    }
}
