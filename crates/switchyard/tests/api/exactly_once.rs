//! Issue 11, exactly-once inside Map and Parallel states: a Standard execution killed with
//! `kill -9` in the middle of a Map (or Parallel) state of activity tasks resumes with only
//! the iterations (branches) that had not finished. Each iteration (branch) first starts a
//! child execution (a request-response Task, which nothing but the progress committed
//! keeps from running again), then waits for activity tasks, whose worker counts the tasks
//! it receives: no task whose completion was committed before the crash runs again, and
//! only the tasks in flight at the crash are handed out twice.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use crate::support::{create_machine, history, json, start, types, wait_done, Server, TempDir};

/// What the worker received: how many tasks for each input.
type Received = Arc<Mutex<BTreeMap<String, usize>>>;

/// Take one activity task and count it: its token and input, or `None` when none came.
async fn take(client: &Client, activity: &str, received: &Received) -> Option<(String, Value)> {
    let task = client.get_activity_task().activity_arn(activity).send().await.ok()?;
    let token = task.task_token()?.to_owned();
    let input = json(task.input());
    *received.lock().unwrap().entry(input.to_string()).or_default() += 1;
    Some((token, input))
}

/// Take `n` tasks.
async fn take_many(client: &Client, activity: &str, received: &Received, n: usize) -> Vec<(String, Value)> {
    let mut tasks = Vec::new();
    while tasks.len() < n {
        if let Some(task) = take(client, activity, received).await {
            tasks.push(task);
        }
    }
    tasks
}

/// Answer a task with its input.
async fn answer(client: &Client, token: &str, input: &Value) {
    // An answer lost to the crash is fine: the task was in flight.
    let _ = client
        .send_task_success()
        .task_token(token)
        .output(json!({ "done": input }).to_string())
        .send()
        .await;
}

/// Take one task and answer it.
async fn work_one(client: &Client, activity: &str, received: &Received) {
    if let Some((token, input)) = take(client, activity, received).await {
        answer(client, &token, &input).await;
    }
}

/// Answer every task until the execution ends; then the worker stops.
async fn work_until_done(client: &Client, activity: &str, execution: &str, received: &Received) -> Value {
    let worker = {
        let client = client.clone();
        let activity = activity.to_owned();
        let received = received.clone();
        tokio::spawn(async move {
            loop {
                work_one(&client, &activity, &received).await;
            }
        })
    };
    let done = wait_done(client, execution, Duration::from_secs(60)).await;
    worker.abort();
    assert_eq!(done.status(), &ExecutionStatus::Succeeded, "{:?}", done.cause());
    json(done.output())
}

