//! State machines: create, describe, update, delete, list, validate, and
//! DescribeStateMachineForExecution, with their errors.

use aws_sdk_sfn::types::{StateMachineType, Tag, ValidateStateMachineDefinitionResultCode};
use serde_json::json;

use crate::support::{code, create_machine, start, unique, wait_done, Server, ROLE};

fn pass(result: &str) -> serde_json::Value {
    json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": true}}})
}

#[tokio::test]
async fn create_describe_update_delete() {
    let server = Server::start(0.0);
    let client = server.client();
    let definition = pass("one").to_string();
    let created = client
        .create_state_machine()
        .name("lifecycle")
        .definition(&definition)
        .role_arn(ROLE)
        .tags(Tag::builder().key("team").value("rail").build())
        .send()
        .await
        .expect("create");
    let arn = created.state_machine_arn();
    assert_eq!(arn, "arn:aws:states:us-east-1:123456789012:stateMachine:lifecycle");

    let described = client
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.name(), "lifecycle");
    assert_eq!(described.definition(), definition);
    assert_eq!(described.role_arn(), ROLE);
    assert_eq!(described.r#type(), &StateMachineType::Standard);
    assert_eq!(described.status().map(|s| s.as_str()), Some("ACTIVE"));
    assert!(described.revision_id().is_none(), "no revision before the first update");

    // Creating the same machine again is idempotent: same ARN, same creation date.
    let again = client
        .create_state_machine()
        .name("lifecycle")
        .definition(&definition)
        .role_arn(ROLE)
        .send()
        .await
        .expect("create again");
    assert_eq!(again.state_machine_arn(), arn);
    assert_eq!(again.creation_date(), created.creation_date());

    let updated = client
        .update_state_machine()
        .state_machine_arn(arn)
        .definition(pass("two").to_string())
        .send()
        .await
        .expect("update");
    let revision = updated.revision_id().expect("an update gives a revision id");
    let described = client
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .expect("describe");
    assert_eq!(described.definition(), pass("two").to_string());
    assert_eq!(described.revision_id(), Some(revision));
    let execution = start(&client, arn, &json!({})).await;
    let done = wait_done(&client, &execution, std::time::Duration::from_secs(10)).await;
    assert_eq!(done.output(), Some("\"two\""));

    let tags = client
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("tags");
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(
        (tags.tags()[0].key(), tags.tags()[0].value()),
        (Some("team"), Some("rail"))
    );

    client
        .delete_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .expect("delete");
    let gone = client.describe_state_machine().state_machine_arn(arn).send().await;
    assert_eq!(code(gone), "StateMachineDoesNotExist");
    let listed = client.list_state_machines().send().await.expect("list");
    assert!(listed.state_machines().is_empty());
}

#[tokio::test]
async fn create_and_describe_errors() {
    let server = Server::start(0.0);
    let client = server.client();
    let missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nope";
    assert_eq!(
        code(client.describe_state_machine().state_machine_arn(missing).send().await),
        "StateMachineDoesNotExist"
    );
    assert_eq!(
        code(
            client
                .describe_state_machine()
                .state_machine_arn("not-an-arn")
                .send()
                .await
        ),
        "InvalidArn"
    );
    let bad_name = client
        .create_state_machine()
        .name("has space")
        .definition(pass("x").to_string())
        .role_arn(ROLE)
        .send()
        .await;
    assert_eq!(code(bad_name), "InvalidName");
    let bad_definition = client
        .create_state_machine()
        .name("broken")
        .definition(json!({"StartAt": "Nowhere", "States": {"P": {"Type": "Pass", "End": true}}}).to_string())
        .role_arn(ROLE)
        .send()
        .await;
    assert_eq!(code(bad_definition), "InvalidDefinition");
    let not_json = client
        .create_state_machine()
        .name("broken")
        .definition("{")
        .role_arn(ROLE)
        .send()
        .await;
    assert_eq!(code(not_json), "InvalidDefinition");
    // A pattern the service does not support is refused when the machine is created.
    let task = |resource: &str| {
        json!({"StartAt": "Send", "States": {"Send": {"Type": "Task", "Resource": resource, "End": true}}}).to_string()
    };
    let unsupported = client
        .create_state_machine()
        .name("sync-sqs")
        .definition(task("arn:aws:states:::sqs:sendMessage.sync"))
        .role_arn(ROLE)
        .send()
        .await
        .expect_err("SQS has no Run a Job pattern");
    let message = unsupported
        .as_service_error()
        .and_then(|e| e.meta().message())
        .unwrap_or_default();
    assert!(
        message.starts_with("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The resource provided arn:aws:states:::sqs:sendMessage.sync is not recognized."),
        "{message}"
    );
    client
        .create_state_machine()
        .name("callback-sqs")
        .definition(task("arn:aws:states:::sqs:sendMessage.waitForTaskToken"))
        .role_arn(ROLE)
        .send()
        .await
        .expect("SQS supports Wait for Callback");

    create_machine(&client, "taken", &pass("a")).await;
    let conflict = client
        .create_state_machine()
        .name("taken")
        .definition(pass("b").to_string())
        .role_arn(ROLE)
        .send()
        .await;
    assert_eq!(code(conflict), "StateMachineAlreadyExists");
    let taken = "arn:aws:states:us-east-1:123456789012:stateMachine:taken";
    assert_eq!(
        code(client.update_state_machine().state_machine_arn(taken).send().await),
        "MissingRequiredParameter"
    );
    assert_eq!(
        code(
            client
                .update_state_machine()
                .state_machine_arn(missing)
                .definition(pass("c").to_string())
                .send()
                .await
        ),
        "StateMachineDoesNotExist"
    );
    assert_eq!(
        code(client.list_state_machines().max_results(1001).send().await),
        "ValidationException"
    );
    assert_eq!(
        code(client.list_state_machines().next_token("not-a-token").send().await),
        "InvalidToken"
    );
}

