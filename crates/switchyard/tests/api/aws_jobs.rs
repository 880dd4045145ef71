//! The Athena, Glue and CodeBuild optimized integrations against moto, request-response and
//! Run a Job (`.sync`): a `.sync` task records `TaskSubmitted` with what starting the job
//! returned, waits for the job (moto's queries and job runs are made to stay running for a
//! few looks), and succeeds with the job's description; errors are named as AWS names
//! them. Skipped (with a message) when moto is not installed.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::HistoryEvent;
use aws_sdk_sfn::Client;
use serde_json::{json, Value};

use crate::moto::Moto;
use crate::support::{create_machine, history, json, start, types, unique, wait_done};

/// Task states run one after another, each keeping its result at `$.<name>`. Any error
/// goes to a Pass state that ends the execution with the input it had and the error at
/// `$.caught` (`{Error, Cause}`).
fn steps(steps: &[(&str, &str, Value)]) -> Value {
    let mut states = serde_json::Map::new();
    for (i, (name, resource, parameters)) in steps.iter().enumerate() {
        let mut state = json!({
            "Type": "Task",
            "Resource": resource,
            "Parameters": parameters,
            "ResultPath": format!("$.{name}"),
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.caught", "Next": "Caught"}]
        });
        match steps.get(i + 1) {
            Some((next, ..)) => state["Next"] = json!(next),
            None => state["End"] = json!(true),
        }
        states.insert((*name).to_owned(), state);
    }
    states.insert("Caught".into(), json!({"Type": "Pass", "End": true}));
    json!({"StartAt": steps[0].0, "States": states})
}

/// A finished execution: its status, its output (or `{error, cause}`) and its history.
struct Finished {
    status: String,
    output: Value,
    events: Vec<HistoryEvent>,
}

impl Finished {
    /// The parsed outputs of the history's `TaskSubmitted` (or `TaskSucceeded`) events.
    fn outputs(&self, event_type: &str) -> Vec<Value> {
        task_outputs(&self.events, event_type)
    }
}

fn task_outputs(events: &[HistoryEvent], event_type: &str) -> Vec<Value> {
    events
        .iter()
        .filter_map(|e| match event_type {
            "TaskSubmitted" => e.task_submitted_event_details().and_then(|d| d.output()),
            "TaskSucceeded" => e.task_succeeded_event_details().and_then(|d| d.output()),
            other => panic!("no output for {other}"),
        })
        .map(|output| json(Some(output)))
        .collect()
}

async fn finish(client: &Client, execution: &str) -> Finished {
    let done = wait_done(client, execution, Duration::from_secs(60)).await;
    let output = match done.output() {
        Some(output) => json(Some(output)),
        None => json!({"error": done.error(), "cause": done.cause()}),
    };
    Finished {
        status: done.status.as_str().to_owned(),
        output,
        events: history(client, execution, false, 1000).await,
    }
}

async fn run(client: &Client, definition: Value, input: Value) -> Finished {
    let machine = create_machine(client, &unique("jobs"), &definition).await;
    let execution = start(client, &machine, &input).await;
    finish(client, &execution).await
}

/// The task events of a history, in order (`TaskScheduled`, ..., `TaskSucceeded`).
fn task_events(events: &[HistoryEvent]) -> Vec<String> {
    types(events)
        .into_iter()
        .filter(|t| t.starts_with("Task") && !t.starts_with("TaskState"))
        .collect()
}

/// An optimized integration's cause for a service error, up to its request id.
fn cause_prefix(message: &str, service: &str, code: &str) -> String {
    format!("{message} (Service: {service}; Status Code: 400; Error Code: {code}; Request ID: ")
}

