//! Executions: start, describe, list, history (in pages, both orders), stop, redrive, and
//! StartSyncExecution on an Express machine.

use std::time::Duration;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, StateMachineType};
use serde_json::json;

use crate::support::{
    assert_consecutive, code, create_machine, history, json, start, types, unique, wait_done, wait_for_event, Server,
    ROLE,
};

fn hello() -> serde_json::Value {
    serde_json::from_str(include_str!("../../../../examples/hello.json")).expect("examples/hello.json")
}

#[tokio::test]
async fn start_describe_and_read_the_history() {
    let server = Server::start(0.0);
    let client = server.client();
    let machine = create_machine(&client, "hello", &hello()).await;
    let started = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("first")
        .input(r#"{"name": "world"}"#)
        .send()
        .await
        .expect("start");
    let execution = started.execution_arn();
    assert_eq!(execution, "arn:aws:states:us-east-1:123456789012:execution:hello:first");
    let done = wait_done(&client, execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(json(done.output()), json!("Hello, world!"));
    assert_eq!(json(done.input()), json!({"name": "world"}));
    assert_eq!(done.name(), Some("first"));
    assert_eq!(done.state_machine_arn(), machine);
    assert!(done.stop_date().is_some());
    assert_eq!(done.start_date(), started.start_date());

    let all = history(&client, execution, false, 1000).await;
    assert_eq!(
        types(&all),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
    );
    assert_consecutive(&all);
    let started_event = all[0].execution_started_event_details().expect("started details");
    assert_eq!(json(started_event.input()), json!({"name": "world"}));
    let succeeded = all[7].execution_succeeded_event_details().expect("succeeded details");
    assert_eq!(json(succeeded.output()), json!("Hello, world!"));

    // Pages of 3 give the same events; reverse order gives them backwards.
    let paged = history(&client, execution, false, 3).await;
    assert_eq!(paged, all);
    let reversed = history(&client, execution, true, 3).await;
    let mut backwards = all.clone();
    backwards.reverse();
    assert_eq!(reversed, backwards);

    let first_page = client
        .get_execution_history()
        .execution_arn(execution)
        .max_results(3)
        .send()
        .await
        .expect("history");
    let token = first_page.next_token().expect("more pages");
    assert_eq!(
        code(
            client
                .get_execution_history()
                .execution_arn(execution)
                .reverse_order(true)
                .next_token(token)
                .send()
                .await
        ),
        "InvalidToken",
        "a forward token does not page a reverse listing"
    );
    assert_eq!(
        code(
            client
                .get_execution_history()
                .execution_arn(execution)
                .max_results(1001)
                .send()
                .await
        ),
        "ValidationException"
    );
    let without_data = client
        .get_execution_history()
        .execution_arn(execution)
        .include_execution_data(false)
        .send()
        .await
        .expect("history without data");
    let details = without_data.events()[0]
        .execution_started_event_details()
        .expect("details");
    assert!(details.input().is_none());
}

#[tokio::test]
async fn execution_errors() {
    let server = Server::start(0.0);
    let client = server.client();
    let machine = create_machine(&client, "errors", &hello()).await;
    let missing_machine = "arn:aws:states:us-east-1:123456789012:stateMachine:missing";
    assert_eq!(
        code(client.start_execution().state_machine_arn(missing_machine).send().await),
        "StateMachineDoesNotExist"
    );
    assert_eq!(
        code(client.start_execution().state_machine_arn("arn:nope").send().await),
        "InvalidArn"
    );
    assert_eq!(
        code(
            client
                .start_execution()
                .state_machine_arn(&machine)
                .name("a b")
                .send()
                .await
        ),
        "InvalidName"
    );
    assert_eq!(
        code(
            client
                .start_execution()
                .state_machine_arn(&machine)
                .input("{not json")
                .send()
                .await
        ),
        "InvalidExecutionInput"
    );

    let execution = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("once")
        .input(r#"{"name": "a"}"#)
        .send()
        .await
        .expect("start")
        .execution_arn()
        .to_owned();
    wait_done(&client, &execution, Duration::from_secs(10)).await;
    let again = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("once")
        .input(r#"{"name": "b"}"#)
        .send()
        .await;
    assert_eq!(code(again), "ExecutionAlreadyExists");

    let missing = "arn:aws:states:us-east-1:123456789012:execution:errors:missing";
    assert_eq!(
        code(client.describe_execution().execution_arn(missing).send().await),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        code(client.get_execution_history().execution_arn(missing).send().await),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        code(client.stop_execution().execution_arn(missing).send().await),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        code(client.describe_execution().execution_arn("not-an-arn").send().await),
        "InvalidArn"
    );
    assert_eq!(
        code(client.redrive_execution().execution_arn(&execution).send().await),
        "ExecutionNotRedrivable",
        "a SUCCEEDED execution cannot be redriven"
    );
    assert_eq!(
        code(client.list_executions().state_machine_arn(missing_machine).send().await),
        "StateMachineDoesNotExist"
    );
    assert_eq!(
        code(
            client
                .list_executions()
                .state_machine_arn(&machine)
                .max_results(-1)
                .send()
                .await
        ),
        "ValidationException"
    );
}

#[tokio::test]
async fn list_executions_in_pages_and_by_status() {
    let server = Server::start(0.0);
    let client = server.client();
    let machine = create_machine(&client, "listed", &hello()).await;
    let mut started = Vec::new();
    for i in 0..5 {
        let execution = start(&client, &machine, &json!({"name": format!("n{i}")})).await;
        wait_done(&client, &execution, Duration::from_secs(10)).await;
        started.push(execution);
    }
    let failing = create_machine(
        &client,
        "failing",
        &json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}),
    )
    .await;
    let failed = start(&client, &failing, &json!({})).await;
    assert_eq!(
        wait_done(&client, &failed, Duration::from_secs(10)).await.status(),
        &ExecutionStatus::Failed
    );

    let mut seen = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let out = client
            .list_executions()
            .state_machine_arn(&machine)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .expect("list executions");
        pages += 1;
        for item in out.executions() {
            assert_eq!(item.state_machine_arn(), machine);
            assert_eq!(item.status(), &ExecutionStatus::Succeeded);
            seen.push(item.execution_arn().to_owned());
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    // Newest first, as AWS lists them.
    started.reverse();
    assert_eq!(seen, started);

    let succeeded = client
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .expect("list");
    assert_eq!(succeeded.executions().len(), 5);
    let none = client
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Failed)
        .send()
        .await
        .expect("list");
    assert!(none.executions().is_empty());
    let failures = client
        .list_executions()
        .state_machine_arn(&failing)
        .status_filter(ExecutionStatus::Failed)
        .send()
        .await
        .expect("list");
    assert_eq!(failures.executions().len(), 1);
    assert_eq!(failures.executions()[0].execution_arn(), failed);
}

#[tokio::test]
async fn stop_a_running_execution() {
    let server = Server::start(1.0);
    let client = server.client();
    let machine = create_machine(
        &client,
        "sleepy",
        &json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 600, "End": true}}}),
    )
    .await;
    let execution = start(&client, &machine, &json!({})).await;
    wait_for_event(&client, &execution, "WaitStateEntered").await;
    let running = client
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("describe");
    assert_eq!(running.status(), &ExecutionStatus::Running);
    let listed = client
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Running)
        .send()
        .await
        .expect("list running");
    assert_eq!(listed.executions().len(), 1);

    let stopped = client
        .stop_execution()
        .execution_arn(&execution)
        .error("Operator.Stop")
        .cause("no longer needed")
        .send()
        .await
        .expect("stop");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Aborted);
    assert_eq!(done.stop_date(), Some(stopped.stop_date()));
    assert_eq!(done.error(), Some("Operator.Stop"));
    assert_eq!(done.cause(), Some("no longer needed"));

    let events = history(&client, &execution, false, 100).await;
    assert_consecutive(&events);
    let last = events.last().expect("events");
    assert_eq!(last.r#type(), &HistoryEventType::ExecutionAborted);
    let details = last.execution_aborted_event_details().expect("aborted details");
    assert_eq!(details.error(), Some("Operator.Stop"));
    assert_eq!(details.cause(), Some("no longer needed"));
    assert_eq!(
        types(&events),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
    );
}

