//! The optimized integrations of Athena, Glue and CodeBuild, and their Run a Job (`.sync`)
//! pattern. The Task's request is the service call with the Task's parameters (PascalCase,
//! recased for CodeBuild, whose members are camelCase on the wire), and the answer is the
//! result, without SDK metadata. With `.sync`, that call starts a job; Step Functions then
//! polls the service until the job ends and the job's description becomes the result
//! (Developer Guide: connect-athena, connect-glue, connect-codebuild):
//!
//! | resource | description of the job | still running while |
//! |---|---|---|
//! | `athena:startQueryExecution.sync` | `GetQueryExecution`'s answer, `{QueryExecution}` | `Status.State` is QUEUED or RUNNING |
//! | `glue:startJobRun.sync` | `GetJobRun`'s `JobRun` | `JobRunState` is STARTING, RUNNING, STOPPING or WAITING |
//! | `codebuild:startBuild.sync` | `{Build}`, from `BatchGetBuilds` | `BuildStatus` is IN_PROGRESS |
//! | `codebuild:startBuildBatch.sync`, `retryBuildBatch.sync` | `{BuildBatch}`, from `BatchGetBuildBatches` | `BuildBatchStatus` is IN_PROGRESS |
//!
//! A job that ends SUCCEEDED gives its description as the result; any other end fails the
//! task with `States.TaskFailed` and the description as the cause (the guide does not
//! spell the cause out; this is how Step Functions reports a failed nested execution's
//! `.sync`). When the task stops waiting first (its `TimeoutSeconds`, the execution
//! stopped, a sibling branch failed), the job is stopped, which is why the guide's `.sync`
//! IAM policies grant `StopQueryExecution`, `BatchStopJobRun`, `StopBuild` and
//! `StopBuildBatch`.

use std::sync::Arc;
use std::time::Duration;

use asl::errors::{names, Failure};
use serde_json::{json, Map, Value};

use super::call::{CallError, Client, Naming};
use super::services::{Service, ATHENA, CODEBUILD, GLUE};
use super::{json_call, recase_key};

/// The first look at a job waits this long after it started, and each later wait twice
/// the one before, up to [`LONGEST_WAIT`]: a job that ends at once (an emulator's) is seen
/// within a fraction of a second, and an hour-long one costs a request every few seconds.
const FIRST_WAIT: Duration = Duration::from_millis(200);
const LONGEST_WAIT: Duration = Duration::from_secs(5);

/// Call `action` (`startQueryExecution` or `StartQueryExecution`) of `service`, a
/// JSON-protocol service with optimized integrations, with the Task's `parameters` as the
/// request; the answer is the result, in PascalCase like the parameters.
pub(super) async fn call(
    client: &Client,
    service: &'static Service,
    action: &str,
    parameters: Value,
) -> Result<Value, Failure> {
    let operation = recase_key(action, true);
    if !parameters.is_object() {
        return Err(
            CallError::Parameters(format!("The parameters of {operation} must be an object"))
                .failure(Naming::optimized(service)),
        );
    }
    json_call(client, service, &operation, parameters, Naming::optimized(service)).await
}

/// `glue:startJobRun`. Glue answers only the run's `JobRunId`; Step Functions adds the
/// request's `JobName` (Developer Guide, connect-glue), without which the run cannot be
/// looked up.
pub(super) async fn start_job_run(client: &Client, parameters: Value) -> Result<Value, Failure> {
    let job_name = parameters.get("JobName").cloned();
    let answer = call(client, &GLUE, "StartJobRun", parameters).await?;
    let mut result = Map::new();
    if let Some(name) = job_name {
        result.insert("JobName".into(), name);
    }
    if let Value::Object(members) = answer {
        result.extend(members);
    }
    Ok(Value::Object(result))
}

/// Where a job stands, read from one answer of its describe call.
#[derive(Debug, PartialEq)]
enum Progress {
    Running,
    /// Ended well; the job's description.
    Succeeded(Value),
    /// Ended otherwise (failed, stopped, timed out); the job's description.
    Failed(Value),
}

/// A call a job is looked at or stopped with.
struct Request {
    /// PascalCase, `GetQueryExecution`.
    operation: &'static str,
    /// PascalCase too, recased by [`call`] for the services that need it.
    parameters: Value,
}

impl Request {
    fn new(operation: &'static str, parameters: Value) -> Request {
        Request { operation, parameters }
    }
}

/// A job a `.sync` task waits for.
pub(super) struct Job {
    service: &'static Service,
    /// Describes the job.
    describe: Request,
    /// Stops the job.
    stop: Request,
    /// Where the job stands, from an answer to `describe`.
    read: fn(Value) -> Progress,
}

