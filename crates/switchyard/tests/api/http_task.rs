//! HTTP Tasks (`arn:aws:states:::http:invoke`) against a small API on loopback that records
//! every request it gets: methods, headers, query parameters, JSON and URL-encoded bodies,
//! each kind of connection (API key, Basic, OAuth client credentials with its token
//! request), the response shape, and the failures (`States.Http.StatusCode.<n>`,
//! `States.Http.Socket`, an unknown connection, a header a task may not set).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};

use crate::support::{create_machine, json, start, unique, wait_done, Server, TempDir};

const KEY: &str = "arn:aws:events:us-east-1:123456789012:connection/key/1";
const BASIC: &str = "arn:aws:events:us-east-1:123456789012:connection/basic/1";
const OAUTH: &str = "arn:aws:events:us-east-1:123456789012:connection/oauth/1";
/// An OAuth connection whose tokens expire at once, so every call fetches a new one.
const OAUTH_SHORT: &str = "arn:aws:events:us-east-1:123456789012:connection/oauth-short/1";
const RESOURCE: &str = "arn:aws:states:::http:invoke";

/// One request as the test API saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("header text"))
            .unwrap_or_else(|| panic!("no {name} header in {self:?}"))
    }

    /// The query (or a form body) as sorted `k=v` parts, so order does not matter.
    fn parts(text: &str) -> Vec<&str> {
        let mut parts: Vec<&str> = text.split('&').filter(|p| !p.is_empty()).collect();
        parts.sort_unstable();
        parts
    }
}

/// The API on loopback. Paths: `/token` and `/token-short` (OAuth token endpoints, the
/// second's tokens expire at once), `/status/<n>` (answers n with a JSON body), `/text`
/// (a plain-text body), anything else: 200 with a JSON body and repeated headers.
struct TestApi {
    address: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestApi {
    async fn start() -> TestApi {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let record = record.clone();
            async move {
                let seen = Seen {
                    method,
                    path: uri.path().to_owned(),
                    query: uri.query().unwrap_or_default().to_owned(),
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let mut all = record.lock().unwrap();
                all.push(seen.clone());
                let tokens = all.iter().filter(|s| s.path.starts_with("/token")).count();
                answer(&seen, tokens)
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test API");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve the test API") });
        TestApi { address, seen }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The requests to `path`, in order.
    fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    /// A connections file for this API: every kind of authorization, and invocation
    /// parameters on the API key connection.
    fn connections(&self, dir: &TempDir) -> PathBuf {
        let oauth = |path: &str| {
            json!({"AuthorizationType": "OAUTH_CLIENT_CREDENTIALS", "AuthParameters": {"OAuthParameters": {
                "AuthorizationEndpoint": self.url(path), "HttpMethod": "POST",
                "ClientParameters": {"ClientID": "client-id", "ClientSecret": "client-secret"},
                "OAuthHttpParameters": {"HeaderParameters": [{"Key": "x-oauth", "Value": "h"}],
                    "BodyParameters": [{"Key": "scope", "Value": "read"}]}}}})
        };
        let file = json!({
            KEY: {"AuthorizationType": "API_KEY", "AuthParameters": {
                "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret-key"},
                "InvocationHttpParameters": {
                    "HeaderParameters": [{"Key": "x-team", "Value": "connection", "IsValueSecret": false}],
                    "QueryStringParameters": [{"Key": "conn", "Value": "connection"}],
                    "BodyParameters": [{"Key": "conn", "Value": "connection"}]}}},
            BASIC: {"AuthorizationType": "BASIC", "AuthParameters": {
                "BasicAuthParameters": {"Username": "user", "Password": "pass"}}},
            OAUTH: oauth("/token"),
            OAUTH_SHORT: oauth("/token-short"),
        });
        let path = dir.path().join("connections.json");
        std::fs::write(&path, file.to_string()).expect("write connections");
        path
    }
}

fn answer(seen: &Seen, tokens: usize) -> Response<Body> {
    let reply = |status: u16, content_type: &str, body: String| {
        Response::builder()
            .status(StatusCode::from_u16(status).expect("status"))
            .header("content-type", content_type)
            .header("x-reply", "yes")
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2")
            .body(Body::from(body))
            .expect("response")
    };
    let json_reply = |status: u16, body: Value| reply(status, "application/json", body.to_string());
    match seen.path.as_str() {
        "/token" => json_reply(
            200,
            json!({"access_token": format!("token-{tokens}"), "expires_in": 3600}),
        ),
        "/token-short" => json_reply(200, json!({"access_token": format!("token-{tokens}"), "expires_in": 0})),
        "/text" => reply(200, "text/plain", "plain words".into()),
        path => match path.strip_prefix("/status/") {
            Some(code) => json_reply(code.parse().expect("a status code"), json!({"error": "nope"})),
            None => json_reply(200, json!({"ok": true, "method": seen.method.as_str()})),
        },
    }
}

