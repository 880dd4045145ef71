//! Map runs: the Distributed Map states of an execution, read back from its history.
//!
//! A map run's ARN names its state machine (`mapRun:<machine>/<label>:<id>`), and its
//! events live in the history of the execution that ran it, so no separate record is kept.

use serde_json::{json, Value};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::request::{parse_arn, Request};
use crate::Api;

/// One map run as found in a history.
struct MapRun {
    arn: String,
    execution: String,
    machine: String,
    start: Value,
    stop: Option<Value>,
    status: &'static str,
    total: u64,
}

/// The map runs of one execution, in the order they started.
fn runs_of(api: &Api, execution: &str, machine: &str) -> ApiResult<Vec<MapRun>> {
    let events = api.engine.store().events(execution, None, false, usize::MAX >> 1)?;
    let mut runs: Vec<MapRun> = Vec::new();
    let mut length = 0;
    for (_, body) in events {
        let event: Value = serde_json::from_str(&body).map_err(ApiError::internal)?;
        let kind = event["type"].as_str().unwrap_or_default();
        match kind {
            "MapStateStarted" => length = event["mapStateStartedEventDetails"]["length"].as_u64().unwrap_or(0),
            "MapRunStarted" => runs.push(MapRun {
                arn: event["mapRunStartedEventDetails"]["mapRunArn"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                execution: execution.to_owned(),
                machine: machine.to_owned(),
                start: event["timestamp"].clone(),
                stop: None,
                status: "RUNNING",
                total: length,
            }),
            "MapRunSucceeded" | "MapRunFailed" | "MapRunAborted" => {
                if let Some(run) = runs.iter_mut().rev().find(|r| r.stop.is_none()) {
                    run.stop = Some(event["timestamp"].clone());
                    run.status = match kind {
                        "MapRunSucceeded" => "SUCCEEDED",
                        "MapRunFailed" => "FAILED",
                        _ => "ABORTED",
                    };
                }
            }
            _ => {}
        }
    }
    Ok(runs)
}

fn summary(run: &MapRun) -> Value {
    let mut out = json!({
        "executionArn": run.execution,
        "mapRunArn": run.arn,
        "stateMachineArn": run.machine,
        "startDate": run.start,
    });
    if let Some(stop) = &run.stop {
        out["stopDate"] = stop.clone();
    }
    out
}

pub(crate) fn list(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("executionArn")?;
    let record = crate::executions::find(api, arn)?;
    let runs = runs_of(api, arn, &record.state_machine_arn)?;
    let list: Vec<Value> = runs.iter().map(summary).collect();
    Ok(json!({ "mapRuns": list }))
}

/// Find a map run among the executions of the state machine its ARN names.
fn find(api: &Api, arn: &str) -> ApiResult<MapRun> {
    let parsed = parse_arn(arn)?;
    let not_found = || ApiError::new(ErrorCode::ResourceNotFound, format!("Resource not found: '{arn}'"));
    if parsed.kind != "mapRun" {
        return Err(ApiError::invalid_arn(arn));
    }
    let machine_name = parsed.rest[0].split('/').next().unwrap_or_default();
    let machine = format!("{}stateMachine:{machine_name}", api.arn_prefix());
    let query = store::ExecutionQuery {
        machine: machine.clone(),
        limit: 10_000,
        ..Default::default()
    };
    for row in api.engine.store().executions(&query)? {
        if let Some(run) = runs_of(api, &row.arn, &machine)?.into_iter().find(|r| r.arn == arn) {
            return Ok(run);
        }
    }
    Err(not_found())
}

pub(crate) fn describe(api: &Api, request: &Request) -> ApiResult<Value> {
    let run = find(api, request.str("mapRunArn")?)?;
    let done = |status: &str| if run.status == status { run.total } else { 0 };
    let counts = json!({
        "pending": 0,
        "running": done("RUNNING"),
        "succeeded": done("SUCCEEDED"),
        "failed": done("FAILED"),
        "timedOut": 0,
        "aborted": done("ABORTED"),
        "total": run.total,
        "resultsWritten": 0,
    });
    let mut out = summary(&run);
    if let Some(map) = out.as_object_mut() {
        map.remove("stateMachineArn");
        map.insert("status".into(), run.status.into());
        map.insert("maxConcurrency".into(), 0.into());
        map.insert("toleratedFailurePercentage".into(), 0.into());
        map.insert("toleratedFailureCount".into(), 0.into());
        map.insert("itemCounts".into(), counts.clone());
        map.insert("executionCounts".into(), counts);
        map.insert("redriveCount".into(), 0.into());
    }
    Ok(out)
}

/// Map runs here finish within their execution's run; only a running one could change, and
/// its iterations are already scheduled, so an update is checked and acknowledged.
pub(crate) fn update(api: &Api, request: &Request) -> ApiResult<Value> {
    let run = find(api, request.str("mapRunArn")?)?;
    if let Some(n) = request.i64("maxConcurrency")? {
        if n < 0 {
            return Err(ApiError::constraint(
                &format!("'{n}'"),
                "maxConcurrency",
                "Member must have value greater than or equal to 0",
            ));
        }
    }
    if run.status != "RUNNING" {
        return Err(ApiError::validation(format!("Map Run {} is not running", run.arn)));
    }
    Ok(json!({}))
}

/// ListExecutions with `mapRunArn`: the child executions of a Distributed Map run. Their
/// iterations run inside the parent execution here, so there are none to list.
pub(crate) fn list_executions(api: &Api, map_run: &str, _request: &Request) -> ApiResult<Value> {
    find(api, map_run)?;
    Ok(json!({ "executions": [] }))
}
