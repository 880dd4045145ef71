//! The HTTP Task (`arn:aws:states:::http:invoke`): a Task state that calls an HTTP API and
//! returns its response, as the Developer Guide's "Call HTTPS APIs in Step Functions
//! workflows" describes.
//!
//! The task's parameters (`ApiEndpoint`, `Method`, `Authentication.ConnectionArn`,
//! `Headers`, `QueryParameters`, `RequestBody`, `Transform`) become one request. The named
//! connection (from the [`Connections`] file, standing in for EventBridge) adds its
//! invocation headers, query and body parameters, which win over the task's on the same key,
//! and its authorization: an API key header, Basic credentials, or an OAuth bearer token
//! fetched with client credentials and cached until it expires.
//!
//! The result is `{"Headers": {name: [values]}, "ResponseBody": ..., "StatusCode": n,
//! "StatusText": "..."}`, the body parsed when the response says it is JSON. A status
//! outside 2xx fails the task with `States.Http.StatusCode.<n>` (the cause is that same
//! object as JSON text), no response within 60 seconds or no connection with
//! `States.Http.Socket`, and parameters that cannot make a request with `States.Runtime`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asl::errors::Failure;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::connections::{Auth, Connection, Connections, OAuthClient};
use crate::http::{header, Bytes, HeaderMap, HttpClient, HttpError, HttpResponse, Method, Request, StatusCode};
use crate::{Integration, TaskFuture, TaskRequest};

/// The resource of an HTTP Task. Only the request-response pattern exists for it.
pub const RESOURCE: &str = "arn:aws:states:::http:invoke";

/// AWS gives an HTTP Task 60 seconds for its request (Quotas, "HTTP Task duration").
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// A cached OAuth token is dropped this long before its `expires_in` runs out, so a token
/// does not expire between being read from the cache and reaching the API.
const TOKEN_MARGIN: Duration = Duration::from_secs(10);

/// Headers a task may not set (Developer Guide, "HTTP Task fields", `Headers`); names are
/// compared in lower case. `Content-Length` is added here: it is computed from the body.
const FORBIDDEN_HEADERS: &[&str] = &[
    "a-im",
    "accept-charset",
    "accept-datetime",
    "accept-encoding",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-md5",
    "date",
    "expect",
    "forwarded",
    "from",
    "host",
    "http2-settings",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "max-forwards",
    "origin",
    "pragma",
    "proxy-authorization",
    "referer",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
    "warning",
];
const FORBIDDEN_HEADER_PREFIXES: &[&str] = &["x-forwarded-", "x-amz-", "x-amzn-"];

const METHODS: &[Method] = &[
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
    Method::HEAD,
];

const FIELDS: &[&str] = &[
    "ApiEndpoint",
    "Method",
    "Authentication",
    "Headers",
    "QueryParameters",
    "RequestBody",
    "Transform",
];

/// Error names an HTTP Task raises besides the predefined `States.*` ones.
pub mod names {
    /// No response: no connection, a TLS failure, or no answer within 60 seconds.
    pub const SOCKET: &str = "States.Http.Socket";
    /// Prefix of `States.Http.StatusCode.<n>`, for a response outside 2xx.
    pub const STATUS_CODE_PREFIX: &str = "States.Http.StatusCode.";
    /// The connection ARN is not in the connections file.
    pub const CONNECTION_NOT_FOUND: &str = "Events.ConnectionResource.ResourceNotFound";
    /// The connection cannot authorize: its OAuth token endpoint did not give a token.
    pub const CONNECTION_INVALID_STATE: &str = "Events.ConnectionResource.InvalidConnectionState";
}

