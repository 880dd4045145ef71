//! What the engine does when the store lets it down, driven through `Engine` over the
//! fault-injecting store (`store::fault::Faulty`) wrapped around the memory store.
//!
//! The rule (ARCHITECTURE.md, "a failed commit stops progress"): a start whose commit fails
//! is not acknowledged; a running execution does not go past a step that is not durable
//! and is not reported ended before its end is; once the store works again the execution
//! finishes, with a history that has no gap; writes that were never synced are lost in a
//! crash and the execution resumes from what was.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::execution::Stop;
use engine::service::{definition_hash, Engine, EngineConfig, ExecutionRecord};
use serde_json::{json, Value};
use store::fault::Faulty;
use store::memory::Memory;
use store::{ExecutionStatus, Store, StoreError, Write};

const MACHINE_ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:naps";

/// Two naps (a second each at the tests' wait scale: time enough for a test to act while
/// one runs, even on a busy machine) with a Pass on either side: a durable step before and
/// inside each Wait.
fn definition() -> String {
    json!({"StartAt": "First", "States": {
        "First": {"Type": "Pass", "Parameters": {"n.$": "$.n", "step": 1}, "Next": "Nap1"},
        "Nap1": {"Type": "Wait", "Seconds": 5, "Next": "Middle"},
        "Middle": {"Type": "Pass", "Parameters": {"n.$": "$.n", "step": 2}, "Next": "Nap2"},
        "Nap2": {"Type": "Wait", "Seconds": 5, "Next": "Last"},
        "Last": {"Type": "Pass", "Parameters": {"n.$": "$.n", "step": 3}, "End": true}
    }})
    .to_string()
}

type FaultyStore = Faulty<Arc<Memory>>;

fn engine(store: Arc<dyn Store>) -> Engine {
    Engine::new(
        store,
        EngineConfig {
            wait_scale: 0.2,
            executors: 1,
            ..EngineConfig::default()
        },
    )
}

/// A fault-injecting store over a memory store that holds the definition.
async fn stores() -> (Arc<FaultyStore>, Arc<Memory>) {
    let memory = Arc::new(Memory::new());
    memory
        .commit(vec![Write::PutDefinition {
            hash: definition_hash(&definition()),
            text: definition(),
        }])
        .await
        .unwrap();
    (Arc::new(Faulty::new(memory.clone())), memory)
}

fn record(name: &str) -> ExecutionRecord {
    ExecutionRecord {
        execution_arn: format!("arn:aws:states:us-east-1:123456789012:execution:naps:{name}"),
        state_machine_arn: MACHINE_ARN.into(),
        state_machine_name: "naps".into(),
        name: name.into(),
        status: ExecutionStatus::Running,
        start_ms: jiff::Timestamp::now().as_millisecond(),
        stop_ms: None,
        input: r#"{"n": 7}"#.into(),
        output: None,
        error: None,
        cause: None,
        version_arn: None,
        alias_arn: None,
        role_arn: "arn:aws:iam::123456789012:role/r".into(),
        definition_hash: definition_hash(&definition()),
        express: false,
        redrive_count: 0,
        redrive_ms: None,
        trace_header: None,
        redrive_point: None,
        test_case: None,
        started_by: None,
    }
}

async fn start(engine: &Engine, record: ExecutionRecord) -> Result<(), engine::service::EngineError> {
    let machine = engine.machine(&record.definition_hash).unwrap();
    engine.start(record, machine).await.map(drop)
}

/// The state the stored checkpoint resumes at, and whether it is inside that Wait.
fn checkpoint(store: &dyn Store, arn: &str) -> Option<(String, bool)> {
    let (_, body) = store.checkpoints().unwrap().into_iter().find(|(a, _)| a == arn)?;
    let value: Value = serde_json::from_str(&body).ok()?;
    Some((value["state"].as_str()?.to_owned(), !value["wait"].is_null()))
}

