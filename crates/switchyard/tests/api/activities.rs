//! Activities: the test is the worker (GetActivityTask, SendTaskHeartbeat, SendTaskSuccess,
//! SendTaskFailure); a failed execution is redriven; tags on machines and activities.

use std::time::Duration;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType, Tag};
use serde_json::json;

use crate::support::{assert_consecutive, code, create_machine, history, json, start, types, wait_done, Server};

fn activity_task(activity: &str) -> serde_json::Value {
    json!({
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": activity,
                "Parameters": {"job.$": "$.job"},
                "HeartbeatSeconds": 60,
                "TimeoutSeconds": 120,
                "ResultPath": "$.result",
                "End": true
            }
        }
    })
}

#[tokio::test]
async fn a_worker_runs_an_activity_task() {
    // Not --wait-scale 0: it scales the task's TimeoutSeconds to nothing.
    let server = Server::start(1.0);
    let client = server.client();
    let created = client
        .create_activity()
        .name("resize")
        .send()
        .await
        .expect("create activity");
    let activity = created.activity_arn().to_owned();
    assert_eq!(activity, "arn:aws:states:us-east-1:123456789012:activity:resize");
    let described = client
        .describe_activity()
        .activity_arn(&activity)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.name(), "resize");
    assert_eq!(described.creation_date(), created.creation_date());

    let machine = create_machine(&client, "worker", &activity_task(&activity)).await;
    let execution = start(&client, &machine, &json!({"job": "photo.png"})).await;
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .worker_name("test-worker")
        .send()
        .await
        .expect("get activity task");
    let token = task.task_token().expect("a task").to_owned();
    assert_eq!(json(task.input()), json!({"job": "photo.png"}));

    client
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .expect("heartbeat");
    client
        .send_task_success()
        .task_token(&token)
        .output(r#"{"width": 640}"#)
        .send()
        .await
        .expect("send task success");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(
        json(done.output()),
        json!({"job": "photo.png", "result": {"width": 640}})
    );

    let events = history(&client, &execution, false, 100).await;
    assert_consecutive(&events);
    assert_eq!(
        types(&events),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "ActivityScheduled",
            "ActivityStarted",
            "ActivitySucceeded",
            "TaskStateExited",
            "ExecutionSucceeded",
        ]
    );
    let scheduled = events[2].activity_scheduled_event_details().expect("scheduled details");
    assert_eq!(scheduled.resource(), activity);
    assert_eq!(scheduled.heartbeat_in_seconds(), Some(60));
    assert_eq!(scheduled.timeout_in_seconds(), Some(120));
    let started = events[3].activity_started_event_details().expect("started details");
    assert_eq!(started.worker_name(), Some("test-worker"));

    // The execution has ended: its token is answered no more.
    assert_eq!(
        code(client.send_task_success().task_token(&token).output("{}").send().await),
        "TaskTimedOut"
    );
    assert_eq!(
        code(client.send_task_heartbeat().task_token(&token).send().await),
        "TaskTimedOut"
    );
    assert_eq!(
        code(
            client
                .send_task_success()
                .task_token("not-a-token")
                .output("{}")
                .send()
                .await
        ),
        "InvalidToken"
    );
    assert_eq!(
        code(client.send_task_failure().task_token("not-a-token").send().await),
        "InvalidToken"
    );
}

#[tokio::test]
async fn activity_errors_and_listing() {
    let server = Server::start(0.0);
    let client = server.client();
    let missing = "arn:aws:states:us-east-1:123456789012:activity:missing";
    assert_eq!(
        code(client.describe_activity().activity_arn(missing).send().await),
        "ActivityDoesNotExist"
    );
    assert_eq!(
        code(client.get_activity_task().activity_arn(missing).send().await),
        "ActivityDoesNotExist"
    );
    assert_eq!(
        code(client.describe_activity().activity_arn("activity:x").send().await),
        "InvalidArn"
    );
    assert_eq!(
        code(client.create_activity().name("no/slash").send().await),
        "InvalidName"
    );

    let mut arns = Vec::new();
    for name in ["a1", "a2", "a3"] {
        arns.push(
            client
                .create_activity()
                .name(name)
                .send()
                .await
                .expect("create")
                .activity_arn()
                .to_owned(),
        );
    }
    let first = client.list_activities().max_results(2).send().await.expect("list");
    assert_eq!(first.activities().len(), 2);
    let second = client
        .list_activities()
        .max_results(2)
        .next_token(first.next_token().expect("a second page"))
        .send()
        .await
        .expect("list");
    assert_eq!(second.activities().len(), 1);
    assert!(second.next_token().is_none());
    let mut listed: Vec<String> = first
        .activities()
        .iter()
        .chain(second.activities())
        .map(|a| a.activity_arn().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, arns);
    assert_eq!(
        code(client.list_activities().max_results(5000).send().await),
        "ValidationException"
    );

    client
        .delete_activity()
        .activity_arn(&arns[0])
        .send()
        .await
        .expect("delete");
    assert_eq!(
        code(client.describe_activity().activity_arn(&arns[0]).send().await),
        "ActivityDoesNotExist"
    );
    assert_eq!(
        client.list_activities().send().await.expect("list").activities().len(),
        2
    );
}