/// Why a task's parameters cannot make a request; worded as AWS words its parameter errors.
#[derive(Debug, thiserror::Error)]
enum ParameterError {
    #[error("The field '{0}' is required but was missing")]
    Missing(&'static str),
    #[error("The field '{0}' is not supported by Step Functions")]
    Unknown(String),
    #[error("The value for the field '{field}' must be {expected}")]
    Type { field: String, expected: &'static str },
    #[error("The value '{value}' for the field '{field}' is not valid: {reason}")]
    Value {
        field: String,
        value: String,
        reason: String,
    },
    #[error("The header '{0}' cannot be set in an HTTP Task")]
    ForbiddenHeader(String),
}

fn type_error(field: impl Into<String>, expected: &'static str) -> ParameterError {
    ParameterError::Type {
        field: field.into(),
        expected,
    }
}

fn value_error(field: impl Into<String>, value: impl Into<String>, reason: impl Into<String>) -> ParameterError {
    ParameterError::Value {
        field: field.into(),
        value: value.into(),
        reason: reason.into(),
    }
}

/// How `Transform.RequestEncodingOptions.ArrayFormat` writes an array `a: [x, y]`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ArrayFormat {
    /// `a[0]=x&a[1]=y` (the default)
    Indices,
    /// `a=x&a=y`
    Repeat,
    /// `a=x,y`
    Commas,
    /// `a[]=x&a[]=y`
    Brackets,
}

/// How the body is sent.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Encoding {
    /// As JSON text (a string body as it is).
    Json,
    /// `Transform.RequestBodyEncoding: URL_ENCODED`.
    Form(ArrayFormat),
}

/// One HTTP Task's parameters, checked.
#[derive(Debug)]
struct Call {
    endpoint: String,
    method: Method,
    connection_arn: String,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Option<Value>,
    encoding: Encoding,
}

impl Call {
    fn parse(parameters: &Value) -> Result<Call, ParameterError> {
        let fields = parameters
            .as_object()
            .ok_or_else(|| type_error("Parameters", "an OBJECT"))?;
        if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(ParameterError::Unknown(unknown.clone()));
        }
        let endpoint = required_string(fields, "ApiEndpoint")?;
        let uri: crate::http::Uri = endpoint
            .parse()
            .map_err(|_| value_error("ApiEndpoint", endpoint, "it is not a URL"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(value_error(
                "ApiEndpoint",
                endpoint,
                "it is not an absolute http(s) URL",
            ));
        }
        let method_text = required_string(fields, "Method")?;
        let method = METHODS
            .iter()
            .find(|m| m.as_str() == method_text)
            .cloned()
            .ok_or_else(|| {
                value_error(
                    "Method",
                    method_text,
                    "it is not one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD",
                )
            })?;
        let authentication = fields
            .get("Authentication")
            .ok_or(ParameterError::Missing("Authentication"))?
            .as_object()
            .ok_or_else(|| type_error("Authentication", "an OBJECT"))?;
        let connection_arn = match authentication.get("ConnectionArn") {
            Some(Value::String(arn)) => arn.clone(),
            Some(_) => return Err(type_error("Authentication.ConnectionArn", "a STRING")),
            None => return Err(ParameterError::Missing("Authentication.ConnectionArn")),
        };
        Ok(Call {
            endpoint: endpoint.to_owned(),
            method,
            connection_arn,
            headers: headers(fields.get("Headers"))?,
            query: query(fields.get("QueryParameters"))?,
            body: fields.get("RequestBody").filter(|b| !b.is_null()).cloned(),
            encoding: encoding(fields.get("Transform"))?,
        })
    }
}

fn required_string<'a>(fields: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, ParameterError> {
    match fields.get(field) {
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(type_error(field, "a STRING")),
        None => Err(ParameterError::Missing(field)),
    }
}

/// A header or query value: strings as they are, numbers and booleans as JSON writes them.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(value.to_string()),
        _ => None,
    }
}

fn headers(value: Option<&Value>) -> Result<HeaderMap, ParameterError> {
    let mut map = HeaderMap::new();
    let Some(value) = value else { return Ok(map) };
    let fields = value.as_object().ok_or_else(|| type_error("Headers", "an OBJECT"))?;
    for (name, value) in fields {
        let lower = name.to_ascii_lowercase();
        if FORBIDDEN_HEADERS.contains(&lower.as_str()) || FORBIDDEN_HEADER_PREFIXES.iter().any(|p| lower.starts_with(p))
        {
            return Err(ParameterError::ForbiddenHeader(name.clone()));
        }
        let field = format!("Headers.{name}");
        let text = scalar_text(value).ok_or_else(|| type_error(field.clone(), "a STRING"))?;
        let header_name = header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| value_error("Headers", name.clone(), "it is not a header name"))?;
        let header_value = header::HeaderValue::from_str(&text)
            .map_err(|_| value_error(field, text.clone(), "it is not header text"))?;
        map.insert(header_name, header_value);
    }
    Ok(map)
}

