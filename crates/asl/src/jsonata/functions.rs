//! The functions Step Functions adds to JSONata, from the AWS Developer Guide page
//! "Transforming data with JSONata in Step Functions", section "JSONata functions provided by
//! Step Functions": `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid` and `$parse`.
//! `$shuffle` is replaced too, only so that its randomness comes from the caller, and `$pad`
//! and `$fromMillis`, only so that their results are bounded by the evaluation's memory
//! budget.
//!
//! They follow the conventions of JSONata's own functions: an undefined argument gives an
//! undefined result, a single value where an array is expected counts as a one-item array,
//! and an argument of the wrong type fails with `T0410`. Arguments past the ones a function
//! takes are ignored, because jsonata-core hands a function used as a callback (`$map(xs,
//! $uuid)`) the item, its index and the whole array.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use jsonata_core::ast::{AstNode, Stage};
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::budget::OverBudget;

/// The functions that draw randomness; an expression mentioning none of them never calls the
/// caller's random source.
pub(super) const RANDOM: [&str; 3] = ["random", "uuid", "shuffle"];

/// Registers the functions `mentioned` names on `evaluator`. `seed`, drawn from the caller's
/// random source, is present exactly when a function of [`RANDOM`] is mentioned.
/// `max_items` bounds what `$range` produces, as the evaluation's budget bounds JSONata's
/// own range operator (`[1..n]`). `$pad` and `$fromMillis` refuse a
/// result of more than `memory_limit` bytes and record the refusal in `exceeded`, so that
/// the evaluation fails as over budget.
pub(super) fn register(
    evaluator: &mut Evaluator,
    mentioned: impl Fn(&str) -> bool,
    seed: Option<u64>,
    max_items: usize,
    memory_limit: usize,
    exceeded: &Rc<Cell<Option<OverBudget>>>,
) -> Result<(), EvaluatorError> {
    if mentioned("pad") {
        let exceeded = Rc::clone(exceeded);
        evaluator.register_fn_override("pad", move |args: &[JValue]| pad(args, memory_limit, &exceeded))?;
    }
    if mentioned("fromMillis") {
        let exceeded = Rc::clone(exceeded);
        evaluator.register_fn_override("fromMillis", move |args: &[JValue]| {
            from_millis(args, memory_limit, &exceeded)
        })?;
    }
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

/// `$pad(string, width[, char])`: JSONata's own function, refusing first a width whose
/// result would take more than `memory_limit` bytes. jsonata-core builds whatever width it
/// is given (up to 2^31 characters, one at a time), so `$pad('a', 1e20)` would run for
/// minutes and take gigabytes before any budget saw the result.
///
/// Every call the limit allows runs jsonata-core's built-in `$pad` on the same arguments
/// (validation, coercion, undefined and null handling, non-integral widths included), with
/// the context value of the call where [`pass_context`] passed it, so that
/// `['a', 'b'].$pad(3)` pads each item as the built-in does. A call through a reference
/// (`$map(xs, $pad)`, `$f := $pad`) has no context value.
fn pad(args: &[JValue], memory_limit: usize, exceeded: &Cell<Option<OverBudget>>) -> Result<JValue, EvaluatorError> {
    let (args, context) = split_context(args);
    // The built-in takes the context value for the string when the first argument is not
    // one (`$pad(3)` on a string): the size of either reading is checked.
    let substituted: Vec<JValue> = std::iter::once(context.clone()).chain(args.iter().cloned()).collect();
    let bytes = padded_size(args).max(padded_size(&substituted));
    if let Some(bytes) = bytes.filter(|&bytes| bytes > memory_limit) {
        return Err(over_budget("$pad", bytes, memory_limit, exceeded));
    }
    builtin("pad", args, context)
}

/// `$fromMillis(millis[, picture[, timezone]])`: JSONata's own function, refusing first a
/// picture whose widths alone would take more than `memory_limit` bytes. A width modifier
/// pads a number to as many digits as it says (`[D,1000000000]` is a billion characters),
/// and jsonata-core builds them all. Otherwise jsonata-core's built-in runs, as for [`pad`].
fn from_millis(
    args: &[JValue],
    memory_limit: usize,
    exceeded: &Cell<Option<OverBudget>>,
) -> Result<JValue, EvaluatorError> {
    let (args, context) = split_context(args);
    // Whichever argument is the picture (the first, when the context value stands in for
    // the number): the timezone has no widths.
    let bytes = args
        .iter()
        .filter_map(|arg| match arg {
            JValue::String(text) => Some(picture_widths(text)),
            _ => None,
        })
        .max();
    if let Some(bytes) = bytes.filter(|&bytes| bytes > memory_limit) {
        return Err(over_budget("$fromMillis", bytes, memory_limit, exceeded));
    }
    builtin("fromMillis", args, context)
}

/// The characters the width modifiers of a date/time picture ask for, read as jsonata-core
/// reads them (XPath F&O 3.1, 9.8.4.2): in each `[marker]` (whitespace removed; `[[` is a
/// literal), the widths after its last comma, `min` or `min-max`, each a decimal number or
/// `*`; a number is padded to the minimum, and a year (`Y`) to the maximum.
pub(super) fn picture_widths(picture: &str) -> usize {
    let mut total = 0usize;
    let mut rest = picture;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        if let Some(literal) = rest.strip_prefix('[') {
            rest = literal;
            continue;
        }
        let Some(close) = rest.find(']') else {
            break;
        };
        let marker: String = rest[..close].split_whitespace().collect();
        rest = &rest[close + 1..];
        let Some((_, widths)) = marker.rsplit_once(',') else {
            continue;
        };
        let width = |text: &str| text.parse::<usize>().unwrap_or(0);
        let (min, max) = match widths.split_once('-') {
            Some((min, max)) => (width(min), width(max)),
            None => (width(widths), 0),
        };
        let chars = if marker.starts_with('Y') { min.max(max) } else { min };
        total = total.saturating_add(chars);
    }
    total
}

