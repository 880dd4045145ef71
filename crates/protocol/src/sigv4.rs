//! Verifying AWS Signature Version 4 on incoming requests.
//!
//! [`verify`] rebuilds the canonical request from the request as received and the client's
//! own `SignedHeaders` list, then checks the signature with the configured secret of the
//! access key the request names. Both forms are read: the `Authorization` header, and the
//! query string (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
//! `X-Amz-SignedHeaders`, `X-Amz-Signature`, as presigned URLs carry).
//!
//! The signing key and the signature come from `aws-sigv4` ([`generate_signing_key`],
//! [`calculate_signature`]). The canonical request is built here: `aws-sigv4` signs an
//! outgoing request with the headers *it* chooses, while a verifier must sign exactly the
//! headers the client listed, with the client's values, which its signer cannot be told.
//! The rules are AWS's ("Create a canonical request for Signature Version 4"): header
//! values trimmed with inner runs of spaces folded and repeated headers joined by `,`;
//! query parameters decoded, re-encoded and sorted; the path normalized (no `.`/`..`
//! segments or repeated `/`) and encoded a second time, as for every service but S3.
//!
//! The payload hash is always that of the body received: a signature that leaves the body
//! out (`UNSIGNED-PAYLOAD`, S3's streaming modes) does not verify, since no operation here
//! takes a body it need not check.
//!
//! The clock skew AWS allows is five minutes either way ([`MAX_SKEW`]). A presigned request
//! is valid from five minutes before its date until its `X-Amz-Expires` has passed.
//!
//! Checked against AWS's published test suite in `tests/sigv4_suite.rs`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use sha2_hmac::{Digest, Sha256};

