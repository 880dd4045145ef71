//! Mocked service integrations (Developer Guide, "Using mocked service integrations for
//! testing in Step Functions Local"): `switchyard serve --mock-config FILE`, then
//! StartExecution with `<state machine ARN>#<test case>`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, StateMachineType, SyncExecutionStatus};
use serde_json::{json, Value};

use crate::support::{
    code, create_machine, history, json, start, types, wait_done, wait_for_event, Server, TempDir, ROLE,
};

/// The guide's LambdaSQSIntegration, with its second Task calling Step Functions itself
/// (which this server answers) instead of SQS, so a test case that leaves it unmocked shows
/// the real integration answering.
fn lambda_then_sfn() -> Value {
    json!({
        "StartAt": "LambdaState",
        "States": {
            "LambdaState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
                "Next": "ListState"
            },
            "ListState": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sfn:listActivities",
                "Parameters": {},
                "ResultSelector": {"count.$": "States.ArrayLength($.Activities)"},
                "End": true
            }
        }
    })
}

/// A polling loop: `Poll` answers "not done" first, then "done", with a Wait between.
fn polling() -> Value {
    json!({
        "StartAt": "Poll",
        "States": {
            "Poll": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "OutputPath": "$.Payload", "Next": "Done?"},
            "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": true, "Next": "Finished"}], "Default": "Nap"},
            "Nap": {"Type": "Wait", "Seconds": 3, "Next": "Poll"},
            "Finished": {"Type": "Succeed"}
        }
    })
}

/// A Task on an activity and a `.waitForTaskToken` callback: mocked, neither waits.
fn activity_and_callback() -> Value {
    json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:approver",
                "TimeoutSeconds": 60,
                "ResultPath": "$.approval",
                "Next": "Notify"
            },
            "Notify": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "TimeoutSeconds": 60,
                "ResultPath": "$.callback",
                "End": true
            }
        }
    })
}