/// Records that a function refused to build `bytes` bytes, beyond `limit`, and gives the
/// error that stops the evaluation (`Expression::run` reports it as over budget).
fn over_budget(function: &str, bytes: usize, limit: usize, exceeded: &Cell<Option<OverBudget>>) -> EvaluatorError {
    let over = OverBudget::Memory { limit };
    exceeded.set(Some(over));
    failure(format!("{function} would build a string of {bytes} bytes: {over}"))
}

/// The built-ins replaced here that take the context value for a missing first argument
/// (their signatures start `<s-` or `<n-`); [`pass_context`] passes it to them.
pub(super) const CONTEXT_TAKERS: [&str; 2] = ["pad", "fromMillis"];

/// What [`pass_context`] puts before the context value it adds to a call: a text no
/// expression has a reason to write.
const CONTEXT_MARKER: &str = "\u{0}switchyard: the context value of this call follows\u{0}";

/// The arguments of a call and its context value: the one [`pass_context`] added, or
/// undefined (a call through a reference, `$map(xs, $pad)`).
fn split_context(args: &[JValue]) -> (&[JValue], &JValue) {
    match args {
        [args @ .., JValue::String(marker), context] if **marker == *CONTEXT_MARKER => (args, context),
        _ => (args, &JValue::Undefined),
    }
}

