//! What each intrinsic function does with its evaluated arguments.
//!
//! Every function checks its own argument types here, at run time, because a path
//! argument's type is only known then; a wrong type is a `States.IntrinsicFailure`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use md5::Md5;
use serde_json::{Map, Number, Value};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::java::{self, JavaRandom};
use super::{Failure, Function, IntrinsicEnv, IntrinsicError, Template, RANGE_LIMIT};
use crate::budget::Budget;

/// The longest string `States.Base64Encode`, `States.Base64Decode` and `States.Hash` accept
/// (AWS Developer Guide: "up to 10,000 characters").
const STRING_LIMIT: usize = 10_000;

/// Applies `function` to its evaluated arguments. `literal_template` is the first argument
/// as written when it was a string literal, which `States.Format` needs to tell escaped
/// braces from placeholders.
pub(super) fn apply(
    function: Function,
    literal_template: Option<&Template>,
    args: Vec<Value>,
    env: &mut dyn IntrinsicEnv,
    budget: &Budget,
) -> Result<Value, IntrinsicError> {
    let args = Args { function, values: args };
    match function {
        Function::Format => format(literal_template, args.values),
        Function::StringToJson => string_to_json(&args),
        Function::JsonToString => json_to_string(&args),
        Function::Array => Ok(Value::Array(args.values)),
        Function::ArrayPartition => array_partition(&args),
        Function::ArrayContains => array_contains(&args),
        Function::ArrayRange => array_range(&args),
        Function::ArrayGetItem => array_get_item(&args),
        Function::ArrayLength => Ok(Value::from(args.array(0)?.len())),
        Function::ArrayUnique => array_unique(&args),
        Function::Base64Encode => base64_encode(&args),
        Function::Base64Decode => base64_decode(&args),
        Function::Hash => hash(&args),
        Function::JsonMerge => json_merge(args),
        Function::MathRandom => math_random(&args, env),
        Function::MathAdd => math_add(&args),
        Function::StringSplit => string_split(&args, budget),
        Function::Uuid => Ok(uuid(env)),
    }
}

/// `States.Format`: each `{}` of the template replaced by the next value, printed as Java
/// prints it (strings without quotes; see [`java::to_display_string`]).
///
/// `literal` is the template when it was written as a string literal, whose escaped braces
/// are not placeholders; otherwise the first value is the template.
fn format(literal: Option<&Template>, values: Vec<Value>) -> Result<Value, IntrinsicError> {
    let fail = |reason| IntrinsicError::failure(Function::Format, reason);
    let mut values = values.into_iter();
    let first = values.next().unwrap_or(Value::Null);
    let runtime;
    let template = match (literal, first) {
        (Some(template), _) => template,
        (None, Value::String(text)) => {
            runtime = Template::from_runtime(text);
            &runtime
        }
        (None, other) => {
            return Err(fail(Failure::WrongType {
                argument: 1,
                expected: "a string",
                found: type_name(&other),
            }))
        }
    };
    let values: Vec<Value> = values.collect();
    if template.placeholders.len() != values.len() {
        return Err(fail(Failure::PlaceholderMismatch {
            placeholders: template.placeholders.len(),
            values: values.len(),
        }));
    }
    let mut out = String::with_capacity(template.text.len());
    let mut copied = 0;
    for (&at, value) in template.placeholders.iter().zip(&values) {
        out.push_str(template.text.get(copied..at).unwrap_or_default());
        out.push_str(&java::to_display_string(value));
        copied = at + "{}".len();
    }
    out.push_str(template.text.get(copied..).unwrap_or_default());
    Ok(Value::String(out))
}

/// `States.StringToJson`: the parsed JSON text; an empty or blank string gives `null`, as
/// recorded from AWS.
fn string_to_json(args: &Args) -> Result<Value, IntrinsicError> {
    let text = args.string(0)?;
    // Blank in JSON's sense: other Unicode spaces are not JSON and still fail to parse.
    if text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        return Ok(Value::Null);
    }
    serde_json::from_str(&integer_negative_zero_as_zero(text))
        .map_err(|e| args.fail(Failure::InvalidJson { message: e.to_string() }))
}

