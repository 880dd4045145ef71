//! The acceptance rule: Standard executions survive `kill -9`. Executions waiting in Wait
//! states and one waiting on an activity task are running when the server is killed; after
//! a restart on the same data directory each finishes with the right output and a history
//! without gaps or repeats, and everything made before the crash is still there.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_sfn::types::{ExecutionStatus, Tag};
use serde_json::json;

use crate::support::{
    assert_consecutive, create_machine, history, json, start, types, wait_done, wait_for_event, Server, TempDir,
};

#[tokio::test]
async fn executions_survive_kill_9() {
    let dir = TempDir::new();
    let mut server = Server::start_in(dir.path(), 1.0);
    let client = server.client();

    let waiting = create_machine(
        &client,
        "waiting",
        &json!({
            "StartAt": "Before",
            "States": {
                "Before": {"Type": "Pass", "Parameters": {"n.$": "$.n", "step": "before"}, "Next": "Nap"},
                "Nap": {"Type": "Wait", "Seconds": 5, "Next": "After"},
                "After": {"Type": "Pass", "Parameters": {"n.$": "$.n", "step": "after"}, "End": true}
            }
        }),
    )
    .await;
    let activity = client
        .create_activity()
        .name("approve")
        .tags(Tag::builder().key("kind").value("human").build())
        .send()
        .await
        .expect("create activity")
        .activity_arn()
        .to_owned();
    let approval = create_machine(
        &client,
        "approval",
        &json!({
            "StartAt": "Ask",
            "States": {
                "Ask": {"Type": "Task", "Resource": activity, "ResultPath": "$.answer", "Next": "Nap"},
                "Nap": {"Type": "Wait", "Seconds": 1, "End": true}
            }
        }),
    )
    .await;
    client
        .tag_resource()
        .resource_arn(&waiting)
        .tags(Tag::builder().key("env").value("test").build())
        .send()
        .await
        .expect("tag");

    // One execution finished before the crash.
    let quick = create_machine(
        &client,
        "quick",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": "quick", "End": true}}}),
    )
    .await;
    let finished = start(&client, &quick, &json!({})).await;
    wait_done(&client, &finished, Duration::from_secs(10)).await;
    let finished_history = history(&client, &finished, false, 100).await;

    let mut sleepers = Vec::new();
    for n in 0..3 {
        sleepers.push((n, start(&client, &waiting, &json!({"n": n})).await));
    }
    let approving = start(&client, &approval, &json!({"request": "deploy"})).await;
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .expect("poll");
    let token = task.task_token().expect("a task").to_owned();
    assert_eq!(json(task.input()), json!({"request": "deploy"}));
    // The waiting task's events are in the history before it ends (and after the restart
    // the resumed run records them again under the same ids).
    wait_for_event(&client, &approving, "ActivityStarted").await;
    // The sleepers are in their Wait state when the server dies.
    for (_, execution) in &sleepers {
        wait_for_event(&client, execution, "WaitStateEntered").await;
        let kinds = types(&history(&client, execution, false, 100).await);
        assert!(!kinds.contains(&"WaitStateExited".to_owned()), "{kinds:?}");
    }

    server.kill();
    server.restart();
    let client = server.client();
    assert!(
        server.log_text().contains("(4 executions resumed)"),
        "the log says what was resumed: {}",
        server.log_text()
    );

    client
        .send_task_success()
        .task_token(&token)
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .expect("answer the task token after the restart");

    for (n, execution) in &sleepers {
        let done = wait_done(&client, execution, Duration::from_secs(30)).await;
        assert_eq!(
            done.status(),
            &ExecutionStatus::Succeeded,
            "{execution}: {:?}",
            done.error()
        );
        assert_eq!(json(done.output()), json!({"n": n, "step": "after"}));
        check_history(&client, execution, 2).await;
    }
    let done = wait_done(&client, &approving, Duration::from_secs(30)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.error());
    assert_eq!(
        json(done.output()),
        json!({"request": "deploy", "answer": {"approved": true}})
    );
    let events = check_history(&client, &approving, 2).await;
    let kinds = types(&events);
    assert_eq!(
        kinds.iter().filter(|t| *t == "ActivitySucceeded").count(),
        1,
        "{kinds:?}"
    );

    // Everything made before the crash is still there.
    let machines = client.list_state_machines().send().await.expect("list machines");
    let mut names: Vec<&str> = machines.state_machines().iter().map(|m| m.name()).collect();
    names.sort();
    assert_eq!(names, ["approval", "quick", "waiting"]);
    let activities = client.list_activities().send().await.expect("list activities");
    assert_eq!(activities.activities().len(), 1);
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&waiting)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].value(), Some("test"));
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&activity)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags()[0].value(), Some("human"));
    let quick_done = client
        .describe_execution()
        .execution_arn(&finished)
        .send()
        .await
        .expect("describe");
    assert_eq!(quick_done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(quick_done.output(), Some("\"quick\""));
    assert_eq!(history(&client, &finished, false, 100).await, finished_history);
    let listed = client
        .list_executions()
        .state_machine_arn(&waiting)
        .send()
        .await
        .expect("list executions");
    assert_eq!(listed.executions().len(), 3);
}

/// The history is whole: ids 1..n, each event once, one start, one end, and each event
/// after the first names an earlier event (or none, 0) as its previous one.
async fn check_history(
    client: &aws_sdk_sfn::Client,
    execution: &str,
    page: i32,
) -> Vec<aws_sdk_sfn::types::HistoryEvent> {
    let events = history(client, execution, false, page).await;
    assert_consecutive(&events);
    let kinds = types(&events);
    assert_eq!(kinds.first().map(String::as_str), Some("ExecutionStarted"), "{kinds:?}");
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("ExecutionSucceeded"),
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|t| t.starts_with("Execution")).count(),
        2,
        "{kinds:?}"
    );
    let entered: Vec<&String> = kinds.iter().filter(|t| t.ends_with("StateEntered")).collect();
    let exited: Vec<&String> = kinds.iter().filter(|t| t.ends_with("StateExited")).collect();
    assert_eq!(
        entered.len(),
        exited.len(),
        "every state entered is left once: {kinds:?}"
    );
    let mut names = HashSet::new();
    for event in &events {
        if let Some(entered) = event.state_entered_event_details() {
            assert!(
                names.insert(entered.name().to_owned()),
                "{} entered twice: {kinds:?}",
                entered.name()
            );
        }
        if event.id > 1 {
            let previous = event.previous_event_id;
            assert!(
                (0..event.id).contains(&previous),
                "event {} follows {previous}",
                event.id
            );
        }
    }
    events
}