fn mock_config() -> Value {
    let lambda_ok = json!({"Return": {"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}}});
    json!({
        "StateMachines": {
            "LambdaThenSfn": {"TestCases": {
                "HappyPath": {"LambdaState": "MockedLambdaSuccess", "ListState": "MockedList"},
                "RetryPath": {"LambdaState": "MockedLambdaRetry", "ListState": "MockedList"},
                "HybridPath": {"LambdaState": "MockedLambdaSuccess"}
            }},
            "Polling": {"TestCases": {"TwoPolls": {"Poll": "NotYetThenDone"}}},
            "Express": {"TestCases": {"HappyPath": {"LambdaState": "MockedLambdaSuccess", "ListState": "MockedList"}}},
            "Waiting": {"TestCases": {"Answered": {"Approve": "Approved", "Notify": "CalledBack"}}}
        },
        "MockedResponses": {
            "MockedLambdaSuccess": {"0": lambda_ok},
            "MockedLambdaRetry": {
                "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
                "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
                "3": lambda_ok
            },
            "MockedList": {"0": {"Return": {"Activities": [{"Name": "a"}, {"Name": "b"}, {"Name": "c"}]}}},
            "NotYetThenDone": {
                "0": {"Return": {"Payload": {"done": false}}},
                "1": {"Return": {"Payload": {"done": true}}}
            },
            "Approved": {"0": {"Return": {"approved": true}}},
            "CalledBack": {"0": {"Return": {"delivered": true}}}
        }
    })
}

/// The mock configuration written to `dir`.
fn write_config(dir: &TempDir, config: &Value) -> PathBuf {
    let path = dir.path().join("MockConfigFile.json");
    std::fs::write(&path, config.to_string()).expect("write the mock configuration");
    path
}

fn mocked_server(dir: &TempDir, wait_scale: f64) -> Server {
    let path = write_config(dir, &mock_config());
    Server::start_with(wait_scale, &["--mock-config", path.to_str().unwrap()])
}

// Developer Guide, "Using mocked service integrations": StartExecution with `<arn>#HappyPath`
// answers the Tasks from the test case; the execution's ARN and name are the usual ones,
// and the history has the events of real Tasks.
#[tokio::test]
async fn a_test_case_answers_the_tasks_of_an_execution() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    let machine = create_machine(&client, "LambdaThenSfn", &lambda_then_sfn()).await;
    let started = client
        .start_execution()
        .state_machine_arn(format!("{machine}#HappyPath"))
        .name("happy")
        .input(r#"{"hello": "world"}"#)
        .send()
        .await
        .expect("start execution with a test case");
    let execution = started.execution_arn();
    assert_eq!(
        execution,
        "arn:aws:states:us-east-1:123456789012:execution:LambdaThenSfn:happy"
    );
    let done = wait_done(&client, execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    assert_eq!(json(done.output()), json!({"count": 3}));
    assert_eq!(
        done.state_machine_arn(),
        machine,
        "the ARN is shown without the test case"
    );

    let events = history(&client, execution, false, 1000).await;
    let kinds = types(&events);
    let tasks: Vec<&str> = kinds
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with("Task") && !t.starts_with("TaskState"))
        .collect();
    assert_eq!(
        tasks,
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded"
        ]
    );
    let scheduled = events
        .iter()
        .find_map(|e| e.task_scheduled_event_details())
        .expect("TaskScheduled details");
    assert_eq!((scheduled.resource_type(), scheduled.resource()), ("lambda", "invoke"));
    assert_eq!(
        json(Some(scheduled.parameters())),
        json!({"Payload": {"hello": "world"}, "FunctionName": "HelloWorldFunction"})
    );
    let succeeded = events
        .iter()
        .find_map(|e| e.task_succeeded_event_details())
        .expect("TaskSucceeded details");
    assert_eq!(
        json(succeeded.output()),
        json!({"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}})
    );
}

// Developer Guide: in RetryPath the Lambda answers invocation 0 with one error, "1-2" with
// another and 3 with its result, so the Retry (MaxAttempts 3) gets through on the fourth call.
#[tokio::test]
async fn retries_take_the_answers_of_their_invocation_numbers() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    let machine = create_machine(&client, "LambdaThenSfn", &lambda_then_sfn()).await;
    let execution = start(&client, &format!("{machine}#RetryPath"), &json!({})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    let errors: Vec<String> = history(&client, &execution, false, 1000)
        .await
        .iter()
        .filter_map(|e| e.task_failed_event_details())
        .map(|d| d.error().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        errors,
        [
            "Lambda.ResourceNotReadyException",
            "Lambda.TimeoutException",
            "Lambda.TimeoutException"
        ]
    );
}

// Developer Guide: "If you don't specify mocked service integration responses ..., Step
// Functions Local will invoke the AWS service integration": HybridPath leaves ListState to
// the real integration, here this server's own ListActivities.
#[tokio::test]
async fn tasks_the_test_case_does_not_name_call_the_real_integration() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    client
        .create_activity()
        .name("one")
        .send()
        .await
        .expect("create activity");
    let machine = create_machine(&client, "LambdaThenSfn", &lambda_then_sfn()).await;
    let execution = start(&client, &format!("{machine}#HybridPath"), &json!({})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    assert_eq!(
        json(done.output()),
        json!({"count": 1}),
        "the real ListActivities answered"
    );

    let plain = start(&client, &machine, &json!({})).await;
    let done = wait_done(&client, &plain, Duration::from_secs(10)).await;
    assert_eq!(
        done.status(),
        &ExecutionStatus::Failed,
        "without a test case nothing is mocked"
    );
}

// Developer Guide: a mocked `.waitForTaskToken` Task gets a generated token and returns the
// mocked response without waiting; a mocked activity Task needs no worker (nor the activity).
#[tokio::test]
async fn mocked_activities_and_callbacks_answer_at_once() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    let machine = create_machine(&client, "Waiting", &activity_and_callback()).await;
    let execution = start(&client, &format!("{machine}#Answered"), &json!({"order": 7})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    assert_eq!(
        json(done.output()),
        json!({"order": 7, "approval": {"approved": true}, "callback": {"delivered": true}})
    );
    let events = history(&client, &execution, false, 1000).await;
    let kinds = types(&events);
    let expected = [
        "ExecutionStarted",
        "TaskStateEntered",
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
        "TaskSucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ];
    assert_eq!(kinds, expected);
    let parameters = events
        .iter()
        .find_map(|e| e.task_scheduled_event_details())
        .map(|d| json(Some(d.parameters())))
        .expect("TaskScheduled details");
    let token = parameters["MessageBody"]["token"].as_str().unwrap_or_default();
    assert!(!token.is_empty(), "the callback has a task token: {parameters}");
}

// Beyond Step Functions Local: StartSyncExecution takes a test case too.
#[tokio::test]
async fn start_sync_execution_runs_a_test_case() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    let machine = client
        .create_state_machine()
        .name("Express")
        .r#type(StateMachineType::Express)
        .definition(lambda_then_sfn().to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("create express")
        .state_machine_arn()
        .to_owned();
    let out = client
        .start_sync_execution()
        .state_machine_arn(format!("{machine}#HappyPath"))
        .input("{}")
        .send()
        .await
        .expect("start sync execution with a test case");
    assert_eq!(out.status(), &SyncExecutionStatus::Succeeded, "{:?}", out.cause());
    assert_eq!(json(out.output()), json!({"count": 3}));
}

// A test case that is not in the configuration, or a server without one, fails the call
// instead of running the execution unmocked.
#[tokio::test]
async fn unknown_test_cases_are_refused() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    let machine = create_machine(&client, "LambdaThenSfn", &lambda_then_sfn()).await;
    let result = client
        .start_execution()
        .state_machine_arn(format!("{machine}#NoSuchCase"))
        .send()
        .await;
    let error = result.expect_err("an unknown test case");
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.meta().code(), Some("ValidationException"));
    assert!(
        service.meta().message().unwrap_or_default().contains("'NoSuchCase'"),
        "{service:?}"
    );
    let other = create_machine(&client, "NotInTheFile", &lambda_then_sfn()).await;
    assert_eq!(
        code(
            client
                .start_execution()
                .state_machine_arn(format!("{other}#HappyPath"))
                .send()
                .await
        ),
        "ValidationException"
    );

    let unmocked = Server::start(0.0);
    let client = unmocked.client();
    let machine = create_machine(&client, "LambdaThenSfn", &lambda_then_sfn()).await;
    assert_eq!(
        code(
            client
                .start_execution()
                .state_machine_arn(format!("{machine}#HappyPath"))
                .send()
                .await
        ),
        "ValidationException"
    );
}

// A mock configuration with a mistake stops `serve` at startup (exit 2), naming the place.
#[test]
fn serve_refuses_an_invalid_mock_configuration() {
    let dir = TempDir::new();
    let mut config = mock_config();
    config["StateMachines"]["Polling"]["TestCases"]["TwoPolls"]["Poll"] = json!("Missing");
    let path = write_config(&dir, &config);
    let out = Command::new(env!("CARGO_BIN_EXE_switchyard"))
        .args(["serve", "--port", "0", "--in-memory", "--mock-config"])
        .arg(&path)
        .env_remove("SFN_MOCK_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run switchyard serve");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("StateMachines.Polling.TestCases.TwoPolls.Poll: names 'Missing'"),
        "{stderr}"
    );
}

// A mock's invocation count is part of the execution's durable state: killed inside the Wait
// after the first poll, the restarted server answers the second poll with "1" ("done"), as
// an uninterrupted run does, rather than starting again at "0".
#[tokio::test]
async fn mock_invocation_counts_survive_kill_9() {
    let dir = TempDir::new();
    let config = write_config(&dir, &mock_config());
    let data = TempDir::new();
    let mut server = Server::start_in_with(data.path(), 1.0, &["--mock-config", config.to_str().unwrap()]);
    let client = server.client();
    let machine = create_machine(&client, "Polling", &polling()).await;
    let execution = start(&client, &format!("{machine}#TwoPolls"), &json!({})).await;
    wait_for_event(&client, &execution, "WaitStateEntered").await;
    server.kill();
    server.restart();
    let client = server.client();
    let done = wait_done(&client, &execution, Duration::from_secs(20)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    assert_eq!(json(done.output()), json!({"done": true}));
    let polls = history(&client, &execution, false, 1000)
        .await
        .iter()
        .filter(|e| e.r#type == HistoryEventType::TaskSucceeded)
        .count();
    assert_eq!(polls, 2, "one poll before the crash, one after");
}

// A nested execution (`states:startExecution`) may name a test case of the child too.
#[tokio::test]
async fn a_nested_execution_runs_a_test_case() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();
    let child = create_machine(&client, "LambdaThenSfn", &lambda_then_sfn()).await;
    let parent = create_machine(
        &client,
        "Parent",
        &json!({
            "StartAt": "Child",
            "States": {"Child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": format!("{child}#HappyPath"), "Input": {}},
                "OutputPath": "$.Output",
                "End": true
            }}
        }),
    )
    .await;
    let execution = start(&client, &parent, &json!({})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    assert_eq!(json(done.output()), json!({"count": 3}));
}

/// TestState on `state` of [`lambda_then_sfn`], under the test case the
/// `X-Switchyard-Test-Case` header names, for attempt `retry_count` of its retrier.
async fn test_state_under(
    client: &aws_sdk_sfn::Client,
    state: &str,
    test_case: &str,
    retry_count: i32,
) -> Result<aws_sdk_sfn::operation::test_state::TestStateOutput, String> {
    let header = test_case.to_owned();
    client
        .test_state()
        .definition(lambda_then_sfn().to_string())
        .state_name(state)
        .role_arn(ROLE)
        .input("{}")
        .state_configuration(
            aws_sdk_sfn::types::TestStateConfiguration::builder()
                .retrier_retry_count(retry_count)
                .build(),
        )
        .customize()
        .mutate_request(move |request| {
            request.headers_mut().insert("x-switchyard-test-case", header.clone());
        })
        .send()
        .await
        .map_err(|e| code(Err::<(), _>(e)))
}

// Beyond Step Functions Local: TestState takes a test case of the mock configuration (in a
// header, as it has no state machine ARN), answering each retry attempt as an execution's
// invocation of that number would be answered; states the test case leaves out call the
// real integration, and an unknown test case is refused.
#[tokio::test]
async fn test_state_answers_from_a_test_case() {
    let dir = TempDir::new();
    let server = mocked_server(&dir, 0.0);
    let client = server.client();

    let first = test_state_under(&client, "LambdaState", "LambdaThenSfn#RetryPath", 0)
        .await
        .unwrap();
    assert_eq!(first.status().map(|s| s.as_str()), Some("RETRIABLE"));
    assert_eq!(first.error(), Some("Lambda.ResourceNotReadyException"));
    let fourth = test_state_under(&client, "LambdaState", "LambdaThenSfn#RetryPath", 3)
        .await
        .unwrap();
    assert_eq!(
        fourth.status().map(|s| s.as_str()),
        Some("SUCCEEDED"),
        "{:?}",
        fourth.cause()
    );
    assert_eq!(
        json(fourth.output()),
        json!({"StatusCode": 200, "Payload": {"body": "Hello from Lambda!"}})
    );

    // HybridPath does not mock ListState: this server's ListActivities answers it.
    let real = test_state_under(&client, "ListState", "LambdaThenSfn#HybridPath", 0)
        .await
        .unwrap();
    assert_eq!(
        real.status().map(|s| s.as_str()),
        Some("SUCCEEDED"),
        "{:?}",
        real.cause()
    );
    assert_eq!(json(real.output()), json!({"count": 0}));

    let unknown = test_state_under(&client, "LambdaState", "LambdaThenSfn#NoSuchCase", 0).await;
    assert_eq!(unknown.unwrap_err(), "ValidationException");
    let malformed = test_state_under(&client, "LambdaState", "NoHash", 0).await;
    assert_eq!(malformed.unwrap_err(), "ValidationException");
}
