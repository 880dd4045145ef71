//! The behaviour every [`Store`] must have, as one suite each implementation runs.
//!
//! `run(|| MyStore::new())` runs every check on a fresh store and names the check that
//! failed. The SQLite store (file and in-memory), the memory store and the fault-injecting
//! wrapper run it in their unit tests; another implementation (PostgreSQL) enables the
//! `testsuite` feature and runs it too. What only one implementation can show (a file
//! surviving a reopen, a schema migration) stays in that implementation's own tests.

use crate::{ExecutionQuery, ExecutionRow, ExecutionStatus, Kind, Resource, Store, StoreError, Write};

type Check = fn(&dyn Store);

/// Every check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("resources_are_put_read_listed_oldest_first_and_deleted", resources),
    ("tags_are_set_and_removed_and_go_with_their_resource", tags),
    ("a_definition_is_written_once", definitions),
    (
        "creating_a_taken_execution_fails_alone_and_changes_nothing",
        create_taken,
    ),
    ("a_failed_batch_applies_none_of_its_writes", atomic_batches),
    ("putting_an_execution_updates_only_its_status_and_body", put_execution),
    ("events_are_appended_read_both_ways_replaced_and_truncated", events),
    ("events_and_checkpoints_of_an_unknown_execution_are_refused", orphans),
    (
        "checkpoints_are_kept_until_cleared_with_their_task_responses",
        checkpoints,
    ),
    (
        "executions_list_newest_first_in_pages_by_machine_version_alias",
        listing,
    ),
    ("commits_apply_in_the_order_they_are_made", ordering),
    ("the_token_secret_is_random_and_stays_the_same", secret),
];

/// Run every check, each on a store `make` returns fresh.
pub fn run<S: Store>(make: impl Fn() -> S) {
    for (name, check) in CHECKS {
        let store = make();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&store)));
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("store suite check `{name}` failed: {message}");
        }
    }
}

/// Wait for a future on a throw-away runtime (commits need no timers or I/O driver).
pub fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(f)
}

const MACHINE: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:m";

/// A RUNNING execution of [`MACHINE`] started at `start_ms`.
pub fn running(arn: &str, start_ms: i64) -> ExecutionRow {
    ExecutionRow {
        arn: arn.into(),
        machine: MACHINE.into(),
        version: None,
        alias: None,
        status: ExecutionStatus::Running,
        start_ms,
        body: format!("{{\"arn\":\"{arn}\"}}"),
    }
}

fn commit(store: &dyn Store, writes: Vec<Write>) {
    block(store.commit(writes)).expect("the commit succeeds");
}

fn resource(arn: &str, kind: Kind, parent: Option<&str>, body: &str) -> Resource {
    Resource {
        arn: arn.into(),
        kind,
        parent: parent.map(str::to_owned),
        body: body.into(),
    }
}

fn arns(resources: &[Resource]) -> Vec<&str> {
    resources.iter().map(|r| r.arn.as_str()).collect()
}

fn resources(store: &dyn Store) {
    assert!(store.resource("m1").unwrap().is_none());
    commit(
        store,
        vec![
            Write::PutResource(resource("m2", Kind::StateMachine, None, "two")),
            Write::PutResource(resource("m1", Kind::StateMachine, None, "one")),
            Write::PutResource(resource("m1:1", Kind::Version, Some("m1"), "v1")),
            Write::PutResource(resource("m2:1", Kind::Version, Some("m2"), "v1")),
            Write::PutResource(resource("a", Kind::Activity, None, "act")),
        ],
    );
    assert_eq!(store.resource("m1").unwrap().unwrap().body, "one");
    assert_eq!(arns(&store.resources(Kind::StateMachine, None).unwrap()), ["m2", "m1"]);
    assert_eq!(arns(&store.resources(Kind::Version, Some("m1")).unwrap()), ["m1:1"]);
    assert_eq!(arns(&store.resources(Kind::Version, None).unwrap()), ["m1:1", "m2:1"]);
    assert_eq!(arns(&store.resources(Kind::Activity, None).unwrap()), ["a"]);
    assert!(store.resources(Kind::Alias, None).unwrap().is_empty());
    // An update keeps the resource's place.
    commit(
        store,
        vec![Write::PutResource(resource("m2", Kind::StateMachine, None, "2"))],
    );
    assert_eq!(store.resource("m2").unwrap().unwrap().body, "2");
    assert_eq!(arns(&store.resources(Kind::StateMachine, None).unwrap()), ["m2", "m1"]);
    // Deleted, then made again: the newest.
    commit(store, vec![Write::DeleteResource("m2".into())]);
    assert!(store.resource("m2").unwrap().is_none());
    commit(
        store,
        vec![Write::PutResource(resource("m2", Kind::StateMachine, None, "again"))],
    );
    assert_eq!(arns(&store.resources(Kind::StateMachine, None).unwrap()), ["m1", "m2"]);
    assert_eq!(store.resource("m2").unwrap().unwrap().body, "again");
}

