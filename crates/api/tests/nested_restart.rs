//! A nested execution that ended while its parent's next step was not yet durable: after
//! the crash the parent runs its Task attempt again, and StartExecution answers with the
//! child that attempt started, though it has ended, instead of refusing the name or
//! starting a second child (issue 11). Driven through the API in-process, over the
//! fault-injecting store, which loses the parent's unsynced step in the crash.

use std::sync::Arc;
use std::time::Duration;

use api::sfn_tasks::SfnTasks;
use api::{Api, ApiConfig, Request};
use engine::service::{Engine, EngineConfig};
use serde_json::{json, Value};
use store::fault::Faulty;
use store::memory::Memory;
use store::{ExecutionStatus, Store, Write};

const PARENT: &str = "arn:aws:states:us-east-1:123456789012:execution:parent:p1";

fn serve(store: Arc<dyn Store>) -> (Arc<Api>, Engine) {
    let engine = Engine::new(
        store,
        EngineConfig {
            executors: 1,
            ..EngineConfig::default()
        },
    );
    let api = Api::new(engine.clone(), ApiConfig::default());
    engine.set_integration(Arc::new(SfnTasks::new(&api, Arc::new(integrations::Unconfigured))));
    (api, engine)
}

async fn call(api: &Api, operation: &str, request: Value) -> Value {
    let Value::Object(members) = request else {
        panic!("a request is an object")
    };
    api.call(operation, Request(members))
        .await
        .unwrap_or_else(|e| panic!("{operation}: {} {}", e.code, e.message))
}

async fn create(api: &Api, name: &str, definition: Value) -> String {
    let created = call(
        api,
        "CreateStateMachine",
        json!({"name": name, "definition": definition.to_string(), "roleArn": "arn:aws:iam::123456789012:role/r"}),
    )
    .await;
    created["stateMachineArn"].as_str().unwrap().to_owned()
}

/// Whether a commit records the parent's Task result: the step that comes after its child
/// has ended.
fn parent_task_result(writes: &[Write]) -> bool {
    writes.iter().any(|w| {
        matches!(w, Write::AppendEvents { execution, events }
            if execution == PARENT && events.iter().any(|(_, body)| body.contains("\"TaskSucceeded\"")))
    })
}

async fn crash_after_the_child_ended(named: bool) {
    let memory = Arc::new(Memory::new());
    let faulty = Arc::new(Faulty::new(memory.clone()));
    let (api, _first) = serve(faulty.clone());
    let child = create(
        &api,
        "child",
        json!({"StartAt": "Double", "States": {
            "Double": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.value, $.value)"}, "End": true}
        }}),
    )
    .await;
    let mut parameters = json!({"StateMachineArn": child, "Input": {"value.$": "$.value"}});
    if named {
        parameters["Name"] = json!("the-child");
    }
    let parent = create(
        &api,
        "parent",
        json!({"StartAt": "Run", "States": {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": parameters,
                "OutputPath": "$.Output",
                "End": true
            }
        }}),
    )
    .await;
    faulty.hold_from(parent_task_result);
    call(
        &api,
        "StartExecution",
        json!({"stateMachineArn": parent, "name": "p1", "input": "{\"value\": 21}"}),
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while faulty.stats().held == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the parent never got its child's result"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let listed = call(&api, "ListExecutions", json!({"stateMachineArn": child})).await;
    assert_eq!(listed["executions"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["executions"][0]["status"], "SUCCEEDED");
    let child_execution = listed["executions"][0]["executionArn"].clone();

    // The parent's step after the Task is lost: it is still in the Task on what survives.
    assert_eq!(faulty.crash(), 1);
    let row = memory.execution(PARENT).unwrap().unwrap();
    assert_eq!(row.status, ExecutionStatus::Running);

    let (api, engine) = serve(memory.clone());
    assert_eq!(engine.resume_all().unwrap(), 1, "only the parent resumes");
    let ended = tokio::time::timeout(Duration::from_secs(10), engine.wait(PARENT))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        ended.status,
        ExecutionStatus::Succeeded,
        "{:?}: {:?}",
        ended.error,
        ended.cause
    );
    assert_eq!(ended.output.as_deref(), Some(r#"{"doubled":42}"#));
    let listed = call(&api, "ListExecutions", json!({"stateMachineArn": child})).await;
    assert_eq!(listed["executions"].as_array().unwrap().len(), 1, "one child: {listed}");
    assert_eq!(listed["executions"][0]["executionArn"], child_execution);
}

#[tokio::test]
async fn an_unnamed_child_that_ended_before_the_crash_is_not_started_again() {
    crash_after_the_child_ended(false).await;
}

#[tokio::test]
async fn a_named_child_that_ended_before_the_crash_is_found_again() {
    crash_after_the_child_ended(true).await;
}

/// Another parent, or a client, asking for a name a child has taken still gets AWS's
/// `ExecutionAlreadyExists`: only the attempt that started the child finds it again.
#[tokio::test]
async fn a_taken_name_is_still_refused_to_anyone_else() {
    let (api, engine) = serve(Arc::new(Memory::new()));
    let child = create(
        &api,
        "child",
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    )
    .await;
    let started = call(
        &api,
        "StartExecution",
        json!({"stateMachineArn": child, "name": "taken"}),
    )
    .await;
    let arn = started["executionArn"].as_str().unwrap().to_owned();
    engine.wait(&arn).await.unwrap();
    let parent = create(
        &api,
        "parent",
        json!({"StartAt": "Run", "States": {"Run": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": child, "Name": "taken"},
            "End": true
        }}}),
    )
    .await;
    let started = call(&api, "StartExecution", json!({"stateMachineArn": parent})).await;
    let ended = engine
        .wait(started["executionArn"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, ExecutionStatus::Failed);
    assert_eq!(
        ended.error.as_deref(),
        Some("StepFunctions.ExecutionAlreadyExistsException")
    );
}
