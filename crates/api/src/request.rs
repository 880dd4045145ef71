//! Reading request members with AWS's validation messages, and the shared rules for
//! names, ARNs, paging and timestamps.

use engine::token::TokenKey;
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, ErrorCode};

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
                ErrorCode::SerializationException,
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
                ErrorCode::SerializationException,
                format!("Expected a string for '{key}'"),
            )),
        }
    }

    pub fn bool(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::new(
                ErrorCode::SerializationException,
                format!("Expected a boolean for '{key}'"),
            )),
        }
    }

    pub fn i64(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::SerializationException,
                    format!("Expected a number for '{key}'"),
                )
            }),
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

/// Paging tokens (`nextToken`): a position in one listing, bound to that listing (`scope`)
/// and sealed with the store's secret (`engine::token::seal`), so a token that was altered,
/// made up, or taken from another listing is refused with `InvalidToken` instead of
/// starting the listing over.
pub(crate) struct PageTokens(TokenKey);

const PAGE_PURPOSE: &str = "page";

impl PageTokens {
    pub(crate) fn new(key: TokenKey) -> PageTokens {
        PageTokens(key)
    }

    pub(crate) fn encode(&self, scope: &str, position: &str) -> String {
        let payload = format!("{scope}\n{position}");
        engine::token::seal(&self.0, PAGE_PURPOSE, payload.as_bytes())
    }

    /// The position a token of this listing names.
    pub(crate) fn decode(&self, scope: &str, token: &str) -> ApiResult<String> {
        // AWS's limit on `nextToken`; also bounds the work spent on a hostile one.
        if token.len() > 1024 {
            return Err(ApiError::invalid_token());
        }
        let payload = engine::token::open(&self.0, PAGE_PURPOSE, token).ok_or_else(ApiError::invalid_token)?;
        let text = String::from_utf8(payload).map_err(|_| ApiError::invalid_token())?;
        match text.split_once('\n') {
            Some((token_scope, position)) if token_scope == scope => Ok(position.to_owned()),
            _ => Err(ApiError::invalid_token()),
        }
    }

    /// An index into a listing.
    pub(crate) fn decode_index(&self, scope: &str, token: &str) -> ApiResult<usize> {
        self.decode(scope, token)?
            .parse()
            .map_err(|_| ApiError::invalid_token())
    }
}

/// Page through `items` with a paging token that holds the index of the next item.
pub(crate) fn page<T: Clone>(
    tokens: &PageTokens,
    items: &[T],
    request: &Request,
    scope: &str,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let limit = request.max_results()?;
    let start = match request.opt_str("nextToken")? {
        None => 0,
        Some(token) => tokens.decode_index(scope, token)?,
    };
    let end = start.saturating_add(limit).min(items.len());
    let slice = items.get(start..end).unwrap_or_default().to_vec();
    let next = (end < items.len()).then(|| tokens.encode(scope, &end.to_string()));
    Ok((slice, next))
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
    fn tokens_belong_to_one_listing_of_one_store() {
        let tokens = PageTokens::new(TokenKey::new([3; 32]));
        let token = tokens.encode("machines", "5");
        assert_eq!(tokens.decode_index("machines", &token).ok(), Some(5));
        assert!(tokens.decode_index("activities", &token).is_err());
        assert!(tokens.decode_index("machines", "zz").is_err());
        let other = PageTokens::new(TokenKey::new([4; 32]));
        assert!(other.decode_index("machines", &token).is_err());
    }
}