fn tags(store: &dyn Store) {
    commit(
        store,
        vec![Write::PutResource(resource("m", Kind::StateMachine, None, "{}"))],
    );
    assert!(store.tags("m").unwrap().is_none());
    commit(store, vec![Write::PutTags("m".into(), Some("{\"a\":\"1\"}".into()))]);
    assert_eq!(store.tags("m").unwrap().as_deref(), Some("{\"a\":\"1\"}"));
    commit(store, vec![Write::PutTags("m".into(), None)]);
    assert!(store.tags("m").unwrap().is_none());
    commit(store, vec![Write::PutTags("m".into(), Some("{}".into()))]);
    commit(store, vec![Write::DeleteResource("m".into())]);
    assert!(store.tags("m").unwrap().is_none(), "tags go with their resource");
}

fn definitions(store: &dyn Store) {
    assert!(store.definition("h").unwrap().is_none());
    let put = |text: &str| Write::PutDefinition {
        hash: "h".into(),
        text: text.into(),
    };
    commit(store, vec![put("first")]);
    commit(store, vec![put("second")]);
    assert_eq!(store.definition("h").unwrap().as_deref(), Some("first"));
}

fn create_taken(store: &dyn Store) {
    commit(store, vec![Write::CreateExecution(running("e1", 1))]);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let (again, other) = runtime.block_on(async {
        // Made together, as a group commit may take them.
        let again = store.commit(vec![Write::CreateExecution(running("e1", 2))]);
        let other = store.commit(vec![Write::CreateExecution(running("e2", 3))]);
        (again.await, other.await)
    });
    assert!(
        matches!(again, Err(StoreError::ExecutionExists(ref arn)) if arn == "e1"),
        "{again:?}"
    );
    other.unwrap();
    assert_eq!(store.execution("e1").unwrap().unwrap().start_ms, 1);
    assert!(store.execution("e2").unwrap().is_some());
}

fn atomic_batches(store: &dyn Store) {
    commit(store, vec![Write::CreateExecution(running("e1", 1))]);
    let failing = vec![
        Write::PutResource(resource("m", Kind::StateMachine, None, "{}")),
        Write::CreateExecution(running("e2", 2)),
        Write::AppendEvents {
            execution: "e1".into(),
            events: vec![(1, "a".into())],
        },
        Write::CreateExecution(running("e1", 3)),
    ];
    assert!(block(store.commit(failing)).is_err());
    assert!(store.resource("m").unwrap().is_none());
    assert!(store.execution("e2").unwrap().is_none());
    assert!(store.events("e1", None, false, 10).unwrap().is_empty());
    // Within a batch, a later write sees an earlier one.
    commit(
        store,
        vec![
            Write::CreateExecution(running("e3", 3)),
            Write::AppendEvents {
                execution: "e3".into(),
                events: vec![(1, "a".into())],
            },
            Write::PutCheckpoint {
                execution: "e3".into(),
                checkpoint: Some("c".into()),
            },
        ],
    );
    assert_eq!(store.events("e3", None, false, 10).unwrap().len(), 1);
}

fn put_execution(store: &dyn Store) {
    commit(store, vec![Write::PutExecution(running("e1", 5))]);
    let mut changed = running("e1", 9);
    changed.machine = "elsewhere".into();
    changed.status = ExecutionStatus::Succeeded;
    changed.body = "{\"done\":true}".into();
    commit(store, vec![Write::PutExecution(changed)]);
    let row = store.execution("e1").unwrap().unwrap();
    assert_eq!(row.status, ExecutionStatus::Succeeded);
    assert_eq!(row.body, "{\"done\":true}");
    assert_eq!(
        (row.machine.as_str(), row.start_ms),
        (MACHINE, 5),
        "listing columns never change"
    );
    assert!(store.execution("e2").unwrap().is_none());
}