#[tokio::test]
async fn athena_start_query_execution_sync_waits_for_the_query_and_returns_its_execution() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    // Each query is QUEUED, then RUNNING, then SUCCEEDED, one status per look.
    moto.advance_after("athena::execution", 1).await;
    let rows = json!({"results": [{
        "rows": [{"Data": [{"VarCharValue": "answer"}]}, {"Data": [{"VarCharValue": "42"}]}],
        "column_info": [{"Name": "answer", "Type": "integer"}]
    }]});
    let (status, text) = moto
        .rest(
            "athena",
            "POST",
            "/moto-api/static/athena/query-results",
            rows.to_string(),
        )
        .await;
    assert_eq!(status, 201, "{text}");

    let definition = steps(&[
        (
            "query",
            "arn:aws:states:::athena:startQueryExecution.sync",
            json!({
                "QueryString": "SELECT 42 AS answer",
                "WorkGroup": "primary",
                "ResultConfiguration": {"OutputLocation": "s3://athena-results/"}
            }),
        ),
        (
            "results",
            "arn:aws:states:::athena:getQueryResults",
            json!({"QueryExecutionId.$": "$.query.QueryExecution.QueryExecutionId"}),
        ),
    ]);
    let run = run(&client, definition, json!({})).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    assert_eq!(
        task_events(&run.events),
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded"
        ]
    );
    // Submitted: StartQueryExecution's answer; succeeded: GetQueryExecution's.
    let submitted = &run.outputs("TaskSubmitted")[0];
    let id = submitted["QueryExecutionId"].as_str().expect("a query id");
    assert_eq!(submitted, &json!({"QueryExecutionId": id}));
    let execution = &run.output["query"]["QueryExecution"];
    assert_eq!(run.outputs("TaskSucceeded")[0], run.output["query"]);
    assert_eq!(execution["QueryExecutionId"], id);
    assert_eq!(execution["Query"], "SELECT 42 AS answer");
    assert_eq!(execution["Status"]["State"], "SUCCEEDED");
    assert_eq!(execution["WorkGroup"], "primary");
    let rows = &run.output["results"]["ResultSet"]["Rows"];
    assert_eq!(rows[1]["Data"][0]["VarCharValue"], "42", "{}", run.output["results"]);
}

#[tokio::test]
async fn athena_request_response_calls_answer_as_the_api_and_name_athena_errors() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    // Queries stay QUEUED.
    moto.advance_after("athena::execution", 1_000_000).await;

    let definition = steps(&[
        (
            "started",
            "arn:aws:states:::athena:startQueryExecution",
            json!({"QueryString": "SELECT 1", "WorkGroup": "primary"}),
        ),
        (
            "stopped",
            "arn:aws:states:::athena:stopQueryExecution",
            json!({"QueryExecutionId.$": "$.started.QueryExecutionId"}),
        ),
        (
            "execution",
            "arn:aws:states:::athena:getQueryExecution",
            json!({"QueryExecutionId.$": "$.started.QueryExecutionId"}),
        ),
        (
            "results",
            "arn:aws:states:::athena:getQueryResults",
            json!({"QueryExecutionId.$": "$.started.QueryExecutionId"}),
        ),
    ]);
    let run = run(&client, definition, json!({})).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    assert!(!types(&run.events).contains(&"TaskSubmitted".to_owned()));
    let output = &run.output;
    let id = output["started"]["QueryExecutionId"].as_str().expect("a query id");
    assert_eq!(output["started"], json!({"QueryExecutionId": id}));
    assert_eq!(output["stopped"], json!({}));
    assert_eq!(output["execution"]["QueryExecution"]["Status"]["State"], "CANCELLED");
    // A cancelled query has no results: Athena's InvalidRequestException.
    assert_eq!(output["caught"]["Error"], "Athena.InvalidRequestException");
    let cause = output["caught"]["Cause"].as_str().expect("a cause");
    assert!(
        cause.starts_with(&cause_prefix(
            "Query has not yet finished. Current state: CANCELLED",
            "AmazonAthena",
            "InvalidRequestException"
        )),
        "{cause}"
    );
}

