//! Tokens handed to clients and taken back: task tokens (`$$.Task.Token`, GetActivityTask)
//! and, through [`seal`]/[`open`], the API's paging tokens.
//!
//! A token is `base64url(payload ‖ tag)`, where the tag is HMAC-SHA256 over a purpose label
//! and the payload, keyed with the store's secret ([`store::Store::secret`]). So a token
//! cannot be made up or altered: one that was not issued by this store fails [`open`]. The
//! secret lives in the store, so tokens stay valid across restarts, and a token is a pure
//! function of the secret and what it names: a task attempt re-run after a restart is given
//! (and waits for) the same token.
//!
//! Tokens are opaque by contract, not secret: a task token carries its execution's ARN, the
//! event that entered the task and the attempt number in the clear (inside the base64),
//! which is what the API needs to route an answer and to tell an expired task
//! (`TaskTimedOut`) from a forged token (`InvalidToken`) without a lookup table. Whoever
//! holds a task token may answer it, as on AWS.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2_hmac::Sha256>;

/// Bytes of the tag kept in a token (of HMAC-SHA256's 32): forging one takes 2^128 tries.
const TAG_BYTES: usize = 16;

/// The version byte that starts every task token's payload.
const TASK_TOKEN_V1: u8 = 1;

/// The key tokens are authenticated with (the store's secret).
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(..)")
    }
}

impl TokenKey {
    pub fn new(secret: [u8; 32]) -> TokenKey {
        TokenKey(secret)
    }

    /// A fixed key for runs that no client can answer (`switchyard run`, which has no API):
    /// their tokens only need to be stable, not unforgeable.
    pub fn unanswerable() -> TokenKey {
        TokenKey([0; 32])
    }

    fn tag(&self, purpose: &str, payload: &[u8]) -> HmacSha256 {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        // The label and its length first: a token of one purpose never opens as another.
        mac.update(&(purpose.len() as u64).to_be_bytes());
        mac.update(purpose.as_bytes());
        mac.update(payload);
        mac
    }
}

/// `payload`, authenticated for `purpose`, as URL-safe text.
pub fn seal(key: &TokenKey, purpose: &str, payload: &[u8]) -> String {
    let tag = key.tag(purpose, payload).finalize().into_bytes();
    let mut bytes = Vec::with_capacity(payload.len() + TAG_BYTES);
    bytes.extend_from_slice(payload);
    bytes.extend_from_slice(&tag[..TAG_BYTES]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The payload of a token [`seal`]ed with `key` for `purpose`, or `None` for anything else
/// (altered, made up, sealed for another purpose or with another key).
pub fn open(key: &TokenKey, purpose: &str, token: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let split = bytes.len().checked_sub(TAG_BYTES)?;
    let (payload, tag) = bytes.split_at(split);
    // `verify_truncated_left` compares in constant time.
    key.tag(purpose, payload).verify_truncated_left(tag).ok()?;
    Some(payload.to_vec())
}

/// What a task token names: attempt `attempt` of the task entered at event `entered_event`
/// of an execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRef {
    pub execution_arn: String,
    pub entered_event: u64,
    pub attempt: u64,
}

const TASK_PURPOSE: &str = "task-token";

/// The token of a task attempt.
pub fn encode(key: &TokenKey, task: &TaskRef) -> String {
    let mut payload = Vec::with_capacity(17 + task.execution_arn.len());
    payload.push(TASK_TOKEN_V1);
    payload.extend_from_slice(&task.entered_event.to_be_bytes());
    payload.extend_from_slice(&task.attempt.to_be_bytes());
    payload.extend_from_slice(task.execution_arn.as_bytes());
    seal(key, TASK_PURPOSE, &payload)
}

/// The task a token names, or `None` if `key` did not issue it.
pub fn decode(key: &TokenKey, token: &str) -> Option<TaskRef> {
    // AWS's limit on a task token; also bounds the work spent on a hostile one.
    if token.len() > 2048 {
        return None;
    }
    let payload = open(key, TASK_PURPOSE, token)?;
    let (&version, rest) = payload.split_first()?;
    if version != TASK_TOKEN_V1 || rest.len() < 16 {
        return None;
    }
    let (numbers, arn) = rest.split_at(16);
    Some(TaskRef {
        execution_arn: String::from_utf8(arn.to_vec()).ok()?,
        entered_event: u64::from_be_bytes(numbers[..8].try_into().ok()?),
        attempt: u64::from_be_bytes(numbers[8..].try_into().ok()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> TaskRef {
        TaskRef {
            execution_arn: "arn:aws:states:us-east-1:123456789012:execution:m:e#1".into(),
            entered_event: 7,
            attempt: 2,
        }
    }

    #[test]
    fn a_token_names_its_task_and_is_the_same_each_time() {
        let key = TokenKey::new([9; 32]);
        let token = encode(&key, &task());
        assert_eq!(decode(&key, &token), Some(task()));
        assert_eq!(encode(&key, &task()), token, "deterministic per task attempt and key");
        assert!(!token.contains("arn:"), "not readable as text: {token}");
    }

    #[test]
    fn tokens_not_issued_by_the_key_are_refused() {
        let key = TokenKey::new([9; 32]);
        let token = encode(&key, &task());
        assert_eq!(decode(&TokenKey::new([8; 32]), &token), None, "another store's key");
        // Every single-character change of the token is caught.
        for i in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(bytes).expect("ascii");
            assert_eq!(decode(&key, &altered), None, "altered at {i}");
        }
        for forged in ["", "not a token", "AAAA", &"A".repeat(3000)] {
            assert_eq!(decode(&key, forged), None, "{forged:?}");
        }
        // A paging token (another purpose) is no task token, even with the same key.
        let page = seal(&key, "page", &[1; 40]);
        assert_eq!(decode(&key, &page), None);
        assert_eq!(open(&key, "page", &page), Some(vec![1; 40]));
    }
}