/// Rewrites each integer `-0` value of JSON text (outside strings) as `0`.
///
/// AWS parses `-0` as the integer 0 (recorded: `States.StringToJson("-0")` gives `0`), but
/// serde_json reads it as the float -0.0, which prints as `-0.0`. A float `-0.0` or `-0e1`
/// stays as it is.
fn integer_negative_zero_as_zero(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    let mut drop_at = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'-'
            // The minus starts a value (so `1-0` and `--0` stay invalid)...
            && i.checked_sub(1).and_then(|before| bytes.get(before)).is_none_or(|b| {
                matches!(b, b'[' | b',' | b':' | b' ' | b'\t' | b'\n' | b'\r')
            })
            // ...and is followed by an integer zero.
            && bytes.get(i + 1) == Some(&b'0')
            && !matches!(bytes.get(i + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E'))
        {
            drop_at.push(i);
        }
    }
    if drop_at.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for i in drop_at {
        out.push_str(text.get(copied..i).unwrap_or_default());
        copied = i + 1;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// `States.JsonToString`: compact JSON text (`{"a":1}`), keys in their order.
fn json_to_string(args: &Args) -> Result<Value, IntrinsicError> {
    Ok(Value::String(args.value(0).to_string()))
}

/// `States.ArrayPartition`: chunks of `size` items, the last one possibly shorter.
fn array_partition(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0)?;
    let size = args.integer(1)?;
    let chunk = usize::try_from(size)
        .ok()
        .filter(|&chunk| chunk > 0)
        .ok_or_else(|| args.fail(Failure::ChunkSize { size }))?;
    Ok(Value::Array(
        items.chunks(chunk).map(|chunk| Value::Array(chunk.to_vec())).collect(),
    ))
}

/// `States.ArrayContains`: whether an item equals the value, by [`JsonKey`] equality.
fn array_contains(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0)?;
    let wanted = JsonKey::of(args.value(1));
    Ok(Value::Bool(items.iter().any(|item| JsonKey::of(item) == wanted)))
}

/// `States.ArrayRange`: `first`, `first + step`, ... while not past `last` (so `last` is
/// included only when a step lands on it); empty when `step` points away from `last`.
fn array_range(args: &Args) -> Result<Value, IntrinsicError> {
    let first = args.integer(0)?;
    let last = args.integer(1)?;
    let step = args.integer(2)?;
    if step == 0 {
        return Err(args.fail(Failure::ZeroStep));
    }
    let span = i128::from(last) - i128::from(first);
    let count = if span != 0 && (span < 0) != (step < 0) {
        0
    } else {
        (span / i128::from(step)).unsigned_abs() + 1
    };
    if count > RANGE_LIMIT {
        return Err(args.fail(Failure::RangeTooLarge { count }));
    }
    Ok(Value::Array(
        (0..count)
            .map(|i| {
                let item = i128::from(first) + i as i128 * i128::from(step);
                // Every item lies between `first` and `last`, so it fits in an i64.
                Value::from(item as i64)
            })
            .collect(),
    ))
}

/// `States.ArrayGetItem`: the item at a 0-based index.
fn array_get_item(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0)?;
    let index = args.integer(1)?;
    usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .cloned()
        .ok_or_else(|| {
            args.fail(Failure::IndexOutOfBounds {
                index,
                length: items.len(),
            })
        })
}

/// `States.ArrayUnique`: the items without later duplicates, first occurrences in order.
fn array_unique(args: &Args) -> Result<Value, IntrinsicError> {
    let items = args.array(0)?;
    let mut seen: HashMap<u64, Vec<JsonKey>> = HashMap::new();
    let mut unique = Vec::new();
    for item in items {
        let key = JsonKey::of(item);
        let same_hash = seen.entry(key.hash_value()).or_default();
        if !same_hash.contains(&key) {
            same_hash.push(key);
            unique.push(item.clone());
        }
    }
    Ok(Value::Array(unique))
}

/// `States.Base64Encode`: standard Base64 with padding, of the string's UTF-8 bytes.
fn base64_encode(args: &Args) -> Result<Value, IntrinsicError> {
    let text = args.limited_string(0)?;
    Ok(Value::String(STANDARD.encode(text)))
}

