//! The functions Step Functions adds to JSONata, from the AWS Developer Guide page
//! "Transforming data with JSONata in Step Functions", section "JSONata functions provided by
//! Step Functions": `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid` and `$parse`.
//! `$shuffle` is replaced too, only so that its randomness comes from the caller.
//!
//! They follow the conventions of JSONata's own functions: an undefined argument gives an
//! undefined result, a single value where an array is expected counts as a one-item array,
//! and an argument of the wrong type fails with `T0410`. Arguments past the ones a function
//! takes are ignored, because jsonata-core hands a function used as a callback (`$map(xs,
//! $uuid)`) the item, its index and the whole array.

use std::cell::RefCell;
use std::rc::Rc;

use jsonata_core::evaluator::{Evaluator, EvaluatorError};
use jsonata_core::value::JValue;
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The functions that draw randomness; an expression mentioning none of them never calls the
/// caller's random source.
pub(super) const RANDOM: [&str; 3] = ["random", "uuid", "shuffle"];

/// Registers the functions `mentioned` names on `evaluator`. `seed`, drawn from the caller's
/// random source, is present exactly when a function of [`RANDOM`] is mentioned.
/// `max_items` bounds what `$range` produces, as the evaluation's budget bounds JSONata's
/// own range operator (`[1..n]`).
pub(super) fn register(
    evaluator: &mut Evaluator,
    mentioned: impl Fn(&str) -> bool,
    seed: Option<u64>,
    max_items: usize,
) -> Result<(), EvaluatorError> {
    if mentioned("partition") {
        evaluator.register_fn("partition", partition)?;
    }
    if mentioned("range") {
        evaluator.register_fn("range", move |args: &[JValue]| range(args, max_items))?;
    }
    if mentioned("hash") {
        evaluator.register_fn("hash", hash)?;
    }
    if mentioned("parse") {
        evaluator.register_fn("parse", parse)?;
    }
    if let Some(seed) = seed {
        let generator = Rc::new(RefCell::new(SplitMix64(seed)));
        let draws = Rc::clone(&generator);
        evaluator.register_fn_override("random", move |args: &[JValue]| random(args, &draws))?;
        let draws = Rc::clone(&generator);
        evaluator.register_fn("uuid", move |_: &[JValue]| Ok(uuid(&mut draws.borrow_mut())))?;
        evaluator.register_fn_override("shuffle", move |args: &[JValue]| shuffle(args, &generator))?;
    }
    Ok(())
}

/// `$partition(array, size)`: the array cut into consecutive chunks of `size` items, the last
/// one shorter when the items do not divide evenly (`$partition([1,2,3,4,5], 2)` is
/// `[[1,2],[3,4],[5]]`). AWS was recorded returning `[[0]]` for `$partition([0], 1)`: a
/// one-chunk result stays an array of arrays.
fn partition(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let Some(items) = array_argument(args, 0) else {
        return Ok(JValue::Undefined);
    };
    let size = match args.get(1) {
        Some(JValue::Number(size)) => *size,
        _ => return Err(signature_mismatch(2, "partition")),
    };
    if !(size >= 1.0 && size.fract() == 0.0) {
        return Err(failure(format!(
            "The size given to $partition must be a positive integer, not {size}"
        )));
    }
    // A size beyond the array's length (or usize) gives one chunk, as does the array's length.
    let size = if size < items.len() as f64 {
        size as usize
    } else {
        items.len().max(1)
    };
    let chunks = items.chunks(size).map(|chunk| JValue::array(chunk.to_vec())).collect();
    Ok(JValue::array(chunks))
}

/// `$range(start, end, step)`: the numbers from `start` towards `end`, `step` apart, `end`
/// included when a step lands on it (`$range(0, 10, 2)` is `[0,2,4,6,8,10]`); a negative step
/// counts down. Empty when `step` points away from `end`.
fn range(args: &[JValue], max_items: usize) -> Result<JValue, EvaluatorError> {
    let mut bounds = [0.0; 3];
    for (index, bound) in bounds.iter_mut().enumerate() {
        match args.get(index) {
            Some(JValue::Number(n)) => *bound = *n,
            Some(JValue::Undefined) | None if index < 2 => return Ok(JValue::Undefined),
            _ => return Err(signature_mismatch(index + 1, "range")),
        }
    }
    let [start, end, step] = bounds;
    if !bounds.iter().all(|bound| bound.is_finite()) {
        return Err(failure("The arguments of $range must be finite numbers".to_owned()));
    }
    if step == 0.0 {
        return Err(failure("The step given to $range must not be zero".to_owned()));
    }
    let span = ((end - start) / step).floor();
    if span < 0.0 {
        return Ok(JValue::array(Vec::new()));
    }
    // The most items `$range` produces: the smaller of the budget's and the limit JSONata
    // puts on its own range operator (`[1..10000000]`).
    let limit = max_items.min(10_000_000);
    if span >= limit as f64 {
        return Err(failure(format!("$range would produce more than {limit} numbers")));
    }
    // Each item computed from `start` rather than by adding `step` repeatedly, so that
    // rounding errors do not accumulate.
    let items = (0..=span as u64)
        .map(|i| JValue::Number(start + i as f64 * step))
        .collect();
    Ok(JValue::array(items))
}