fn task(parameters: Value) -> Value {
    json!({"Type": "Task", "Resource": RESOURCE, "Parameters": parameters})
}

/// Create `definition`, run it with `input` and wait for it to end.
async fn execute(
    server: &Server,
    definition: &Value,
    input: &Value,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let client = server.client();
    let machine = create_machine(&client, &unique("http"), definition).await;
    let execution = start(&client, &machine, input).await;
    wait_done(&client, &execution, Duration::from_secs(20)).await
}

fn output(done: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput) -> Value {
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{done:?}");
    json(done.output())
}

#[tokio::test]
async fn requests_carry_the_task_and_the_connection_parameters() {
    let api = TestApi::start().await;
    let dir = TempDir::new();
    let server = Server::start_with(0.0, &["--connections", &api.connections(&dir).display().to_string()]);
    let auth = json!({"ConnectionArn": KEY});
    let mut get = task(json!({
        "ApiEndpoint.$": "$.url", "Method": "GET", "Authentication": auth,
        "Headers": {"X-Custom": "c", "x-team": "task"},
        "QueryParameters": {"q": "a b", "many": ["1", 2], "conn": "task"}}));
    get["ResultPath"] = json!("$.get");
    get["Next"] = json!("Post");
    let mut post = task(json!({
        "ApiEndpoint.$": "$.url", "Method": "POST", "Authentication": auth,
        "RequestBody": {"name": "n", "list": [1, 2], "conn": "task"}}));
    post["ResultPath"] = json!("$.post");
    post["Next"] = json!("Methods");
    let mut call = task(json!({"ApiEndpoint.$": "$.url", "Method.$": "$.method", "Authentication": auth}));
    call["OutputPath"] = json!("$.StatusCode");
    call["End"] = json!(true);
    let definition = json!({"StartAt": "Get", "States": {
        "Get": get, "Post": post,
        "Methods": {"Type": "Map", "ItemsPath": "$.methods",
            "ItemSelector": {"method.$": "$$.Map.Item.Value", "url.$": "$.url"},
            "ItemProcessor": {"StartAt": "Call", "States": {"Call": call}},
            "ResultPath": "$.methods", "End": true}}});
    let input = json!({"url": api.url("/items?fixed=0"), "methods": ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]});
    let out = output(&execute(&server, &definition, &input).await);

    // The response, as AWS shapes it: header values as lists, a JSON body parsed.
    let got = &out["get"];
    assert_eq!(got["StatusCode"], 200, "{got}");
    assert_eq!(got["StatusText"], "OK");
    assert_eq!(got["ResponseBody"], json!({"ok": true, "method": "GET"}));
    assert_eq!(got["Headers"]["x-reply"], json!(["yes"]));
    assert_eq!(got["Headers"]["set-cookie"], json!(["a=1", "b=2"]));
    assert_eq!(got["Headers"]["content-type"], json!(["application/json"]));
    assert_eq!(out["post"]["ResponseBody"], json!({"ok": true, "method": "POST"}));
    assert_eq!(out["methods"], json!([200, 200, 200, 200, 200]));

    let seen = api.seen("/items");
    let gets: Vec<&Seen> = seen.iter().filter(|s| s.method == Method::GET).collect();
    assert_eq!(gets.len(), 1, "{seen:?}");
    let get = gets[0];
    // The connection's query parameter wins over the task's of the same name.
    assert_eq!(
        Seen::parts(&get.query),
        ["conn=connection", "fixed=0", "many=1", "many=2", "q=a+b"]
    );
    assert_eq!(get.header("x-custom"), "c");
    assert_eq!(get.header("x-team"), "connection");
    assert_eq!(get.header("x-api-key"), "secret-key");
    assert_eq!(get.header("user-agent"), "Amazon|StepFunctions|HttpInvoke|us-east-1");
    assert!(
        get.body.is_empty() && get.headers.get("content-type").is_none(),
        "{get:?}"
    );

    let post = seen.iter().find(|s| s.method == Method::POST).expect("a POST");
    assert_eq!(post.header("content-type"), "application/json; charset=UTF-8");
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).expect("a JSON body"),
        json!({"name": "n", "list": [1, 2], "conn": "connection"})
    );
    let mut methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    methods.sort_unstable();
    assert_eq!(methods, ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]);
}