/// `States.Base64Decode`: decoded as AWS documents it, with the MIME scheme, which skips
/// characters outside the Base64 alphabet (line breaks) and does not require padding.
/// Bytes that are not UTF-8 become U+FFFD, as Java's `new String(bytes, UTF_8)` does.
fn base64_decode(args: &Args) -> Result<Value, IntrinsicError> {
    const MIME: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let text = args.limited_string(0)?;
    let alphabet_only: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    let bytes = MIME
        .decode(alphabet_only)
        .map_err(|_| args.fail(Failure::InvalidBase64))?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// `States.Hash`: the lowercase hex digest of the string's UTF-8 bytes.
fn hash(args: &Args) -> Result<Value, IntrinsicError> {
    let data = args.limited_string(0)?.as_bytes();
    let algorithm = args.string(1)?;
    let digest = match algorithm {
        "MD5" => Md5::digest(data).to_vec(),
        "SHA-1" => Sha1::digest(data).to_vec(),
        "SHA-256" => Sha256::digest(data).to_vec(),
        "SHA-384" => Sha384::digest(data).to_vec(),
        "SHA-512" => Sha512::digest(data).to_vec(),
        _ => {
            return Err(args.fail(Failure::UnsupportedAlgorithm {
                algorithm: algorithm.to_owned(),
            }))
        }
    };
    Ok(Value::String(digest.iter().map(|byte| format!("{byte:02x}")).collect()))
}

/// `States.JsonMerge`: a shallow merge, the second object's values winning, in the key
/// order AWS produces (see [`java::hash_map_merge`]). AWS supports only `false` as the
/// deep-merge flag.
fn json_merge(mut args: Args) -> Result<Value, IntrinsicError> {
    let first = args.take_object(0)?;
    let second = args.take_object(1)?;
    if args.boolean(2)? {
        return Err(args.fail(Failure::DeepMerge));
    }
    Ok(Value::Object(java::hash_map_merge(first, second)))
}

/// `States.MathRandom`: an integer from `start` to `end`, both included. With a seed the
/// draw is `start + new java.util.Random(seed).nextInt(end - start + 1)`, the same on every
/// run; without one the engine's randomness picks it.
fn math_random(args: &Args, env: &mut dyn IntrinsicEnv) -> Result<Value, IntrinsicError> {
    let start = args.integer(0)?;
    let end = args.integer(1)?;
    let seed = match args.values.get(2) {
        Some(_) => Some(args.integer(2)?),
        None => None,
    };
    let bound = i32::try_from(i128::from(end) - i128::from(start) + 1)
        .ok()
        .filter(|&bound| bound > 0)
        .ok_or_else(|| args.fail(Failure::RandomRange { start, end }))?;
    let offset = match seed {
        Some(seed) => JavaRandom::new(seed).next_int(bound),
        // `bound` is positive, so the remainder fits and the bias is below 2^-32.
        None => (env.random_u64() % bound as u64) as i32,
    };
    Ok(Value::from(start + i64::from(offset)))
}

/// `States.MathAdd`: the sum of two integers; non-integer numbers are first rounded half
/// up, as AWS was recorded doing (1.5 + 1.51 = 4).
fn math_add(args: &Args) -> Result<Value, IntrinsicError> {
    let left = args.integer(0)?;
    let right = args.integer(1)?;
    left.checked_add(right)
        .map(Value::from)
        .ok_or_else(|| args.fail(Failure::Overflow { left, right }))
}

/// `States.StringSplit`: the pieces between any of the delimiter characters, empty pieces
/// dropped (as `java.util.StringTokenizer` does; recorded: `",,,,"` gives `[]` and
/// `"This.is+a,test=string"` split on `".+,="` gives five words).
///
/// Each piece is charged to `budget` as it is cut, and the delimiters are looked up in a
/// sorted list, so neither a string of one-character pieces nor a long list of delimiters
/// can make the split grow or slow without bound.
fn string_split(args: &Args, budget: &Budget) -> Result<Value, IntrinsicError> {
    let text = args.string(0)?;
    let mut delimiters: Vec<char> = args.string(1)?.chars().collect();
    delimiters.sort_unstable();
    delimiters.dedup();
    let mut pieces = Vec::new();
    for piece in text.split(|c| delimiters.binary_search(&c).is_ok()) {
        if piece.is_empty() {
            continue;
        }
        budget
            .charge(std::mem::size_of::<Value>() + piece.len())
            .map_err(IntrinsicError::OverBudget)?;
        pieces.push(Value::from(piece));
    }
    Ok(Value::Array(pieces))
}

/// `States.UUID`: a version 4 UUID built from the engine's randomness.
fn uuid(env: &mut dyn IntrinsicEnv) -> Value {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&env.random_u64().to_be_bytes());
    bytes[8..].copy_from_slice(&env.random_u64().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default();
    Value::String(format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    ))
}