#[tokio::test]
async fn list_state_machines_in_pages() {
    let server = Server::start(0.0);
    let client = server.client();
    let mut created = Vec::new();
    for _ in 0..5 {
        let name = unique("paged");
        create_machine(&client, &name, &pass("x")).await;
        created.push(name);
    }
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut token = None;
    loop {
        let out = client
            .list_state_machines()
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .expect("list");
        pages += 1;
        assert!(out.state_machines().len() <= 2);
        seen.extend(out.state_machines().iter().map(|m| m.name().to_owned()));
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    created.sort();
    assert_eq!(seen, created);
}

#[tokio::test]
async fn validate_definition() {
    let server = Server::start(0.0);
    let client = server.client();
    let ok = client
        .validate_state_machine_definition()
        .definition(pass("x").to_string())
        .send()
        .await
        .expect("validate");
    assert_eq!(ok.result(), &ValidateStateMachineDefinitionResultCode::Ok);
    assert!(ok.diagnostics().is_empty());

    let broken = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Next": "Missing"}}});
    let failed = client
        .validate_state_machine_definition()
        .definition(broken.to_string())
        .send()
        .await
        .expect("validate");
    assert_eq!(failed.result(), &ValidateStateMachineDefinitionResultCode::Fail);
    let codes: Vec<&str> = failed.diagnostics().iter().map(|d| d.code()).collect();
    assert!(codes.contains(&"MISSING_TRANSITION_TARGET"), "{codes:?}");
    assert_eq!(
        code(client.validate_state_machine_definition().send().await),
        "ValidationException",
        "the definition is required"
    );
}

#[tokio::test]
async fn describe_state_machine_for_execution_shows_the_definition_it_ran() {
    let server = Server::start(0.0);
    let client = server.client();
    let arn = create_machine(&client, "for-execution", &pass("old")).await;
    let execution = start(&client, &arn, &json!({})).await;
    wait_done(&client, &execution, std::time::Duration::from_secs(10)).await;
    client
        .update_state_machine()
        .state_machine_arn(&arn)
        .definition(pass("new").to_string())
        .send()
        .await
        .expect("update");
    let described = client
        .describe_state_machine_for_execution()
        .execution_arn(&execution)
        .send()
        .await
        .expect("describe for execution");
    assert_eq!(described.state_machine_arn(), arn);
    assert_eq!(described.name(), "for-execution");
    assert_eq!(described.definition(), pass("old").to_string());
    let missing = format!(
        "arn:aws:states:us-east-1:123456789012:execution:for-execution:{}",
        unique("none")
    );
    assert_eq!(
        code(
            client
                .describe_state_machine_for_execution()
                .execution_arn(missing)
                .send()
                .await
        ),
        "ExecutionDoesNotExist"
    );
}
