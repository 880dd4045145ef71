//! Where Switchyard keeps what it must not lose.
//!
//! [`Store`] is the one trait the engine and the API layer write through. Its
//! implementations: [`sqlite::Sqlite`], the embedded one (a file in WAL mode, or a private
//! in-memory database); [`memory::Memory`], plain maps behind a lock for throw-away runs and
//! tests; and [`fault::Faulty`], which wraps another store and fails or holds back commits on
//! demand, for tests of what the engine does when the store lets it down. Records are JSON
//! bodies with the few columns queries need beside them, so the API's shapes can grow
//! without schema migrations. One behavioural suite ([`testsuite`], behind the `testsuite`
//! feature) runs against every implementation.
//!
//! Every change goes through [`Store::commit`], which applies a batch of [`Write`]s in one
//! transaction. The SQLite store runs all commits on one writer thread and folds the batches
//! waiting at any moment into a single transaction, so many executions' steps share one fsync
//! (group commit). The returned [`Commit`] resolves only once the data is on disk: an API
//! call that awaited it may acknowledge.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

pub mod fault;
pub mod memory;
pub mod sqlite;
#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;

/// What can go wrong in a store. The API layer reports it as a service error; nothing
/// acknowledged is lost by it, because the failed commit was never acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    #[error("the store has shut down")]
    Closed,
    #[error("an execution {0} is already stored")]
    ExecutionExists(String),
    /// Events or a checkpoint for an execution that was never stored: refused rather than
    /// orphaned.
    #[error("no execution {0} is stored")]
    NoSuchExecution(String),
    /// A failure [`fault::Faulty`] was told to inject.
    #[error("injected fault: {0}")]
    Injected(&'static str),
}

/// An execution's status, with AWS's names (`ExecutionStatus` in the API reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
    PendingRedrive,
}

impl ExecutionStatus {
    /// Every status, in the order AWS's validation message lists them.
    pub const ALL: [ExecutionStatus; 6] = [
        ExecutionStatus::Succeeded,
        ExecutionStatus::TimedOut,
        ExecutionStatus::PendingRedrive,
        ExecutionStatus::Aborted,
        ExecutionStatus::Failed,
        ExecutionStatus::Running,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
            ExecutionStatus::PendingRedrive => "PENDING_REDRIVE",
        }
    }

    /// Whether the execution has ended (a redrive may start it again).
    pub fn is_closed(self) -> bool {
        !matches!(self, ExecutionStatus::Running | ExecutionStatus::PendingRedrive)
    }
}

impl std::fmt::Display for ExecutionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that names no [`ExecutionStatus`].
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not an execution status")]
pub struct UnknownStatus(pub String);

impl std::str::FromStr for ExecutionStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> std::result::Result<ExecutionStatus, UnknownStatus> {
        ExecutionStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The kinds of named resources the API manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    StateMachine,
    Version,
    Alias,
    Activity,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::StateMachine => "stateMachine",
            Kind::Version => "version",
            Kind::Alias => "alias",
            Kind::Activity => "activity",
        }
    }
}

/// A state machine, version, alias or activity. `parent` is the state machine of a version
/// or alias; `body` is whatever the API layer keeps for it.
#[derive(Clone, Debug)]
pub struct Resource {
    pub arn: String,
    pub kind: Kind,
    pub parent: Option<String>,
    pub body: String,
}

/// One execution's row: the columns ListExecutions filters on, and the API's record.
#[derive(Clone, Debug)]
pub struct ExecutionRow {
    pub arn: String,
    /// The unqualified state machine ARN.
    pub machine: String,
    pub version: Option<String>,
    pub alias: Option<String>,
    pub status: ExecutionStatus,
    pub start_ms: i64,
    pub body: String,
}

/// Which executions to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct ExecutionQuery {
    /// A state machine, version or alias ARN.
    pub machine: String,
    pub status: Option<ExecutionStatus>,
    /// Continue after this `(start_ms, arn)` (the previous page's last row).
    pub after: Option<(i64, String)>,
    pub limit: usize,
}

/// Which of an execution's columns an [`ExecutionQuery`] matches its `machine` against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listing {
    Machine,
    Version,
    Alias,
}

impl ExecutionQuery {
    /// The ARN says which column to match: `stateMachine:name`, `:name:3` (a version) or
    /// `:name:alias`.
    pub fn listing(&self) -> Listing {
        match self.machine.split(':').nth(7) {
            None => Listing::Machine,
            Some(q) if q.chars().all(|c| c.is_ascii_digit()) => Listing::Version,
            Some(_) => Listing::Alias,
        }
    }
}