#[tokio::test]
async fn a_failed_task_is_redriven() {
    let server = Server::start(1.0);
    let client = server.client();
    let activity = client
        .create_activity()
        .name("flaky")
        .send()
        .await
        .expect("create")
        .activity_arn()
        .to_owned();
    let machine = create_machine(&client, "redriven", &activity_task(&activity)).await;
    let execution = start(&client, &machine, &json!({"job": 7})).await;

    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .expect("poll");
    client
        .send_task_failure()
        .task_token(task.task_token().expect("a task"))
        .error("Flaky.Error")
        .cause("try again")
        .send()
        .await
        .expect("send task failure");
    let failed = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(failed.status(), &ExecutionStatus::Failed);
    assert_eq!(
        (failed.error(), failed.cause()),
        (Some("Flaky.Error"), Some("try again"))
    );
    assert_eq!(failed.redrive_count(), Some(0));
    assert_eq!(failed.redrive_status().map(|s| s.as_str()), Some("REDRIVABLE"));
    let events = history(&client, &execution, false, 100).await;
    assert!(
        types(&events).contains(&"ActivityFailed".to_owned()),
        "{:?}",
        types(&events)
    );
    assert_eq!(
        events.last().map(|e| e.r#type()),
        Some(&HistoryEventType::ExecutionFailed)
    );

    let redriven = client
        .redrive_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("redrive");
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .expect("poll again");
    assert_eq!(json(task.input()), json!({"job": 7}));
    client
        .send_task_success()
        .task_token(task.task_token().expect("a task"))
        .output("\"done\"")
        .send()
        .await
        .expect("send task success");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded);
    assert_eq!(json(done.output()), json!({"job": 7, "result": "done"}));
    assert_eq!(done.redrive_count(), Some(1));
    assert_eq!(done.redrive_date(), Some(redriven.redrive_date()));

    let events = history(&client, &execution, false, 100).await;
    assert_consecutive(&events);
    let kinds = types(&events);
    let redrive_at = kinds
        .iter()
        .position(|t| t == "ExecutionRedriven")
        .expect("ExecutionRedriven");
    assert_eq!(kinds[redrive_at - 1], "ExecutionFailed");
    assert_eq!(kinds.last().map(String::as_str), Some("ExecutionSucceeded"));
    assert_eq!(
        events[redrive_at]
            .execution_redriven_event_details()
            .map(|d| d.redrive_count()),
        Some(Some(1))
    );
    assert_eq!(kinds.iter().filter(|t| *t == "ExecutionStarted").count(), 1);
}

#[tokio::test]
async fn tags_on_machines_and_activities() {
    let server = Server::start(0.0);
    let client = server.client();
    let machine = create_machine(
        &client,
        "tagged",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let activity = client
        .create_activity()
        .name("tagged")
        .tags(Tag::builder().key("owner").value("ops").build())
        .send()
        .await
        .expect("create activity")
        .activity_arn()
        .to_owned();

    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    client
        .tag_resource()
        .resource_arn(&machine)
        .tags(tag("env", "test"))
        .tags(tag("team", "rail"))
        .send()
        .await
        .expect("tag");
    client
        .tag_resource()
        .resource_arn(&machine)
        .tags(tag("env", "prod"))
        .send()
        .await
        .expect("retag");
    let pairs = |tags: &[Tag]| -> Vec<(String, String)> {
        let mut pairs: Vec<_> = tags
            .iter()
            .map(|t| {
                (
                    t.key().unwrap_or_default().to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        pairs.sort();
        pairs
    };
    let listed = client
        .list_tags_for_resource()
        .resource_arn(&machine)
        .send()
        .await
        .expect("list tags");
    assert_eq!(
        pairs(listed.tags()),
        [
            ("env".to_owned(), "prod".to_owned()),
            ("team".to_owned(), "rail".to_owned())
        ]
    );
    client
        .untag_resource()
        .resource_arn(&machine)
        .tag_keys("env")
        .send()
        .await
        .expect("untag");
    let listed = client
        .list_tags_for_resource()
        .resource_arn(&machine)
        .send()
        .await
        .expect("list tags");
    assert_eq!(pairs(listed.tags()), [("team".to_owned(), "rail".to_owned())]);

    let listed = client
        .list_tags_for_resource()
        .resource_arn(&activity)
        .send()
        .await
        .expect("list tags");
    assert_eq!(pairs(listed.tags()), [("owner".to_owned(), "ops".to_owned())]);

    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:missing";
    assert_eq!(
        code(client.list_tags_for_resource().resource_arn(missing).send().await),
        "ResourceNotFound"
    );
    assert_eq!(
        code(
            client
                .tag_resource()
                .resource_arn(missing)
                .tags(tag("a", "b"))
                .send()
                .await
        ),
        "ResourceNotFound"
    );
    assert_eq!(
        code(client.untag_resource().resource_arn(missing).tag_keys("a").send().await),
        "ResourceNotFound"
    );
    let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    assert_eq!(
        code(
            client
                .tag_resource()
                .resource_arn(&machine)
                .set_tags(Some(too_many))
                .send()
                .await
        ),
        "TooManyTags"
    );
}

#[tokio::test]
async fn wait_scale_zero_leaves_task_timeouts_alone() {
    let server = Server::start(0.0);
    let client = server.client();
    let activity = client
        .create_activity()
        .name("slow")
        .send()
        .await
        .expect("create")
        .activity_arn()
        .to_owned();
    let machine = create_machine(&client, "scaled", &activity_task(&activity)).await;
    let execution = start(&client, &machine, &json!({"job": 1})).await;
    let task = client
        .get_activity_task()
        .activity_arn(&activity)
        .send()
        .await
        .expect("poll");
    client
        .send_task_success()
        .task_token(task.task_token().expect("a task before the 120 s timeout"))
        .output("1")
        .send()
        .await
        .expect("send task success");
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.error());
}