/// The job that `service:action`'s result `submitted` started; `None` when the action
/// starts no job, an error when the result does not name the job.
pub(super) fn job(service: &str, action: &str, submitted: &Value) -> Option<Result<Job, Failure>> {
    let text = |pointer: &str| submitted.pointer(pointer).and_then(Value::as_str);
    let job = match (service, action) {
        ("athena", "startQueryExecution") => text("/QueryExecutionId").map(|id| Job {
            service: &ATHENA,
            describe: Request::new("GetQueryExecution", json!({"QueryExecutionId": id})),
            stop: Request::new("StopQueryExecution", json!({"QueryExecutionId": id})),
            read: athena_query,
        }),
        ("glue", "startJobRun") => text("/JobName").zip(text("/JobRunId")).map(|(name, id)| Job {
            service: &GLUE,
            describe: Request::new("GetJobRun", json!({"JobName": name, "RunId": id})),
            stop: Request::new("BatchStopJobRun", json!({"JobName": name, "JobRunIds": [id]})),
            read: glue_job_run,
        }),
        ("codebuild", "startBuild") => text("/Build/Id").map(|id| Job {
            service: &CODEBUILD,
            describe: Request::new("BatchGetBuilds", json!({"Ids": [id]})),
            stop: Request::new("StopBuild", json!({"Id": id})),
            read: codebuild_build,
        }),
        ("codebuild", "startBuildBatch" | "retryBuildBatch") => text("/BuildBatch/Id").map(|id| Job {
            service: &CODEBUILD,
            describe: Request::new("BatchGetBuildBatches", json!({"Ids": [id]})),
            stop: Request::new("StopBuildBatch", json!({"Id": id})),
            read: codebuild_build_batch,
        }),
        _ => return None,
    };
    Some(job.ok_or_else(|| {
        Failure::new(
            names::TASK_FAILED,
            format!("The result of {service}:{action} names no job to wait for: {submitted}"),
        )
    }))
}

/// `description` as a [`Progress`], given its `state` and the states of a running job.
fn progress(state: Option<&str>, running: &[&str], description: Value) -> Progress {
    match state {
        Some("SUCCEEDED") => Progress::Succeeded(description),
        Some(state) if running.contains(&state) => Progress::Running,
        _ => Progress::Failed(description),
    }
}

/// `GetQueryExecution`'s whole answer describes the query.
fn athena_query(answer: Value) -> Progress {
    let state = answer
        .pointer("/QueryExecution/Status/State")
        .and_then(Value::as_str)
        .map(str::to_owned);
    progress(state.as_deref(), &["QUEUED", "RUNNING"], answer)
}

/// `GetJobRun`'s `JobRun` describes the run.
fn glue_job_run(mut answer: Value) -> Progress {
    let run = answer.get_mut("JobRun").map(Value::take).unwrap_or_default();
    let state = run.get("JobRunState").and_then(Value::as_str).map(str::to_owned);
    progress(state.as_deref(), &["STARTING", "RUNNING", "STOPPING", "WAITING"], run)
}

/// The one entry of the `list` member of a CodeBuild `BatchGet...` answer, as `{key: entry}`,
/// read by its `status` member.
fn codebuild_entry(mut answer: Value, list: &str, key: &str, status: &str) -> Progress {
    let Some(entry) = answer.get_mut(list).and_then(|l| l.get_mut(0)).map(Value::take) else {
        // Not found: the answer says so (`BuildsNotFound`).
        return Progress::Failed(answer);
    };
    let state = entry.get(status).and_then(Value::as_str).map(str::to_owned);
    let mut description = Map::new();
    description.insert(key.into(), entry);
    progress(state.as_deref(), &["IN_PROGRESS"], Value::Object(description))
}

fn codebuild_build(answer: Value) -> Progress {
    codebuild_entry(answer, "Builds", "Build", "BuildStatus")
}

fn codebuild_build_batch(answer: Value) -> Progress {
    codebuild_entry(answer, "BuildBatches", "BuildBatch", "BuildBatchStatus")
}

/// Poll `job` until it ends: its description when it succeeded, else `States.TaskFailed`
/// with the description as the cause. A failed describe call fails the task as a failed
/// request does. Dropped before the job ended (or failing to describe it), the wait stops
/// the job.
pub(super) async fn wait(client: Arc<Client>, job: Job) -> Result<Value, Failure> {
    let mut stop = StopOnDrop {
        client: client.clone(),
        service: job.service,
        stop: Some(job.stop),
    };
    let describe = job.describe;
    let mut delay = FIRST_WAIT;
    loop {
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(LONGEST_WAIT);
        let answer = call(&client, job.service, describe.operation, describe.parameters.clone()).await?;
        let ended = match (job.read)(answer) {
            Progress::Running => continue,
            Progress::Succeeded(description) => Ok(description),
            Progress::Failed(description) => Err(Failure::new(names::TASK_FAILED, description.to_string())),
        };
        stop.stop = None;
        return ended;
    }
}