fn events(store: &dyn Store) {
    commit(store, vec![Write::CreateExecution(running("e1", 1))]);
    assert!(store.events("e1", None, false, 10).unwrap().is_empty());
    assert!(store.events("nobody", None, false, 10).unwrap().is_empty());
    let append = |ids: std::ops::RangeInclusive<u64>, tag: &str| Write::AppendEvents {
        execution: "e1".into(),
        events: ids.map(|id| (id, format!("{tag}{id}"))).collect(),
    };
    commit(store, vec![append(1..=3, "a")]);
    commit(store, vec![append(4..=5, "a")]);
    let ids = |events: Vec<(u64, String)>| events.into_iter().map(|(id, _)| id).collect::<Vec<_>>();
    assert_eq!(ids(store.events("e1", None, false, 10).unwrap()), [1, 2, 3, 4, 5]);
    assert_eq!(ids(store.events("e1", None, false, 2).unwrap()), [1, 2]);
    assert_eq!(ids(store.events("e1", Some(2), false, 2).unwrap()), [3, 4]);
    assert_eq!(ids(store.events("e1", None, true, 2).unwrap()), [5, 4]);
    assert_eq!(ids(store.events("e1", Some(4), true, 10).unwrap()), [3, 2, 1]);
    assert!(store.events("e1", Some(5), false, 10).unwrap().is_empty());
    // A resumed run records events again under the same ids: the later text wins.
    commit(store, vec![append(3..=3, "b")]);
    assert_eq!(store.events("e1", Some(2), false, 1).unwrap(), [(3, "b3".to_owned())]);
    commit(
        store,
        vec![Write::TruncateEvents {
            execution: "e1".into(),
            after: 2,
        }],
    );
    assert_eq!(ids(store.events("e1", None, false, 10).unwrap()), [1, 2]);
    assert_eq!(ids(store.events("e1", None, true, 10).unwrap()), [2, 1]);
}

fn orphans(store: &dyn Store) {
    let refused = [
        Write::AppendEvents {
            execution: "nobody".into(),
            events: vec![(1, "x".into())],
        },
        Write::TruncateEvents {
            execution: "nobody".into(),
            after: 0,
        },
        Write::PutCheckpoint {
            execution: "nobody".into(),
            checkpoint: Some("c".into()),
        },
    ];
    for write in refused {
        let result = block(store.commit(vec![write.clone()]));
        assert!(
            matches!(result, Err(StoreError::NoSuchExecution(ref arn)) if arn == "nobody"),
            "{write:?}: {result:?}"
        );
    }
    assert!(store.checkpoints().unwrap().is_empty());
    // Clearing the checkpoint of an unknown execution is no error: there is nothing to clear.
    commit(
        store,
        vec![Write::PutCheckpoint {
            execution: "nobody".into(),
            checkpoint: None,
        }],
    );
}

fn checkpoints(store: &dyn Store) {
    commit(
        store,
        vec![
            Write::CreateExecution(running("e1", 1)),
            Write::CreateExecution(running("e2", 2)),
            Write::CreateExecution(running("e3", 3)),
        ],
    );
    let put = |arn: &str, body: Option<&str>| Write::PutCheckpoint {
        execution: arn.into(),
        checkpoint: body.map(str::to_owned),
    };
    commit(store, vec![put("e1", Some("one")), put("e2", Some("two"))]);
    commit(store, vec![put("e1", Some("one again"))]);
    let mut all = store.checkpoints().unwrap();
    all.sort();
    assert_eq!(
        all,
        [
            ("e1".to_owned(), "one again".to_owned()),
            ("e2".to_owned(), "two".to_owned())
        ]
    );
    let answer = |token: &str, arn: &str| Write::PutTaskResponse {
        token: token.into(),
        execution: arn.into(),
        response: format!("answer {token}"),
    };
    commit(store, vec![answer("t1", "e1"), answer("t2", "e2"), answer("t3", "e1")]);
    assert_eq!(store.task_response("t1").unwrap().as_deref(), Some("answer t1"));
    assert!(store.task_response("t9").unwrap().is_none());
    // The end of an execution drops its checkpoint and its task responses, not others'.
    commit(store, vec![put("e1", None)]);
    assert_eq!(store.checkpoints().unwrap(), [("e2".to_owned(), "two".to_owned())]);
    assert!(store.task_response("t1").unwrap().is_none());
    assert!(store.task_response("t3").unwrap().is_none());
    assert_eq!(store.task_response("t2").unwrap().as_deref(), Some("answer t2"));
}

