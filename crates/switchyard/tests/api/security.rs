//! Hostile and forged requests (issue 12), each through a real `switchyard serve`: made-up and
//! altered task and paging tokens, requests for other hosts (DNS rebinding), bodies over the
//! limit and other paths, the API's size limits, SigV4 authentication with configured keys
//! (the SDK for Rust, the AWS CLI and boto3, with the right key and a wrong one), the
//! warning for a non-loopback address, and a data directory only its owner can read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use aws_sdk_sfn::config::{Credentials, Region};
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use crate::support::{code, create_machine, json, start, unique, wait_done, wait_for_event, Extra, Server, TempDir};

/// One HTTP/1.1 request on its own connection; the status and the body of the answer.
fn raw(port: u16, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    // The server may answer (and close) before it read the whole body: ignore write errors.
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A JSON 1.0 request for `operation`, with `host` as the `Host` header.
fn api_request(port: u16, host: &str, operation: &str, body: &str) -> (u16, Value) {
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AWSStepFunctions.{operation}\r\n\
         Content-Type: application/x-amz-json-1.0\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (status, text) = raw(port, &head, body.as_bytes());
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The code part of an AWS JSON error's `__type`.
fn error_type(body: &Value) -> &str {
    body["__type"]
        .as_str()
        .and_then(|t| t.rsplit('#').next())
        .unwrap_or_default()
}

fn activity_machine(activity: &str) -> Value {
    json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": activity, "End": true}}})
}

/// An activity, a machine running it, an execution waiting on it, and the worker's token.
async fn waiting_task(client: &Client) -> (String, String) {
    let activity = client
        .create_activity()
        .name(unique("work"))
        .send()
        .await
        .expect("create activity")
        .activity_arn;
    let machine = create_machine(client, &unique("worker"), &activity_machine(&activity)).await;
    let execution = start(client, &machine, &json!({"job": 1})).await;
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .expect("get activity task");
    (execution, task.task_token.expect("a task"))
}

/// Lowercase hex of text: how a token of the old scheme was made.
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn made_up_and_altered_task_tokens_are_refused_and_a_closed_one_is_timed_out() {
    let server = Server::start(1.0);
    let client = server.client();
    let (execution, token) = waiting_task(&client).await;
    assert!(
        !token.contains(&hex("arn:aws:states")),
        "the token is not the ARN in hex: {token}"
    );

    // The old scheme's token for this very task, one flipped character, and made-up ones.
    let mut altered = token.clone().into_bytes();
    altered[token.len() / 2] = if altered[token.len() / 2] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("ascii");
    for forged in [
        hex(&format!("{execution}#2#0")),
        hex(&format!("{execution}#3#0")),
        altered,
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        "NoSuchTaskToken".to_owned(),
    ] {
        let success = client.send_task_success().task_token(&forged).output("{}").send().await;
        assert_eq!(code(success), "InvalidToken", "{forged}");
        let failure = client.send_task_failure().task_token(&forged).send().await;
        assert_eq!(code(failure), "InvalidToken", "{forged}");
        let heartbeat = client.send_task_heartbeat().task_token(&forged).send().await;
        assert_eq!(code(heartbeat), "InvalidToken", "{forged}");
    }
    let running = client
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        running.status(),
        &ExecutionStatus::Running,
        "no forged answer reached the task"
    );

    client
        .send_task_success()
        .task_token(&token)
        .output(r#"{"done": true}"#)
        .send()
        .await
        .expect("the issued token is answered");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(json(done.output()), json!({"done": true}));
    // The task is over: its own token is now answered with TaskTimedOut.
    let again = client.send_task_success().task_token(&token).output("{}").send().await;
    assert_eq!(code(again), "TaskTimedOut");
}

#[tokio::test]
async fn an_answered_task_token_is_timed_out_while_its_execution_runs_on() {
    // A second answer to a task that was answered, while the execution waits elsewhere.
    let server = Server::start(1.0);
    let client = server.client();
    let activity = client
        .create_activity()
        .name(unique("two"))
        .send()
        .await
        .expect("create activity")
        .activity_arn;
    let definition = json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": activity, "Next": "B"},
        "B": {"Type": "Task", "Resource": activity, "End": true}}});
    let machine = create_machine(&client, &unique("two-tasks"), &definition).await;
    let execution = start(&client, &machine, &json!({})).await;
    let poll = || async {
        client
            .get_activity_task()
            .activity_arn(&activity)
            .send()
            .await
            .expect("get activity task")
            .task_token
            .expect("a task")
    };
    let first = poll().await;
    client
        .send_task_success()
        .task_token(&first)
        .output("1")
        .send()
        .await
        .expect("answer A");
    let second = poll().await;
    assert_ne!(first, second);
    let late = client.send_task_success().task_token(&first).output("2").send().await;
    assert_eq!(code(late), "TaskTimedOut");
    client
        .send_task_success()
        .task_token(&second)
        .output("3")
        .send()
        .await
        .expect("answer B");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(json(done.output()), json!(3));
}

