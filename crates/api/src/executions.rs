//! Executions: start (async and sync), stop, describe, list, history, redrive.

use std::sync::Arc;

use engine::execution::Stop;
use engine::service::ExecutionRecord;
use integrations::mock::TestCase;
use serde_json::{json, Value};
use store::{ExecutionQuery, ExecutionStatus};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::machines::{find_alias, find_machine, MachineRecord};
use crate::request::{now_ms, parse_arn, timestamp, valid_name, Request};
use crate::Api;

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(
        ErrorCode::ExecutionDoesNotExist,
        format!("Execution Does Not Exist: '{arn}'"),
    )
}

/// The stored record of an execution.
pub(crate) fn find(api: &Api, arn: &str) -> ApiResult<ExecutionRecord> {
    let parsed = parse_arn(arn)?;
    if parsed.kind != "execution" && parsed.kind != "express" {
        return Err(ApiError::invalid_arn(arn));
    }
    api.engine
        .store()
        .execution(arn)?
        .and_then(|row| ExecutionRecord::from_row(&row))
        .ok_or_else(|| does_not_exist(arn))
}

/// Check execution input as AWS does, with Jackson's wording for text that is not JSON.
fn check_input(api: &Api, input: &str) -> ApiResult<()> {
    let invalid = |m: &str| {
        ApiError::new(
            ErrorCode::InvalidExecutionInput,
            format!("Invalid State Machine Execution Input: '{m}'"),
        )
    };
    if input.trim().is_empty() {
        return Err(invalid("Invalid execution input."));
    }
    if let Err(d) = asl::loader::parse_json(input) {
        let message = d.message.split("\n at [Source").next().unwrap_or_default();
        return Err(invalid(message));
    }
    if input.len() > api.config.max_payload_bytes {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to {}",
            api.config.max_payload_bytes
        )));
    }
    Ok(())
}

/// The version an alias routes this execution to, chosen by weight.
fn route(alias: &crate::machines::AliasRecord) -> String {
    let roll = uuid::Uuid::new_v4().as_u128() % 100;
    let mut acc = 0u128;
    for r in &alias.routing {
        acc += u128::from(r.weight);
        if roll < acc {
            return r.state_machine_version_arn.clone();
        }
    }
    alias
        .routing
        .last()
        .map(|r| r.state_machine_version_arn.clone())
        .unwrap_or_default()
}

/// Check that the server's mock configuration has the test case `case` for the state
/// machine called `machine`: a typo fails the call instead of running unmocked.
/// The mock configuration's test case `case` of `machine`; `named_by` says how the request
/// named it, for the error when the server has no mock configuration.
pub(crate) fn find_test_case(api: &Api, machine: &str, case: &str, named_by: &str) -> ApiResult<Arc<TestCase>> {
    match &api.engine.config().mock_config {
        Some(config) => config
            .test_case(machine, case)
            .map_err(|e| ApiError::validation(e.to_string())),
        None => Err(ApiError::validation(format!(
            "{named_by} names the test case '{case}', but the server was started without a mock configuration (--mock-config or SFN_MOCK_CONFIG)"
        ))),
    }
}

pub(crate) async fn start(api: &Api, request: &Request, sync: bool) -> ApiResult<Value> {
    start_as(api, request, sync, None).await
}

/// StartExecution for a parent's Task attempt (`started_by`, see
/// [`engine::service::started_by`]): without a `name`, the child's name is derived from the
/// attempt, and when the attempt runs again after a restart, the child it started is
/// answered instead of a second one.
pub(crate) async fn start_for_task(api: &Api, request: &Request, started_by: String) -> ApiResult<Value> {
    start_as(api, request, false, Some(started_by)).await
}