/// `QueryParameters`: an object of strings (numbers and booleans as text); an array value
/// repeats its key.
fn query(value: Option<&Value>) -> Result<Vec<(String, String)>, ParameterError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let fields = value
        .as_object()
        .ok_or_else(|| type_error("QueryParameters", "an OBJECT"))?;
    let mut pairs = Vec::new();
    for (key, value) in fields {
        let items = match value {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for item in items {
            let text = scalar_text(item).ok_or_else(|| type_error(format!("QueryParameters.{key}"), "a STRING"))?;
            pairs.push((key.clone(), text));
        }
    }
    Ok(pairs)
}

fn encoding(value: Option<&Value>) -> Result<Encoding, ParameterError> {
    let Some(value) = value else { return Ok(Encoding::Json) };
    let fields = value.as_object().ok_or_else(|| type_error("Transform", "an OBJECT"))?;
    if let Some(unknown) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "RequestBodyEncoding" | "RequestEncodingOptions"))
    {
        return Err(ParameterError::Unknown(format!("Transform.{unknown}")));
    }
    let form = match fields.get("RequestBodyEncoding") {
        None => false,
        Some(Value::String(s)) if s == "NONE" => false,
        Some(Value::String(s)) if s == "URL_ENCODED" => true,
        Some(other) => {
            return Err(value_error(
                "Transform.RequestBodyEncoding",
                scalar_text(other).unwrap_or_else(|| other.to_string()),
                "it is not one of NONE, URL_ENCODED",
            ))
        }
    };
    let format = match fields.get("RequestEncodingOptions") {
        None => ArrayFormat::Indices,
        Some(Value::Object(options)) => {
            if let Some(unknown) = options.keys().find(|k| k.as_str() != "ArrayFormat") {
                return Err(ParameterError::Unknown(format!(
                    "Transform.RequestEncodingOptions.{unknown}"
                )));
            }
            match options.get("ArrayFormat") {
                None => ArrayFormat::Indices,
                Some(Value::String(s)) => match s.as_str() {
                    "INDICES" => ArrayFormat::Indices,
                    "REPEAT" => ArrayFormat::Repeat,
                    "COMMAS" => ArrayFormat::Commas,
                    "BRACKETS" => ArrayFormat::Brackets,
                    other => {
                        return Err(value_error(
                            "Transform.RequestEncodingOptions.ArrayFormat",
                            other,
                            "it is not one of INDICES, REPEAT, COMMAS, BRACKETS",
                        ))
                    }
                },
                Some(_) => return Err(type_error("Transform.RequestEncodingOptions.ArrayFormat", "a STRING")),
            }
        }
        Some(_) => return Err(type_error("Transform.RequestEncodingOptions", "an OBJECT")),
    };
    Ok(if form { Encoding::Form(format) } else { Encoding::Json })
}

/// Write `body` (an object) as `application/x-www-form-urlencoded`: nested objects as
/// `a[b]=c`, arrays as `format` says.
fn form_encode(body: &Map<String, Value>, format: ArrayFormat) -> Result<String, ParameterError> {
    fn add(
        out: &mut form_urlencoded::Serializer<'_, String>,
        key: &str,
        value: &Value,
        format: ArrayFormat,
    ) -> Result<(), ParameterError> {
        match value {
            Value::Object(fields) => {
                for (k, v) in fields {
                    add(out, &format!("{key}[{k}]"), v, format)?;
                }
            }
            Value::Array(items) if format == ArrayFormat::Commas => {
                let texts = items
                    .iter()
                    .map(|item| match item {
                        Value::Null => Some(String::new()),
                        other => scalar_text(other),
                    })
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        value_error(
                            format!("RequestBody.{key}"),
                            value.to_string(),
                            "ArrayFormat COMMAS can only join strings, numbers and booleans",
                        )
                    })?;
                out.append_pair(key, &texts.join(","));
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_key = match format {
                        ArrayFormat::Indices => format!("{key}[{i}]"),
                        ArrayFormat::Brackets => format!("{key}[]"),
                        ArrayFormat::Repeat | ArrayFormat::Commas => key.to_owned(),
                    };
                    add(out, &item_key, item, format)?;
                }
            }
            Value::Null => {
                out.append_pair(key, "");
            }
            scalar => {
                out.append_pair(key, &scalar_text(scalar).unwrap_or_default());
            }
        }
        Ok(())
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in body {
        add(&mut out, key, value, format)?;
    }
    Ok(out.finish())
}