#[tokio::test]
async fn a_task_token_stays_valid_across_a_restart() {
    let mut server = Server::start(1.0);
    let (execution, token) = waiting_task(&server.client()).await;
    wait_for_event(&server.client(), &execution, "ActivityStarted").await;
    server.kill();
    server.restart();
    let client = server.client();
    client
        .send_task_success()
        .task_token(&token)
        .output(r#""after restart""#)
        .send()
        .await
        .expect("the token issued before the restart is answered");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(json(done.output()), json!("after restart"));
}

#[tokio::test]
async fn forged_and_foreign_paging_tokens_are_refused() {
    let server = Server::start(0.0);
    let client = server.client();
    for _ in 0..3 {
        client
            .create_activity()
            .name(unique("page"))
            .send()
            .await
            .expect("create activity");
    }
    let first = client
        .list_activities()
        .max_results(1)
        .send()
        .await
        .expect("list activities");
    let token = first.next_token.expect("a second page");
    let second = client
        .list_activities()
        .max_results(1)
        .next_token(&token)
        .send()
        .await
        .expect("the issued token pages on");
    assert_ne!(second.activities[0].activity_arn, first.activities[0].activity_arn);

    // Position 2^64-1 in the old scheme, another listing's token, and a made-up one.
    let forged = hex(&format!("{}|activities", u64::MAX));
    let out = client.list_activities().next_token(&forged).send().await;
    assert_eq!(code(out), "InvalidToken");
    let out = client.list_state_machines().next_token(&token).send().await;
    assert_eq!(code(out), "InvalidToken", "a token of another listing");
    let out = client
        .list_activities()
        .next_token("AAAAAAAAAAAAAAAAAAAAAAAA")
        .send()
        .await;
    assert_eq!(code(out), "InvalidToken");

    // The history of an execution, and ListExecutions.
    let machine = create_machine(
        &client,
        &unique("pages"),
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let execution = start(&client, &machine, &json!({})).await;
    wait_done(&client, &execution, Duration::from_secs(10)).await;
    let page = client
        .get_execution_history()
        .execution_arn(&execution)
        .max_results(1)
        .send()
        .await
        .expect("history");
    let history_token = page.next_token.expect("more events");
    for forged in [hex(&format!("{}|history|{execution}|false", u64::MAX)), token.clone()] {
        let out = client
            .get_execution_history()
            .execution_arn(&execution)
            .next_token(&forged)
            .send()
            .await;
        assert_eq!(code(out), "InvalidToken", "{forged}");
    }
    let out = client
        .list_executions()
        .state_machine_arn(&machine)
        .next_token(&history_token)
        .send()
        .await;
    assert_eq!(code(out), "InvalidToken");
}

#[tokio::test]
async fn requests_for_hosts_not_served_are_refused() {
    let server = Server::start_with(0.0, &["--allowed-host", "sfn.test"]);
    let port = server.port;
    for host in [
        "attacker.example",
        &format!("attacker.example:{port}"),
        "localhost.attacker.example",
        "192.0.2.1",
    ] {
        let (status, body) = api_request(port, host, "ListActivities", "{}");
        assert_eq!(status, 403, "{host}: {body}");
        assert_eq!(error_type(&body), "AccessDeniedException", "{host}: {body}");
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("sync-localhost:{port}"),
        format!("[::1]:{port}"),
        "sfn.test".to_owned(),
        format!("sync-sfn.test:{port}"),
    ] {
        let (status, body) = api_request(port, &host, "ListActivities", "{}");
        assert_eq!(status, 200, "{host}: {body}");
        assert_eq!(body, json!({"activities": []}), "{host}");
    }
}

#[tokio::test]
async fn other_paths_methods_and_bodies_over_the_limit_get_aws_errors() {
    let server = Server::start_with(0.0, &["--max-request-bytes", "100000"]);
    let port = server.port;
    let host = format!("127.0.0.1:{port}");
    for (method, path) in [("GET", "/"), ("PUT", "/"), ("POST", "/other"), ("DELETE", "/x/y")] {
        let head =
            format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
        let (status, text) = raw(port, &head, b"{}");
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text:?}"));
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(
            error_type(&body),
            "UnknownOperationException",
            "{method} {path}: {body}"
        );
        assert!(body["message"].as_str().is_some_and(|m| m.contains(path)), "{body}");
    }
    // Declared over the limit: refused before it is read.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\n\
         Content-Length: 3000000\r\nConnection: close\r\n\r\n"
    );
    let (status, text) = raw(port, &head, &[b' '; 1000]);
    let body: Value = serde_json::from_str(&text).expect("a JSON error");
    assert_eq!(status, 413);
    assert_eq!(error_type(&body), "RequestEntityTooLargeException", "{body}");
    // Sent in chunks without a length: refused once it passes the limit.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut chunked = Vec::new();
    for _ in 0..30 {
        chunked.extend_from_slice(format!("{:x}\r\n", 10_000).as_bytes());
        chunked.extend_from_slice(&[b' '; 10_000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, text) = raw(port, &head, &chunked);
    assert_eq!(status, 413, "{text}");
    // Under the limit, the same route answers.
    let (status, body) = api_request(port, &host, "ListActivities", "{}");
    assert_eq!((status, body), (200, json!({"activities": []})));
}

#[tokio::test]
async fn definitions_inputs_and_task_outputs_over_their_limits_are_refused() {
    let server = Server::start_with(1.0, &["--max-definition-bytes", "2000", "--max-payload-bytes", "1000"]);
    let client = server.client();
    let padding = "x".repeat(2000);
    let big = json!({"Comment": padding, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
    let out = client
        .create_state_machine()
        .name("big")
        .definition(big.to_string())
        .role_arn(crate::support::ROLE)
        .send()
        .await;
    let error = out.expect_err("refused");
    let service = error.as_service_error().expect("a service error");
    assert_eq!(
        aws_sdk_sfn::error::ProvideErrorMetadata::code(service),
        Some("ValidationException")
    );
    assert!(
        aws_sdk_sfn::error::ProvideErrorMetadata::message(service)
            .is_some_and(|m| m.contains("'definition'") && m.contains("less than or equal to 2000")),
        "{service:?}"
    );
    let out = client
        .validate_state_machine_definition()
        .definition(big.to_string())
        .send()
        .await;
    assert_eq!(code(out), "ValidationException");

    let (execution, token) = waiting_task(&client).await;
    let input = client
        .start_execution()
        .state_machine_arn(
            client
                .describe_execution()
                .execution_arn(&execution)
                .send()
                .await
                .expect("describe")
                .state_machine_arn(),
        )
        .input(json!({"x": "y".repeat(1000)}).to_string())
        .send()
        .await;
    assert_eq!(code(input), "ValidationException");
    let output = client
        .send_task_success()
        .task_token(&token)
        .output(json!({"x": "y".repeat(1000)}).to_string())
        .send()
        .await;
    assert_eq!(code(output), "ValidationException");
    client
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .expect("an output within the limit");
}

const KEY_ID: &str = "AKIDSWITCHYARDTEST";
const SECRET: &str = "switchyard/secret+key/for-tests-only";

fn signed_client(server: &Server, key_id: &str, secret: &str) -> Client {
    let config = aws_sdk_sfn::Config::builder()
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key_id, secret, None, None, "test"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .behavior_version_latest()
        .build();
    Client::from_conf(config)
}

fn authenticated_server() -> Server {
    Server::start_extra(
        0.0,
        Extra {
            args: Vec::new(),
            env: vec![
                ("SWITCHYARD_ACCESS_KEY_ID".into(), KEY_ID.into()),
                ("SWITCHYARD_SECRET_ACCESS_KEY".into(), SECRET.into()),
            ],
        },
    )
}

#[tokio::test]
async fn with_keys_configured_only_requests_signed_by_one_are_served() {
    let server = authenticated_server();
    let good = signed_client(&server, KEY_ID, SECRET);
    let arn = good
        .create_activity()
        .name("signed")
        .send()
        .await
        .expect("a signed request is served")
        .activity_arn;
    assert_eq!(
        good.list_activities().send().await.expect("list").activities[0].activity_arn,
        arn
    );
    let wrong_secret = signed_client(&server, KEY_ID, "not-the-secret");
    assert_eq!(
        code(wrong_secret.list_activities().send().await),
        "InvalidSignatureException"
    );
    let unknown_key = signed_client(&server, "AKIDUNKNOWN", SECRET);
    assert_eq!(
        code(unknown_key.list_activities().send().await),
        "UnrecognizedClientException"
    );
    let (status, body) = api_request(
        server.port,
        &format!("127.0.0.1:{}", server.port),
        "ListActivities",
        "{}",
    );
    assert_eq!(
        (status, error_type(&body)),
        (400, "MissingAuthenticationTokenException"),
        "{body}"
    );
    // A signature without its parts, and one from last hour.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/20250101/us-east-1/states/aws4_request\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n",
        server.port
    );
    let (status, text) = raw(server.port, &head, b"{}");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        (status, error_type(&body)),
        (400, "IncompleteSignatureException"),
        "{body}"
    );
    let stale = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(3600);
    let date = stale.strftime("%Y%m%dT%H%M%SZ").to_string();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Amz-Target: AWSStepFunctions.ListActivities\r\nX-Amz-Date: {date}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/{}/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=00\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n",
        server.port,
        &date[..8]
    );
    let (status, text) = raw(server.port, &head, b"{}");
    let body: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        (status, error_type(&body)),
        (400, "InvalidSignatureException"),
        "{body}"
    );
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Signature expired")),
        "{body}"
    );
}