async fn start_as(api: &Api, request: &Request, sync: bool, started_by: Option<String>) -> ApiResult<Value> {
    // Step Functions Local's way to pick a mock test case: `<state machine ARN>#<test case>`.
    let arn = request.str("stateMachineArn")?;
    let (target, test_case) = match arn.split_once('#') {
        Some((arn, case)) => (arn, Some(case)),
        None => (arn, None),
    };
    let parsed = parse_arn(target)?;
    if parsed.kind != "stateMachine" {
        return Err(ApiError::invalid_arn(target));
    }
    // `<machine>` or `<machine>:<version>` or `<machine>:<alias>`.
    let (machine, version_arn, alias_arn): (MachineRecord, Option<String>, Option<String>) = match parsed.rest.len() {
        1 => (find_machine(api, target)?, None, None),
        2 if parsed.rest[1].chars().all(|c| c.is_ascii_digit()) => {
            (find_machine(api, target)?, Some(target.to_owned()), None)
        }
        2 => {
            let alias = find_alias(api, target)?.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::StateMachineDoesNotExist,
                    format!("State Machine Does Not Exist: '{target}'"),
                )
            })?;
            let version = route(&alias);
            (find_machine(api, &version)?, Some(version), Some(target.to_owned()))
        }
        _ => return Err(ApiError::invalid_arn(target)),
    };
    let machine_arn = machine.machine_arn.clone().unwrap_or_else(|| machine.arn.clone());
    if let Some(case) = test_case {
        find_test_case(api, &machine.name, case, "The state machine ARN")?;
    }
    if sync && !machine.is_express() {
        return Err(ApiError::new(
            ErrorCode::StateMachineTypeNotSupported,
            "This operation is not supported by this type of state machine",
        ));
    }
    let name = match request.opt_str("name")? {
        Some(name) => {
            if !valid_name(name, 80) {
                return Err(ApiError::invalid_name(name));
            }
            name.to_owned()
        }
        None => match &started_by {
            Some(attempt) => engine::service::child_name(attempt),
            None => uuid::Uuid::new_v4().to_string(),
        },
    };
    let input = request.opt_str("input")?.unwrap_or("{}").to_owned();
    check_input(api, &input)?;
    let execution_arn = if machine.is_express() {
        format!(
            "{}express:{}:{}:{}",
            api.arn_prefix(),
            machine.name,
            name,
            uuid::Uuid::new_v4()
        )
    } else {
        format!("{}execution:{}:{}", api.arn_prefix(), machine.name, name)
    };
    let parsed_machine = api.engine.machine(&machine.definition_hash)?;
    let record = ExecutionRecord {
        execution_arn: execution_arn.clone(),
        state_machine_arn: machine_arn,
        state_machine_name: machine.name.clone(),
        name,
        status: ExecutionStatus::Running,
        start_ms: now_ms(),
        stop_ms: None,
        input,
        output: None,
        error: None,
        cause: None,
        version_arn,
        alias_arn,
        role_arn: machine.role_arn.clone(),
        definition_hash: machine.definition_hash.clone(),
        express: machine.is_express(),
        redrive_count: 0,
        redrive_ms: None,
        trace_header: request.opt_str("traceHeader")?.map(str::to_owned),
        redrive_point: None,
        test_case: test_case.map(str::to_owned),
        started_by: None,
    };
    let start_ms = record.start_ms;
    let started = match started_by {
        None => api.engine.start(record, parsed_machine).await.map(Some),
        Some(attempt) => match api.engine.start_child(record, parsed_machine, attempt).await {
            Ok(Some(earlier)) => {
                return Ok(json!({"executionArn": earlier.execution_arn, "startDate": timestamp(earlier.start_ms)}))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(e),
        },
    };
    let mut done = match started {
        Ok(Some(done)) => done,
        Ok(None) => return Ok(json!({"executionArn": execution_arn, "startDate": timestamp(start_ms)})),
        Err(engine::service::EngineError::Store(store::StoreError::ExecutionExists(_))) => {
            let input = request.opt_str("input")?.unwrap_or("{}");
            return already_started(api, &execution_arn, input);
        }
        Err(e) => return Err(e.into()),
    };
    if !sync {
        return Ok(json!({"executionArn": execution_arn, "startDate": timestamp(start_ms)}));
    }
    let ended = done
        .wait_for(Option::is_some)
        .await
        .map_err(ApiError::internal)?
        .clone()
        .ok_or_else(|| ApiError::internal("the execution ended without a result"))?;
    let mut out = describe_record(&ended, true);
    if let Some(map) = out.as_object_mut() {
        map.remove("redriveCount");
        map.remove("redriveStatus");
        map.remove("redriveStatusReason");
        map.insert("outputDetails".into(), json!({"included": true}));
        let billed = ended.stop_ms.unwrap_or(ended.start_ms) - ended.start_ms;
        map.insert(
            "billingDetails".into(),
            json!({"billedDurationInMilliseconds": ((billed + 99) / 100).max(1) * 100, "billedMemoryUsedInMB": 64}),
        );
    }
    Ok(out)
}

/// StartExecution of a name already taken: idempotent while that execution runs with the
/// same input, `ExecutionAlreadyExists` otherwise.
fn already_started(api: &Api, execution_arn: &str, input: &str) -> ApiResult<Value> {
    let existing = find(api, execution_arn)?;
    if existing.status == ExecutionStatus::Running && existing.input == input {
        return Ok(json!({"executionArn": execution_arn, "startDate": timestamp(existing.start_ms)}));
    }
    Err(ApiError::new(
        ErrorCode::ExecutionAlreadyExists,
        format!("Execution Already Exists: '{execution_arn}'"),
    ))
}

