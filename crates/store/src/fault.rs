//! A store that lets its user down on demand, for tests of what happens then.
//!
//! [`Faulty`] wraps another [`Store`] and passes everything through until told otherwise:
//! - [`Faulty::fail_commits`] / [`Faulty::fail_next`]: commits fail at once with
//!   [`StoreError::Injected`] and change nothing, as when the disk is full or gone;
//! - [`Faulty::hold`]: commits are taken but not synced: nothing is applied and nobody is
//!   told it is durable, as when the disk is slow. [`Faulty::sync`] then applies them in
//!   order and acknowledges them; [`Faulty::crash`] drops them, as `kill -9` drops writes that
//!   were never synced (their commits fail with [`StoreError::Closed`]).
//!   [`Faulty::hold_from`] starts holding at the first commit a test picks (and holds every
//!   one after it, as syncing stops for all), to crash at an exact point.
//!
//! Reads always go to the wrapped store, so they see exactly what was acknowledged. To play
//! a restart, keep the wrapped store (`Faulty<Arc<Memory>>`) and give it to a new engine
//! after [`Faulty::crash`].

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use crate::{Commit, ExecutionQuery, ExecutionRow, Kind, Resource, Result, Store, StoreError, Write};

/// A [`Store`] that fails or holds back commits on demand.
pub struct Faulty<S> {
    inner: S,
    faults: Mutex<Faults>,
}

/// A commit taken but not synced, and where to say how it ended.
type Held = (Arc<[Write]>, oneshot::Sender<Result<()>>);

/// Picks the commit from which [`Faulty::hold_from`] holds.
type Trigger = Box<dyn Fn(&[Write]) -> bool + Send>;

#[derive(Default)]
struct Faults {
    failing: Failing,
    holding: bool,
    hold_from: Option<Trigger>,
    held: Vec<Held>,
    stats: FaultStats,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Failing {
    #[default]
    No,
    Next(usize),
    All,
}

/// What a [`Faulty`] store has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Commits asked for, whatever became of them.
    pub commits: u64,
    /// Commits failed on purpose.
    pub failed: u64,
    /// Commits held back now, waiting for [`Faulty::sync`] or [`Faulty::crash`].
    pub held: usize,
}

impl<S: Store> Faulty<S> {
    /// Wrap `inner`, passing everything through.
    pub fn new(inner: S) -> Faulty<S> {
        Faulty {
            inner,
            faults: Mutex::default(),
        }
    }

    /// The wrapped store: what survives a crash.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fail every commit from now until [`Faulty::heal`].
    pub fn fail_commits(&self) {
        self.faults().failing = Failing::All;
    }

    /// Fail the next `n` commits.
    pub fn fail_next(&self, n: usize) {
        self.faults().failing = Failing::Next(n);
    }

    /// Stop failing commits.
    pub fn heal(&self) {
        self.faults().failing = Failing::No;
    }

    /// Hold back commits from now on: neither applied nor acknowledged until
    /// [`Faulty::sync`] (or lost in [`Faulty::crash`]).
    pub fn hold(&self) {
        self.faults().holding = true;
    }

    /// Hold back commits from the first one `trigger` picks, that one included.
    pub fn hold_from(&self, trigger: impl Fn(&[Write]) -> bool + Send + 'static) {
        self.faults().hold_from = Some(Box::new(trigger));
    }

    /// Stop holding back commits, and apply and acknowledge the held ones, in the order
    /// they came. Resolves once the wrapped store has them; returns how many there were.
    pub async fn sync(&self) -> usize {
        let released: Vec<_> = {
            let mut faults = self.faults();
            faults.holding = false;
            // Handed to the wrapped store under the lock, so a commit that comes next cannot
            // overtake them.
            std::mem::take(&mut faults.held)
                .into_iter()
                .map(|(writes, done)| (self.inner.commit_shared(writes), done))
                .collect()
        };
        let count = released.len();
        for (commit, done) in released {
            let _ = done.send(commit.await);
        }
        count
    }

    /// Lose every held commit, as a crash loses writes that were never synced: each fails
    /// with [`StoreError::Closed`], nothing of it is applied. Holding stops. Returns how many
    /// were lost.
    pub fn crash(&self) -> usize {
        let mut faults = self.faults();
        faults.holding = false;
        let lost = std::mem::take(&mut faults.held);
        let count = lost.len();
        for (_, done) in lost {
            let _ = done.send(Err(StoreError::Closed));
        }
        count
    }

    pub fn stats(&self) -> FaultStats {
        let faults = self.faults();
        FaultStats {
            held: faults.held.len(),
            ..faults.stats
        }
    }
}

impl<S: Store> Store for Faulty<S> {
    fn commit(&self, writes: Vec<Write>) -> Commit {
        self.commit_shared(writes.into())
    }

    fn commit_shared(&self, writes: Arc<[Write]>) -> Commit {
        let mut faults = self.faults();
        faults.stats.commits += 1;
        let fail = match faults.failing {
            Failing::No => false,
            Failing::All => true,
            Failing::Next(n) => {
                faults.failing = if n > 1 { Failing::Next(n - 1) } else { Failing::No };
                n > 0
            }
        };
        if fail {
            faults.stats.failed += 1;
            return Commit::ready(Err(StoreError::Injected("the commit failed")));
        }
        if faults.hold_from.as_ref().is_some_and(|trigger| trigger(&writes)) {
            faults.hold_from = None;
            faults.holding = true;
        }
        if faults.holding {
            let (done, receiver) = oneshot::channel();
            faults.held.push((writes, done));
            return Commit::pending(receiver);
        }
        // Under the lock: a commit must not overtake the held ones that `sync` is handing on.
        self.inner.commit_shared(writes)
    }