#[tokio::test]
async fn url_encoded_bodies_follow_the_array_format() {
    let api = TestApi::start().await;
    let dir = TempDir::new();
    let server = Server::start_with(0.0, &["--connections", &api.connections(&dir).display().to_string()]);
    let mut call = task(json!({
        "ApiEndpoint.$": "States.Format('{}/form/{}', $.base, $.format)", "Method": "POST",
        "Authentication": {"ConnectionArn": KEY},
        "RequestBody": {"array": ["a", "b"], "text": "x y&z"},
        "Transform": {"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat.$": "$.format"}}}));
    call["OutputPath"] = json!("$.StatusCode");
    call["End"] = json!(true);
    let mut default = task(json!({
        "ApiEndpoint.$": "States.Format('{}/form/default', $.base)", "Method": "PUT",
        "Authentication": {"ConnectionArn": KEY}, "RequestBody": {"array": ["a", "b"]},
        "Transform": {"RequestBodyEncoding": "URL_ENCODED"}}));
    default["ResultPath"] = json!(null);
    default["Next"] = json!("Formats");
    let definition = json!({"StartAt": "Default", "States": {
        "Default": default,
        "Formats": {"Type": "Map", "ItemsPath": "$.formats",
            "ItemSelector": {"format.$": "$$.Map.Item.Value", "base.$": "$.base"},
            "ItemProcessor": {"StartAt": "Call", "States": {"Call": call}}, "End": true}}});
    let input = json!({"base": api.url(""), "formats": ["INDICES", "REPEAT", "COMMAS", "BRACKETS"]});
    assert_eq!(
        output(&execute(&server, &definition, &input).await),
        json!([200, 200, 200, 200])
    );

    let body = |format: &str| {
        let seen = api.seen(&format!("/form/{format}"));
        assert_eq!(seen.len(), 1, "{format}: {seen:?}");
        assert_eq!(seen[0].header("content-type"), "application/x-www-form-urlencoded");
        seen[0].body.clone()
    };
    // The connection's body parameters are merged in (last).
    assert_eq!(body("default"), "array%5B0%5D=a&array%5B1%5D=b&conn=connection");
    assert_eq!(
        body("INDICES"),
        "array%5B0%5D=a&array%5B1%5D=b&text=x+y%26z&conn=connection"
    );
    assert_eq!(body("REPEAT"), "array=a&array=b&text=x+y%26z&conn=connection");
    assert_eq!(body("COMMAS"), "array=a%2Cb&text=x+y%26z&conn=connection");
    assert_eq!(
        body("BRACKETS"),
        "array%5B%5D=a&array%5B%5D=b&text=x+y%26z&conn=connection"
    );
}