/// `$hash(string, algorithm)`: the lowercase hexadecimal digest of the string's UTF-8 bytes,
/// with `MD5`, `SHA-1`, `SHA-256`, `SHA-384` or `SHA-512` (the algorithms of `States.Hash`).
fn hash(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let data = match args.first() {
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(JValue::String(data)) => data.as_bytes(),
        Some(_) => return Err(signature_mismatch(1, "hash")),
    };
    let digest = match args.get(1) {
        Some(JValue::String(algorithm)) => match &**algorithm {
            "MD5" => Md5::digest(data).to_vec(),
            "SHA-1" => Sha1::digest(data).to_vec(),
            "SHA-256" => Sha256::digest(data).to_vec(),
            "SHA-384" => Sha384::digest(data).to_vec(),
            "SHA-512" => Sha512::digest(data).to_vec(),
            other => {
                return Err(failure(format!(
                    "The algorithm given to $hash must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, not {other:?}"
                )))
            }
        },
        _ => return Err(signature_mismatch(2, "hash")),
    };
    Ok(JValue::string(
        digest.iter().map(|byte| format!("{byte:02x}")).collect::<String>(),
    ))
}

/// `$parse(string)`: the JSON value the string holds, where standard JSONata would need
/// `$eval`.
fn parse(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    let text = match args.first() {
        Some(JValue::Undefined) | None => return Ok(JValue::Undefined),
        Some(JValue::String(text)) => text,
        Some(_) => return Err(signature_mismatch(1, "parse")),
    };
    // serde_json refuses nesting deeper than 128 levels, so the recursive conversion is safe.
    serde_json::from_str::<Value>(text)
        .map(|value| super::to_jvalue(&value))
        .map_err(|error| failure(format!("The argument of $parse is not valid JSON: {error}")))
}

/// `$random([seed])`: a number from 0 (included) to 1 (excluded). Without a seed it comes
/// from the caller's randomness; with one it depends on the seed alone. AWS does not say how,
/// so a seeded draw is Java's `new java.util.Random(seed).nextDouble()`, the generator AWS
/// was recorded using for the seeded `States.MathRandom`.
fn random(args: &[JValue], draws: &RefCell<SplitMix64>) -> Result<JValue, EvaluatorError> {
    match args.first() {
        Some(JValue::Undefined) | None => Ok(JValue::Number(unit_interval(draws.borrow_mut().next()))),
        // Java's `(long) seed`: truncated toward zero, saturated, NaN as 0; `as` does the same.
        Some(JValue::Number(seed)) => Ok(JValue::Number(JavaRandom::new(*seed as i64).next_double())),
        Some(_) => Err(signature_mismatch(1, "random")),
    }
}

/// `$uuid()`: a version 4 (random) UUID in lowercase hexadecimal.
fn uuid(draws: &mut SplitMix64) -> JValue {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&draws.next().to_be_bytes());
    bytes[8..].copy_from_slice(&draws.next().to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push_str(&format!("{byte:02x}"));
    }
    JValue::string(text)
}

/// `$shuffle(array)`: JSONata's own function (the items in random order), drawing from the
/// caller's randomness instead of jsonata-core's.
fn shuffle(args: &[JValue], draws: &RefCell<SplitMix64>) -> Result<JValue, EvaluatorError> {
    let Some(items) = array_argument(args, 0) else {
        return Ok(JValue::Undefined);
    };
    let mut items = items.to_vec();
    let mut draws = draws.borrow_mut();
    // Fisher-Yates, from the last position down.
    for last in (1..items.len()).rev() {
        let pick = draws.below(last as u64 + 1) as usize;
        items.swap(last, pick);
    }
    Ok(JValue::array(items))
}

/// The items of an array argument; a single value counts as a one-item array, as JSONata's
/// signatures have it. `None` when the argument is undefined.
fn array_argument(args: &[JValue], index: usize) -> Option<&[JValue]> {
    match args.get(index) {
        None | Some(JValue::Undefined) => None,
        Some(JValue::Array(items)) => Some(items.as_slice()),
        Some(single) => Some(std::slice::from_ref(single)),
    }
}

/// JSONata's error for an argument of the wrong type.
fn signature_mismatch(position: usize, function: &str) -> EvaluatorError {
    EvaluatorError::TypeError(format!(
        "T0410: Argument {position} of function {function} does not match function signature"
    ))
}

/// A failure of one of AWS's functions. AWS does not document error codes for these, so
/// none is given.
fn failure(message: String) -> EvaluatorError {
    EvaluatorError::EvaluationError(message)
}

/// A double from 0 (included) to 1 (excluded) from the top 53 bits of a draw.
fn unit_interval(draw: u64) -> f64 {
    (draw >> 11) as f64 / (1u64 << 53) as f64
}

/// The generator behind unseeded draws within one evaluation: SplitMix64, which turns the one
/// seed drawn from the caller's random source into as many well-mixed 64-bit draws as the
/// expression asks for.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A draw from `0..bound` (`bound > 0`), by Lemire's multiply-shift: the bias is below
    /// `bound / 2^64`, far under anything a shuffle could show.
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }
}

/// `java.util.Random`, the 48-bit linear congruential generator of the Java platform, as far
/// as `nextDouble` needs it.
struct JavaRandom {
    state: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_deec_e66d;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            state: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    /// The top `bits` (at most 32) of the next state.
    fn next(&mut self, bits: u32) -> u64 {
        self.state = self.state.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xb) & Self::MASK;
        self.state >> (48 - bits)
    }

    /// `nextDouble()`: 53 random bits, 26 then 27, scaled into `[0, 1)`.
    fn next_double(&mut self) -> f64 {
        let high = self.next(26);
        let low = self.next(27);
        ((high << 27) + low) as f64 / (1u64 << 53) as f64
    }
}