    fn resource(&self, arn: &str) -> Result<Option<Resource>> {
        self.inner.resource(arn)
    }

    fn resources(&self, kind: Kind, parent: Option<&str>) -> Result<Vec<Resource>> {
        self.inner.resources(kind, parent)
    }

    fn tags(&self, arn: &str) -> Result<Option<String>> {
        self.inner.tags(arn)
    }

    fn definition(&self, hash: &str) -> Result<Option<String>> {
        self.inner.definition(hash)
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        self.inner.execution(arn)
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        self.inner.executions(query)
    }

    fn events(&self, execution: &str, after: Option<u64>, reverse: bool, limit: usize) -> Result<Vec<(u64, String)>> {
        self.inner.events(execution, after, reverse, limit)
    }

    fn checkpoints(&self) -> Result<Vec<(String, String)>> {
        self.inner.checkpoints()
    }

    fn task_response(&self, token: &str) -> Result<Option<String>> {
        self.inner.task_response(token)
    }

    fn secret(&self) -> [u8; 32] {
        self.inner.secret()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::memory::Memory;
    use crate::testsuite::{block, running};

    #[test]
    fn passes_the_store_suite_when_no_fault_is_asked_for() {
        crate::testsuite::run(|| Faulty::new(Memory::new()));
    }

    #[test]
    fn a_failed_commit_changes_nothing_and_the_next_goes_through() {
        let store = Faulty::new(Memory::new());
        store.fail_next(1);
        let error = block(store.commit(vec![Write::CreateExecution(running("e1", 1))])).unwrap_err();
        assert!(matches!(error, StoreError::Injected(_)), "{error}");
        assert!(store.execution("e1").unwrap().is_none());
        block(store.commit(vec![Write::CreateExecution(running("e1", 1))])).unwrap();
        assert!(store.execution("e1").unwrap().is_some());
        store.fail_commits();
        assert!(block(store.commit(vec![Write::CreateExecution(running("e2", 2))])).is_err());
        assert!(block(store.commit(vec![Write::CreateExecution(running("e2", 2))])).is_err());
        store.heal();
        block(store.commit(vec![Write::CreateExecution(running("e2", 2))])).unwrap();
        assert_eq!(
            store.stats(),
            FaultStats {
                commits: 5,
                failed: 3,
                held: 0
            }
        );
    }

    #[test]
    fn held_commits_are_invisible_until_synced_and_keep_their_order() {
        let store = Faulty::new(Memory::new());
        store.hold();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let first = store.commit(vec![Write::CreateExecution(running("e1", 1))]);
            let second = store.commit(vec![Write::AppendEvents {
                execution: "e1".into(),
                events: vec![(1, "a".into())],
            }]);
            assert_eq!(store.stats().held, 2);
            assert!(store.execution("e1").unwrap().is_none(), "not synced, not visible");
            assert_eq!(store.sync().await, 2);
            first.await.unwrap();
            second.await.unwrap();
        });
        assert_eq!(store.events("e1", None, false, 10).unwrap().len(), 1);
    }

    #[test]
    fn holding_starts_at_the_commit_picked() {
        let store = Faulty::new(Memory::new());
        store.hold_from(|writes| matches!(writes, [Write::AppendEvents { .. }]));
        block(store.commit(vec![Write::CreateExecution(running("e1", 1))])).unwrap();
        let events = |id| {
            vec![Write::AppendEvents {
                execution: "e1".into(),
                events: vec![(id, "a".into())],
            }]
        };
        let held = store.commit(events(1));
        let after = store.commit(vec![Write::CreateExecution(running("e2", 2))]);
        assert_eq!(store.stats().held, 2);
        assert_eq!(store.crash(), 2);
        assert!(block(held).is_err());
        assert!(block(after).is_err());
        assert!(store.execution("e2").unwrap().is_none());
        block(store.commit(events(1))).unwrap();
    }

    #[test]
    fn a_crash_loses_the_unsynced_commits_and_only_them() {
        let store = Faulty::new(Arc::new(Memory::new()));
        block(store.commit(vec![Write::CreateExecution(running("e1", 1))])).unwrap();
        store.hold();
        let lost = store.commit(vec![Write::AppendEvents {
            execution: "e1".into(),
            events: vec![(1, "a".into())],
        }]);
        assert_eq!(store.crash(), 1);
        assert!(matches!(block(lost), Err(StoreError::Closed)));
        let survivor = store.inner().clone();
        assert!(survivor.execution("e1").unwrap().is_some());
        assert!(survivor.events("e1", None, false, 10).unwrap().is_empty());
        // Holding ended with the crash: what comes next goes through.
        block(store.commit(vec![Write::AppendEvents {
            execution: "e1".into(),
            events: vec![(1, "b".into())],
        }]))
        .unwrap();
        assert_eq!(survivor.events("e1", None, false, 10).unwrap(), [(1, "b".to_owned())]);
    }
}