// Recorded (scenarios test_max_concurrency_path_negative): AWS leaves the execution running
// with only ExecutionStarted in its history; a stop still ends it.
#[tokio::test]
async fn a_negative_max_concurrency_path_leaves_the_execution_running() {
    let server = Server::start(1.0);
    let client = server.client();
    let machine = create_machine(
        &client,
        "negative-concurrency",
        &json!({"StartAt": "Each", "States": {"Each": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrencyPath": "$.limit",
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
            "End": true}}}),
    )
    .await;
    let execution = start(&client, &machine, &json!({"items": [1], "limit": -1})).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let running = client
        .describe_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("describe");
    assert_eq!(running.status(), &ExecutionStatus::Running);
    assert_eq!(
        types(&history(&client, &execution, false, 100).await),
        ["ExecutionStarted"]
    );
    client
        .stop_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("stop");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Aborted);
}

#[tokio::test]
async fn start_sync_execution_on_an_express_machine() {
    let server = Server::start(0.0);
    let client = server.client();
    let express = client
        .create_state_machine()
        .name("quick")
        .r#type(StateMachineType::Express)
        .definition(hello().to_string())
        .role_arn(ROLE)
        .send()
        .await
        .expect("create express")
        .state_machine_arn()
        .to_owned();
    let out = client
        .start_sync_execution()
        .state_machine_arn(&express)
        .name("sync-run")
        .input(r#"{"name": "WORLD"}"#)
        .send()
        .await
        .expect("start sync");
    assert_eq!(out.status(), &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded);
    assert_eq!(json(out.output()), json!({"greeting": "HELLO, WORLD!"}));
    assert_eq!(out.name(), Some("sync-run"));
    assert!(
        out.execution_arn()
            .starts_with("arn:aws:states:us-east-1:123456789012:express:quick:sync-run:"),
        "{}",
        out.execution_arn()
    );

    let failing = client
        .create_state_machine()
        .name("quick-fail")
        .r#type(StateMachineType::Express)
        .definition(
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Nope", "Cause": "because"}}}).to_string(),
        )
        .role_arn(ROLE)
        .send()
        .await
        .expect("create express")
        .state_machine_arn()
        .to_owned();
    let out = client
        .start_sync_execution()
        .state_machine_arn(&failing)
        .send()
        .await
        .expect("start sync");
    assert_eq!(out.status(), &aws_sdk_sfn::types::SyncExecutionStatus::Failed);
    assert_eq!((out.error(), out.cause()), (Some("Nope"), Some("because")));

    let standard = create_machine(&client, "standard", &hello()).await;
    assert_eq!(
        code(client.start_sync_execution().state_machine_arn(&standard).send().await),
        "StateMachineTypeNotSupported"
    );
    assert_eq!(
        code(client.list_executions().state_machine_arn(&express).send().await),
        "StateMachineTypeNotSupported",
        "Express executions are not listed"
    );
    let name = unique("x");
    assert_eq!(
        code(
            client
                .start_sync_execution()
                .state_machine_arn(&express)
                .name(format!("{name} bad"))
                .send()
                .await
        ),
        "InvalidName"
    );
}

// TestState keeps the server's variable limits (256 KiB per variable by default), and
// `--max-variable-bytes` raises them there as it does for executions.
#[tokio::test]
async fn test_state_keeps_the_servers_variable_limits() {
    let definition = json!({
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Assign": {"big": "{% $pad('', 300000, 'x') %}"},
        "End": true
    })
    .to_string();
    for (args, status) in [
        (&[][..], "FAILED"),
        (&["--max-variable-bytes", "400000"][..], "SUCCEEDED"),
    ] {
        let server = Server::start_with(0.0, args);
        let answer = server
            .client()
            .test_state()
            .definition(definition.clone())
            .role_arn(ROLE)
            .input("{}")
            .send()
            .await
            .expect("TestState answers");
        assert_eq!(
            answer.status().map(|s| s.as_str()),
            Some(status),
            "{args:?}: {:?}",
            answer.cause()
        );
        if status == "FAILED" {
            assert_eq!(answer.error(), Some("States.DataLimitExceeded"));
        }
    }
}