/// A function's evaluated arguments, with typed accessors that fail the way AWS does.
struct Args {
    function: Function,
    values: Vec<Value>,
}

impl Args {
    fn fail(&self, reason: Failure) -> IntrinsicError {
        IntrinsicError::failure(self.function, reason)
    }

    /// The argument at `index`; the parser checked the arity, so it is there.
    fn value(&self, index: usize) -> &Value {
        self.values.get(index).unwrap_or(&Value::Null)
    }

    fn wrong_type(&self, index: usize, expected: &'static str) -> IntrinsicError {
        self.fail(Failure::WrongType {
            argument: index + 1,
            expected,
            found: type_name(self.value(index)),
        })
    }

    fn string(&self, index: usize) -> Result<&str, IntrinsicError> {
        self.value(index)
            .as_str()
            .ok_or_else(|| self.wrong_type(index, "a string"))
    }

    /// A string within [`STRING_LIMIT`], counted in UTF-16 code units as Java counts.
    fn limited_string(&self, index: usize) -> Result<&str, IntrinsicError> {
        let text = self.string(index)?;
        let length = text.encode_utf16().count();
        if length > STRING_LIMIT {
            return Err(self.fail(Failure::TooLong {
                length,
                limit: STRING_LIMIT,
            }));
        }
        Ok(text)
    }

    fn array(&self, index: usize) -> Result<&Vec<Value>, IntrinsicError> {
        self.value(index)
            .as_array()
            .ok_or_else(|| self.wrong_type(index, "an array"))
    }

    /// Moves an object argument out, leaving an empty object in its place.
    fn take_object(&mut self, index: usize) -> Result<Map<String, Value>, IntrinsicError> {
        match self.values.get_mut(index) {
            Some(Value::Object(fields)) => Ok(std::mem::take(fields)),
            _ => Err(self.wrong_type(index, "an object")),
        }
    }

    fn boolean(&self, index: usize) -> Result<bool, IntrinsicError> {
        self.value(index)
            .as_bool()
            .ok_or_else(|| self.wrong_type(index, "a boolean"))
    }

    /// An integer argument; a non-integer number is rounded half up, as AWS does.
    fn integer(&self, index: usize) -> Result<i64, IntrinsicError> {
        let Value::Number(number) = self.value(index) else {
            return Err(self.wrong_type(index, "an integer"));
        };
        number
            .as_i64()
            .or_else(|| {
                if number.is_f64() {
                    number.as_f64().and_then(java::round_half_up)
                } else {
                    None
                }
            })
            .ok_or_else(|| self.fail(Failure::IntegerOutOfRange { argument: index + 1 }))
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a floating-point number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON value under the equality AWS uses for `States.ArrayContains` and
/// `States.ArrayUnique`, that of Jackson's `JsonNode.equals`: an integer never equals a
/// floating-point number (`1` ≠ `1.0`), `-0.0` ≠ `0.0`, and objects are equal whatever
/// their key order.
#[derive(Debug, PartialEq, Eq, Hash)]
enum JsonKey {
    Null,
    Bool(bool),
    Int(i128),
    Float(u64),
    String(String),
    Array(Vec<JsonKey>),
    /// Fields sorted by key, so key order does not matter.
    Object(Vec<(String, JsonKey)>),
}

impl JsonKey {
    fn of(value: &Value) -> JsonKey {
        match value {
            Value::Null => JsonKey::Null,
            Value::Bool(b) => JsonKey::Bool(*b),
            Value::Number(n) => number_key(n),
            Value::String(s) => JsonKey::String(s.clone()),
            Value::Array(items) => JsonKey::Array(items.iter().map(JsonKey::of).collect()),
            Value::Object(fields) => {
                let mut fields: Vec<(String, JsonKey)> =
                    fields.iter().map(|(k, v)| (k.clone(), JsonKey::of(v))).collect();
                fields.sort_by(|a, b| a.0.cmp(&b.0));
                JsonKey::Object(fields)
            }
        }
    }

    fn hash_value(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

fn number_key(n: &Number) -> JsonKey {
    if let Some(i) = n.as_i64() {
        JsonKey::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        JsonKey::Int(i128::from(u))
    } else {
        JsonKey::Float(n.as_f64().map_or(0, f64::to_bits))
    }
}
