//! Versions and aliases: publishing, listing in pages, routing executions through an alias,
//! and what DescribeExecution says about the version and alias an execution ran.

use std::time::Duration;

use aws_sdk_sfn::types::RoutingConfigurationListItem;
use serde_json::json;

use crate::support::{code, start, wait_done, Server, ROLE};

fn pass(result: &str) -> String {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}}).to_string()
}

fn route(version: &str, weight: i32) -> RoutingConfigurationListItem {
    RoutingConfigurationListItem::builder()
        .state_machine_version_arn(version)
        .weight(weight)
        .build()
        .expect("routing item")
}

#[tokio::test]
async fn publish_list_and_delete_versions() {
    let server = Server::start(0.0);
    let client = server.client();
    let created = client
        .create_state_machine()
        .name("versioned")
        .definition(pass("v1"))
        .role_arn(ROLE)
        .publish(true)
        .version_description("first")
        .send()
        .await
        .expect("create and publish");
    let machine = created.state_machine_arn().to_owned();
    let v1 = created.state_machine_version_arn().expect("a version").to_owned();
    assert_eq!(v1, format!("{machine}:1"));

    let updated = client
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass("v2"))
        .publish(true)
        .send()
        .await
        .expect("update and publish");
    let v2 = updated.state_machine_version_arn().expect("a version").to_owned();
    assert_eq!(v2, format!("{machine}:2"));
    // Publishing an unchanged revision gives back the latest version.
    let again = client
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect("publish");
    assert_eq!(again.state_machine_version_arn(), v2);
    let stale = client
        .publish_state_machine_version()
        .state_machine_arn(&machine)
        .revision_id("not-the-revision")
        .send()
        .await;
    assert_eq!(code(stale), "ConflictException");

    // A version is described like a machine, with its own definition and description.
    let first = client
        .describe_state_machine()
        .state_machine_arn(&v1)
        .send()
        .await
        .expect("describe v1");
    assert_eq!(first.definition(), pass("v1"));
    assert_eq!(first.description(), Some("first"));

    // Newest first, one a page.
    let page1 = client
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .max_results(1)
        .send()
        .await
        .expect("list versions");
    assert_eq!(page1.state_machine_versions()[0].state_machine_version_arn(), v2);
    let page2 = client
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .max_results(1)
        .next_token(page1.next_token().expect("a second page"))
        .send()
        .await
        .expect("list versions");
    assert_eq!(page2.state_machine_versions().len(), 1);
    assert_eq!(page2.state_machine_versions()[0].state_machine_version_arn(), v1);
    assert!(page2.next_token().is_none());

    // Executions started on a version run that version.
    let execution = start(&client, &v1, &json!({})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.output(), Some("\"v1\""));
    assert_eq!(done.state_machine_version_arn(), Some(v1.as_str()));
    assert_eq!(done.state_machine_arn(), machine);

    client
        .delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await
        .expect("delete v1");
    let left = client
        .list_state_machine_versions()
        .state_machine_arn(&machine)
        .send()
        .await
        .expect("list");
    let arns: Vec<&str> = left
        .state_machine_versions()
        .iter()
        .map(|v| v.state_machine_version_arn())
        .collect();
    assert_eq!(arns, [v2.as_str()]);
    assert_eq!(
        code(
            client
                .delete_state_machine_version()
                .state_machine_version_arn(&machine)
                .send()
                .await
        ),
        "InvalidArn",
        "a machine ARN is not a version ARN"
    );
}