/// The clock skew AWS allows between a request's date and the server's clock.
pub const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// The longest validity a presigned request may ask for (AWS: 7 days).
const MAX_EXPIRES_SECONDS: i64 = 7 * 24 * 60 * 60;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Characters SigV4 leaves unencoded: `A-Z a-z 0-9 - . _ ~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
/// The same, keeping `/` (path segments).
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// One access key: who may sign, with what, for which account.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Key {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// The AWS account the key belongs to (absent: the server's account).
    #[serde(default)]
    pub account: Option<String>,
}

/// The configured access keys, by access key id.
#[derive(Clone, Debug, Default)]
pub struct Keys(HashMap<String, Key>);

/// A credentials file or setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    #[error("not a JSON list of {{\"accessKeyId\", \"secretAccessKey\", \"account\"}} objects: {0}")]
    Format(#[from] serde_json::Error),
    #[error("access key {0:?} is given twice")]
    Duplicate(String),
    #[error("an access key id and its secret must not be empty")]
    Empty,
}

impl Keys {
    pub fn new(keys: impl IntoIterator<Item = Key>) -> Result<Keys, KeysError> {
        let mut map = HashMap::new();
        for key in keys {
            if key.access_key_id.is_empty() || key.secret_access_key.is_empty() {
                return Err(KeysError::Empty);
            }
            let id = key.access_key_id.clone();
            if map.insert(id.clone(), key).is_some() {
                return Err(KeysError::Duplicate(id));
            }
        }
        Ok(Keys(map))
    }

    /// A credentials file: a JSON list of keys.
    pub fn parse(text: &str) -> Result<Vec<Key>, KeysError> {
        Ok(serde_json::from_str(text)?)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Key> {
        self.0.values()
    }
}

/// An incoming request, as the verifier needs it.
#[derive(Clone, Debug)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    /// The path as received (percent-encoded).
    pub path: &'a str,
    /// The query string as received, without `?`.
    pub query: &'a str,
    /// Every header, names in any case, repeated names repeated.
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: &'a [u8],
}

/// Why a request is refused, in AWS's terms.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No signature at all.
    #[error("Request is missing Authentication Token")]
    Missing,
    /// A signature that lacks a part or is not SigV4.
    #[error("{0}")]
    Incomplete(String),
    /// An access key id that is not configured.
    #[error("The security token included in the request is invalid.")]
    UnknownKey,
    /// The signature does not match the request.
    #[error("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")]
    Mismatch,
    /// The request's date is too far in the past (or its presigned validity has passed).
    #[error("Signature expired: {date} is now earlier than {earliest} ({now} - 5 min.)")]
    Expired {
        date: String,
        earliest: String,
        now: String,
    },
    /// The request's date is too far in the future.
    #[error("Signature not yet current: {date} is still later than {latest} ({now} + 5 min.)")]
    NotYetCurrent { date: String, latest: String, now: String },
    /// The credential scope names another date than the request's.
    #[error("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope}' != '{date}', from '{amz_date}'.")]
    ScopeDate {
        scope: String,
        date: String,
        amz_date: String,
    },
}

/// The parts of a signature, from either form.
struct Signature<'a> {
    access_key_id: &'a str,
    scope_date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
    amz_date: String,
    /// `X-Amz-Expires` of a presigned request.
    expires: Option<i64>,
    presigned: bool,
}

/// Verify `request`'s signature at time `now`: the key that signed it, or why it is refused.
pub fn verify<'k>(keys: &'k Keys, request: &HttpRequest<'_>, now: jiff::Timestamp) -> Result<&'k Key, AuthError> {
    let query = parse_query(request.query);
    let signature = read_signature(request, &query)?;
    let date = parse_amz_date(&signature.amz_date).ok_or_else(|| {
        AuthError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            signature.amz_date
        ))
    })?;
    if signature.scope_date != &signature.amz_date[..8] {
        return Err(AuthError::ScopeDate {
            scope: signature.scope_date.to_owned(),
            date: signature.amz_date[..8].to_owned(),
            amz_date: signature.amz_date.clone(),
        });
    }
    check_time(&signature, date, now)?;
    let key = keys.0.get(signature.access_key_id).ok_or(AuthError::UnknownKey)?;
    if !signature.signed_headers.contains(&"host") {
        return Err(AuthError::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let canonical = canonical_request(request, &query, &signature);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        signature.scope_date, signature.region, signature.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        signature.amz_date,
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(date.as_second().max(0) as u64);
    let signing_key = generate_signing_key(&key.secret_access_key, time, signature.region, signature.service);
    let expected = calculate_signature(signing_key, string_to_sign.as_bytes());
    if constant_time_eq(expected.as_bytes(), signature.signature.as_bytes()) {
        Ok(key)
    } else {
        Err(AuthError::Mismatch)
    }
}

fn header<'a>(request: &HttpRequest<'a>, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

fn read_signature<'a>(request: &HttpRequest<'a>, query: &'a [(String, String)]) -> Result<Signature<'a>, AuthError> {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if let Some(authorization) = header(request, "authorization") {
        let Some(fields) = authorization.trim().strip_prefix(ALGORITHM) else {
            return Err(AuthError::Incomplete(format!(
                "Unsupported Authorization Type: only {ALGORITHM} is accepted"
            )));
        };
        let mut credential = None;
        let mut signed_headers = None;
        let mut signature = None;
        for field in fields.split(',') {
            match field.trim().split_once('=') {
                Some(("Credential", v)) => credential = Some(v.trim()),
                Some(("SignedHeaders", v)) => signed_headers = Some(v.trim()),
                Some(("Signature", v)) => signature = Some(v.trim()),
                _ => {}
            }
        }
        let mut missing = Vec::new();
        for (name, value) in [
            ("Credential", credential),
            ("Signature", signature),
            ("SignedHeaders", signed_headers),
        ] {
            if value.is_none() {
                missing.push(format!("Authorization header requires '{name}' parameter."));
            }
        }
        let amz_date = header(request, "x-amz-date");
        if amz_date.is_none() {
            missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".into());
        }
        if !missing.is_empty() {
            return Err(AuthError::Incomplete(format!(
                "{} Authorization={authorization}",
                missing.join(" ")
            )));
        }
        let (Some(credential), Some(signed_headers), Some(signature), Some(amz_date)) =
            (credential, signed_headers, signature, amz_date)
        else {
            return Err(AuthError::Missing);
        };
        return signature_parts(
            credential,
            signed_headers,
            signature,
            amz_date.trim().to_owned(),
            None,
            false,
        );
    }
    if let Some(algorithm) = param("X-Amz-Algorithm") {
        if algorithm != ALGORITHM {
            return Err(AuthError::Incomplete(format!(
                "Unsupported X-Amz-Algorithm: only {ALGORITHM} is accepted"
            )));
        }
        let mut missing = Vec::new();
        let mut get = |name: &'static str| {
            let value = param(name);
            if value.is_none() {
                missing.push(format!("AWS query-string parameters must include '{name}'."));
            }
            value.unwrap_or_default()
        };
        let credential = get("X-Amz-Credential");
        let signed_headers = get("X-Amz-SignedHeaders");
        let signature = get("X-Amz-Signature");
        let amz_date = get("X-Amz-Date");
        let expires = get("X-Amz-Expires");
        if !missing.is_empty() {
            return Err(AuthError::Incomplete(format!(
                "{} Re-examine the query-string parameters.",
                missing.join(" ")
            )));
        }
        let expires = expires
            .parse::<i64>()
            .ok()
            .filter(|s| (0..=MAX_EXPIRES_SECONDS).contains(s))
            .ok_or_else(|| {
                AuthError::Incomplete(format!(
                    "X-Amz-Expires must be a number of seconds from 0 to {MAX_EXPIRES_SECONDS}"
                ))
            })?;
        return signature_parts(
            credential,
            signed_headers,
            signature,
            amz_date.to_owned(),
            Some(expires),
            true,
        );
    }
    Err(AuthError::Missing)
}

fn signature_parts<'a>(
    credential: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
    amz_date: String,
    expires: Option<i64>,
    presigned: bool,
) -> Result<Signature<'a>, AuthError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, "aws4_request"] = parts[..] else {
        return Err(AuthError::Incomplete(format!(
            "Credential should be scoped to a valid region, not '{credential}'. Credential should be of the form <access key id>/<date>/<region>/<service>/aws4_request."
        )));
    };
    if amz_date.len() < 8 {
        return Err(AuthError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{amz_date}'."
        )));
    }
    Ok(Signature {
        access_key_id,
        scope_date,
        region,
        service,
        signed_headers: signed_headers.split(';').collect(),
        signature,
        amz_date,
        expires,
        presigned,
    })
}

/// `20150830T123600Z`.
fn parse_amz_date(text: &str) -> Option<jiff::Timestamp> {
    let civil = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", text).ok()?;
    civil.to_zoned(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

fn format_amz_date(t: jiff::Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn check_time(signature: &Signature<'_>, date: jiff::Timestamp, now: jiff::Timestamp) -> Result<(), AuthError> {
    let skew = MAX_SKEW.as_secs() as i64;
    let (date_s, now_s) = (date.as_second(), now.as_second());
    let valid_until = date_s + signature.expires.unwrap_or(0).max(0);
    let at = |s: i64| format_amz_date(jiff::Timestamp::from_second(s).unwrap_or(now));
    if signature.presigned && now_s > valid_until || !signature.presigned && now_s - date_s > skew {
        return Err(AuthError::Expired {
            date: signature.amz_date.clone(),
            earliest: at(now_s - skew),
            now: at(now_s),
        });
    }
    if date_s - now_s > skew {
        return Err(AuthError::NotYetCurrent {
            date: signature.amz_date.clone(),
            latest: at(now_s + skew),
            now: at(now_s),
        });
    }
    Ok(())
}

/// Query parameters, decoded, in the order received.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn encode(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set).to_string()
}

fn canonical_request(request: &HttpRequest<'_>, query: &[(String, String)], signature: &Signature<'_>) -> String {
    let mut params: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !(signature.presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (encode(k, UNRESERVED), encode(v, UNRESERVED)))
        .collect();
    params.sort();
    let query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = String::new();
    for name in &signature.signed_headers {
        let values: Vec<String> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| fold_spaces(v))
            .collect();
        headers.push_str(name);
        headers.push(':');
        headers.push_str(&values.join(","));
        headers.push('\n');
    }
    // Always the body received: a client's `x-amz-content-sha256: UNSIGNED-PAYLOAD` (or a
    // streaming mode) would leave the body unsigned, so such a signature does not match.
    let payload_hash = hex(&Sha256::digest(request.body));
    format!(
        "{}\n{}\n{query}\n{headers}\n{}\n{payload_hash}",
        request.method,
        canonical_path(request.path),
        signature.signed_headers.join(";"),
    )
}

/// The path without `.`/`..` segments or empty ones, encoded again (`%` becomes `%25`).
fn canonical_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalized = format!("/{}", segments.join("/"));
    if path.ends_with('/') && normalized.len() > 1 {
        normalized.push('/');
    }
    encode(&normalized, PATH)
}

/// A header value trimmed, with each run of whitespace (line folds too) made one space.
fn fold_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_and_encoded_twice() {
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("//a/./b/../c/"), "/a/c/");
        assert_eq!(canonical_path("/a%3Db"), "/a%253Db");
        assert_eq!(canonical_path("/@x"), "/%40x");
        // AWS's earlier test suite, `double-encode-path` and `double-url-encode` (as shipped
        // in the aws-sigv4 crate's `aws-signing-test-suite/v4`, Apache-2.0).
        assert_eq!(
            canonical_path("/test/@connections/JBDvjfGEIAMCERw%3D"),
            "/test/%40connections/JBDvjfGEIAMCERw%253D"
        );
        assert_eq!(
            canonical_path("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A892717189312%3Afunction%3Amy-rusty-fun/invocations"),
            "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-west-2%253A892717189312%253Afunction%253Amy-rusty-fun/invocations"
        );
    }

    #[test]
    fn header_values_are_folded() {
        assert_eq!(fold_spaces("  \"a   b   c\" "), "\"a b c\"");
        assert_eq!(fold_spaces("value1\n  value2\n     value3"), "value1 value2 value3");
    }
}
