//! Tags on state machines and activities (TagResource, UntagResource, ListTagsForResource).

use serde_json::{json, Map, Value};
use store::{Kind, Write};

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::request::{parse_arn, Request};
use crate::Api;

/// AWS allows 50 tags per resource.
const MAX_TAGS: usize = 50;

fn not_found(arn: &str) -> ApiError {
    ApiError::new(ErrorCode::ResourceNotFound, format!("Resource not found: '{arn}'"))
}

/// Read a `tags` list (`[{"key", "value"}]`) into an ordered map.
fn read_tags(tags: &Value, into: &mut Map<String, Value>) -> ApiResult<()> {
    let list = tags
        .as_array()
        .ok_or_else(|| ApiError::validation("tags must be a list"))?;
    for (i, tag) in list.iter().enumerate() {
        let key = tag
            .get("key")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::missing(&format!("tags.{}.member.key", i + 1)))?;
        if key.is_empty() || key.chars().count() > 128 {
            return Err(ApiError::constraint(
                &format!("'{key}'"),
                &format!("tags.{}.member.key", i + 1),
                "Member must have length between 1 and 128",
            ));
        }
        let value = tag.get("value").and_then(Value::as_str).unwrap_or_default();
        into.insert(key.to_owned(), value.into());
    }
    if into.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorCode::TooManyTags,
            "Too many tags: a resource can have at most 50 tags",
        ));
    }
    Ok(())
}

/// The write that gives a new resource its tags.
pub(crate) fn initial_tags(arn: &str, tags: &Value) -> ApiResult<Write> {
    let mut map = Map::new();
    read_tags(tags, &mut map)?;
    Ok(Write::PutTags(arn.to_owned(), Some(Value::Object(map).to_string())))
}

/// The tags of a taggable resource (a state machine or an activity, not a version).
fn current(api: &Api, arn: &str) -> ApiResult<Map<String, Value>> {
    parse_arn(arn)?;
    match api.engine.store().resource(arn)? {
        Some(r) if matches!(r.kind, Kind::StateMachine | Kind::Activity) => {}
        _ => return Err(not_found(arn)),
    }
    Ok(match api.engine.store().tags(arn)? {
        Some(text) => serde_json::from_str(&text).map_err(ApiError::internal)?,
        None => Map::new(),
    })
}

pub(crate) async fn tag(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("resourceArn")?;
    let mut tags = current(api, arn)?;
    read_tags(request.get("tags").ok_or_else(|| ApiError::missing("tags"))?, &mut tags)?;
    api.engine
        .store()
        .commit(vec![Write::PutTags(
            arn.to_owned(),
            Some(Value::Object(tags).to_string()),
        )])
        .await?;
    Ok(json!({}))
}

pub(crate) async fn untag(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("resourceArn")?;
    let mut tags = current(api, arn)?;
    let keys = request
        .get("tagKeys")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::missing("tagKeys"))?;
    for key in keys {
        if let Some(k) = key.as_str() {
            tags.remove(k);
        }
    }
    api.engine
        .store()
        .commit(vec![Write::PutTags(
            arn.to_owned(),
            Some(Value::Object(tags).to_string()),
        )])
        .await?;
    Ok(json!({}))
}

pub(crate) fn list(api: &Api, request: &Request) -> ApiResult<Value> {
    let arn = request.str("resourceArn")?;
    let tags = current(api, arn)?;
    let list: Vec<Value> = tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect();
    Ok(json!({ "tags": list }))
}