#[tokio::test]
async fn aliases_route_executions() {
    let server = Server::start(0.0);
    let client = server.client();
    let machine = client
        .create_state_machine()
        .name("aliased")
        .definition(pass("v1"))
        .role_arn(ROLE)
        .publish(true)
        .send()
        .await
        .expect("create")
        .state_machine_arn()
        .to_owned();
    let v1 = format!("{machine}:1");
    client
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(pass("v2"))
        .publish(true)
        .send()
        .await
        .expect("update");
    let v2 = format!("{machine}:2");

    let prod = client
        .create_state_machine_alias()
        .name("prod")
        .description("production")
        .routing_configuration(route(&v1, 100))
        .send()
        .await
        .expect("create alias")
        .state_machine_alias_arn()
        .to_owned();
    assert_eq!(prod, format!("{machine}:prod"));
    let described = client
        .describe_state_machine_alias()
        .state_machine_alias_arn(&prod)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.name(), Some("prod"));
    assert_eq!(described.description(), Some("production"));
    let routes = described.routing_configuration();
    assert_eq!(routes.len(), 1);
    assert_eq!(
        (routes[0].state_machine_version_arn(), routes[0].weight()),
        (v1.as_str(), 100)
    );

    let execution = start(&client, &prod, &json!({})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.output(), Some("\"v1\""));
    assert_eq!(done.state_machine_alias_arn(), Some(prod.as_str()));
    assert_eq!(done.state_machine_version_arn(), Some(v1.as_str()));

    client
        .update_state_machine_alias()
        .state_machine_alias_arn(&prod)
        .routing_configuration(route(&v2, 100))
        .send()
        .await
        .expect("update alias");
    let execution = start(&client, &prod, &json!({})).await;
    let done = wait_done(&client, &execution, Duration::from_secs(10)).await;
    assert_eq!(done.output(), Some("\"v2\""));
    assert_eq!(done.state_machine_version_arn(), Some(v2.as_str()));

    // A 50/50 split sends executions to both versions (100 tries: 2^-99 to see one only).
    client
        .update_state_machine_alias()
        .state_machine_alias_arn(&prod)
        .routing_configuration(route(&v1, 50))
        .routing_configuration(route(&v2, 50))
        .send()
        .await
        .expect("split alias");
    let mut versions = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let execution = start(&client, &prod, &json!({})).await;
        let described = client
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .expect("describe");
        versions.insert(described.state_machine_version_arn().expect("a version").to_owned());
        if versions.len() == 2 {
            break;
        }
    }
    assert_eq!(versions.len(), 2, "both versions are routed to: {versions:?}");

    // Alias errors.
    let bad_weights = client
        .create_state_machine_alias()
        .name("bad")
        .routing_configuration(route(&v1, 60))
        .routing_configuration(route(&v2, 30))
        .send()
        .await;
    assert_eq!(code(bad_weights), "ValidationException");
    let numeric = client
        .create_state_machine_alias()
        .name("123")
        .routing_configuration(route(&v1, 100))
        .send()
        .await;
    assert_eq!(code(numeric), "InvalidName");
    let referenced = client
        .delete_state_machine_version()
        .state_machine_version_arn(&v1)
        .send()
        .await;
    assert_eq!(code(referenced), "ConflictException", "v1 is still routed to by prod");

    // Listing in pages.
    let beta = client
        .create_state_machine_alias()
        .name("beta")
        .routing_configuration(route(&v2, 100))
        .send()
        .await
        .expect("create beta")
        .state_machine_alias_arn()
        .to_owned();
    let mut listed = Vec::new();
    let mut token = None;
    loop {
        let out = client
            .list_state_machine_aliases()
            .state_machine_arn(&machine)
            .max_results(1)
            .set_next_token(token)
            .send()
            .await
            .expect("list aliases");
        assert_eq!(out.state_machine_aliases().len(), 1);
        listed.extend(
            out.state_machine_aliases()
                .iter()
                .map(|a| a.state_machine_alias_arn().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    listed.sort();
    assert_eq!(listed, [beta.clone(), prod.clone()]);

    client
        .delete_state_machine_alias()
        .state_machine_alias_arn(&beta)
        .send()
        .await
        .expect("delete alias");
    assert_eq!(
        code(
            client
                .describe_state_machine_alias()
                .state_machine_alias_arn(&beta)
                .send()
                .await
        ),
        "ResourceNotFound"
    );
    let missing_alias = format!("{machine}:nope");
    assert_eq!(
        code(client.start_execution().state_machine_arn(missing_alias).send().await),
        "StateMachineDoesNotExist"
    );
}