/// Wait until the history holds `count` events of `event_type`, then a little longer, so
/// that the step recording them is committed.
async fn wait_for_count(client: &Client, execution: &str, event_type: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let kinds = types(&history(client, execution, false, 1000).await);
        if kinds.iter().filter(|t| *t == event_type).count() >= count {
            break;
        }
        assert!(Instant::now() < deadline, "fewer than {count} {event_type}: {kinds:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// A child machine whose executions count the `Record` tasks that ran.
async fn create_child(client: &Client, name: &str) -> String {
    create_machine(
        client,
        name,
        &json!({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )
    .await
}

/// A Task starting an execution of `child` (request-response: it returns at once).
fn record(child: &str, next: &str) -> Value {
    json!({
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
        "Parameters": {"StateMachineArn": child, "Input.$": "$"},
        "ResultPath": null, "Next": next
    })
}

async fn count_executions(client: &Client, machine: &str) -> usize {
    let listed = client
        .list_executions()
        .state_machine_arn(machine)
        .max_results(1000)
        .send()
        .await
        .expect("list executions");
    listed.executions().len()
}

async fn create_activity(client: &Client, name: &str) -> String {
    client
        .create_activity()
        .name(name)
        .send()
        .await
        .expect("create activity")
        .activity_arn()
        .to_owned()
}

#[tokio::test]
async fn a_map_of_activity_tasks_resumes_only_unfinished_iterations_after_kill_9() {
    let dir = TempDir::new();
    let mut server = Server::start_in(dir.path(), 1.0);
    let client = server.client();
    let activity = create_activity(&client, "item-work").await;
    let child = create_child(&client, "item-record").await;
    let machine = create_machine(
        &client,
        "mapped",
        &json!({
            "StartAt": "Each",
            "States": {"Each": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 5, "End": true,
                "ItemProcessor": {"StartAt": "Record", "States": {
                    "Record": record(&child, "Work"),
                    "Work": {"Type": "Task", "Resource": activity, "End": true}
                }}
            }}
        }),
    )
    .await;
    let items: Vec<Value> = (0..30).map(|n| json!({"n": n})).collect();
    let execution = start(&client, &machine, &json!({ "items": items })).await;

    // Two rounds: the worker takes the 5 running tasks and answers them last first (so
    // the iterations finish out of item order, as with any real worker); then it takes one
    // more task, leaves it unanswered, and the server dies.
    let received = Received::default();
    let mut answered = Vec::new();
    for _ in 0..2 {
        for (token, input) in take_many(&client, &activity, &received, 5).await.into_iter().rev() {
            answer(&client, &token, &input).await;
            answered.push(input);
        }
        wait_for_count(&client, &execution, "MapIterationSucceeded", answered.len()).await;
    }
    take_many(&client, &activity, &received, 1).await;
    server.kill();
    server.restart();
    let client = server.client();

    let output = work_until_done(&client, &activity, &execution, &received).await;
    let expected: Vec<Value> = items.iter().map(|item| json!({"done": item})).collect();
    assert_eq!(output, Value::Array(expected));
    let received = received.lock().unwrap().clone();
    let total: usize = received.values().sum();
    assert!(total <= 30 + 5, "{total} tasks handed out: {received:?}");
    let children = count_executions(&client, &child).await;
    assert!(children <= 30 + 5, "{children} Record tasks ran for 30 items");
    for input in &answered {
        assert_eq!(received[&input.to_string()], 1, "{input} ran again: {received:?}");
    }
}

#[tokio::test]
async fn a_parallel_of_activity_tasks_resumes_only_unfinished_branches_after_kill_9() {
    let dir = TempDir::new();
    let mut server = Server::start_in(dir.path(), 1.0);
    let client = server.client();
    let activity = create_activity(&client, "branch-work").await;
    let child = create_child(&client, "branch-record").await;
    // Each branch records itself, then runs two activity tasks in turn.
    let branches: Vec<Value> = (0..6)
        .map(|b| {
            let (record_name, first, second) = (format!("Record{b}"), format!("First{b}"), format!("Second{b}"));
            json!({"StartAt": record_name, "States": {
                record_name.clone(): record(&child, &first),
                first.clone(): {"Type": "Task", "Resource": activity, "Parameters": {"branch": b, "step": 1}, "Next": second},
                second.clone(): {"Type": "Task", "Resource": activity, "Parameters": {"branch": b, "step": 2}, "End": true}
            }})
        })
        .collect();
    let machine = create_machine(
        &client,
        "branched",
        &json!({
            "StartAt": "All",
            "States": {"All": {"Type": "Parallel", "Branches": branches, "End": true}}
        }),
    )
    .await;
    let execution = start(&client, &machine, &json!({})).await;

    // The worker takes the 6 first tasks and answers them last first; then it takes the
    // 3 second tasks that come and answers them (3 branches finish); then it takes one more
    // task, leaves it unanswered, and the server dies.
    let received = Received::default();
    let mut answered = Vec::new();
    for (token, input) in take_many(&client, &activity, &received, 6).await.into_iter().rev() {
        answer(&client, &token, &input).await;
        answered.push(input);
    }
    for (token, input) in take_many(&client, &activity, &received, 3).await {
        answer(&client, &token, &input).await;
        answered.push(input);
    }
    wait_for_count(&client, &execution, "ActivitySucceeded", answered.len()).await;
    take_many(&client, &activity, &received, 1).await;
    server.kill();
    server.restart();
    let client = server.client();

    let output = work_until_done(&client, &activity, &execution, &received).await;
    let expected: Vec<Value> = (0..6).map(|b| json!({"done": {"branch": b, "step": 2}})).collect();
    assert_eq!(output, Value::Array(expected));
    let received = received.lock().unwrap().clone();
    let total: usize = received.values().sum();
    assert!(total <= 12 + 6, "{total} tasks handed out: {received:?}");
    // Every branch had recorded itself before the crash, and that was committed.
    assert_eq!(count_executions(&client, &child).await, 6);
    for input in &answered {
        assert_eq!(received[&input.to_string()], 1, "{input} ran again: {received:?}");
    }
}