/// Whether (and why not) a finished execution can be redriven.
fn redrive_status(record: &ExecutionRecord) -> (&'static str, Option<String>) {
    match record.status {
        ExecutionStatus::Running | ExecutionStatus::Succeeded => (
            "NOT_REDRIVABLE",
            Some(format!("Execution is {} and cannot be redriven", record.status)),
        ),
        _ if record.express => (
            "NOT_REDRIVABLE",
            Some("Execution is EXPRESS and cannot be redriven".into()),
        ),
        _ => ("REDRIVABLE", None),
    }
}

fn describe_record(record: &ExecutionRecord, include_data: bool) -> Value {
    let mut out = json!({
        "executionArn": record.execution_arn,
        "stateMachineArn": record.state_machine_arn,
        "name": record.name,
        "status": record.status,
        "startDate": timestamp(record.start_ms),
        "inputDetails": {"included": include_data},
        "redriveCount": record.redrive_count,
    });
    if include_data {
        out["input"] = record.input.clone().into();
    }
    if let Some(ms) = record.stop_ms {
        out["stopDate"] = timestamp(ms);
    }
    if let Some(output) = &record.output {
        if include_data {
            out["output"] = output.clone().into();
        }
        out["outputDetails"] = json!({"included": include_data});
    }
    if let Some(e) = &record.error {
        out["error"] = e.clone().into();
    }
    if let Some(c) = &record.cause {
        out["cause"] = c.clone().into();
    }
    if let Some(v) = &record.version_arn {
        out["stateMachineVersionArn"] = v.clone().into();
    }
    if let Some(a) = &record.alias_arn {
        out["stateMachineAliasArn"] = a.clone().into();
    }
    if let Some(t) = &record.trace_header {
        out["traceHeader"] = t.clone().into();
    }
    if let Some(ms) = record.redrive_ms {
        out["redriveDate"] = timestamp(ms);
    }
    let (status, reason) = redrive_status(record);
    out["redriveStatus"] = status.into();
    if let Some(reason) = reason {
        out["redriveStatusReason"] = reason.into();
    }
    out
}

pub(crate) fn describe(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("executionArn")?;
    let record = find(api, arn)?;
    Ok(describe_record(&record, true))
}

pub(crate) async fn stop(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("executionArn")?;
    let record = find(api, arn)?;
    let stop = Stop {
        error: request.opt_str("error")?.map(str::to_owned),
        cause: request.opt_str("cause")?.map(str::to_owned),
    };
    match api.engine.stop(arn, stop).await {
        Some(ended) => Ok(json!({"stopDate": timestamp(ended.stop_ms.unwrap_or_else(now_ms))})),
        // Already ended: AWS answers with the time it stopped.
        None => Ok(json!({"stopDate": timestamp(record.stop_ms.unwrap_or_else(now_ms))})),
    }
}

