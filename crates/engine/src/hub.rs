//! Task tokens and activity queues: where `SendTaskSuccess`/`Failure`/`Heartbeat` and
//! `GetActivityTask` meet the tasks that wait for them.
//!
//! An answer is committed to the store before it is handed to a waiting task, and kept until
//! the execution ends: a task that waits for the token again after a restart finds it there.
//! Activity queues live in memory; a restarted execution schedules its activity task again
//! (with the same token), so a worker that took the task before the crash can still answer.
//!
//! Tokens are minted here ([`TokenHub::task_token`]), authenticated with the store's secret
//! (`crate::token`). A task attempt's token is closed once it was answered (its answer is
//! stored) or once its task stopped waiting without one (timed out, heartbeat missed,
//! execution stopped): answers to a closed token are refused with `TaskTimedOut`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asl::errors::{names, Failure};
use serde_json::{json, Value};
use store::{Kind, Store, Write};
use tokio::sync::{oneshot, Notify};

use crate::execution::{LocalFuture, TokenHub};
use crate::token::{TaskRef, TokenKey};

/// What a worker gets from `GetActivityTask`.
#[derive(Clone, Debug)]
pub struct ActivityTask {
    pub token: String,
    pub input: String,
}

/// The answer to a task token.
#[derive(Clone, Debug)]
pub enum Answer {
    Success(Value),
    Failure {
        error: Option<String>,
        cause: Option<String>,
    },
}

impl Answer {
    fn to_text(&self) -> String {
        match self {
            Answer::Success(output) => json!({ "output": output }).to_string(),
            Answer::Failure { error, cause } => json!({ "error": error, "cause": cause }).to_string(),
        }
    }

    fn from_text(text: &str) -> Answer {
        let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
        match value.get("output") {
            Some(output) => Answer::Success(output.clone()),
            None => Answer::Failure {
                error: value.get("error").and_then(Value::as_str).map(str::to_owned),
                cause: value.get("cause").and_then(Value::as_str).map(str::to_owned),
            },
        }
    }

    fn into_result(self) -> Result<Value, Failure> {
        match self {
            Answer::Success(output) => Ok(output),
            Answer::Failure { error, cause } => Err(Failure {
                cause,
                ..Failure::without_cause(error.unwrap_or_default())
            }),
        }
    }
}

struct Waiter {
    answer: oneshot::Sender<Answer>,
    heartbeat: Arc<Notify>,
}

struct Queued {
    task: ActivityTask,
    started: oneshot::Sender<Option<String>>,
}

type Poller = oneshot::Sender<(ActivityTask, oneshot::Sender<Option<String>>)>;

#[derive(Default)]
struct Queues {
    tasks: VecDeque<Queued>,
    pollers: VecDeque<Poller>,
}

#[derive(Default)]
struct State {
    waiters: HashMap<String, Waiter>,
    activities: HashMap<String, Queues>,
    closed: Closed,
}

/// How many tokens of tasks that stopped waiting unanswered are remembered (oldest
/// forgotten first). Tokens of ended executions need no entry: their execution's status
/// tells. Forgotten and answered-while-closed tokens are still refused after the
/// execution ends.
const CLOSED_LIMIT: usize = 100_000;

/// Tokens whose task stopped waiting without an answer, in this process.
#[derive(Default)]
struct Closed {
    tokens: HashSet<String>,
    order: VecDeque<String>,
}

impl Closed {
    fn insert(&mut self, token: &str) {
        if self.tokens.insert(token.to_owned()) {
            self.order.push_back(token.to_owned());
            if self.order.len() > CLOSED_LIMIT {
                if let Some(old) = self.order.pop_front() {
                    self.tokens.remove(&old);
                }
            }
        }
    }
}

/// The shared meeting point; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    store: Arc<dyn Store>,
    key: TokenKey,
    state: Arc<Mutex<State>>,
}

impl Hub {
    pub fn new(store: Arc<dyn Store>) -> Hub {
        Hub {
            key: TokenKey::new(store.secret()),
            store,
            state: Arc::default(),
        }
    }

    /// The task a token names, or `None` if this store never issued it.
    pub fn task_of(&self, token: &str) -> Option<TaskRef> {
        crate::token::decode(&self.key, token)
    }