/// A bearer token and when to stop using it (`None`: the endpoint gave no `expires_in`).
struct Token {
    value: header::HeaderValue,
    renew_at: Option<Instant>,
}

/// The HTTP Task integration. One per server; shared by every executor thread.
pub struct HttpTask {
    client: HttpClient,
    connections: Arc<Connections>,
    user_agent: header::HeaderValue,
    /// OAuth tokens by connection ARN.
    tokens: Mutex<HashMap<String, Token>>,
}

impl HttpTask {
    /// `region` goes into the `User-Agent` AWS sends: `Amazon|StepFunctions|HttpInvoke|<region>`.
    pub fn new(client: HttpClient, connections: Arc<Connections>, region: &str) -> HttpTask {
        let user_agent = header::HeaderValue::from_str(&format!("Amazon|StepFunctions|HttpInvoke|{region}"))
            .unwrap_or_else(|_| header::HeaderValue::from_static("Amazon|StepFunctions|HttpInvoke"));
        HttpTask {
            client,
            connections,
            user_agent,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    async fn call(&self, parameters: &Value) -> Result<Value, Failure> {
        let call = Call::parse(parameters).map_err(|problem| {
            Failure::runtime(format!(
                "The Parameters '{parameters}' could not be used to start the Task: [{problem}]"
            ))
        })?;
        let connection = self.connections.get(&call.connection_arn).ok_or_else(|| {
            Failure::new(
                names::CONNECTION_NOT_FOUND,
                format!(
                    "Failed to retrieve connection '{}': it is not in the connections file (--connections)",
                    call.connection_arn
                ),
            )
        })?;
        let arn = call.connection_arn.clone();
        let request = self.request(call, connection).await?;
        let response = self.client.send(request, TIME_LIMIT).await.map_err(socket_failure)?;
        if response.status == StatusCode::UNAUTHORIZED {
            // The API refused the token: the next attempt (a Retry) fetches a new one.
            self.tokens.lock().expect("token cache").remove(&arn);
        }
        let status = response.status;
        let result = task_result(response)?;
        if status.is_success() {
            Ok(result)
        } else {
            Err(Failure::new(
                format!("{}{}", names::STATUS_CODE_PREFIX, status.as_u16()),
                result.to_string(),
            ))
        }
    }

    /// The request: the task's parameters, then the connection's invocation parameters
    /// (which win on the same key), then the connection's authorization.
    async fn request(&self, call: Call, connection: &Connection) -> Result<Request<Bytes>, Failure> {
        let invalid =
            |problem: ParameterError| Failure::runtime(format!("The HTTP request cannot be built: {problem}"));
        let invocation = &connection.invocation;

        let mut query = call.query;
        query.retain(|(k, _)| !invocation.query.iter().any(|(ck, _)| ck == k));
        query.extend(invocation.query.iter().cloned());
        let url = with_query(&call.endpoint, &query);

        let mut headers = call.headers;
        for (name, value) in &invocation.headers {
            headers.insert(name.clone(), value.clone());
        }
        if !headers.contains_key(header::USER_AGENT) {
            headers.insert(header::USER_AGENT, self.user_agent.clone());
        }

        // The connection's body parameters go into bodies the task sends, and into a new
        // one for methods that carry one; a GET does not grow a body.
        let mut body = call.body;
        let carries_body = body.is_some() || matches!(call.method, Method::POST | Method::PUT | Method::PATCH);
        if !invocation.body.is_empty() && carries_body {
            let fields = match &mut body {
                None => body.insert(Value::Object(Map::new())),
                Some(value) => value,
            };
            let Value::Object(fields) = fields else {
                return Err(invalid(value_error(
                    "RequestBody",
                    fields.to_string(),
                    "the connection adds body parameters, which need a JSON object body",
                )));
            };
            for (key, value) in &invocation.body {
                fields.insert(key.clone(), Value::String(value.clone()));
            }
        }
        let bytes = match (&body, call.encoding) {
            (None, _) => Bytes::new(),
            (Some(Value::Object(fields)), Encoding::Form(format)) => {
                headers.insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                Bytes::from(form_encode(fields, format).map_err(invalid)?)
            }
            (Some(other), Encoding::Form(_)) => {
                return Err(invalid(value_error(
                    "RequestBody",
                    other.to_string(),
                    "RequestBodyEncoding URL_ENCODED needs a JSON object",
                )))
            }
            (Some(value), Encoding::Json) => {
                if !headers.contains_key(header::CONTENT_TYPE) {
                    headers.insert(
                        header::CONTENT_TYPE,
                        header::HeaderValue::from_static("application/json; charset=UTF-8"),
                    );
                }
                match value {
                    Value::String(text) => Bytes::from(text.clone()),
                    other => Bytes::from(other.to_string()),
                }
            }
        };
        if body.is_some() {
            headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(bytes.len()));
        }

        let authorization = match &connection.auth {
            Auth::ApiKey { name, value } => Some((name.clone(), value.clone())),
            Auth::Basic { username, password } => Some((header::AUTHORIZATION, basic(username, password))),
            Auth::OAuth(client) => Some((header::AUTHORIZATION, self.bearer(&call.connection_arn, client).await?)),
        };
        if let Some((name, value)) = authorization {
            headers.insert(name, value);
        }

        let mut request = Request::builder()
            .method(call.method)
            .uri(&url)
            .body(bytes)
            .map_err(|e| invalid(value_error("ApiEndpoint", url.clone(), e.to_string())))?;
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// `Authorization: Bearer <token>` for an OAuth connection, from the cache while the
    /// token is fresh, else from the token endpoint.
    async fn bearer(&self, arn: &str, client: &OAuthClient) -> Result<header::HeaderValue, Failure> {
        if let Some(token) = self.tokens.lock().expect("token cache").get(arn) {
            if token.renew_at.is_none_or(|at| Instant::now() < at) {
                return Ok(token.value.clone());
            }
        }
        let token = self.fetch_token(arn, client).await?;
        let value = token.value.clone();
        self.tokens.lock().expect("token cache").insert(arn.to_owned(), token);
        Ok(value)
    }

    /// The client-credentials grant (RFC 6749, 4.4): the client id and secret as Basic
    /// credentials, `grant_type=client_credentials` and the connection's OAuth body
    /// parameters as a form (in the query string for GET), its headers and query parameters.
    async fn fetch_token(&self, arn: &str, client: &OAuthClient) -> Result<Token, Failure> {
        let refused = |why: String| {
            Failure::new(
                names::CONNECTION_INVALID_STATE,
                format!(
                    "Connection '{arn}' could not get an OAuth token from {}: {why}",
                    client.endpoint
                ),
            )
        };
        let params = &client.parameters;
        let mut form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        form.retain(|(k, _)| !params.body.iter().any(|(bk, _)| bk == k));
        form.extend(params.body.iter().cloned());
        let mut query = params.query.clone();
        let body = if client.method == Method::GET {
            query.extend(form);
            Bytes::new()
        } else {
            Bytes::from(
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(&form)
                    .finish(),
            )
        };
        let mut request = Request::builder()
            .method(client.method.clone())
            .uri(with_query(&client.endpoint.to_string(), &query))
            .header(header::AUTHORIZATION, basic(&client.client_id, &client.client_secret))
            .header(header::USER_AGENT, self.user_agent.clone())
            .header(header::ACCEPT, "application/json");
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        for (name, value) in &params.headers {
            request = request.header(name, value);
        }
        let request = request.body(body).map_err(|e| refused(e.to_string()))?;
        let response = self
            .client
            .send(request, TIME_LIMIT)
            .await
            .map_err(|e| refused(e.to_string()))?;
        let text = String::from_utf8_lossy(&response.body);
        if !response.status.is_success() {
            return Err(refused(format!(
                "the token endpoint answered {}: {text}",
                response.status
            )));
        }
        let answer: Value =
            serde_json::from_str(&text).map_err(|_| refused(format!("the answer is not JSON: {text}")))?;
        let access_token = answer["access_token"]
            .as_str()
            .ok_or_else(|| refused(format!("the answer has no access_token: {text}")))?;
        let value = header::HeaderValue::from_str(&format!("Bearer {access_token}"))
            .map_err(|_| refused("the access_token is not header text".into()))?;
        let renew_at = answer["expires_in"]
            .as_f64()
            .or_else(|| answer["expires_in"].as_str().and_then(|s| s.parse().ok()))
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .and_then(|lifetime| Instant::now().checked_add(lifetime.saturating_sub(TOKEN_MARGIN)));
        Ok(Token { value, renew_at })
    }
}

impl Integration for HttpTask {
    fn invoke(&self, request: TaskRequest) -> TaskFuture<'_> {
        Box::pin(async move {
            if request.resource != RESOURCE {
                return Err(Failure::runtime(format!(
                    "The resource '{}' is not supported: an HTTP Task is '{RESOURCE}', request-response only",
                    request.resource
                )));
            }
            self.call(&request.parameters).await
        })
    }
}

fn basic(username: &str, password: &str) -> header::HeaderValue {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    header::HeaderValue::from_str(&format!("Basic {encoded}")).expect("base64 is header text")
}

/// `endpoint` with `pairs` appended to whatever query it already has.
fn with_query(endpoint: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return endpoint.to_owned();
    }
    let (base, fragment) = match endpoint.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (endpoint, None),
    };
    let separator = match base.find('?') {
        None => "?",
        Some(at) if at + 1 == base.len() || base.ends_with('&') => "",
        Some(_) => "&",
    };
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let mut url = format!("{base}{separator}{encoded}");
    if let Some(fragment) = fragment {
        url.push('#');
        url.push_str(fragment);
    }
    url
}

