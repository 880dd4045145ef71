//! Rules of the API that the recorded AWS conformance cases pin down, checked through
//! `Api::call` on an in-memory store. Each test names the recorded case it follows.

use std::sync::Arc;

use api::{Api, ApiConfig, ApiError, Request};
use engine::service::{Engine, EngineConfig};
use serde_json::{json, Value};

const PASS: &str = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
const PASS_R2: &str = r#"{"Comment": "R2", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}"#;
const ROLE: &str = "arn:aws:iam::000000000000:role/r";

fn api() -> Arc<Api> {
    let store = Arc::new(store::sqlite::Sqlite::in_memory().expect("in-memory store"));
    Api::new(Engine::new(store, EngineConfig::default()), ApiConfig::default())
}

async fn call(api: &Api, operation: &str, request: Value) -> Result<Value, ApiError> {
    let Value::Object(map) = request else {
        panic!("a request is an object")
    };
    api.call(operation, Request(map)).await
}

async fn create(api: &Api, extra: Value) -> Value {
    let mut request = json!({"name": "m", "definition": PASS, "roleArn": ROLE});
    if let (Some(request), Value::Object(extra)) = (request.as_object_mut(), extra) {
        request.extend(extra);
    }
    call(api, "CreateStateMachine", request).await.expect("created")
}

#[tokio::test]
async fn publishing_an_unchanged_machine_creates_no_revision() {
    // Recorded: versioning test_empty_revision_with_publish_and_no_publish_on_creation.
    let api = api();
    let arn = create(&api, json!({})).await["stateMachineArn"].clone();
    let update = json!({"stateMachineArn": arn, "definition": PASS, "publish": true});
    for _ in 0..2 {
        let out = call(&api, "UpdateStateMachine", update.clone()).await.expect("updated");
        assert!(out.get("revisionId").is_none(), "{out}");
        assert_eq!(
            out["stateMachineVersionArn"],
            json!(format!("{}:1", arn.as_str().unwrap_or_default()))
        );
    }
    let changed = json!({"stateMachineArn": arn, "definition": PASS_R2, "publish": true});
    let out = call(&api, "UpdateStateMachine", changed).await.expect("updated");
    assert!(out["revisionId"].is_string(), "{out}");
}

#[tokio::test]
async fn a_version_arn_cannot_be_updated() {
    // Recorded: versioning test_update_state_machine.
    let api = api();
    let version = create(&api, json!({"publish": true})).await["stateMachineVersionArn"].clone();
    let error = call(
        &api,
        "UpdateStateMachine",
        json!({"stateMachineArn": version, "definition": PASS_R2}),
    )
    .await
    .expect_err("refused");
    assert_eq!(error.code, "StateMachineDoesNotExist");
    assert_eq!(
        error.message,
        format!(
            "State Machine Does Not Exist: '{}'",
            version.as_str().unwrap_or_default()
        )
    );
}

#[tokio::test]
async fn describe_shows_default_encryption_variable_references_and_given_destinations() {
    // Recorded: test_sfn_api_variable_references (encryptionConfiguration, variableReferences)
    // and logging test_incomplete_logging_configuration (destinations: []).
    let api = api();
    let definition = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"}, "B": {"Type": "Pass", "InputPath": "$x", "End": true}}}"#;
    let arn = create(
        &api,
        json!({"definition": definition, "loggingConfiguration": {"level": "OFF", "destinations": []}}),
    )
    .await["stateMachineArn"]
        .clone();
    let out = call(&api, "DescribeStateMachine", json!({"stateMachineArn": arn}))
        .await
        .expect("described");
    assert_eq!(out["encryptionConfiguration"], json!({"type": "AWS_OWNED_KEY"}));
    assert_eq!(out["variableReferences"], json!({"B": ["x"]}));
    assert_eq!(out["loggingConfiguration"]["destinations"], json!([]));
}

#[tokio::test]
async fn a_bad_map_label_is_reported_as_recorded() {
    // Recorded: map-run-api test_map_state_label_invalid_char_fail and _empty_fail.
    let api = api();
    for (label, args) in [
        ("", "['Label cannot be empty']"),
        ("label_ ", r#"["Label contains invalid character: ' '"]"#),
        ("label_\"", r#"['Label contains invalid character: \'"\'']"#),
        ("label_\n", r#"["Label contains invalid character: '\\n'"]"#),
        ("label_\u{9f}", r#"["Label contains invalid character: '\\x9f'"]"#),
    ] {
        let definition = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "Label": label,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}})
        .to_string();
        let request = json!({"name": "m", "definition": definition, "roleArn": ROLE});
        let error = call(&api, "CreateStateMachine", request).await.expect_err("refused");
        assert_eq!(error.code, "InvalidDefinition");
        assert_eq!(
            error.message,
            format!("Error=ValueError Args={args} in definition '{definition}'.")
        );
    }
}

#[tokio::test]
async fn a_bad_token_is_reported_before_bad_output() {
    // Recorded: aws-sdk test_sfn_send_task_outcome_with_no_such_token.
    let api = api();
    let request = json!({"taskToken": "NoSuchTaskToken", "output": "not json"});
    let error = call(&api, "SendTaskSuccess", request).await.expect_err("refused");
    assert_eq!(error.code, "InvalidToken");
}

#[tokio::test]
async fn an_execution_of_a_version_is_described_with_the_machine_arn_and_the_version_revision() {
    // Recorded: versioning test_describe_state_machine_for_execution_of_version_with_revision.
    let api = api();
    let arn = create(&api, json!({})).await["stateMachineArn"].clone();
    let update = json!({"stateMachineArn": arn, "definition": PASS_R2, "publish": true});
    let updated = call(&api, "UpdateStateMachine", update).await.expect("updated");
    let start = json!({"stateMachineArn": updated["stateMachineVersionArn"]});
    let started = call(&api, "StartExecution", start).await.expect("started");
    let request = json!({"executionArn": started["executionArn"]});
    let out = call(&api, "DescribeStateMachineForExecution", request)
        .await
        .expect("described");
    assert_eq!(out["stateMachineArn"], arn);
    assert_eq!(out["revisionId"], updated["revisionId"]);
    assert_eq!(out["definition"], json!(PASS_R2));
}

#[tokio::test]
async fn a_task_on_a_deleted_activity_fails_with_a_runtime_error() {
    // Recorded: activities test_activity_task_on_deleted.
    let api = api();
    let activity = call(&api, "CreateActivity", json!({"name": "a"}))
        .await
        .expect("created")["activityArn"]
        .clone();
    let activity_arn = activity.as_str().unwrap_or_default().to_owned();
    call(&api, "DeleteActivity", json!({"activityArn": activity}))
        .await
        .expect("deleted");
    let definition =
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": activity_arn, "End": true}}}).to_string();
    let arn = create(&api, json!({"definition": definition})).await["stateMachineArn"].clone();
    let started = call(&api, "StartExecution", json!({"stateMachineArn": arn}))
        .await
        .expect("started");
    let describe = json!({"executionArn": started["executionArn"]});
    let mut out = json!({});
    for _ in 0..100 {
        out = call(&api, "DescribeExecution", describe.clone())
            .await
            .expect("described");
        if out["status"] != "RUNNING" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(out["status"], "FAILED");
    assert_eq!(out["error"], "States.Runtime");
    assert_eq!(
        out["cause"],
        json!(format!(
            "An error occurred while executing the state 'T' (entered at the event id #2). The activity {activity_arn} does not exist."
        ))
    );
}
