//! State machines, their versions and aliases.
//!
//! A state machine's record holds its current definition and the number its next version
//! gets; versions are immutable snapshots (`<machine arn>:<n>`); aliases
//! (`<machine arn>:<name>`) route executions to one or two versions by weight.

use std::sync::Arc;

use asl::definition::StateMachine;
use asl::loader::MachineType;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use store::{Kind, Resource, Write};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::request::{now_ms, page, parse_arn, timestamp, valid_name, Request};
use crate::Api;

/// A state machine as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MachineRecord {
    pub name: String,
    pub arn: String,
    pub definition: String,
    pub definition_hash: String,
    pub role_arn: String,
    #[serde(rename = "type")]
    pub machine_type: String,
    pub creation_ms: i64,
    pub logging_configuration: Value,
    pub tracing_configuration: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<Value>,
    /// The number the next published version gets.
    pub next_version: u64,
    /// For a version: its number and the machine it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_arn: Option<String>,
}

impl MachineRecord {
    fn resource(&self) -> Resource {
        Resource {
            arn: self.arn.clone(),
            kind: if self.version.is_some() {
                Kind::Version
            } else {
                Kind::StateMachine
            },
            parent: self.machine_arn.clone(),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    pub(crate) fn is_express(&self) -> bool {
        self.machine_type == "EXPRESS"
    }
}

/// An alias as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AliasRecord {
    pub arn: String,
    pub name: String,
    pub machine_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub routing: Vec<Route>,
    pub creation_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Route {
    pub state_machine_version_arn: String,
    pub weight: u64,
}

impl AliasRecord {
    fn resource(&self) -> Resource {
        Resource {
            arn: self.arn.clone(),
            kind: Kind::Alias,
            parent: Some(self.machine_arn.clone()),
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

fn does_not_exist(arn: &str) -> ApiError {
    ApiError::new(
        ErrorCode::StateMachineDoesNotExist,
        format!("State Machine Does Not Exist: '{arn}'"),
    )
}

fn decode<T: for<'de> Deserialize<'de>>(resource: &Resource) -> ApiResult<T> {
    serde_json::from_str(&resource.body).map_err(ApiError::internal)
}

/// The state machine or version at `arn` (which must be a state machine ARN).
pub(crate) fn find_machine(api: &Api, arn: &str) -> ApiResult<MachineRecord> {
    let parsed = parse_arn(arn)?;
    if parsed.kind != "stateMachine" {
        return Err(ApiError::invalid_arn(arn));
    }
    match api.engine.store().resource(arn)? {
        Some(r) if matches!(r.kind, Kind::StateMachine | Kind::Version) => decode(&r),
        _ => Err(does_not_exist(arn)),
    }
}

pub(crate) fn find_alias(api: &Api, arn: &str) -> ApiResult<Option<AliasRecord>> {
    match api.engine.store().resource(arn)? {
        Some(r) if r.kind == Kind::Alias => decode(&r).map(Some),
        _ => Ok(None),
    }
}

fn machine_type(request: &Request) -> ApiResult<(String, MachineType)> {
    match request.opt_str("type")?.unwrap_or("STANDARD") {
        "STANDARD" => Ok(("STANDARD".into(), MachineType::Standard)),
        "EXPRESS" => Ok(("EXPRESS".into(), MachineType::Express)),
        other => Err(ApiError::constraint(
            &format!("'{other}'"),
            "type",
            "Member must satisfy enum value set: [STANDARD, EXPRESS]",
        )),
    }
}

/// Validate a definition as CreateStateMachine does, with AWS's `InvalidDefinition` text.
pub(crate) fn load_definition(text: &str, machine_type: MachineType) -> ApiResult<StateMachine> {
    asl::loader::load_json(text, machine_type).map_err(|diagnostics| {
        if let Some(label) = diagnostics
            .iter()
            .find(|d| d.code == asl::loader::codes::INVALID_LABEL_NAME)
        {
            return label_error(&label.message, text);
        }
        invalid_definition(&diagnostics)
    })
}

/// AWS's `InvalidDefinition` error, listing the errors among the diagnostics.
pub(crate) fn invalid_definition(diagnostics: &[asl::loader::Diagnostic]) -> ApiError {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == asl::loader::Severity::Error)
        .map(|d| {
            if d.location.is_empty() {
                format!("{}: {}", d.code, d.message)
            } else {
                format!("{}: {} at {}", d.code, d.message, d.location)
            }
        })
        .collect();
    ApiError::new(
        ErrorCode::InvalidDefinition,
        format!("Invalid State Machine Definition: '{}'", errors.join(", ")),
    )
}

/// The `InvalidDefinition` error for a bad Map `Label`. This is the recorded AWS response
/// (map-run-api cases `test_map_state_label_*`), byte for byte: a Python exception rendering,
/// `Error=ValueError Args=[<repr of the message>] in definition '<definition as sent>'.`,
/// unlike every other definition error.
fn label_error(message: &str, definition: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidDefinition,
        format!(
            "Error=ValueError Args=[{}] in definition '{definition}'.",
            asl::loader::python_repr(message)
        ),
    )
}

fn logging_configuration(request: &Request) -> ApiResult<Value> {
    let Some(config) = request.get("loggingConfiguration") else {
        return Ok(json!({"level": "OFF", "includeExecutionData": false}));
    };
    let level = config.get("level").and_then(Value::as_str).unwrap_or("OFF");
    if !["OFF", "ALL", "ERROR", "FATAL"].contains(&level) {
        return Err(ApiError::constraint(
            &format!("'{level}'"),
            "loggingConfiguration.level",
            "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
        ));
    }
    let destinations = config.get("destinations").and_then(Value::as_array).map_or(0, Vec::len);
    if level != "OFF" && destinations != 1 {
        return Err(ApiError::new(
            ErrorCode::InvalidLoggingConfiguration,
            "Invalid Logging Configuration: Must specify exactly one Log Destination.",
        ));
    }
    let mut out = Map::new();
    out.insert("level".into(), level.into());
    out.insert(
        "includeExecutionData".into(),
        config
            .get("includeExecutionData")
            .cloned()
            .unwrap_or(Value::Bool(false)),
    );
    // The destinations are echoed as given, an empty list included (recorded:
    // logging test_incomplete_logging_configuration).
    if let Some(d) = config.get("destinations") {
        out.insert("destinations".into(), d.clone());
    }
    Ok(Value::Object(out))
}

fn role_arn(request: &Request) -> ApiResult<Option<String>> {
    match request.opt_str("roleArn")? {
        Some(arn) if !arn.starts_with("arn:") => Err(ApiError::invalid_arn(arn)),
        other => Ok(other.map(str::to_owned)),
    }
}

fn description(request: &Request, key: &str) -> ApiResult<Option<String>> {
    match request.opt_str(key)? {
        Some(d) if d.chars().count() > 256 => Err(ApiError::constraint(
            "'...'",
            key,
            "Member must have length less than or equal to 256",
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

fn cache(api: &Api, record: &MachineRecord, machine: StateMachine) {
    api.engine.cache_machine(&record.definition_hash, Arc::new(machine));
}

/// A request's `definition`, within the size AWS allows (1 MB, `--max-definition-bytes`).
pub(crate) fn definition<'r>(api: &Api, request: &'r Request) -> ApiResult<Option<&'r str>> {
    let definition = request.opt_str("definition")?;
    match definition {
        Some(d) if d.len() > api.config.max_definition_bytes => {
            Err(ApiError::too_long("definition", api.config.max_definition_bytes))
        }
        _ => Ok(definition),
    }
}

pub(crate) async fn create(api: &Api, request: &Request) -> ApiResult<Value> {
    let name = request.str("name")?;
    let definition = definition(api, request)?.ok_or_else(|| ApiError::missing("definition"))?;
    let role = role_arn(request)?.ok_or_else(|| ApiError::missing("roleArn"))?;
    if !valid_name(name, 80) {
        return Err(ApiError::invalid_name(name));
    }
    let (type_name, machine_type) = machine_type(request)?;
    let logging = logging_configuration(request)?;
    let machine = load_definition(definition, machine_type)?;
    let publish = request.bool("publish")?.unwrap_or(false);
    let arn = format!("{}stateMachine:{name}", api.arn_prefix());
    let hash = engine::service::definition_hash(definition);
    if let Some(existing) = api.engine.store().resource(&arn)? {
        let existing: MachineRecord = decode(&existing)?;
        // Creating the same machine again is idempotent; anything else conflicts.
        if existing.definition == definition && existing.role_arn == role && existing.machine_type == type_name {
            let mut out = json!({
                "stateMachineArn": arn,
                "creationDate": timestamp(existing.creation_ms),
            });
            if publish && existing.next_version > 1 {
                out["stateMachineVersionArn"] = format!("{arn}:{}", existing.next_version - 1).into();
            }
            return Ok(out);
        }
        return Err(ApiError::new(
            ErrorCode::StateMachineAlreadyExists,
            format!("State Machine Already Exists: '{arn}'"),
        ));
    }
    let now = now_ms();
    let mut record = MachineRecord {
        name: name.to_owned(),
        arn: arn.clone(),
        definition: definition.to_owned(),
        definition_hash: hash.clone(),
        role_arn: role,
        machine_type: type_name,
        creation_ms: now,
        logging_configuration: logging,
        tracing_configuration: request
            .get("tracingConfiguration")
            .cloned()
            .unwrap_or(json!({"enabled": false})),
        description: None,
        revision_id: None,
        encryption_configuration: request.get("encryptionConfiguration").cloned(),
        next_version: 1,
        version: None,
        machine_arn: None,
    };
    let mut writes = vec![Write::PutDefinition {
        hash,
        text: definition.to_owned(),
    }];
    let mut out = json!({"stateMachineArn": arn, "creationDate": timestamp(now)});
    if publish {
        let version = snapshot(&mut record, description(request, "versionDescription")?, now);
        out["stateMachineVersionArn"] = version.arn.clone().into();
        writes.push(Write::PutResource(version.resource()));
    }
    writes.push(Write::PutResource(record.resource()));
    if let Some(tags) = request.get("tags") {
        writes.push(crate::tags::initial_tags(&arn, tags)?);
    }
    api.engine.store().commit(writes).await?;
    cache(api, &record, machine);
    Ok(out)
}

/// A new version of `record` (and the machine's next version number moves on).
fn snapshot(record: &mut MachineRecord, description: Option<String>, now: i64) -> MachineRecord {
    let number = record.next_version;
    record.next_version += 1;
    MachineRecord {
        arn: format!("{}:{number}", record.arn),
        description,
        creation_ms: now,
        version: Some(number),
        machine_arn: Some(record.arn.clone()),
        ..record.clone()
    }
}

fn describe_record(record: &MachineRecord) -> Value {
    let mut out = json!({
        "stateMachineArn": record.arn,
        "name": record.name,
        "status": "ACTIVE",
        "definition": record.definition,
        "roleArn": record.role_arn,
        "type": record.machine_type,
        "creationDate": timestamp(record.creation_ms),
        "loggingConfiguration": record.logging_configuration,
        "tracingConfiguration": record.tracing_configuration,
    });
    if let Some(r) = &record.revision_id {
        out["revisionId"] = r.clone().into();
    }
    if let Some(d) = &record.description {
        out["description"] = d.clone().into();
    }
    out["encryptionConfiguration"] = encryption(record.encryption_configuration.as_ref());
    if let Some(references) = crate::references::variable_references(&record.definition) {
        out["variableReferences"] = references;
    }
    out
}

/// A machine's encryption settings: as given, or AWS's default. AWS has answered with the
/// default since it added customer managed keys (July 2024); recordings made before that
/// show no `encryptionConfiguration` at all.
fn encryption(configured: Option<&Value>) -> Value {
    configured.cloned().unwrap_or_else(|| json!({"type": "AWS_OWNED_KEY"}))
}

pub(crate) fn describe(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineArn")?;
    Ok(describe_record(&find_machine(api, arn)?))
}

pub(crate) fn describe_for_execution(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("executionArn")?;
    let record = crate::executions::find(api, arn)?;
    // The settings come from the version the execution ran, if it ran one; the ARN shown is
    // the state machine's own even then (recorded: versioning
    // test_describe_state_machine_for_execution_of_version shows no `:<version>` suffix).
    let ran = record.version_arn.as_deref().unwrap_or(&record.state_machine_arn);
    let definition = api
        .engine
        .store()
        .definition(&record.definition_hash)?
        .unwrap_or_default();
    let current = find_machine(api, ran).ok();
    let mut out = json!({
        "stateMachineArn": record.state_machine_arn,
        "name": record.state_machine_name,
        "definition": definition,
        "roleArn": record.role_arn,
        "updateDate": timestamp(record.start_ms),
        "loggingConfiguration": current.as_ref().map_or(json!({"level": "OFF", "includeExecutionData": false}), |c| c.logging_configuration.clone()),
        "tracingConfiguration": current.as_ref().map_or(json!({"enabled": false}), |c| c.tracing_configuration.clone()),
    });
    out["encryptionConfiguration"] = encryption(current.as_ref().and_then(|c| c.encryption_configuration.as_ref()));
    if let Some(references) = crate::references::variable_references(&definition) {
        out["variableReferences"] = references;
    }
    // `current` is the version the execution ran when it ran one, so its revision is the
    // one reported (recorded: versioning
    // test_describe_state_machine_for_execution_of_version_with_revision).
    if let Some(revision) = current.and_then(|c| c.revision_id) {
        out["revisionId"] = revision.into();
    }
    Ok(out)
}

pub(crate) async fn update(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineArn")?;
    let parsed = parse_arn(arn)?;
    if parsed.kind != "stateMachine" {
        return Err(ApiError::invalid_arn(arn));
    }
    // A version (or alias) ARN is well formed but names no state machine that can be updated:
    // AWS answers StateMachineDoesNotExist (recorded: versioning test_update_state_machine).
    if parsed.rest.len() != 1 {
        return Err(does_not_exist(arn));
    }
    let mut record = find_machine(api, arn)?;
    let definition = definition(api, request)?;
    let role = role_arn(request)?;
    let logging = match request.get("loggingConfiguration") {
        Some(_) => Some(logging_configuration(request)?),
        None => None,
    };
    let publish = request.bool("publish")?.unwrap_or(false);
    if definition.is_none()
        && role.is_none()
        && logging.is_none()
        && request.get("tracingConfiguration").is_none()
        && !publish
    {
        return Err(ApiError::new(
            ErrorCode::MissingRequiredParameter,
            "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified",
        ));
    }
    let machine_type = if record.is_express() {
        MachineType::Express
    } else {
        MachineType::Standard
    };
    let mut writes = Vec::new();
    let mut parsed_machine = None;
    let mut changed = false;
    if let Some(definition) = definition {
        let machine = load_definition(definition, machine_type)?;
        if definition != record.definition {
            changed = true;
            record.definition = definition.to_owned();
            record.definition_hash = engine::service::definition_hash(definition);
            writes.push(Write::PutDefinition {
                hash: record.definition_hash.clone(),
                text: definition.to_owned(),
            });
        }
        parsed_machine = Some(machine);
    }
    if let Some(role) = role {
        changed |= role != record.role_arn;
        record.role_arn = role;
    }
    if let Some(logging) = logging {
        record.logging_configuration = logging;
    }
    if let Some(tracing) = request.get("tracingConfiguration") {
        record.tracing_configuration = tracing.clone();
    }
    // A revision id exists only once an update has changed something: publishing an
    // unchanged machine creates no revision, and the response then carries no revisionId
    // (recorded: versioning test_empty_revision_with_publish_*).
    if changed {
        record.revision_id = Some(uuid::Uuid::new_v4().to_string());
    }
    let now = now_ms();
    let mut out = json!({"updateDate": timestamp(now)});
    if let Some(r) = &record.revision_id {
        out["revisionId"] = r.clone().into();
    }
    if publish {
        let latest = latest_version(api, &record)?;
        let version = match latest.filter(|v| v.revision_id == record.revision_id) {
            Some(v) => v,
            None => {
                let v = snapshot(&mut record, description(request, "versionDescription")?, now);
                writes.push(Write::PutResource(v.resource()));
                v
            }
        };
        out["stateMachineVersionArn"] = version.arn.into();
    }
    writes.push(Write::PutResource(record.resource()));
    api.engine.store().commit(writes).await?;
    if let Some(machine) = parsed_machine {
        cache(api, &record, machine);
    }
    Ok(out)
}

fn versions(api: &Api, machine_arn: &str) -> ApiResult<Vec<MachineRecord>> {
    api.engine
        .store()
        .resources(Kind::Version, Some(machine_arn))?
        .iter()
        .map(decode)
        .collect()
}

fn latest_version(api: &Api, record: &MachineRecord) -> ApiResult<Option<MachineRecord>> {
    Ok(versions(api, &record.arn)?.into_iter().max_by_key(|v| v.version))
}

pub(crate) async fn delete(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineArn")?;
    let parsed = parse_arn(arn)?;
    if parsed.kind != "stateMachine" {
        return Err(ApiError::invalid_arn(arn));
    }
    let store = api.engine.store();
    let mut writes = Vec::new();
    for kind in [Kind::Version, Kind::Alias] {
        for r in store.resources(kind, Some(arn))? {
            writes.push(Write::DeleteResource(r.arn));
        }
    }
    writes.push(Write::DeleteResource(arn.to_owned()));
    store.commit(writes).await?;
    Ok(json!({}))
}

pub(crate) fn list(api: &Api, request: &Request) -> ApiResult<Value> {
    let machines = api.engine.store().resources(Kind::StateMachine, None)?;
    let (items, next) = page(&api.page_tokens, &machines, request, "stateMachines")?;
    let mut list = Vec::new();
    for r in &items {
        let m: MachineRecord = decode(r)?;
        list.push(json!({
            "stateMachineArn": m.arn,
            "name": m.name,
            "type": m.machine_type,
            "creationDate": timestamp(m.creation_ms),
        }));
    }
    let mut out = json!({ "stateMachines": list });
    if let Some(next) = next {
        out["nextToken"] = next.into();
    }
    Ok(out)
}

pub(crate) fn validate(api: &Api, request: &Request) -> ApiResult<Value> {
    let definition = definition(api, request)?.ok_or_else(|| ApiError::missing("definition"))?;
    let (_, machine_type) = machine_type(request)?;
    let severity = request.opt_str("severity")?.unwrap_or("ERROR");
    let max = request.i64("maxResults")?.filter(|n| *n > 0).unwrap_or(100) as usize;
    let diagnostics: Vec<_> = asl::loader::diagnose_json(definition, machine_type)
        .into_iter()
        .filter(|d| severity == "WARNING" || d.severity == asl::loader::Severity::Error)
        .collect();
    let failed = diagnostics.iter().any(|d| d.severity == asl::loader::Severity::Error);
    let truncated = diagnostics.len() > max;
    let list: Vec<Value> = diagnostics
        .iter()
        .take(max)
        .map(|d| {
            let mut v = json!({"severity": d.severity.as_str(), "code": d.code, "message": d.message});
            if !d.location.is_empty() {
                v["location"] = d.location.clone().into();
            }
            v
        })
        .collect();
    Ok(json!({
        "result": if failed { "FAIL" } else { "OK" },
        "diagnostics": list,
        "truncated": truncated,
    }))
}

pub(crate) async fn publish_version(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineArn")?;
    let mut record = find_machine(api, arn)?;
    if record.version.is_some() {
        return Err(ApiError::invalid_arn(arn));
    }
    if let Some(expected) = request.opt_str("revisionId")? {
        if record.revision_id.as_deref() != Some(expected) {
            return Err(ApiError::new(
                ErrorCode::ConflictException,
                format!(
                    "Failed to publish the State Machine version for revision {expected}. The current State Machine revision is {}.",
                    record.revision_id.as_deref().unwrap_or("INITIAL")
                ),
            ));
        }
    }
    if let Some(latest) = latest_version(api, &record)?.filter(|v| v.revision_id == record.revision_id) {
        return Ok(json!({
            "stateMachineVersionArn": latest.arn,
            "creationDate": timestamp(latest.creation_ms),
        }));
    }
    let now = now_ms();
    let version = snapshot(&mut record, description(request, "description")?, now);
    api.engine
        .store()
        .commit(vec![
            Write::PutResource(version.resource()),
            Write::PutResource(record.resource()),
        ])
        .await?;
    Ok(json!({
        "stateMachineVersionArn": version.arn,
        "creationDate": timestamp(now),
    }))
}

pub(crate) fn list_versions(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineArn")?;
    find_machine(api, arn)?;
    let mut all = versions(api, arn)?;
    all.sort_by_key(|v| std::cmp::Reverse(v.version));
    let (items, next) = page(&api.page_tokens, &all, request, &format!("versions|{arn}"))?;
    let list: Vec<Value> = items
        .iter()
        .map(|v| json!({"stateMachineVersionArn": v.arn, "creationDate": timestamp(v.creation_ms)}))
        .collect();
    let mut out = json!({ "stateMachineVersions": list });
    if let Some(next) = next {
        out["nextToken"] = next.into();
    }
    Ok(out)
}

pub(crate) async fn delete_version(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineVersionArn")?;
    let parsed = parse_arn(arn)?;
    if parsed.kind != "stateMachine" || parsed.rest.len() != 2 {
        return Err(ApiError::invalid_arn(arn));
    }
    let machine_arn = arn.rsplit_once(':').map_or(arn, |(m, _)| m);
    let referencing: Vec<String> = aliases(api, machine_arn)?
        .into_iter()
        .filter(|a| a.routing.iter().any(|r| r.state_machine_version_arn == arn))
        .map(|a| a.name)
        .collect();
    if !referencing.is_empty() {
        return Err(ApiError::new(
            ErrorCode::ConflictException,
            format!(
                "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{}]",
                referencing.join(", ")
            ),
        ));
    }
    api.engine
        .store()
        .commit(vec![Write::DeleteResource(arn.to_owned())])
        .await?;
    Ok(json!({}))
}

fn aliases(api: &Api, machine_arn: &str) -> ApiResult<Vec<AliasRecord>> {
    api.engine
        .store()
        .resources(Kind::Alias, Some(machine_arn))?
        .iter()
        .map(decode)
        .collect()
}

/// Check a routing configuration as AWS does; returns it typed.
fn routing(api: &Api, machine_arn: &str, value: Option<&Value>) -> ApiResult<Vec<Route>> {
    let items = value
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::missing("routingConfiguration"))?;
    let mut routes = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let version = item
            .get("stateMachineVersionArn")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                ApiError::missing(&format!("routingConfiguration.{}.member.stateMachineVersionArn", i + 1))
            })?;
        let weight = item.get("weight").and_then(Value::as_i64).unwrap_or(-1);
        if weight > 100 {
            return Err(ApiError::constraint(
                &format!("'{weight}'"),
                &format!("routingConfiguration.{}.member.weight", i + 1),
                "Member must have value less than or equal to 100",
            ));
        }
        if weight < 0 {
            return Err(ApiError::constraint(
                &format!("'{weight}'"),
                &format!("routingConfiguration.{}.member.weight", i + 1),
                "Member must have value greater than or equal to 0",
            ));
        }
        routes.push(Route {
            state_machine_version_arn: version.to_owned(),
            weight: weight as u64,
        });
    }
    let arns: Vec<&str> = routes.iter().map(|r| r.state_machine_version_arn.as_str()).collect();
    if routes.is_empty() || routes.len() > 2 {
        let listed: Vec<String> = routes
            .iter()
            .map(|r| {
                format!(
                    "RoutingConfigurationListItem(stateMachineVersionArn={}, weight={})",
                    r.state_machine_version_arn, r.weight
                )
            })
            .collect();
        return Err(ApiError::constraint(
            &format!("'[{}]'", listed.join(", ")),
            "routingConfiguration",
            "Member must have length less than or equal to 2",
        ));
    }
    let received = format!("[{}]", arns.join(", "));
    if arns.iter().any(|a| {
        a.rsplit_once(':')
            .map(|(m, n)| m != machine_arn || n.parse::<u64>().is_err())
            .unwrap_or(true)
    }) {
        return Err(ApiError::validation(format!(
            "Routing configuration must contain state machine version ARNs. Received: {received}"
        )));
    }
    if arns.len() == 2 && arns[0] == arns[1] {
        return Err(ApiError::validation(format!(
            "Routing configuration must contain distinct state machine version ARNs. Received: {received}"
        )));
    }
    let sum: u64 = routes.iter().map(|r| r.weight).sum();
    if sum != 100 {
        let weights: Vec<String> = routes.iter().map(|r| r.weight.to_string()).collect();
        return Err(ApiError::validation(format!(
            "Sum of routing configuration weights must equal 100. Received: [{}]",
            weights.join(", ")
        )));
    }
    for arn in &arns {
        if api.engine.store().resource(arn)?.is_none() {
            return Err(ApiError::new(
                ErrorCode::ResourceNotFound,
                "Request references a resource that does not exist.",
            ));
        }
    }
    Ok(routes)
}

pub(crate) async fn create_alias(api: &Api, request: &Request) -> ApiResult<Value> {
    let name = request.str("name")?;
    let first = request
        .get("routingConfiguration")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|r| r.get("stateMachineVersionArn"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let machine_arn = first.rsplit_once(':').map_or(first, |(m, _)| m).to_owned();
    if !valid_name(name, 80) || name.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::invalid_name(name));
    }
    let routes = routing(api, &machine_arn, request.get("routingConfiguration"))?;
    let description = description(request, "description")?;
    let arn = format!("{machine_arn}:{name}");
    if let Some(existing) = find_alias(api, &arn)? {
        if existing.routing == routes && existing.description == description {
            return Ok(json!({"stateMachineAliasArn": arn, "creationDate": timestamp(existing.creation_ms)}));
        }
        return Err(ApiError::new(
            ErrorCode::ConflictException,
            "Failed to create alias because an alias with the same name and a different routing configuration already exists.",
        ));
    }
    let now = now_ms();
    let alias = AliasRecord {
        arn: arn.clone(),
        name: name.to_owned(),
        machine_arn,
        description,
        routing: routes,
        creation_ms: now,
        update_ms: None,
    };
    api.engine
        .store()
        .commit(vec![Write::PutResource(alias.resource())])
        .await?;
    Ok(json!({"stateMachineAliasArn": arn, "creationDate": timestamp(now)}))
}

