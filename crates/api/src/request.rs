//! Reading request members with AWS's validation messages, and the shared rules for
//! names, ARNs, paging and timestamps.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// A decoded request body.
pub struct Request(pub Map<String, Value>);

impl Request {
    pub fn parse(body: &[u8]) -> ApiResult<Request> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Request(Map::new()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Request(map)),
            _ => Err(ApiError::new(
                "SerializationException",
                "Start of structure or map found where not expected",
            )),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub fn str(&self, key: &str) -> ApiResult<&str> {
        self.opt_str(key)?.ok_or_else(|| ApiError::missing(key))
    }

    pub fn opt_str(&self, key: &str) -> ApiResult<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ApiError::new(
                "SerializationException",
                format!("Expected a string for '{key}'"),
            )),
        }
    }

    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::new(
                "SerializationException",
                format!("Expected a boolean for '{key}'"),
            )),
        }
    }

    pub fn i64(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::new("SerializationException", format!("Expected a number for '{key}'"))),
        }
    }

    /// `maxResults`: 0 (or absent) means the default of 100; AWS allows up to 1000.
    pub fn max_results(&self) -> ApiResult<usize> {
        match self.i64("maxResults")? {
            None | Some(0) => Ok(100),
            Some(n) if (1..=1000).contains(&n) => Ok(n as usize),
            Some(n) => Err(ApiError::constraint(
                &format!("'{n}'"),
                "maxResults",
                "Member must have value less than or equal to 1000",
            )),
        }
    }
}

/// AWS's rule for resource names (state machines, executions, activities, aliases):
/// 1-80 characters, none of whitespace, `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`
/// or control characters.
pub(crate) fn valid_name(name: &str, max: usize) -> bool {
    let length = name.chars().count();
    (1..=max).contains(&length)
        && !name.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        })
}

/// The parts of a Step Functions ARN that requests are checked on:
/// `arn:<partition>:states:<region>:<account>:<kind>:<rest>`.
pub(crate) struct Arn<'a> {
    pub kind: &'a str,
    pub rest: Vec<&'a str>,
}

pub(crate) fn parse_arn(arn: &str) -> ApiResult<Arn<'_>> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7 || parts[0] != "arn" || parts[2] != "states" || parts[1].is_empty() {
        return Err(ApiError::invalid_arn(arn));
    }
    Ok(Arn {
        kind: parts[5],
        rest: parts[6..].to_vec(),
    })
}

/// Epoch milliseconds as AWS JSON's timestamp (seconds with a fraction).
pub(crate) fn timestamp(ms: i64) -> Value {
    Value::from(ms as f64 / 1000.0)
}

pub(crate) fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Page through `items` with an opaque token: the index of the next item, checked against
/// `scope` so a token of one listing is refused by another.
pub(crate) fn page<T: Clone>(items: &[T], request: &Request, scope: &str) -> ApiResult<(Vec<T>, Option<String>)> {
    let limit = request.max_results()?;
    let start = match request.opt_str("nextToken")? {
        None => 0,
        Some(token) => {
            decode_token(token, scope).ok_or_else(|| ApiError::new("InvalidToken", "Invalid Token: 'Invalid token'"))?
        }
    };
    let end = (start + limit).min(items.len());
    let slice = items.get(start..end).unwrap_or_default().to_vec();
    let next = (end < items.len()).then(|| encode_token(end, scope));
    Ok((slice, next))
}

pub(crate) fn encode_token(position: usize, scope: &str) -> String {
    engine::token::to_hex(&format!("{position}|{scope}"))
}

pub(crate) fn decode_token(token: &str, scope: &str) -> Option<usize> {
    let plain = engine::token::from_hex(token)?;
    let (position, token_scope) = plain.split_once('|')?;
    (token_scope == scope).then(|| position.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        assert!(valid_name("state.machine_1-x", 80));
        assert!(!valid_name("", 80));
        assert!(!valid_name(&"a".repeat(81), 80));
        for bad in ["a b", "a:b", "a/b", "a\u{7f}", "a*", "a\u{85}"] {
            assert!(!valid_name(bad, 80), "{bad:?}");
        }
    }

    #[test]
    fn tokens_belong_to_one_listing() {
        let token = encode_token(5, "machines");
        assert_eq!(decode_token(&token, "machines"), Some(5));
        assert_eq!(decode_token(&token, "activities"), None);
        assert_eq!(decode_token("zz", "machines"), None);
    }
}