/// Stops a job when dropped while it still holds the stop request. Best effort: the
/// request is spawned on the runtime and its answer ignored, since the task it would
/// report to is gone.
struct StopOnDrop {
    client: Arc<Client>,
    service: &'static Service,
    stop: Option<Request>,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let (Some(stop), Ok(runtime)) = (self.stop.take(), tokio::runtime::Handle::try_current()) else {
            return;
        };
        let client = self.client.clone();
        let service = self.service;
        runtime.spawn(async move {
            let _ = call(&client, service, stop.operation, stop.parameters).await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(service: &str, action: &str, submitted: Value, answer: Value) -> Progress {
        let job = job(service, action, &submitted).expect("a job").expect("named");
        (job.read)(answer)
    }

    #[test]
    fn a_query_runs_until_it_leaves_queued_and_running() {
        let started = json!({"QueryExecutionId": "q"});
        let at = |state: &str| json!({"QueryExecution": {"QueryExecutionId": "q", "Status": {"State": state}}});
        for state in ["QUEUED", "RUNNING"] {
            assert_eq!(
                read("athena", "startQueryExecution", started.clone(), at(state)),
                Progress::Running
            );
        }
        assert_eq!(
            read("athena", "startQueryExecution", started.clone(), at("SUCCEEDED")),
            Progress::Succeeded(at("SUCCEEDED"))
        );
        for state in ["FAILED", "CANCELLED"] {
            assert_eq!(
                read("athena", "startQueryExecution", started.clone(), at(state)),
                Progress::Failed(at(state))
            );
        }
    }

    #[test]
    fn a_glue_run_is_described_by_its_job_run() {
        let started = json!({"JobName": "j", "JobRunId": "jr_1"});
        let run = |state: &str| json!({"Id": "jr_1", "JobName": "j", "JobRunState": state});
        let at = |state: &str| json!({"JobRun": run(state)});
        for state in ["STARTING", "RUNNING", "STOPPING", "WAITING"] {
            assert_eq!(
                read("glue", "startJobRun", started.clone(), at(state)),
                Progress::Running
            );
        }
        assert_eq!(
            read("glue", "startJobRun", started.clone(), at("SUCCEEDED")),
            Progress::Succeeded(run("SUCCEEDED"))
        );
        for state in ["FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED"] {
            assert_eq!(
                read("glue", "startJobRun", started.clone(), at(state)),
                Progress::Failed(run(state))
            );
        }
    }

    #[test]
    fn a_build_is_described_as_one_build() {
        let started = json!({"Build": {"Id": "p:1", "BuildStatus": "IN_PROGRESS"}});
        let build = |status: &str| json!({"Id": "p:1", "BuildStatus": status});
        let at = |status: &str| json!({"Builds": [build(status)], "BuildsNotFound": []});
        assert_eq!(
            read("codebuild", "startBuild", started.clone(), at("IN_PROGRESS")),
            Progress::Running
        );
        assert_eq!(
            read("codebuild", "startBuild", started.clone(), at("SUCCEEDED")),
            Progress::Succeeded(json!({"Build": build("SUCCEEDED")}))
        );
        for status in ["FAILED", "FAULT", "STOPPED", "TIMED_OUT"] {
            assert_eq!(
                read("codebuild", "startBuild", started.clone(), at(status)),
                Progress::Failed(json!({"Build": build(status)}))
            );
        }
        let missing = json!({"Builds": [], "BuildsNotFound": ["p:1"]});
        assert_eq!(
            read("codebuild", "startBuild", started, missing.clone()),
            Progress::Failed(missing)
        );
        let batch = json!({"BuildBatch": {"Id": "p:b"}});
        let done = json!({"BuildBatches": [{"Id": "p:b", "BuildBatchStatus": "SUCCEEDED"}]});
        assert_eq!(
            read("codebuild", "retryBuildBatch", batch, done),
            Progress::Succeeded(json!({"BuildBatch": {"Id": "p:b", "BuildBatchStatus": "SUCCEEDED"}}))
        );
    }

    #[test]
    fn only_starting_actions_start_jobs_and_their_result_must_name_the_job() {
        assert!(job("athena", "getQueryResults", &json!({})).is_none());
        assert!(job("codebuild", "stopBuild", &json!({})).is_none());
        let failure = job("glue", "startJobRun", &json!({"JobRunId": "jr_1"}))
            .expect("a job")
            .err()
            .expect("no job name");
        assert_eq!(failure.error, names::TASK_FAILED);
    }
}