fn alias_not_found() -> ApiError {
    ApiError::new(
        ErrorCode::ResourceNotFound,
        "Request references a resource that does not exist.",
    )
}

pub(crate) fn describe_alias(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineAliasArn")?;
    parse_arn(arn)?;
    let alias = find_alias(api, arn)?.ok_or_else(alias_not_found)?;
    let mut out = json!({
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": alias.routing,
        "creationDate": timestamp(alias.creation_ms),
    });
    if let Some(d) = alias.description {
        out["description"] = d.into();
    }
    if let Some(u) = alias.update_ms {
        out["updateDate"] = timestamp(u);
    }
    Ok(out)
}

pub(crate) async fn update_alias(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineAliasArn")?;
    parse_arn(arn)?;
    let mut alias = find_alias(api, arn)?.ok_or_else(alias_not_found)?;
    if request.get("routingConfiguration").is_some() {
        alias.routing = routing(api, &alias.machine_arn, request.get("routingConfiguration"))?;
    }
    if let Some(d) = description(request, "description")? {
        alias.description = Some(d);
    }
    let now = now_ms();
    alias.update_ms = Some(now);
    api.engine
        .store()
        .commit(vec![Write::PutResource(alias.resource())])
        .await?;
    Ok(json!({"updateDate": timestamp(now)}))
}

pub(crate) async fn delete_alias(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineAliasArn")?;
    parse_arn(arn)?;
    api.engine
        .store()
        .commit(vec![Write::DeleteResource(arn.to_owned())])
        .await?;
    Ok(json!({}))
}

pub(crate) fn list_aliases(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("stateMachineArn")?;
    find_machine(api, arn)?;
    let all = aliases(api, arn)?;
    let (items, next) = page(&api.page_tokens, &all, request, &format!("aliases|{arn}"))?;
    let list: Vec<Value> = items
        .iter()
        .map(|a| json!({"stateMachineAliasArn": a.arn, "creationDate": timestamp(a.creation_ms)}))
        .collect();
    let mut out = json!({ "stateMachineAliases": list });
    if let Some(next) = next {
        out["nextToken"] = next.into();
    }
    Ok(out)
}