pub(crate) fn list(api: &Api, request: &Request) -> ApiResult<Value> {
    let machine = match (request.opt_str("stateMachineArn")?, request.opt_str("mapRunArn")?) {
        (Some(arn), _) => arn.to_owned(),
        (None, Some(map_run)) => return crate::map_runs::list_executions(api, map_run, request),
        (None, None) => return Err(ApiError::validation("Must provide a StateMachine ARN or MapRun ARN")),
    };
    let parsed = parse_arn(&machine)?;
    if parsed.kind != "stateMachine" {
        return Err(ApiError::invalid_arn(&machine));
    }
    let status = match request.opt_str("statusFilter")? {
        None => None,
        Some(text) => Some(text.parse::<ExecutionStatus>().map_err(|_| {
            let names: Vec<&str> = ExecutionStatus::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::constraint(
                &format!("'{text}'"),
                "statusFilter",
                &format!("Member must satisfy enum value set: [{}]", names.join(", ")),
            )
        })?),
    };
    // The machine (or version/alias) must exist.
    if parsed.rest.len() == 2 && !parsed.rest[1].chars().all(|c| c.is_ascii_digit()) {
        find_alias(api, &machine)?.ok_or_else(|| {
            ApiError::new(
                ErrorCode::ResourceNotFound,
                "Request references a resource that does not exist.",
            )
        })?;
    } else {
        let record = find_machine(api, &machine)?;
        if record.is_express() {
            return Err(ApiError::new(
                ErrorCode::StateMachineTypeNotSupported,
                "This operation is not supported by this type of state machine",
            ));
        }
    }
    let limit = request.max_results()?;
    let scope = format!("executions|{machine}");
    // Keyset paging: the token names the last row of the page before, `(start ms, ARN)`, so
    // a page costs the same however deep it is.
    let after = match request.opt_str("nextToken")? {
        None => None,
        Some(token) => Some(decode_after(&api.page_tokens.decode(&scope, token)?).ok_or_else(ApiError::invalid_token)?),
    };
    let query = ExecutionQuery {
        machine: machine.clone(),
        status,
        after,
        limit: limit + 1,
    };
    let rows = api.engine.store().executions(&query)?;
    let page: Vec<_> = rows.iter().take(limit).collect();
    let mut list = Vec::new();
    for row in &page {
        let Some(r) = ExecutionRecord::from_row(row) else {
            continue;
        };
        let mut item = json!({
            "executionArn": r.execution_arn,
            "stateMachineArn": r.state_machine_arn,
            "name": r.name,
            "status": r.status,
            "startDate": timestamp(r.start_ms),
            "redriveCount": r.redrive_count,
        });
        if let Some(ms) = r.stop_ms {
            item["stopDate"] = timestamp(ms);
        }
        if let Some(v) = &r.version_arn {
            item["stateMachineVersionArn"] = v.clone().into();
        }
        if let Some(a) = &r.alias_arn {
            item["stateMachineAliasArn"] = a.clone().into();
        }
        if let Some(ms) = r.redrive_ms {
            item["redriveDate"] = timestamp(ms);
        }
        list.push(item);
    }
    let mut out = json!({ "executions": list });
    if let Some(last) = page.last().filter(|_| rows.len() > limit) {
        out["nextToken"] = api
            .page_tokens
            .encode(&scope, &format!("{}|{}", last.start_ms, last.arn))
            .into();
    }
    Ok(out)
}

pub(crate) fn history(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("executionArn")?;
    let record = find(api, arn)?;
    if record.express {
        return Err(ApiError::new(
            ErrorCode::StateMachineTypeNotSupported,
            "This operation is not supported by this type of state machine",
        ));
    }
    let reverse = request.bool("reverseOrder")?.unwrap_or(false);
    let include_data = request.bool("includeExecutionData")?.unwrap_or(true);
    let limit = request.max_results()?;
    let scope = format!("history|{arn}|{reverse}");
    let after = match request.opt_str("nextToken")? {
        None => None,
        Some(token) => Some(api.page_tokens.decode_index(&scope, token)? as u64),
    };
    let rows = api.engine.store().events(arn, after, reverse, limit + 1)?;
    let more = rows.len() > limit;
    let mut events = Vec::with_capacity(rows.len().min(limit));
    for (_, body) in rows.iter().take(limit) {
        let mut event: Value = serde_json::from_str(body).map_err(ApiError::internal)?;
        if !include_data {
            strip_data(&mut event);
        }
        events.push(event);
    }
    let mut out = json!({ "events": events });
    if more {
        let last = rows[limit - 1].0;
        out["nextToken"] = api.page_tokens.encode(&scope, &last.to_string()).into();
    }
    Ok(out)
}

/// The `(start ms, ARN)` a ListExecutions token's position names.
fn decode_after(position: &str) -> Option<(i64, String)> {
    let (start_ms, arn) = position.split_once('|')?;
    Some((start_ms.parse().ok()?, arn.to_owned()))
}

/// `includeExecutionData: false`: payloads are left out and marked as not included.
fn strip_data(event: &mut Value) {
    let Some(map) = event.as_object_mut() else { return };
    for (key, details) in map.iter_mut() {
        if !key.ends_with("EventDetails") {
            continue;
        }
        let Some(details) = details.as_object_mut() else {
            continue;
        };
        for field in ["input", "output", "parameters"] {
            if details.remove(field).is_some() {
                details.insert(format!("{field}Details"), json!({"included": false}));
            }
        }
    }
}

pub(crate) async fn redrive(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("executionArn")?;
    let record = find(api, arn)?;
    let (status, reason) = redrive_status(&record);
    if status != "REDRIVABLE" {
        return Err(ApiError::new(
            ErrorCode::ExecutionNotRedrivable,
            format!("Execution Not Redrivable: '{}'", reason.unwrap_or_default()),
        ));
    }
    let redrive_ms = api.engine.redrive(record).await?;
    Ok(json!({"redriveDate": timestamp(redrive_ms)}))
}