    /// Whether the task of an issued token can no longer be answered: it was answered, or
    /// it stopped waiting without an answer.
    pub fn is_closed(&self, token: &str) -> store::Result<bool> {
        if self.state().closed.tokens.contains(token) {
            return Ok(true);
        }
        Ok(self.store.task_response(token)?.is_some())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Commit an answer for `token` (of `execution`) and hand it to its task if one waits.
    pub async fn answer(&self, token: &str, execution: &str, answer: Answer) -> store::Result<()> {
        self.store
            .commit(vec![Write::PutTaskResponse {
                token: token.to_owned(),
                execution: execution.to_owned(),
                response: answer.to_text(),
            }])
            .await?;
        // A task still queued for a worker is answered without one.
        for queues in self.state().activities.values_mut() {
            queues.tasks.retain(|q| q.task.token != token);
        }
        if let Some(waiter) = self.state().waiters.remove(token) {
            let _ = waiter.answer.send(answer);
        }
        Ok(())
    }

    /// Record a heartbeat; false when no task waits for the token.
    pub fn heartbeat(&self, token: &str) -> bool {
        match self.state().waiters.get(token) {
            Some(waiter) => {
                waiter.heartbeat.notify_one();
                true
            }
            None => false,
        }
    }

    /// Take the oldest task of an activity, waiting up to `poll` for one.
    pub async fn poll_activity(&self, activity: &str, worker: Option<String>, poll: Duration) -> Option<ActivityTask> {
        let deadline = tokio::time::Instant::now() + poll;
        loop {
            let receiver = {
                let mut state = self.state();
                let queues = state.activities.entry(activity.to_owned()).or_default();
                match queues.tasks.pop_front() {
                    Some(queued) => {
                        // The execution may have given up on the task meanwhile.
                        if queued.started.send(worker.clone()).is_ok() {
                            return Some(queued.task);
                        }
                        continue;
                    }
                    None => {
                        let (sender, receiver) = oneshot::channel();
                        queues.pollers.push_back(sender);
                        receiver
                    }
                }
            };
            match tokio::time::timeout_at(deadline, receiver).await {
                Ok(Ok((task, started))) => {
                    if started.send(worker.clone()).is_ok() {
                        return Some(task);
                    }
                }
                Ok(Err(_)) => {}
                Err(_) => return None,
            }
        }
    }

    fn enqueue(&self, activity: &str, task: ActivityTask, started: oneshot::Sender<Option<String>>) {
        let mut state = self.state();
        let queues = state.activities.entry(activity.to_owned()).or_default();
        let mut offer = (task, started);
        while let Some(poller) = queues.pollers.pop_front() {
            match poller.send(offer) {
                Ok(()) => return,
                // That poller has gone (its request ended): offer the task to the next.
                Err(back) => offer = back,
            }
        }
        let (task, started) = offer;
        queues.tasks.push_back(Queued { task, started });
    }
}

/// Removes a waiter whose task stopped waiting (timed out, aborted, answered).
struct WaiterGuard<'a> {
    hub: &'a Hub,
    token: &'a str,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        let mut state = self.hub.state();
        // Still registered: the task stopped waiting without an answer ([`Hub::answer`]
        // removes the waiter it answers).
        if state.waiters.remove(self.token).is_some() {
            state.closed.insert(self.token);
        }
    }
}

impl TokenHub for Hub {
    fn task_token(&self, execution_arn: &str, entered_event: u64, attempt: u64) -> String {
        crate::token::encode(
            &self.key,
            &TaskRef {
                execution_arn: execution_arn.to_owned(),
                entered_event,
                attempt,
            },
        )
    }

    fn wait_token<'a>(
        &'a self,
        token: &'a str,
        heartbeat_seconds: Option<u64>,
    ) -> LocalFuture<'a, Result<Value, Failure>> {
        Box::pin(async move {
            let stored = |hub: &Hub| {
                hub.store
                    .task_response(token)
                    .ok()
                    .flatten()
                    .map(|t| Answer::from_text(&t))
            };
            if let Some(answer) = stored(self) {
                return answer.into_result();
            }
            let (sender, mut receiver) = oneshot::channel();
            let heartbeat = Arc::new(Notify::new());
            self.state().waiters.insert(
                token.to_owned(),
                Waiter {
                    answer: sender,
                    heartbeat: heartbeat.clone(),
                },
            );
            let _guard = WaiterGuard { hub: self, token };
            // An answer committed just before the waiter was registered.
            if let Some(answer) = stored(self) {
                return answer.into_result();
            }
            loop {
                let beat = async {
                    match heartbeat_seconds {
                        Some(s) => tokio::time::timeout(Duration::from_secs(s), heartbeat.notified())
                            .await
                            .is_ok(),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    answer = &mut receiver => {
                        return match answer {
                            Ok(answer) => answer.into_result(),
                            Err(_) => Err(Failure::new(names::TASK_FAILED, "The task token was dropped")),
                        };
                    }
                    alive = beat => {
                        if !alive {
                            return Err(Failure::without_cause(names::HEARTBEAT_TIMEOUT));
                        }
                    }
                }
            }
        })
    }

    fn activity_exists(&self, activity_arn: &str) -> bool {
        match self.store.resource(activity_arn) {
            Ok(resource) => resource.is_some_and(|r| r.kind == Kind::Activity),
            // A store that cannot be read is no proof the activity is gone: schedule the task
            // and let the store's own failure surface where it is written.
            Err(_) => true,
        }
    }

    fn schedule_activity<'a>(
        &'a self,
        activity_arn: &'a str,
        token: &'a str,
        input: &'a Value,
    ) -> LocalFuture<'a, Result<Option<String>, Failure>> {
        Box::pin(async move {
            // Answered before a worker took it (e.g. before a restart): no worker needed.
            if self.store.task_response(token).ok().flatten().is_some() {
                return Ok(None);
            }
            let (started, receiver) = oneshot::channel();
            let task = ActivityTask {
                token: token.to_owned(),
                input: input.to_string(),
            };
            self.enqueue(activity_arn, task, started);
            // A dropped sender means the task was answered while queued.
            Ok(receiver.await.unwrap_or(None))
        })
    }
}