/// The id of the one query moto has, once a task started it. (The history cannot tell yet:
/// a waiting task's events are committed when it ends.)
async fn started_query(moto: &Moto) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let listed = moto.json("athena", "AmazonAthena.ListQueryExecutions", json!({})).await;
        if let Some(id) = listed["QueryExecutionIds"][0].as_str() {
            return id.to_owned();
        }
        assert!(Instant::now() < deadline, "no query was started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn athena_sync_fails_when_the_query_is_cancelled_and_cancels_it_when_the_task_times_out() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    moto.advance_after("athena::execution", 1_000_000).await;
    let query = |timeout: Value| {
        let mut definition = steps(&[(
            "query",
            "arn:aws:states:::athena:startQueryExecution.sync",
            json!({"QueryString": "SELECT 1", "WorkGroup": "primary"}),
        )]);
        if !timeout.is_null() {
            definition["States"]["query"]["TimeoutSeconds"] = timeout;
        }
        definition
    };

    // Cancelled by someone else while the task waits: States.TaskFailed, the query's
    // execution as the cause.
    let machine = create_machine(&client, &unique("jobs"), &query(Value::Null)).await;
    let execution = start(&client, &machine, &json!({})).await;
    let id = started_query(&moto).await;
    moto.json(
        "athena",
        "AmazonAthena.StopQueryExecution",
        json!({"QueryExecutionId": id}),
    )
    .await;
    let run = finish(&client, &execution).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    assert_eq!(run.output["caught"]["Error"], "States.TaskFailed");
    let cause: Value = serde_json::from_str(run.output["caught"]["Cause"].as_str().expect("a cause")).unwrap();
    assert_eq!(cause["QueryExecution"]["QueryExecutionId"], id.as_str());
    assert_eq!(cause["QueryExecution"]["Status"]["State"], "CANCELLED");
    assert_eq!(
        task_events(&run.events),
        ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskFailed"]
    );

    // The task gives up first: States.Timeout, and the query is stopped.
    let machine = create_machine(&client, &unique("jobs"), &query(json!(1))).await;
    let execution = start(&client, &machine, &json!({})).await;
    let run = finish(&client, &execution).await;
    assert_eq!(run.output["caught"]["Error"], "States.Timeout", "{}", run.output);
    let id = run.outputs("TaskSubmitted")[0]["QueryExecutionId"]
        .as_str()
        .expect("a query id")
        .to_owned();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let described = moto
            .json(
                "athena",
                "AmazonAthena.GetQueryExecution",
                json!({"QueryExecutionId": id}),
            )
            .await;
        if described["QueryExecution"]["Status"]["State"] == "CANCELLED" {
            break;
        }
        assert!(Instant::now() < deadline, "the query was not stopped: {described}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Create a Glue job in moto.
async fn glue_job(moto: &Moto, name: &str) {
    moto.json(
        "glue",
        "AWSGlue.CreateJob",
        json!({
            "Name": name,
            "Role": "arn:aws:iam::123456789012:role/glue",
            "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py"}
        }),
    )
    .await;
}

#[tokio::test]
async fn glue_start_job_run_sync_waits_for_the_run_and_returns_it() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    // Each run is STARTING, then RUNNING, then SUCCEEDED, one state per look.
    moto.advance_after("glue::job_run", 1).await;
    glue_job(&moto, "nightly").await;

    let definition = steps(&[(
        "run",
        "arn:aws:states:::glue:startJobRun.sync",
        json!({"JobName": "nightly", "Arguments": {"--day.$": "$.day"}}),
    )]);
    let run = run(&client, definition, json!({"day": "monday"})).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    assert_eq!(
        task_events(&run.events),
        ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    );
    // Submitted: StartJobRun's answer with the request's JobName added.
    let submitted = &run.outputs("TaskSubmitted")[0];
    let id = submitted["JobRunId"].as_str().expect("a run id");
    assert_eq!(submitted, &json!({"JobName": "nightly", "JobRunId": id}));
    // Succeeded: the JobRun itself.
    let job_run = &run.output["run"];
    assert_eq!(run.outputs("TaskSucceeded")[0], *job_run);
    assert_eq!(job_run["Id"], id);
    assert_eq!(job_run["JobName"], "nightly");
    assert_eq!(job_run["JobRunState"], "SUCCEEDED");
    assert_eq!(job_run["Arguments"]["--day"], "monday");
}