fn listing(store: &dyn Store) {
    let version = format!("{MACHINE}:1");
    let alias = format!("{MACHINE}:live");
    let mut writes = Vec::new();
    for i in 0..6 {
        let mut row = running(&format!("e{i}"), i / 2);
        if i % 2 == 1 {
            row.version = Some(version.clone());
            row.alias = Some(alias.clone());
        }
        if i >= 4 {
            row.status = ExecutionStatus::Succeeded;
        }
        writes.push(Write::CreateExecution(row));
    }
    let mut other = running("x", 100);
    other.machine = format!("{MACHINE}-other");
    writes.push(Write::CreateExecution(other));
    commit(store, writes);
    let list = |machine: &str, status: Option<ExecutionStatus>, after: Option<(i64, &str)>, limit: usize| {
        let query = ExecutionQuery {
            machine: machine.into(),
            status,
            after: after.map(|(ms, arn)| (ms, arn.to_owned())),
            limit,
        };
        store
            .executions(&query)
            .unwrap()
            .into_iter()
            .map(|r| r.arn)
            .collect::<Vec<_>>()
    };
    // Newest first; executions started in the same millisecond by ARN, descending.
    assert_eq!(list(MACHINE, None, None, 10), ["e5", "e4", "e3", "e2", "e1", "e0"]);
    assert_eq!(list(MACHINE, None, None, 3), ["e5", "e4", "e3"]);
    assert_eq!(list(MACHINE, None, Some((1, "e3")), 2), ["e2", "e1"]);
    assert_eq!(list(MACHINE, None, Some((1, "e2")), 10), ["e1", "e0"]);
    assert_eq!(list(MACHINE, Some(ExecutionStatus::Succeeded), None, 10), ["e5", "e4"]);
    assert_eq!(list(MACHINE, Some(ExecutionStatus::Running), None, 2), ["e3", "e2"]);
    assert!(list(MACHINE, Some(ExecutionStatus::Failed), None, 10).is_empty());
    assert_eq!(list(&version, None, None, 10), ["e5", "e3", "e1"]);
    assert_eq!(list(&alias, Some(ExecutionStatus::Running), None, 10), ["e3", "e1"]);
    assert!(list(&format!("{MACHINE}:2"), None, None, 10).is_empty());
    assert!(list(&format!("{MACHINE}:nope"), None, None, 10).is_empty());
    // A status change moves an execution between filters, not in the order.
    let mut done = running("e1", 0);
    done.status = ExecutionStatus::Failed;
    commit(store, vec![Write::PutExecution(done)]);
    assert_eq!(list(MACHINE, Some(ExecutionStatus::Failed), None, 10), ["e1"]);
    assert_eq!(list(MACHINE, None, None, 10), ["e5", "e4", "e3", "e2", "e1", "e0"]);
}

fn secret(store: &dyn Store) {
    let secret = store.secret();
    assert_ne!(secret, [0; 32], "the secret is random, not zeros");
    assert_eq!(
        store.secret(),
        secret,
        "the secret does not change while the store lives"
    );
}

fn ordering(store: &dyn Store) {
    commit(store, vec![Write::CreateExecution(running("e1", 1))]);
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let commits: Vec<_> = [
            ExecutionStatus::Succeeded,
            ExecutionStatus::Failed,
            ExecutionStatus::Aborted,
        ]
        .into_iter()
        .map(|status| {
            let mut row = running("e1", 1);
            row.status = status;
            store.commit(vec![Write::PutExecution(row)])
        })
        .collect();
        for commit in commits {
            commit.await.unwrap();
        }
    });
    assert_eq!(store.execution("e1").unwrap().unwrap().status, ExecutionStatus::Aborted);
}