async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The stored history: `(id, type)`, checked to be numbered 1, 2, 3, ... without a gap.
fn history(store: &dyn Store, arn: &str) -> Vec<String> {
    let events = store.events(arn, None, false, 1000).unwrap();
    let ids: Vec<u64> = events.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, (1..=ids.len() as u64).collect::<Vec<_>>(), "no gap, no repeat");
    events
        .iter()
        .map(|(_, body)| {
            serde_json::from_str::<Value>(body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_start_whose_commit_fails_is_not_acknowledged() {
    let (store, memory) = stores().await;
    let engine = engine(store.clone());
    store.fail_next(1);
    let refused = start(&engine, record("refused")).await;
    assert!(
        matches!(
            refused,
            Err(engine::service::EngineError::Store(StoreError::Injected(_)))
        ),
        "{refused:?}"
    );
    let arn = record("refused").execution_arn;
    assert!(memory.execution(&arn).unwrap().is_none());
    assert!(!engine.is_running(&arn), "nothing runs that was not acknowledged");
}

#[tokio::test]
async fn a_failed_step_commit_holds_the_execution_until_the_store_works_again() {
    let (store, memory) = stores().await;
    let engine = engine(store.clone());
    let arn = record("held").execution_arn;
    start(&engine, record("held")).await.unwrap();
    until("the execution naps in Nap1", || {
        checkpoint(&*memory, &arn) == Some(("Nap1".into(), true))
    })
    .await;

    // The step before Nap2 cannot be committed: it is tried again and again, and the
    // execution waits there, past the time it needs to finish (Nap2's second).
    store.fail_commits();
    until("the step has failed a few times", || store.stats().failed >= 3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(engine.is_running(&arn));
    assert!(
        tokio::time::timeout(Duration::from_millis(100), engine.wait(&arn))
            .await
            .is_err(),
        "an execution whose step is not durable is not reported ended"
    );
    let row = memory.execution(&arn).unwrap().unwrap();
    assert_eq!(row.status, ExecutionStatus::Running);
    assert_eq!(checkpoint(&*memory, &arn), Some(("Nap1".into(), true)));
    let kinds = history(&*memory, &arn);
    assert_eq!(kinds.last().map(String::as_str), Some("WaitStateEntered"), "{kinds:?}");
    assert!(!kinds.contains(&"WaitStateExited".to_owned()), "{kinds:?}");

    store.heal();
    let ended = tokio::time::timeout(Duration::from_secs(10), engine.wait(&arn))
        .await
        .expect("the execution finishes once the store works")
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, ExecutionStatus::Succeeded);
    assert_eq!(
        ended
            .output
            .as_deref()
            .map(|o| serde_json::from_str::<Value>(o).unwrap()),
        Some(json!({"n": 7, "step": 3}))
    );
    let row = memory.execution(&arn).unwrap().unwrap();
    assert_eq!(row.status, ExecutionStatus::Succeeded);
    assert!(checkpoint(&*memory, &arn).is_none());
    let kinds = history(&*memory, &arn);
    assert_eq!(kinds.first().map(String::as_str), Some("ExecutionStarted"));
    assert_eq!(kinds.last().map(String::as_str), Some("ExecutionSucceeded"));
    assert_eq!(
        kinds.iter().filter(|k| *k == "WaitStateEntered").count(),
        2,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn the_end_of_an_execution_is_reported_only_once_committed() {
    let (store, memory) = stores().await;
    let engine = engine(store.clone());
    let arn = record("ending").execution_arn;
    start(&engine, record("ending")).await.unwrap();
    until("the execution naps in Nap2", || {
        checkpoint(&*memory, &arn) == Some(("Nap2".into(), true))
    })
    .await;
    store.fail_commits();
    until("the final commit has failed", || store.stats().failed >= 2).await;
    assert!(tokio::time::timeout(Duration::from_millis(300), engine.wait(&arn))
        .await
        .is_err());
    assert_eq!(
        memory.execution(&arn).unwrap().unwrap().status,
        ExecutionStatus::Running
    );
    store.heal();
    let ended = tokio::time::timeout(Duration::from_secs(10), engine.wait(&arn))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, ExecutionStatus::Succeeded);
    assert_eq!(
        memory.execution(&arn).unwrap().unwrap().status,
        ExecutionStatus::Succeeded
    );
    assert_eq!(
        history(&*memory, &arn).last().map(String::as_str),
        Some("ExecutionSucceeded")
    );
}

/// StopExecution while a step's commit is failing: the step's events are not lost, they
/// are committed with the end.
#[tokio::test]
async fn a_stop_during_a_failing_commit_keeps_the_history_whole() {
    let (store, memory) = stores().await;
    let engine = engine(store.clone());
    let arn = record("stopped").execution_arn;
    start(&engine, record("stopped")).await.unwrap();
    until("the execution naps in Nap1", || {
        checkpoint(&*memory, &arn) == Some(("Nap1".into(), true))
    })
    .await;
    store.fail_commits();
    until("the step has failed", || store.stats().failed >= 2).await;
    let stopping = tokio::spawn({
        let engine = engine.clone();
        let arn = arn.clone();
        async move {
            engine
                .stop(
                    &arn,
                    Stop {
                        error: Some("Halt".into()),
                        cause: None,
                    },
                )
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        memory.execution(&arn).unwrap().unwrap().status,
        ExecutionStatus::Running
    );
    store.heal();
    let ended = tokio::time::timeout(Duration::from_secs(10), stopping)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, ExecutionStatus::Aborted);
    let kinds = history(&*memory, &arn);
    assert!(kinds.contains(&"WaitStateExited".to_owned()), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("ExecutionAborted"));
}

/// Steps that were never synced are lost in a crash; a new engine on what survived resumes
/// from the last synced step and finishes.
#[tokio::test]
async fn a_crash_loses_unsynced_steps_and_the_execution_resumes_from_the_last_synced_one() {
    let (store, memory) = stores().await;
    let first = engine(store.clone());
    let arn = record("crashed").execution_arn;
    start(&first, record("crashed")).await.unwrap();
    until("the execution naps in Nap1", || {
        checkpoint(&*memory, &arn) == Some(("Nap1".into(), true))
    })
    .await;
    store.hold();
    until("the step before Nap2 waits to be synced", || store.stats().held >= 1).await;
    assert_eq!(store.crash(), 1);
    assert_eq!(checkpoint(&*memory, &arn), Some(("Nap1".into(), true)));

    let second = engine(memory.clone());
    assert_eq!(second.resume_all().unwrap(), 1);
    let ended = tokio::time::timeout(Duration::from_secs(10), second.wait(&arn))
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, ExecutionStatus::Succeeded);
    assert_eq!(
        ended
            .output
            .as_deref()
            .map(|o| serde_json::from_str::<Value>(o).unwrap()),
        Some(json!({"n": 7, "step": 3}))
    );
    let kinds = history(&*memory, &arn);
    assert_eq!(
        kinds.iter().filter(|k| *k == "WaitStateEntered").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(kinds.last().map(String::as_str), Some("ExecutionSucceeded"));
    // The first engine lost its store: it never went past the step it could not sync.
    assert!(first.is_running(&arn));
}