#[tokio::test]
async fn basic_and_oauth_connections_authorize_requests() {
    let api = TestApi::start().await;
    let dir = TempDir::new();
    let server = Server::start_with(0.0, &["--connections", &api.connections(&dir).display().to_string()]);
    let step = |path: &str, arn: &str, next: Option<&str>| {
        let mut state = task(json!({
            "ApiEndpoint.$": format!("States.Format('{{}}{path}', $.base)"),
            "Method": "GET", "Authentication": {"ConnectionArn": arn}}));
        state["ResultPath"] = json!(null);
        match next {
            Some(next) => state["Next"] = json!(next),
            None => state["End"] = json!(true),
        }
        state
    };
    let definition = json!({"StartAt": "Basic", "States": {
        "Basic": step("/basic", BASIC, Some("OAuth1")),
        "OAuth1": step("/oauth1", OAUTH, Some("OAuth2")),
        "OAuth2": step("/oauth2", OAUTH, Some("Short1")),
        "Short1": step("/short1", OAUTH_SHORT, Some("Short2")),
        "Short2": step("/short2", OAUTH_SHORT, None)}});
    output(&execute(&server, &definition, &json!({"base": api.url("")})).await);

    assert_eq!(api.seen("/basic")[0].header("authorization"), "Basic dXNlcjpwYXNz");

    // One token request for two calls: the token is cached until it expires.
    let tokens = api.seen("/token");
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let request = &tokens[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(
        request.header("authorization"),
        "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ="
    );
    assert_eq!(request.header("content-type"), "application/x-www-form-urlencoded");
    assert_eq!(request.header("x-oauth"), "h");
    assert_eq!(
        Seen::parts(&request.body),
        ["grant_type=client_credentials", "scope=read"]
    );
    assert_eq!(api.seen("/oauth1")[0].header("authorization"), "Bearer token-1");
    assert_eq!(api.seen("/oauth2")[0].header("authorization"), "Bearer token-1");

    // A token that expires at once is fetched again for the next call.
    assert_eq!(api.seen("/token-short").len(), 2);
    assert_eq!(api.seen("/short1")[0].header("authorization"), "Bearer token-2");
    assert_eq!(api.seen("/short2")[0].header("authorization"), "Bearer token-3");
}

#[tokio::test]
async fn failures_are_the_errors_aws_names() {
    let api = TestApi::start().await;
    let dir = TempDir::new();
    let server = Server::start_with(0.0, &["--connections", &api.connections(&dir).display().to_string()]);
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let caught = |url: String, error: &str, result: &str, next: &str| {
        let mut state = task(json!({"ApiEndpoint": url, "Method": "GET", "Authentication": {"ConnectionArn": KEY}}));
        state["Catch"] = json!([{"ErrorEquals": [error], "ResultPath": result, "Next": next}]);
        state["End"] = json!(true);
        state
    };
    let definition = json!({"StartAt": "NotFound", "States": {
        "NotFound": caught(api.url("/status/404"), "States.Http.StatusCode.404", "$.notFound", "Refused"),
        "Refused": caught(format!("http://{closed}/"), "States.Http.Socket", "$.refused", "Done"),
        "Done": {"Type": "Succeed"}}});
    let out = output(&execute(&server, &definition, &json!({})).await);
    assert_eq!(out["notFound"]["Error"], "States.Http.StatusCode.404", "{out}");
    let cause: Value = serde_json::from_str(out["notFound"]["Cause"].as_str().expect("a cause")).expect("JSON cause");
    assert_eq!(cause["StatusCode"], 404);
    assert_eq!(cause["StatusText"], "Not Found");
    assert_eq!(cause["ResponseBody"], json!({"error": "nope"}));
    assert_eq!(cause["Headers"]["x-reply"], json!(["yes"]));
    assert_eq!(out["refused"]["Error"], "States.Http.Socket");
    assert!(out["refused"]["Cause"].as_str().unwrap().contains("refused"), "{out}");

    let fails = |parameters: Value| {
        let definition = json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": RESOURCE,
            "Parameters": parameters, "End": true}}});
        let server = &server;
        async move {
            let done = execute(server, &definition, &json!({})).await;
            assert_eq!(done.status(), &ExecutionStatus::Failed, "{done:?}");
            (
                done.error().unwrap_or_default().to_owned(),
                done.cause().unwrap_or_default().to_owned(),
            )
        }
    };
    let unknown = "arn:aws:events:us-east-1:123456789012:connection/nobody/1";
    let (error, cause) =
        fails(json!({"ApiEndpoint": api.url("/x"), "Method": "GET", "Authentication": {"ConnectionArn": unknown}}))
            .await;
    assert_eq!(error, "Events.ConnectionResource.ResourceNotFound");
    assert!(cause.contains(unknown), "{cause}");
    let (error, cause) = fails(json!({"ApiEndpoint": api.url("/x"), "Method": "GET",
        "Authentication": {"ConnectionArn": KEY}, "Headers": {"Host": "elsewhere"}}))
    .await;
    assert_eq!(error, "States.Runtime");
    assert!(
        cause.contains("The header 'Host' cannot be set in an HTTP Task"),
        "{cause}"
    );
    let (error, cause) = fails(json!({"ApiEndpoint": api.url("/x"), "Method": "GET"})).await;
    assert_eq!(error, "States.Runtime");
    assert!(
        cause.contains("The field 'Authentication' is required but was missing"),
        "{cause}"
    );
    assert!(
        api.seen("/x").is_empty(),
        "no request for a task that failed before sending"
    );
}

#[tokio::test]
async fn switchyard_run_calls_out_with_the_connections_file() {
    let api = TestApi::start().await;
    let dir = TempDir::new();
    let connections = api.connections(&dir);
    let definition = dir.path().join("call.json");
    let mut state =
        task(json!({"ApiEndpoint": api.url("/text"), "Method": "GET", "Authentication": {"ConnectionArn": BASIC}}));
    state["OutputPath"] = json!("$.ResponseBody");
    state["End"] = json!(true);
    std::fs::write(&definition, json!({"StartAt": "T", "States": {"T": state}}).to_string()).expect("write definition");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .arg("run")
            .arg(&definition)
            .arg("--connections")
            .arg(&connections)
            .output()
            .expect("run switchyard")
    })
    .await
    .expect("join");
    let result: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    // A body that is not JSON comes back as text.
    assert_eq!(result["output"], "plain words", "{result}");
    assert_eq!(api.seen("/text")[0].header("authorization"), "Basic dXNlcjpwYXNz");
}

#[test]
fn a_bad_connections_file_stops_the_server_at_start() {
    let dir = TempDir::new();
    let path = dir.path().join("connections.json");
    std::fs::write(
        &path,
        json!({KEY: {"AuthorizationType": "BASIC", "AuthParameters": {}}}).to_string(),
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--in-memory", "--port", "0", "--connections"])
        .arg(&path)
        .output()
        .expect("run switchyard serve");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "connection '{KEY}': AuthorizationType BASIC needs AuthParameters.BasicAuthParameters"
        )),
        "{stderr}"
    );
}