/// Run the AWS CLI against `server` with these keys; its exit status and stderr.
fn aws_cli(server: &Server, key_id: &str, secret: &str, args: &[&str]) -> (bool, String, String) {
    let dir = TempDir::new();
    let out = Command::new("aws")
        .args([
            "--endpoint-url",
            &server.endpoint(),
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.path().join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("credentials"))
        .output()
        .expect("run aws");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BOTO3_SCRIPT: &str = r#"
import sys, boto3, botocore
endpoint, key_id, secret, name = sys.argv[1:5]
sfn = boto3.client("stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key_id, aws_secret_access_key=secret)
try:
    arn = sfn.create_activity(name=name)["activityArn"]
    names = [a["name"] for a in sfn.list_activities()["activities"]]
    print("OK", name in names, arn)
except botocore.exceptions.ClientError as e:
    print("ERROR", e.response["Error"]["Code"])
"#;

fn boto3(server: &Server, key_id: &str, secret: &str, name: &str) -> String {
    let out = Command::new("python3")
        .args(["-c", BOTO3_SCRIPT, &server.endpoint(), key_id, secret, name])
        .env_remove("AWS_PROFILE")
        .output()
        .expect("run python3");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn the_aws_cli_and_boto3_are_served_with_the_configured_key_and_refused_with_another() {
    let tools = Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("python3")
            .args(["-c", "import boto3"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !tools {
        eprintln!("SKIPPED: the `aws` CLI or boto3 is not installed");
        return;
    }
    let server = authenticated_server();
    let (ok, stdout, stderr) = aws_cli(
        &server,
        KEY_ID,
        SECRET,
        &["stepfunctions", "create-activity", "--name", "cli"],
    );
    assert!(ok, "{stderr}");
    let created: Value = serde_json::from_str(&stdout).expect("JSON");
    assert!(created["activityArn"]
        .as_str()
        .is_some_and(|a| a.ends_with(":activity:cli")));
    let (ok, _, stderr) = aws_cli(&server, KEY_ID, "wrong-secret", &["stepfunctions", "list-activities"]);
    assert!(!ok);
    assert!(stderr.contains("InvalidSignatureException"), "{stderr}");
    let (ok, _, stderr) = aws_cli(&server, "AKIDWRONG", SECRET, &["stepfunctions", "list-activities"]);
    assert!(!ok);
    assert!(stderr.contains("UnrecognizedClientException"), "{stderr}");

    let answer = boto3(&server, KEY_ID, SECRET, "boto");
    assert!(answer.starts_with("OK True arn:aws:states:"), "{answer}");
    assert_eq!(
        boto3(&server, KEY_ID, "wrong-secret", "boto2"),
        "ERROR InvalidSignatureException"
    );
    assert_eq!(
        boto3(&server, "AKIDWRONG", SECRET, "boto3"),
        "ERROR UnrecognizedClientException"
    );
    // Nothing the refused calls asked for was done.
    let (ok, stdout, stderr) = aws_cli(&server, KEY_ID, SECRET, &["stepfunctions", "list-activities"]);
    assert!(ok, "{stderr}");
    let listed: Value = serde_json::from_str(&stdout).expect("JSON");
    let names: Vec<&str> = listed["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["cli", "boto"]);
}

/// Start `serve` on `host` and return what it wrote to stderr once listening.
fn startup_log(host: &str, env: &[(&str, &str)]) -> String {
    let dir = TempDir::new();
    let log = dir.path().join("log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--in-memory", "--host", host, "--port", &port.to_string()])
        .env_remove("SWITCHYARD_ACCESS_KEY_ID")
        .env_remove("SWITCHYARD_SECRET_ACCESS_KEY")
        .env_remove("SWITCHYARD_CREDENTIALS")
        .envs(env.iter().copied())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start serve");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("listening on") || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    text
}

#[test]
fn listening_beyond_loopback_without_keys_is_warned_about() {
    let open = startup_log("0.0.0.0", &[]);
    assert!(
        open.contains("warning: listening on 0.0.0.0 without authentication"),
        "{open}"
    );
    let loopback = startup_log("127.0.0.1", &[]);
    assert!(
        loopback.contains("listening on") && !loopback.contains("warning"),
        "{loopback}"
    );
    let signed = startup_log(
        "0.0.0.0",
        &[
            ("SWITCHYARD_ACCESS_KEY_ID", KEY_ID),
            ("SWITCHYARD_SECRET_ACCESS_KEY", SECRET),
        ],
    );
    assert!(
        signed.contains("listening on") && !signed.contains("warning"),
        "{signed}"
    );
    assert!(signed.contains("must be signed"), "{signed}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_database_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let parent = TempDir::new();
    let dir = parent.path().join("data");
    let server = Server::start_in_with(&dir, 0.0, &[]);
    // A write, so the WAL and shared-memory files exist.
    server
        .client()
        .create_activity()
        .name("private")
        .send()
        .await
        .expect("create activity");
    let mode = |path: &std::path::Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "data directory");
    for file in ["switchyard.db", "switchyard.db-wal", "switchyard.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
}

#[tokio::test]
async fn keys_from_a_credentials_file_are_checked_at_start_and_used() {
    let dir = TempDir::new();
    let file = dir.path().join("keys.json");
    std::fs::write(
        &file,
        json!([
            {"accessKeyId": "AKIDFIRST", "secretAccessKey": "first-secret", "account": "123456789012"},
            {"accessKeyId": "AKIDSECOND", "secretAccessKey": "second-secret"}
        ])
        .to_string(),
    )
    .expect("write keys");
    let file_arg = file.to_string_lossy().into_owned();
    let server = Server::start_with(0.0, &["--credentials", &file_arg]);
    for (id, secret) in [("AKIDFIRST", "first-secret"), ("AKIDSECOND", "second-secret")] {
        signed_client(&server, id, secret)
            .list_activities()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    }
    let crossed = signed_client(&server, "AKIDFIRST", "second-secret");
    assert_eq!(
        code(crossed.list_activities().send().await),
        "InvalidSignatureException"
    );

    // A key of another account, or a file that is not a list of keys, stops the server.
    for (text, expected) in [
        (
            json!([{"accessKeyId": "AKIDOTHER", "secretAccessKey": "s", "account": "999999999999"}]).to_string(),
            "belongs to account 999999999999",
        ),
        (json!({"AKID": "secret"}).to_string(), "not a JSON list"),
    ] {
        std::fs::write(&file, text).expect("write keys");
        let log = dir.path().join("serve.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard"))
            .args(["serve", "--in-memory", "--port", "0", "--credentials", &file_arg])
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("run serve");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(status.is_some_and(|s| !s.success()), "the server started: {stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
}