/// Adds to each call of one of `functions` in `ast` two arguments, [`CONTEXT_MARKER`] and
/// `$`, so that the override sees the context value the built-in would take for a missing
/// first argument. Only for functions the expression does not bind itself (a lambda bound
/// to the name would see them); calls with a placeholder (`$pad(?, 3)`) are left alone.
/// Iterative, as the tree may be too deep for recursion.
pub(super) fn pass_context(ast: &mut AstNode, functions: &[&str]) {
    let mut pending = vec![ast];
    while let Some(node) = pending.pop() {
        match node {
            AstNode::Function { name, args, .. } => {
                if functions.contains(&name.as_str()) && !args.iter().any(|arg| matches!(arg, AstNode::Placeholder)) {
                    args.push(AstNode::String(CONTEXT_MARKER.to_owned()));
                    args.push(AstNode::Variable(String::new()));
                    let written = args.len() - 2;
                    pending.extend(args.iter_mut().take(written));
                } else {
                    pending.extend(args.iter_mut());
                }
            }
            AstNode::Binary { lhs, rhs, .. } => {
                pending.push(lhs);
                pending.push(rhs);
            }
            AstNode::Path { steps } => {
                for step in steps {
                    pending.push(&mut step.node);
                    for stage in &mut step.stages {
                        if let Stage::Filter(filter) = stage {
                            pending.push(filter);
                        }
                    }
                }
            }
            AstNode::Unary { operand, .. } => pending.push(operand),
            AstNode::Call { procedure, args } => {
                pending.push(procedure);
                pending.extend(args.iter_mut());
            }
            AstNode::Lambda { body, .. } => pending.push(body),
            AstNode::FunctionApplication(inner) => pending.push(inner),
            AstNode::Array(items) | AstNode::Block(items) | AstNode::ArrayGroup(items) => {
                pending.extend(items.iter_mut())
            }
            AstNode::Object(pairs) => pending.extend(pairs.iter_mut().flat_map(|(key, value)| [key, value])),
            AstNode::ObjectTransform { input, pattern } => {
                pending.push(input);
                pending.extend(pattern.iter_mut().flat_map(|(key, value)| [key, value]));
            }
            AstNode::Conditional {
                condition,
                then_branch,
                else_branch,
            } => {
                pending.push(condition);
                pending.push(then_branch);
                pending.extend(else_branch.as_deref_mut());
            }
            AstNode::Sort { input, terms } => {
                pending.push(input);
                pending.extend(terms.iter_mut().map(|(term, _)| term));
            }
            AstNode::Transform {
                location,
                update,
                delete,
            } => {
                pending.push(location);
                pending.push(update);
                pending.extend(delete.as_deref_mut());
            }
            AstNode::String(_)
            | AstNode::Name(_)
            | AstNode::Variable(_)
            | AstNode::Number(_)
            | AstNode::Boolean(_)
            | AstNode::Null
            | AstNode::Undefined
            | AstNode::Placeholder
            | AstNode::Regex { .. }
            | AstNode::ParentVariable(_)
            | AstNode::Wildcard
            | AstNode::Descendant
            | AstNode::Parent(_) => {}
        }
    }
}

/// How many bytes jsonata-core's `$pad` would build for `args`, when they are a string and a
/// width (and a pad string or nothing); `None` for anything else, which the built-in turns
/// into its result or error without building anything large.
pub(super) fn padded_size(args: &[JValue]) -> Option<usize> {
    let (Some(JValue::String(text)), Some(JValue::Number(width))) = (args.first(), args.get(1)) else {
        return None;
    };
    let fill: &str = match args.get(2) {
        None | Some(JValue::Undefined) => " ",
        Some(JValue::String(fill)) if fill.is_empty() => " ",
        Some(JValue::String(fill)) => fill,
        Some(_) => return None,
    };
    // The built-in's width: truncated toward zero and saturated to 32 bits (`as i32`, NaN
    // as 0), its absolute value in characters.
    let width = (*width as i32).unsigned_abs() as usize;
    let missing = width.saturating_sub(text.chars().count());
    // The padding repeats `fill` and cuts it to `missing` characters.
    let fill_chars = fill.chars().count();
    let whole = (missing / fill_chars).saturating_mul(fill.len());
    let part: usize = fill.chars().take(missing % fill_chars).map(char::len_utf8).sum();
    Some(text.len().saturating_add(whole).saturating_add(part))
}

/// Calls jsonata-core's built-in `name` on `args` with `context` as the context value, in
/// an evaluator of its own where no override hides it.
fn builtin(name: &str, args: &[JValue], context: &JValue) -> Result<JValue, EvaluatorError> {
    let mut bindings = Context::new();
    let mut parameters = Vec::with_capacity(args.len());
    for (index, value) in args.iter().enumerate() {
        let parameter = format!("a{index}");
        bindings.bind(parameter.clone(), value.clone());
        parameters.push(AstNode::Variable(parameter));
    }
    let call = AstNode::Function {
        name: name.to_owned(),
        args: parameters,
        is_builtin: true,
    };
    Evaluator::with_options(bindings, EvaluatorOptions::default()).evaluate(&call, context)
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
