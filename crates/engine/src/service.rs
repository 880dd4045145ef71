//! The engine as a server runs it: many executions at once, Standard ones durable.
//!
//! Executions run on a few executor threads, each a single-threaded runtime (the core's
//! values are `Rc`-based and an execution is one `!Send` future). A Standard execution's
//! progress goes to the [`Store`] step by step through [`execution::Observer`]: each step
//! appends its events and moves the checkpoint in one commit, and the run waits for it.
//! A commit that fails is logged and tried again, with a growing pause, until it succeeds:
//! the run does not go past a step that is not durable, and an execution is reported ended
//! (to waiters and parents) only once its end is committed.
//! [`Engine::resume_all`] picks every checkpoint up again after a restart.
//!
//! Express executions keep nothing: they run in memory and only their result is reported.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::Duration;

use asl::definition::StateMachine;
use integrations::mock::{MockConfig, TestCase};
use integrations::Integration;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::{ExecutionRow, ExecutionStatus, Store, StoreError, Write};
use tokio::sync::{mpsc, oneshot, watch};

use crate::execution::{
    self, Checkpoint, Clock, ExecutionInput, ExecutionSpec, Hooks, LocalFuture, Observer, Options, Stop, SystemClock,
    VariableLimits,
};
use crate::history::Event;
use crate::hub::Hub;

/// What can go wrong starting or stopping executions.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("the definition {0} is missing from the store")]
    MissingDefinition(String),
    #[error("{0}")]
    NotRedrivable(String),
}

/// AWS lets an execution be redriven for 14 days after it ends.
const REDRIVE_WINDOW_MS: i64 = 14 * 24 * 3600 * 1000;

/// How the engine runs executions.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub wait_scale: f64,
    pub max_payload_bytes: usize,
    pub variable_limits: VariableLimits,
    /// Executor threads.
    pub executors: usize,
    /// Step Functions Local's mock configuration: executions started with a test case
    /// ([`ExecutionRecord::test_case`]) take their Task answers from it.
    pub mock_config: Option<Arc<MockConfig>>,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            wait_scale: 1.0,
            max_payload_bytes: 256 * 1024,
            variable_limits: VariableLimits::default(),
            executors: 2,
            mock_config: None,
        }
    }
}

/// An execution as stored (and as DescribeExecution shows it, less the formatting).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionRecord {
    pub execution_arn: String,
    /// The unqualified state machine ARN.
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub name: String,
    pub status: ExecutionStatus,
    pub start_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_ms: Option<i64>,
    pub input: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_arn: Option<String>,
    pub role_arn: String,
    /// The definition the execution runs (see [`definition_hash`]).
    pub definition_hash: String,
    pub express: bool,
    #[serde(default)]
    pub redrive_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    /// Where a redrive starts (a failed, timed-out or aborted Standard execution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive_point: Option<Checkpoint>,
    /// The mock configuration's test case the execution runs under (StartExecution with
    /// `<state machine ARN>#<test case>`); kept so a resumed execution is mocked too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_case: Option<String>,
    /// The Task attempt of a parent execution that started this one
    /// (`<parent ARN>#<entered event>#<retry count>`, see [`started_by`]): when a
    /// restarted parent runs the attempt again, StartExecution finds this execution instead
    /// of refusing the name or starting a second child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

/// How an execution's [`ExecutionRecord::started_by`] names the Task attempt that started it.
pub fn started_by(parent_arn: &str, entered_event: u64, retry_count: u64) -> String {
    format!("{parent_arn}#{entered_event}#{retry_count}")
}