/// One change. A batch of them commits atomically.
#[derive(Clone, Debug)]
pub enum Write {
    PutResource(Resource),
    DeleteResource(String),
    /// A resource's tags as a JSON object; `None` removes them.
    PutTags(String, Option<String>),
    /// A definition text under its content hash (written once, never changed).
    PutDefinition {
        hash: String,
        text: String,
    },
    /// Store an execution, or update the status and body of the stored one.
    PutExecution(ExecutionRow),
    /// Store a new execution; the commit fails with [`StoreError::ExecutionExists`] if its
    /// ARN is taken. StartExecution needs no read before it writes: the unique key decides.
    CreateExecution(ExecutionRow),
    /// History events `(id, AWS JSON)` appended to an execution.
    AppendEvents {
        execution: String,
        events: Vec<(u64, String)>,
    },
    /// Drop an execution's events after id `after`: a run resumed from a checkpoint records
    /// its events again from there, and the interrupted run may have published more (a
    /// Task waiting for a callback) that the resumed run will not repeat.
    TruncateEvents {
        execution: String,
        after: u64,
    },
    /// Where a running execution resumes after a restart; `None` once it has ended (which
    /// also drops its task responses).
    PutCheckpoint {
        execution: String,
        checkpoint: Option<String>,
    },
    /// A response to a task token, kept until its execution ends: a restarted execution
    /// that waits for the token again finds it here.
    PutTaskResponse {
        token: String,
        execution: String,
        response: String,
    },
}

/// Resolves when a commit is durable (or has failed).
pub struct Commit(CommitState);

enum CommitState {
    Pending(oneshot::Receiver<Result<()>>),
    Failed(Option<StoreError>),
    Done,
}

impl Commit {
    fn pending(receiver: oneshot::Receiver<Result<()>>) -> Commit {
        Commit(CommitState::Pending(receiver))
    }

    /// A commit that has already resolved: stores that apply a batch at once return one.
    pub fn ready(result: Result<()>) -> Commit {
        match result {
            Ok(()) => Commit(CommitState::Done),
            Err(error) => Commit::failed(error),
        }
    }

    fn failed(error: StoreError) -> Commit {
        Commit(CommitState::Failed(Some(error)))
    }
}

impl Future for Commit {
    type Output = Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        match &mut self.0 {
            CommitState::Pending(receiver) => Pin::new(receiver)
                .poll(cx)
                .map(|r| r.unwrap_or(Err(StoreError::Closed))),
            CommitState::Failed(error) => Poll::Ready(Err(error.take().unwrap_or(StoreError::Closed))),
            CommitState::Done => Poll::Ready(Ok(())),
        }
    }
}

/// The persistence the engine and the API need. Reads are synchronous and quick; writes
/// are batched and acknowledged through [`Commit`].
pub trait Store: Send + Sync {
    fn commit(&self, writes: Vec<Write>) -> Commit;

    /// Commit writes the caller keeps a share of, to try them again if the commit fails,
    /// without copying them. Stores that only read the writes (SQLite) take the share;
    /// others copy them.
    fn commit_shared(&self, writes: std::sync::Arc<[Write]>) -> Commit {
        self.commit(writes.to_vec())
    }

    fn resource(&self, arn: &str) -> Result<Option<Resource>>;
    /// Resources of a kind (optionally of one parent), oldest first.
    fn resources(&self, kind: Kind, parent: Option<&str>) -> Result<Vec<Resource>>;
    fn tags(&self, arn: &str) -> Result<Option<String>>;
    fn definition(&self, hash: &str) -> Result<Option<String>>;

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>>;
    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>>;
    /// Up to `limit` events with ids after `after` (or before it when `reverse`).
    fn events(&self, execution: &str, after: Option<u64>, reverse: bool, limit: usize) -> Result<Vec<(u64, String)>>;

    /// Every running execution's checkpoint, for resuming after a restart.
    fn checkpoints(&self) -> Result<Vec<(String, String)>>;
    fn task_response(&self, token: &str) -> Result<Option<String>>;

    /// 32 random bytes made when the store was created and kept as long as it lives: task
    /// and paging tokens are authenticated with them, so tokens survive restarts and cannot
    /// be made up. A store that keeps nothing (in memory) makes a new secret each time.
    fn secret(&self) -> [u8; 32];
}

/// A shared store is a store: the engine and the API hold one as `Arc<dyn Store>`, and a
/// test keeps an `Arc` to the store it wraps in [`fault::Faulty`].
impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn commit(&self, writes: Vec<Write>) -> Commit {
        (**self).commit(writes)
    }

    fn commit_shared(&self, writes: std::sync::Arc<[Write]>) -> Commit {
        (**self).commit_shared(writes)
    }

    fn resource(&self, arn: &str) -> Result<Option<Resource>> {
        (**self).resource(arn)
    }

    fn resources(&self, kind: Kind, parent: Option<&str>) -> Result<Vec<Resource>> {
        (**self).resources(kind, parent)
    }

    fn tags(&self, arn: &str) -> Result<Option<String>> {
        (**self).tags(arn)
    }

    fn definition(&self, hash: &str) -> Result<Option<String>> {
        (**self).definition(hash)
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        (**self).execution(arn)
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        (**self).executions(query)
    }

    fn events(&self, execution: &str, after: Option<u64>, reverse: bool, limit: usize) -> Result<Vec<(u64, String)>> {
        (**self).events(execution, after, reverse, limit)
    }

    fn checkpoints(&self) -> Result<Vec<(String, String)>> {
        (**self).checkpoints()
    }

    fn task_response(&self, token: &str) -> Result<Option<String>> {
        (**self).task_response(token)
    }

    fn secret(&self) -> [u8; 32] {
        (**self).secret()
    }
}