#[tokio::test]
async fn glue_start_job_run_returns_the_run_id_and_names_a_missing_job() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    glue_job(&moto, "nightly").await;

    let definition = steps(&[
        (
            "started",
            "arn:aws:states:::glue:startJobRun",
            json!({"JobName": "nightly"}),
        ),
        (
            "missing",
            "arn:aws:states:::glue:startJobRun.sync",
            json!({"JobName": "no-such-job"}),
        ),
    ]);
    let run = run(&client, definition, json!({})).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    let id = run.output["started"]["JobRunId"].as_str().expect("a run id");
    assert_eq!(run.output["started"], json!({"JobName": "nightly", "JobRunId": id}));
    assert_eq!(run.output["caught"]["Error"], "Glue.EntityNotFoundException");
    let cause = run.output["caught"]["Cause"].as_str().expect("a cause");
    assert!(
        cause.starts_with(&cause_prefix(
            "Job no-such-job not found.",
            "AWSGlue",
            "EntityNotFoundException"
        )),
        "{cause}"
    );
    // The job was never started, so nothing was submitted.
    assert_eq!(
        task_events(&run.events),
        [
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed"
        ]
    );
}

/// Create a CodeBuild project in moto (camelCase on the wire).
async fn codebuild_project(moto: &Moto, name: &str) {
    moto.json(
        "codebuild",
        "CodeBuild_20161006.CreateProject",
        json!({
            "name": name,
            "source": {"type": "S3", "location": "sources/app.zip"},
            "artifacts": {"type": "NO_ARTIFACTS"},
            "environment": {
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL"
            },
            "serviceRole": "arn:aws:iam::123456789012:role/codebuild"
        }),
    )
    .await;
}

#[tokio::test]
async fn codebuild_start_build_sync_waits_for_the_build_and_returns_it() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    codebuild_project(&moto, "app").await;

    let definition = steps(&[(
        "build",
        "arn:aws:states:::codebuild:startBuild.sync",
        json!({"ProjectName": "app", "SourceVersion": "v1.2"}),
    )]);
    let run = run(&client, definition, json!({})).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    assert_eq!(
        task_events(&run.events),
        ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    );
    // Submitted: StartBuild's answer, in PascalCase.
    let submitted = &run.outputs("TaskSubmitted")[0]["Build"];
    let id = submitted["Id"].as_str().expect("a build id");
    assert_eq!(submitted["BuildStatus"], "IN_PROGRESS");
    assert_eq!(submitted["ProjectName"], "app");
    // Succeeded: the build as BatchGetBuilds describes it, as `{Build}`.
    let build = &run.output["build"]["Build"];
    assert_eq!(run.outputs("TaskSucceeded")[0], run.output["build"]);
    assert_eq!(build["Id"], id);
    assert_eq!(build["BuildStatus"], "SUCCEEDED");
    assert_eq!(build["CurrentPhase"], "COMPLETED");
    assert_eq!(build["SourceVersion"], "v1.2");
    assert!(build.get("buildStatus").is_none(), "{build}");
}

#[tokio::test]
async fn codebuild_start_and_stop_build_answer_as_the_api_and_name_a_missing_project() {
    let Some(moto) = Moto::start() else { return };
    let server = moto.switchyard();
    let client = server.client();
    codebuild_project(&moto, "app").await;

    let definition = steps(&[
        (
            "started",
            "arn:aws:states:::codebuild:startBuild",
            json!({"ProjectName": "app"}),
        ),
        (
            "stopped",
            "arn:aws:states:::codebuild:stopBuild",
            json!({"Id.$": "$.started.Build.Id"}),
        ),
        (
            "missing",
            "arn:aws:states:::codebuild:startBuild",
            json!({"ProjectName": "no-such-project"}),
        ),
    ]);
    let run = run(&client, definition, json!({})).await;
    assert_eq!(run.status, "SUCCEEDED", "{}", run.output);
    let output = &run.output;
    assert_eq!(output["started"]["Build"]["BuildStatus"], "IN_PROGRESS");
    assert_eq!(output["stopped"]["Build"]["Id"], output["started"]["Build"]["Id"]);
    assert_eq!(output["stopped"]["Build"]["BuildStatus"], "STOPPED");
    assert_eq!(output["caught"]["Error"], "CodeBuild.ResourceNotFoundException");
    let cause = output["caught"]["Cause"].as_str().expect("a cause");
    assert!(
        cause.starts_with(&cause_prefix(
            "Project cannot be found: arn:aws:codebuild:us-east-1:123456789012:project/no-such-project",
            "AWSCodeBuild",
            "ResourceNotFoundException"
        )),
        "{cause}"
    );
}