/// The name of a child execution a Task attempt starts without a `Name`: UUID-shaped, as
/// AWS's generated names are, but derived from the attempt, so the attempt run again after
/// a restart asks for the same child.
pub fn child_name(started_by: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(started_by.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid().to_string()
}

impl From<execution::Status> for ExecutionStatus {
    fn from(status: execution::Status) -> ExecutionStatus {
        match status {
            execution::Status::Succeeded => ExecutionStatus::Succeeded,
            execution::Status::Failed => ExecutionStatus::Failed,
            execution::Status::TimedOut => ExecutionStatus::TimedOut,
            execution::Status::Aborted => ExecutionStatus::Aborted,
        }
    }
}

impl ExecutionRecord {
    pub fn row(&self) -> ExecutionRow {
        ExecutionRow {
            arn: self.execution_arn.clone(),
            machine: self.state_machine_arn.clone(),
            version: self.version_arn.clone(),
            alias: self.alias_arn.clone(),
            status: self.status,
            start_ms: self.start_ms,
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    pub fn from_row(row: &ExecutionRow) -> Option<ExecutionRecord> {
        serde_json::from_str(&row.body).ok()
    }
}

/// The content hash definitions are stored under.
pub fn definition_hash(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The checkpoint of an execution that has not run a step yet.
const NOT_STARTED: &str = "\"start\"";

type Job = Box<dyn FnOnce() -> LocalFuture<'static, ()> + Send>;

/// An execution registered as running, not yet handed to an executor.
struct Launch {
    run: Pending,
    done: watch::Sender<Option<ExecutionRecord>>,
}

/// What an execution needs to run.
struct Pending {
    record: ExecutionRecord,
    machine: Arc<StateMachine>,
    resume: Option<Checkpoint>,
    /// Events past this id are dropped before the run goes on (a resume after a crash).
    truncate_after: Option<u64>,
    stop: oneshot::Receiver<Stop>,
}

/// A running execution, as others can reach it.
struct Running {
    stop: Option<oneshot::Sender<Stop>>,
    done: watch::Receiver<Option<ExecutionRecord>>,
}

/// Owns the running executions. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    config: EngineConfig,
    hub: Hub,
    integration: RwLock<Arc<dyn Integration + Send + Sync>>,
    machines: Mutex<HashMap<String, Arc<StateMachine>>>,
    running: Mutex<HashMap<String, Running>>,
    executors: Vec<mpsc::UnboundedSender<Job>>,
    next_executor: AtomicUsize,
    seed: AtomicUsize,
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, config: EngineConfig) -> Engine {
        let executors = (0..config.executors.max(1))
            .map(|n| {
                let (sender, mut receiver) = mpsc::unbounded_channel::<Job>();
                thread::Builder::new()
                    .name(format!("executor-{n}"))
                    .spawn(move || {
                        let runtime = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .expect("cannot build an executor runtime");
                        let local = tokio::task::LocalSet::new();
                        local.block_on(&runtime, async move {
                            while let Some(job) = receiver.recv().await {
                                tokio::task::spawn_local(job());
                            }
                        });
                    })
                    .expect("cannot start an executor thread");
                sender
            })
            .collect();
        let seed = jiff::Timestamp::now().as_nanosecond() as usize;
        Engine {
            inner: Arc::new(Inner {
                hub: Hub::new(store.clone()),
                store,
                config,
                integration: RwLock::new(Arc::new(integrations::Unconfigured)),
                machines: Mutex::default(),
                running: Mutex::default(),
                executors,
                next_executor: AtomicUsize::new(0),
                seed: AtomicUsize::new(seed),
            }),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// The integration Task states call (set once the API layer can serve its own calls).
    pub fn set_integration(&self, integration: Arc<dyn Integration + Send + Sync>) {
        *self.inner.integration.write().unwrap_or_else(|e| e.into_inner()) = integration;
    }

    /// Run a TestState request on an executor thread (evaluation uses the execution's
    /// single-threaded pieces, which cannot cross threads).
    pub async fn test_state(
        &self,
        request: execution::test_state::TestStateRequest,
    ) -> Result<execution::test_state::TestOutcome, execution::test_state::TestStateError> {
        let (sender, receiver) = oneshot::channel();
        let integration = self.inner.integration.read().unwrap_or_else(|e| e.into_inner()).clone();
        let limits = Options {
            max_payload_bytes: self.inner.config.max_payload_bytes,
            variable_limits: self.inner.config.variable_limits,
            ..Options::default()
        };
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let outcome =
                    execution::test_state::test_state(&request, integration.as_ref(), &SystemClock, &limits).await;
                let _ = sender.send(outcome);
            })
        });
        let n = self.inner.next_executor.fetch_add(1, Ordering::Relaxed) % self.inner.executors.len();
        let _ = self.inner.executors[n].send(job);
        receiver
            .await
            .unwrap_or(Err(execution::test_state::TestStateError::Interrupted))
    }

    /// Remember a parsed definition, so executions need not parse it again.
    pub fn cache_machine(&self, hash: &str, machine: Arc<StateMachine>) {
        self.machines().insert(hash.to_owned(), machine);
    }

    /// The parsed definition under `hash`, from the cache or the store.
    pub fn machine(&self, hash: &str) -> Result<Arc<StateMachine>, EngineError> {
        if let Some(m) = self.machines().get(hash) {
            return Ok(m.clone());
        }
        let text = self
            .inner
            .store
            .definition(hash)?
            .ok_or_else(|| EngineError::MissingDefinition(hash.to_owned()))?;
        let machine = asl::loader::load_text(&text).map_err(|_| EngineError::MissingDefinition(hash.to_owned()))?;
        let machine = Arc::new(machine);
        self.cache_machine(hash, machine.clone());
        Ok(machine)
    }

    fn machines(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<StateMachine>>> {
        self.inner.machines.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashMap<String, Running>> {
        self.inner.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Start an execution. A Standard one is committed (RUNNING, not started) before this
    /// returns, or the start fails with [`store::StoreError::ExecutionExists`] when its ARN is
    /// taken; an Express one is not stored at all. The returned receiver sees the final
    /// record once the execution ends.
    pub async fn start(
        &self,
        record: ExecutionRecord,
        machine: Arc<StateMachine>,
    ) -> Result<watch::Receiver<Option<ExecutionRecord>>, EngineError> {
        if !record.express {
            self.inner
                .store
                .commit(vec![
                    Write::CreateExecution(record.row()),
                    Write::PutCheckpoint {
                        execution: record.execution_arn.clone(),
                        checkpoint: Some(NOT_STARTED.into()),
                    },
                ])
                .await?;
        }
        Ok(self.spawn(record, machine, None))
    }

    /// Start an execution for a parent's Task attempt ([`started_by`]): as [`Engine::start`],
    /// except that when the ARN is taken by the execution this same attempt started before
    /// a restart, that execution is returned (`Ok(None)`) rather than an error.
    pub async fn start_child(
        &self,
        mut record: ExecutionRecord,
        machine: Arc<StateMachine>,
        started_by: String,
    ) -> Result<Option<ExecutionRecord>, EngineError> {
        record.started_by = Some(started_by);
        let arn = record.execution_arn.clone();
        let wanted = record.started_by.clone();
        match self.start(record, machine).await {
            Ok(_) => Ok(None),
            Err(EngineError::Store(StoreError::ExecutionExists(taken))) => {
                let existing = self
                    .inner
                    .store
                    .execution(&arn)?
                    .and_then(|row| ExecutionRecord::from_row(&row));
                match existing {
                    Some(existing) if existing.started_by == wanted => Ok(Some(existing)),
                    _ => Err(EngineError::Store(StoreError::ExecutionExists(taken))),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Resume every execution the store has a checkpoint for; returns how many. All of
    /// them are registered as running before any runs, so a resumed parent that waits for
    /// its resumed child finds it running.
    pub fn resume_all(&self) -> Result<usize, EngineError> {
        let checkpoints = self.inner.store.checkpoints()?;
        let mut found = Vec::new();
        for (arn, body) in checkpoints {
            let Some(record) = self
                .inner
                .store
                .execution(&arn)?
                .and_then(|r| ExecutionRecord::from_row(&r))
            else {
                continue;
            };
            let machine = self.machine(&record.definition_hash)?;
            let checkpoint = match body.as_str() {
                NOT_STARTED => None,
                _ => Some(
                    serde_json::from_str::<Checkpoint>(&body)
                        .map_err(|e| store::StoreError::Corrupt(format!("checkpoint of {arn}: {e}")))?,
                ),
            };
            // The events past the checkpoint are recorded again by the resumed run
            // (`Observer::publish`); they are dropped before it goes on.
            let truncate_after = checkpoint.as_ref().map(|c| c.events);
            found.push((record, machine, checkpoint, truncate_after));
        }
        let launches: Vec<Launch> = found
            .into_iter()
            .map(|(record, machine, checkpoint, truncate_after)| {
                self.register(record, machine, checkpoint, truncate_after)
            })
            .collect();
        let resumed = launches.len();
        for launch in launches {
            self.dispatch(launch);
        }
        Ok(resumed)
    }

    /// Abort a running execution; returns its final record, or `None` if it is not running
    /// here.
    pub async fn stop(&self, arn: &str, stop: Stop) -> Option<ExecutionRecord> {
        let (sender, mut done) = {
            let mut running = self.running();
            let entry = running.get_mut(arn)?;
            (entry.stop.take(), entry.done.clone())
        };
        if let Some(sender) = sender {
            let _ = sender.send(stop);
        }
        let ended = done.wait_for(Option::is_some).await.ok()?.clone();
        ended
    }

    /// Redrive a failed, timed-out or aborted Standard execution from the state where it
    /// stopped (Developer Guide, "Redriving executions"); returns the redrive time.
    pub async fn redrive(&self, mut record: ExecutionRecord) -> Result<i64, EngineError> {
        let Some(mut point) = record.redrive_point.take() else {
            return Err(EngineError::NotRedrivable(
                "Execution has no state to redrive from".into(),
            ));
        };
        let now = SystemClock.now_ms();
        if now - record.stop_ms.unwrap_or(now) > REDRIVE_WINDOW_MS {
            return Err(EngineError::NotRedrivable(
                "Execution can only be redriven within 14 days of its end".into(),
            ));
        }
        record.redrive_count += 1;
        point.redrive_count = Some(record.redrive_count);
        record.redrive_ms = Some(now);
        record.status = ExecutionStatus::Running;
        record.stop_ms = None;
        record.error = None;
        record.cause = None;
        let machine = self.machine(&record.definition_hash)?;
        self.inner
            .store
            .commit(vec![
                Write::PutExecution(record.row()),
                Write::PutCheckpoint {
                    execution: record.execution_arn.clone(),
                    checkpoint: serde_json::to_string(&point).ok(),
                },
            ])
            .await?;
        self.spawn(record, machine, Some(point));
        Ok(now)
    }

    /// Wait until an execution has ended and return its final record (at once if it has).
    pub async fn wait(&self, arn: &str) -> Result<Option<ExecutionRecord>, EngineError> {
        let done = self.running().get(arn).map(|r| r.done.clone());
        if let Some(mut done) = done {
            if let Ok(ended) = done.wait_for(Option::is_some).await {
                return Ok(ended.clone());
            }
        }
        Ok(self
            .inner
            .store
            .execution(arn)?
            .and_then(|r| ExecutionRecord::from_row(&r)))
    }

    /// Whether an execution runs in this process.
    pub fn is_running(&self, arn: &str) -> bool {
        self.running().contains_key(arn)
    }

    /// The test case an execution runs under. The API checks it exists before starting an
    /// execution; one that resumes after a restart with another (or no) mock configuration
    /// gets a test case that fails its Tasks, so it never calls a real service in its place.
    fn test_case(&self, machine: &str, case: &str) -> Arc<TestCase> {
        let found = match &self.inner.config.mock_config {
            Some(config) => config.test_case(machine, case).map_err(|e| e.to_string()),
            None => Err("no mock configuration is loaded".to_owned()),
        };
        found.unwrap_or_else(|problem| {
            Arc::new(TestCase::unavailable(format!(
                "The execution runs under test case '{case}', which the server cannot use: {problem}"
            )))
        })
    }

    fn next_seed(&self) -> u64 {
        let n = self.inner.seed.fetch_add(0x9E37_79B9, Ordering::Relaxed) as u64;
        n.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1
    }

    fn spawn(
        &self,
        record: ExecutionRecord,
        machine: Arc<StateMachine>,
        resume: Option<Checkpoint>,
    ) -> watch::Receiver<Option<ExecutionRecord>> {
        let launch = self.register(record, machine, resume, None);
        let done = launch.done.subscribe();
        self.dispatch(launch);
        done
    }

    /// Make an execution known as running here (so [`Engine::wait`] and [`Engine::stop`]
    /// find it) before it runs.
    fn register(
        &self,
        record: ExecutionRecord,
        machine: Arc<StateMachine>,
        resume: Option<Checkpoint>,
        truncate_after: Option<u64>,
    ) -> Launch {
        let (stop_sender, stop) = oneshot::channel();
        let (done, done_receiver) = watch::channel(None);
        self.running().insert(
            record.execution_arn.clone(),
            Running {
                stop: Some(stop_sender),
                done: done_receiver,
            },
        );
        Launch {
            run: Pending {
                record,
                machine,
                resume,
                truncate_after,
                stop,
            },
            done,
        }
    }

    /// Run a registered execution on the next executor thread.
    fn dispatch(&self, launch: Launch) {
        let engine = self.clone();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let Launch { run, done } = launch;
                let arn = run.record.execution_arn.clone();
                let ended = engine.execute(run).await;
                engine.running().remove(&arn);
                let _ = done.send(Some(ended));
            })
        });
        let n = self.inner.next_executor.fetch_add(1, Ordering::Relaxed) % self.inner.executors.len();
        let _ = self.inner.executors[n].send(job);
    }

    async fn execute(&self, run: Pending) -> ExecutionRecord {
        let Pending {
            mut record,
            machine,
            resume,
            truncate_after,
            stop,
        } = run;
        let (prefix, _) = record
            .state_machine_arn
            .split_once(":stateMachine:")
            .unwrap_or((&record.state_machine_arn, ""));
        let mut parts = prefix.split(':');
        let region = parts.nth(3).unwrap_or_default().to_owned();
        let account = parts.next().unwrap_or_default().to_owned();
        let spec = ExecutionSpec {
            execution_arn: record.execution_arn.clone(),
            execution_name: record.name.clone(),
            state_machine_arn: record.state_machine_arn.clone(),
            state_machine_name: record.state_machine_name.clone(),
            role_arn: record.role_arn.clone(),
            region,
            account,
            // StartExecution checked the input; a record that holds no JSON runs with null.
            input: ExecutionInput::parse(record.input.clone())
                .unwrap_or_else(|_| ExecutionInput::from_value(Value::Null)),
        };
        let options = Options {
            wait_scale: self.inner.config.wait_scale,
            keep_history: !record.express,
            seed: self.next_seed(),
            max_payload_bytes: self.inner.config.max_payload_bytes,
            variable_limits: self.inner.config.variable_limits,
        };
        let observer = StoreObserver::new(self.inner.store.clone(), record.execution_arn.clone());
        if let Some(after) = truncate_after {
            observer
                .commit(vec![Write::TruncateEvents {
                    execution: record.execution_arn.clone(),
                    after,
                }])
                .await;
        }
        let mocks = record
            .test_case
            .as_ref()
            .map(|case| self.test_case(&record.state_machine_name, case));
        let hooks = Hooks {
            mocks: mocks.as_deref(),
            observer: (!record.express).then_some(&observer as &dyn Observer),
            tokens: Some(&self.inner.hub),
            resume,
            stop: Some(Box::pin(async move {
                match stop.await {
                    Ok(stop) => stop,
                    Err(_) => std::future::pending().await,
                }
            })),
        };
        let integration = self.inner.integration.read().unwrap_or_else(|e| e.into_inner()).clone();
        let outcome = execution::run_with(&machine, &spec, integration.as_ref(), &SystemClock, &options, hooks).await;
        record.status = outcome.status.into();
        record.stop_ms = Some(SystemClock.now_ms());
        record.output = outcome.output.as_ref().map(Value::to_string);
        record.error = outcome.error.clone();
        record.cause = outcome.cause.clone();
        record.redrive_point = outcome.redrive_point.clone();
        if !record.express {
            let writes = vec![
                Write::AppendEvents {
                    execution: record.execution_arn.clone(),
                    events: event_rows(&outcome.history),
                },
                Write::PutExecution(record.row()),
                Write::PutCheckpoint {
                    execution: record.execution_arn.clone(),
                    checkpoint: None,
                },
            ];
            // Waiters hear of the end only once it is durable.
            observer.commit(writes).await;
        }
        record
    }
}

/// Events as stored: AWS's JSON, timestamps in epoch seconds.
pub fn event_rows(events: &[Event]) -> Vec<(u64, String)> {
    events
        .iter()
        .map(|e| (e.id, e.to_json(|ms| json!(ms as f64 / 1000.0)).to_string()))
        .collect()
}

/// The first pause after a failed commit; it doubles up to [`MAX_RETRY_PAUSE`].
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(10);
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// Commits each step of a Standard execution, and its end, in order, each durable before
/// the run goes on.
///
/// A failed commit is logged and tried again after a pause that grows to
/// [`MAX_RETRY_PAUSE`], for as long as it takes: the run waits at the step meanwhile, so
/// nothing happens that a restart would not find. A batch leaves `pending` only once
/// committed (the store gets a share of it, not a copy), so when the run is dropped while
/// a commit is retried (StopExecution), the final commit carries it first and the history
/// keeps no gap. Map iterations may publish at once; their commits take turns, and a turn
/// that finds its batch already committed by an earlier one is done.
struct StoreObserver {
    store: Arc<dyn Store>,
    execution: String,
    pending: RefCell<VecDeque<Arc<[Write]>>>,
    /// How many batches have been handed in, and how many of them are durable.
    asked: Cell<u64>,
    durable: Cell<u64>,
    turn: tokio::sync::Mutex<()>,
}

impl StoreObserver {
    fn new(store: Arc<dyn Store>, execution: String) -> StoreObserver {
        StoreObserver {
            store,
            execution,
            pending: RefCell::default(),
            asked: Cell::new(0),
            durable: Cell::new(0),
            turn: tokio::sync::Mutex::new(()),
        }
    }

    /// Commit `writes` after every earlier batch; resolves once they are durable.
    async fn commit(&self, writes: Vec<Write>) {
        self.pending.borrow_mut().push_back(writes.into());
        let mine = self.asked.get() + 1;
        self.asked.set(mine);
        let _turn = self.turn.lock().await;
        if self.durable.get() >= mine {
            return;
        }
        // Every batch handed in so far, this one and any an earlier turn left.
        loop {
            let Some(batch) = self.pending.borrow().front().cloned() else {
                break;
            };
            self.commit_durably(batch).await;
            self.pending.borrow_mut().pop_front();
        }
        self.durable.set(self.asked.get());
    }

    /// Commit one batch, trying again until it is durable.
    async fn commit_durably(&self, batch: Arc<[Write]>) {
        let mut pause = FIRST_RETRY_PAUSE;
        let mut failures = 0u32;
        loop {
            match self.store.commit_shared(batch.clone()).await {
                Ok(()) => break,
                Err(StoreError::Closed) => {
                    // The server is going down: the last durable step is where a restart
                    // resumes; this run goes no further.
                    eprintln!(
                        "switchyard: the store has shut down; execution {} stops at its last durable step",
                        self.execution
                    );
                    std::future::pending::<()>().await;
                }
                Err(error) => {
                    failures += 1;
                    eprintln!(
                        "switchyard: cannot commit a step of execution {} (attempt {failures}): {error}; trying again in {} ms",
                        self.execution,
                        pause.as_millis()
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_RETRY_PAUSE);
                }
            }
        }
        if failures > 0 {
            eprintln!(
                "switchyard: committed the step of execution {} after {failures} failed attempts",
                self.execution
            );
        }
    }
}

impl Observer for StoreObserver {
    fn step(&self, events: Vec<Event>, checkpoint: Checkpoint) -> LocalFuture<'_, ()> {
        Box::pin(async move {
            let writes = vec![
                Write::AppendEvents {
                    execution: self.execution.clone(),
                    events: event_rows(&events),
                },
                Write::PutCheckpoint {
                    execution: self.execution.clone(),
                    checkpoint: serde_json::to_string(&checkpoint).ok(),
                },
            ];
            self.commit(writes).await;
        })
    }

    fn publish(&self, events: Vec<Event>) -> LocalFuture<'_, ()> {
        Box::pin(async move {
            // Only visibility is at stake, but a later step's events must not land before
            // these: the history would have a gap.
            self.commit(vec![Write::AppendEvents {
                execution: self.execution.clone(),
                events: event_rows(&events),
            }])
            .await;
        })
    }
}
