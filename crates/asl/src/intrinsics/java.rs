//! Behaviours AWS's intrinsics inherit from the Java platform they run on, reproduced so our
//! outputs are byte-exact: `Math.round`, `java.util.Random`, how `Map`/`List` print
//! themselves, and the iteration order of a `java.util.HashMap`.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};

/// Rounds half up, as `java.lang.Math.round(double)` does: 1.5 → 2, -1.5 → -1, -2.5 → -2.
///
/// AWS rounds non-integer arguments of `States.MathAdd` this way (recorded: 1.49 + 1.5 = 3,
/// -1.49 + -1.5 = -2, -0.5 + 0 = 0). Returns `None` outside the 64-bit range.
pub(super) fn round_half_up(x: f64) -> Option<i64> {
    let floor = x.floor();
    // `x - floor` is exact for every finite double, so values just below .5 stay below.
    let rounded = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    // 2^63 is exactly representable; every double below it converts without loss.
    let limit = 9_223_372_036_854_775_808.0;
    (rounded.is_finite() && (-limit..limit).contains(&rounded)).then_some(rounded as i64)
}

/// `java.util.Random`: a 48-bit linear congruential generator, so a seeded
/// `States.MathRandom` gives the same number for the same seed on every run.
pub(super) struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    pub(super) fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB) & Self::MASK;
        // The top `bits` of the 48-bit state, as Java's `(int)(seed >>> (48 - bits))`.
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)`: uniform in `0..bound`, for `bound > 0`.
    pub(super) fn next_int(&mut self, bound: i32) -> i32 {
        let mut r = self.next(31);
        let m = bound.wrapping_sub(1);
        if bound & m == 0 {
            return ((i64::from(bound) * i64::from(r)) >> 31) as i32;
        }
        let mut u = r;
        loop {
            r = u % bound;
            // Java rejects draws from the incomplete last block via int overflow.
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return r;
            }
            u = self.next(31);
        }
    }
}

/// How a JSON value prints once AWS has turned it into Java objects: strings without quotes,
/// objects as `{key=value, ...}` (`AbstractMap.toString`), arrays as `[a, b]`
/// (`AbstractCollection.toString`). Recorded: `States.Format('{}', $.x)` with
/// `{"Arg1": 1, "Arg2": []}` prints `{Arg1=1, Arg2=[]}`.
pub(super) fn to_display_string(value: &Value) -> String {
    let mut out = String::new();
    write_display(value, &mut out);
    out
}

fn write_display(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(s),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_display(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            out.push('{');
            for (i, (key, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(key);
                out.push('=');
                write_display(item, out);
            }
            out.push('}');
        }
    }
}

/// Merges `second` into `first` (its values win) in the key order of a `java.util.HashMap`
/// built as `new HashMap<>(first)` followed by `putAll(second)`.
///
/// AWS's `States.JsonMerge` returns keys in neither input order: merging
/// `{"constant_in_literal": …}` with `{"constant_input_field": …}` was recorded as
/// `{"constant_input_field": …, "constant_in_literal": …}`, and `{a, b}` with `{c, d}` as
/// `{a, b, c, d}`. Both are a HashMap's bucket order, which depends on the keys' Java hash
/// codes and on the table size the map grew to, so the growth is simulated here (with JDK
/// 8–17 sizing). One case is not reproduced: a bucket of 9 or more colliding keys in a table
/// of 64 or more becomes a red-black tree whose order differs from insertion order.
pub(super) fn hash_map_merge(first: Map<String, Value>, second: Map<String, Value>) -> Map<String, Value> {
    let mut table = HashMapShape::default();
    let mut merged = first;
    table.put_all(merged.keys().map(String::as_str));
    table.put_all(second.keys().map(String::as_str));
    for (key, value) in second {
        merged.insert(key, value);
    }
    // `merged` holds keys in insertion order, which is the order within each bucket.
    let capacity_mask = table.capacity.saturating_sub(1);
    let mut entries: Vec<(usize, (String, Value))> = merged
        .into_iter()
        .map(|(key, value)| (spread_hash(&key) as usize & capacity_mask, (key, value)))
        .collect();
    entries.sort_by_key(|(bucket, _)| *bucket);
    entries.into_iter().map(|(_, entry)| entry).collect()
}

/// The sizing state of a `java.util.HashMap`: how big its table is, when it grows, and how
/// many keys each bucket holds (a bucket reaching 9 keys in a small table also makes it grow).
#[derive(Default)]
struct HashMapShape {
    /// Table length; 0 until the first insertion allocates the table.
    capacity: usize,
    threshold: usize,
    /// Spread hashes of the keys, in insertion order.
    hashes: Vec<u32>,
    /// Spread hashes already present, to tell new keys from replaced ones.
    present: HashMap<u32, Vec<String>>,
    /// Keys per bucket at the current capacity.
    bucket_sizes: Vec<usize>,
}

impl HashMapShape {
    const TREEIFY_THRESHOLD: usize = 8;
    const MIN_TREEIFY_CAPACITY: usize = 64;

    /// `putAll`: pre-size an unallocated table for the incoming map, or grow once if the
    /// incoming map alone exceeds the threshold; then put each key.
    fn put_all<'k>(&mut self, keys: impl ExactSizeIterator<Item = &'k str>) {
        let incoming = keys.len();
        if incoming == 0 {
            return;
        }
        if self.capacity == 0 {
            // Java: `(int)((float)s / loadFactor + 1.0F)`, then the next power of two.
            let wanted = (incoming as f32 / 0.75 + 1.0) as usize;
            if wanted > self.threshold {
                self.threshold = wanted.next_power_of_two();
            }
        } else if incoming > self.threshold {
            self.resize();
        }
        for key in keys {
            self.put(key);
        }
    }

    fn put(&mut self, key: &str) {
        if self.capacity == 0 {
            self.resize();
        }
        let hash = spread_hash(key);
        let same_hash = self.present.entry(hash).or_default();
        if same_hash.iter().any(|k| k == key) {
            return;
        }
        same_hash.push(key.to_owned());
        self.hashes.push(hash);
        let bucket = hash as usize & (self.capacity - 1);
        let Some(size) = self.bucket_sizes.get_mut(bucket) else {
            return;
        };
        *size += 1;
        // A bin that reaches TREEIFY_THRESHOLD + 1 nodes is treeified, or in a small table
        // the table grows instead.
        if *size > Self::TREEIFY_THRESHOLD && self.capacity < Self::MIN_TREEIFY_CAPACITY {
            self.resize();
        }
        if self.hashes.len() > self.threshold {
            self.resize();
        }
    }

    fn resize(&mut self) {
        if self.capacity == 0 {
            // The first allocation takes the pre-sized threshold as capacity (16 if none).
            self.capacity = if self.threshold > 0 { self.threshold } else { 16 };
        } else {
            self.capacity *= 2;
        }
        self.threshold = (self.capacity as f32 * 0.75) as usize;
        self.bucket_sizes = vec![0; self.capacity];
        for hash in &self.hashes {
            if let Some(size) = self.bucket_sizes.get_mut(*hash as usize & (self.capacity - 1)) {
                *size += 1;
            }
        }
    }
}

/// `HashMap.hash(key)`: `String.hashCode()` over UTF-16 code units, with its high half
/// folded into the low half.
fn spread_hash(key: &str) -> u32 {
    let h = key
        .encode_utf16()
        .fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)));
    h ^ (h >> 16)
}