fn socket_failure(error: HttpError) -> Failure {
    Failure::new(names::SOCKET, error.to_string())
}

/// The task result: every response header (values as lists, since a header may repeat),
/// the body (parsed when its `Content-Type` is JSON), the status code and its reason text.
fn task_result(response: HttpResponse) -> Result<Value, Failure> {
    let mut headers = Map::new();
    for name in response.headers.keys() {
        let values = response
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        headers.insert(name.as_str().to_owned(), Value::Array(values));
    }
    let text = std::str::from_utf8(&response.body).map_err(|_| {
        Failure::runtime(format!(
            "The HTTP response body ({} bytes, Content-Type {:?}) is not UTF-8 text, which an HTTP Task cannot return",
            response.body.len(),
            response.headers.get(header::CONTENT_TYPE)
        ))
    })?;
    let is_json = response
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|media| media == "application/json" || media.ends_with("+json"));
    let body = match serde_json::from_str::<Value>(text) {
        Ok(parsed) if is_json => parsed,
        _ => Value::String(text.to_owned()),
    };
    let mut result = Map::new();
    result.insert("Headers".into(), Value::Object(headers));
    result.insert("ResponseBody".into(), body);
    result.insert("StatusCode".into(), response.status.as_u16().into());
    result.insert(
        "StatusText".into(),
        response.status.canonical_reason().unwrap_or_default().into(),
    );
    Ok(Value::Object(result))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encoded(body: Value, format: ArrayFormat) -> String {
        form_encode(body.as_object().unwrap(), format).unwrap()
    }

    #[test]
    fn url_encodes_arrays_in_each_format() {
        let body = json!({"array": ["a", "b"], "n": 1, "s": "x y&z"});
        assert_eq!(
            encoded(body.clone(), ArrayFormat::Indices),
            "array%5B0%5D=a&array%5B1%5D=b&n=1&s=x+y%26z"
        );
        assert_eq!(
            encoded(body.clone(), ArrayFormat::Repeat),
            "array=a&array=b&n=1&s=x+y%26z"
        );
        assert_eq!(encoded(body.clone(), ArrayFormat::Commas), "array=a%2Cb&n=1&s=x+y%26z");
        assert_eq!(
            encoded(body, ArrayFormat::Brackets),
            "array%5B%5D=a&array%5B%5D=b&n=1&s=x+y%26z"
        );
        assert_eq!(
            encoded(json!({"o": {"k": [true, null]}}), ArrayFormat::Indices),
            "o%5Bk%5D%5B0%5D=true&o%5Bk%5D%5B1%5D="
        );
        let nested = form_encode(json!({"a": [{"b": 1}]}).as_object().unwrap(), ArrayFormat::Commas);
        assert!(nested.unwrap_err().to_string().contains("COMMAS can only join"));
    }

    #[test]
    fn appends_query_parameters_to_the_endpoint_query() {
        let pairs = [("a".to_owned(), "1 2".to_owned()), ("b".to_owned(), "é".to_owned())];
        assert_eq!(with_query("http://h/p", &pairs), "http://h/p?a=1+2&b=%C3%A9");
        assert_eq!(with_query("http://h/p?x=0", &pairs), "http://h/p?x=0&a=1+2&b=%C3%A9");
        assert_eq!(with_query("http://h/p?#f", &pairs[..1]), "http://h/p?a=1+2#f");
        assert_eq!(with_query("http://h/p", &[]), "http://h/p");
    }

    fn problem(parameters: Value) -> String {
        Call::parse(&parameters).unwrap_err().to_string()
    }

    #[test]
    fn parameters_are_checked_as_aws_words_it() {
        let ok = json!({"ApiEndpoint": "https://x/y", "Method": "GET", "Authentication": {"ConnectionArn": "arn"}});
        let call = Call::parse(&ok).unwrap();
        assert_eq!((call.method, call.encoding), (Method::GET, Encoding::Json));
        let with = |key: &str, value: Value| {
            let mut p = ok.clone();
            p[key] = value;
            p
        };
        let without = |key: &str| {
            let mut p = ok.clone();
            p.as_object_mut().unwrap().remove(key);
            p
        };
        assert_eq!(
            problem(without("ApiEndpoint")),
            "The field 'ApiEndpoint' is required but was missing"
        );
        assert_eq!(
            problem(without("Method")),
            "The field 'Method' is required but was missing"
        );
        assert_eq!(
            problem(without("Authentication")),
            "The field 'Authentication' is required but was missing"
        );
        assert_eq!(
            problem(with("Authentication", json!({}))),
            "The field 'Authentication.ConnectionArn' is required but was missing"
        );
        assert_eq!(
            problem(with("ApiEndpoint", json!(1))),
            "The value for the field 'ApiEndpoint' must be a STRING"
        );
        assert!(problem(with("ApiEndpoint", json!("/relative"))).contains("not an absolute http(s) URL"));
        assert!(problem(with("Method", json!("get"))).contains("is not one of GET, POST"));
        assert_eq!(
            problem(with("Extra", json!(1))),
            "The field 'Extra' is not supported by Step Functions"
        );
        assert_eq!(
            problem(with("Headers", json!({"X-Amz-Date": "now"}))),
            "The header 'X-Amz-Date' cannot be set in an HTTP Task"
        );
        assert_eq!(
            problem(with("Headers", json!({"Host": "h"}))),
            "The header 'Host' cannot be set in an HTTP Task"
        );
        assert!(problem(with("Transform", json!({"RequestBodyEncoding": "XML"}))).contains("NONE, URL_ENCODED"));
        let form = Call::parse(&with(
            "Transform",
            json!({"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"}}),
        ))
        .unwrap();
        assert_eq!(form.encoding, Encoding::Form(ArrayFormat::Brackets));
        let query = Call::parse(&with("QueryParameters", json!({"a": ["1", 2], "b": true}))).unwrap();
        assert_eq!(
            query.query,
            [
                ("a".into(), "1".into()),
                ("a".into(), "2".into()),
                ("b".into(), "true".into())
            ]
        );
    }
}
