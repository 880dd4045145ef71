//! Activities and task tokens: the worker side of activity and `.waitForTaskToken` tasks.

use std::time::Duration;

use engine::hub::Answer;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use store::{Kind, Resource, Write};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::request::{now_ms, page, parse_arn, timestamp, valid_name, Request};
use crate::Api;

/// How long GetActivityTask waits for a task (AWS: 60 seconds).
const POLL: Duration = Duration::from_secs(60);

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActivityRecord {
    arn: String,
    name: String,
    creation_ms: i64,
}

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ActivityDoesNotExist,
        format!("Activity Does Not Exist: '{arn}'"),
    )
}

fn find(api: &Api, arn: &str) -> ApiResult<ActivityRecord> {
    let parsed = parse_arn(arn)?;
    if parsed.kind != "activity" {
        return Err(ApiError::invalid_arn(arn));
    }
    match api.engine.store().resource(arn)? {
        Some(r) if r.kind == Kind::Activity => serde_json::from_str(&r.body).map_err(ApiError::internal),
        _ => Err(does_not_exist(arn)),
    }
}

pub(crate) async fn create(api: &Api, request: &Request) -> ApiResult<Value> {
    let name = request.str("name")?;
    if !valid_name(name, 80) {
        return Err(ApiError::invalid_name(name));
    }
    let arn = format!("{}activity:{name}", api.arn_prefix());
    if let Ok(existing) = find(api, &arn) {
        return Ok(json!({"activityArn": arn, "creationDate": timestamp(existing.creation_ms)}));
    }
    let record = ActivityRecord {
        arn: arn.clone(),
        name: name.to_owned(),
        creation_ms: now_ms(),
    };
    let mut writes = vec![Write::PutResource(Resource {
        arn: arn.clone(),
        kind: Kind::Activity,
        parent: None,
        body: serde_json::to_string(&record).map_err(ApiError::internal)?,
    })];
    if let Some(tags) = request.get("tags") {
        writes.push(crate::tags::initial_tags(&arn, tags)?);
    }
    api.engine.store().commit(writes).await?;
    Ok(json!({"activityArn": arn, "creationDate": timestamp(record.creation_ms)}))
}

pub(crate) fn describe(api: &Api, request: &Request) -> ApiResult<Value> {
    let record = find(api, request.str("activityArn")?)?;
    Ok(json!({
        "activityArn": record.arn,
        "name": record.name,
        "creationDate": timestamp(record.creation_ms),
        "encryptionConfiguration": {"type": "AWS_OWNED_KEY"},
    }))
}

pub(crate) async fn delete(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("activityArn")?;
    let parsed = parse_arn(arn)?;
    if parsed.kind != "activity" {
        return Err(ApiError::invalid_arn(arn));
    }
    api.engine
        .store()
        .commit(vec![Write::DeleteResource(arn.to_owned())])
        .await?;
    Ok(json!({}))
}

pub(crate) fn list(api: &Api, request: &Request) -> ApiResult<Value> {
    let all = api.engine.store().resources(Kind::Activity, None)?;
    let (items, next) = page(&api.page_tokens, &all, request, "activities")?;
    let mut list = Vec::new();
    for r in &items {
        let a: ActivityRecord = serde_json::from_str(&r.body).map_err(ApiError::internal)?;
        list.push(json!({"activityArn": a.arn, "name": a.name, "creationDate": timestamp(a.creation_ms)}));
    }
    let mut out = json!({ "activities": list });
    if let Some(next) = next {
        out["nextToken"] = next.into();
    }
    Ok(out)
}

pub(crate) async fn get_task(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("activityArn")?;
    find(api, arn)?;
    let worker = request.opt_str("workerName")?.map(str::to_owned);
    match api.engine.hub().poll_activity(arn, worker, POLL).await {
        Some(task) => Ok(json!({"taskToken": task.token, "input": task.input})),
        None => Ok(json!({})),
    }
}

/// The running execution whose open task a token names: `InvalidToken` for a token this
/// server never issued, `TaskTimedOut` for one whose task is over (its execution ended, it
/// was answered, or it stopped waiting).
fn token_execution(api: &Api, token: &str) -> ApiResult<String> {
    if token.is_empty() || token.len() > 2048 {
        return Err(ApiError::constraint(
            "'...'",
            "taskToken",
            "Member must have length between 1 and 2048",
        ));
    }
    let task = api.engine.hub().task_of(token).ok_or_else(ApiError::invalid_token)?;
    let running = api
        .engine
        .store()
        .execution(&task.execution_arn)?
        .is_some_and(|row| row.status == store::ExecutionStatus::Running);
    if !running || api.engine.hub().is_closed(token)? {
        return Err(ApiError::new(
            ErrorCode::TaskTimedOut,
            "Task Timed Out: 'Provided task does not exist anymore'",
        ));
    }
    Ok(task.execution_arn)
}

pub(crate) async fn send_success(api: &Api, request: &Request) -> ApiResult<Value> {
    let token = request.str("taskToken")?;
    let output = request.str("output")?;
    // The token is checked before the output (recorded: aws-sdk
    // test_sfn_send_task_outcome_with_no_such_token answers InvalidToken for a bad token
    // with output that is not JSON).
    let execution = token_execution(api, token)?;
    if output.len() > api.config.max_payload_bytes {
        return Err(ApiError::too_long("output", api.config.max_payload_bytes));
    }
    let value: Value = serde_json::from_str(output)
        .map_err(|_| ApiError::new(ErrorCode::InvalidOutput, format!("Invalid Output: '{output}'")))?;
    api.engine
        .hub()
        .answer(token, &execution, Answer::Success(value))
        .await?;
    Ok(json!({}))
}

pub(crate) async fn send_failure(api: &Api, request: &Request) -> ApiResult<Value> {
    let token = request.str("taskToken")?;
    let error = request.opt_str("error")?.map(str::to_owned);
    let cause = request.opt_str("cause")?.map(str::to_owned);
    let execution = token_execution(api, token)?;
    api.engine
        .hub()
        .answer(token, &execution, Answer::Failure { error, cause })
        .await?;
    Ok(json!({}))
}

pub(crate) fn send_heartbeat(api: &Api, request: &Request) -> ApiResult<Value> {
    let token = request.str("taskToken")?;
    token_execution(api, token)?;
    api.engine.hub().heartbeat(token);
    Ok(json!({}))
}
