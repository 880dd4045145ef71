//! Map runs of a Distributed Map: ListMapRuns, DescribeMapRun, UpdateMapRun.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::MapRunStatus;
use serde_json::json;

use crate::support::{code, create_machine, start, wait_done, Server};

fn distributed(item_state: serde_json::Value) -> serde_json::Value {
    json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "Label": "batch",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Item",
                    "States": {"Item": item_state}
                },
                "End": true
            }
        }
    })
}

#[tokio::test]
async fn list_and_describe_map_runs() {
    let server = Server::start(0.0);
    let client = server.client();
    let quick = create_machine(&client, "quick-map", &distributed(json!({"Type": "Pass", "End": true}))).await;
    let execution = start(&client, &quick, &json!({"items": [1, 2, 3]})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.output(), Some("[1,2,3]"));
    let runs = client
        .list_map_runs()
        .execution_arn(&execution)
        .send()
        .await
        .expect("list map runs");
    assert_eq!(runs.map_runs().len(), 1);
    let run = &runs.map_runs()[0];
    assert_eq!(run.execution_arn(), execution);
    assert_eq!(run.state_machine_arn(), quick);
    assert!(
        run.map_run_arn()
            .starts_with("arn:aws:states:us-east-1:123456789012:mapRun:quick-map/batch:"),
        "{}",
        run.map_run_arn()
    );
    let described = client
        .describe_map_run()
        .map_run_arn(run.map_run_arn())
        .send()
        .await
        .expect("describe");
    assert_eq!(described.status(), &MapRunStatus::Succeeded);
    let items = described.item_counts().expect("item counts");
    assert_eq!((items.total(), items.succeeded()), (3, 3));
    assert!(described.stop_date().is_some());

    assert_eq!(
        code(
            client
                .update_map_run()
                .map_run_arn(run.map_run_arn())
                .max_concurrency(-1)
                .send()
                .await
        ),
        "ValidationException"
    );
    let missing = "arn:aws:states:us-east-1:123456789012:mapRun:quick-map/batch:00000000-0000-0000-0000-000000000000";
    assert_eq!(
        code(client.describe_map_run().map_run_arn(missing).send().await),
        "ResourceNotFound"
    );
    assert_eq!(
        code(client.describe_map_run().map_run_arn("not-an-arn").send().await),
        "InvalidArn"
    );
}

#[tokio::test]
#[ignore = "a Map state's events are committed when the state ends: while a Distributed Map runs, ListMapRuns is empty and DescribeMapRun/UpdateMapRun cannot find the run"]
async fn a_running_map_run_is_listed_and_updated() {
    let server = Server::start(1.0);
    let client = server.client();
    let slow = create_machine(
        &client,
        "slow-map",
        &distributed(json!({"Type": "Wait", "Seconds": 600, "End": true})),
    )
    .await;
    let execution = start(&client, &slow, &json!({"items": ["a", "b"]})).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let run_arn = loop {
        let runs = client
            .list_map_runs()
            .execution_arn(&execution)
            .send()
            .await
            .expect("list map runs");
        if let Some(run) = runs.map_runs().first() {
            break run.map_run_arn().to_owned();
        }
        assert!(Instant::now() < deadline, "no map run listed while it runs");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let described = client
        .describe_map_run()
        .map_run_arn(&run_arn)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.status(), &MapRunStatus::Running);
    client
        .update_map_run()
        .map_run_arn(&run_arn)
        .max_concurrency(1)
        .send()
        .await
        .expect("update map run");
    assert_eq!(
        client
            .describe_map_run()
            .map_run_arn(&run_arn)
            .send()
            .await
            .expect("describe")
            .max_concurrency(),
        1
    );
    client
        .stop_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("stop");
}
