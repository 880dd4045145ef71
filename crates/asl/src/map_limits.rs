//! A Map state's limits, resolved against its input (`MaxConcurrency`, the tolerated
//! failure thresholds, in their literal, `...Path` and JSONata forms), and the one rule
//! that says whether the failed iterations exceed what the state tolerates.

use serde_json::Value;

use crate::definition::{Dynamic, Map};
use crate::errors::{names, Failure};
use crate::path::ReferencePath;
use crate::template::Scope;

/// `MaxConcurrency` and the tolerated failure thresholds of a Map state, resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapLimits {
    /// 0: no limit.
    pub max_concurrency: u64,
    /// `MaxConcurrencyPath` read a negative number. AWS then leaves the execution running
    /// with no further events (recorded: scenarios `test_max_concurrency_path_negative`)
    /// until it is stopped or times out.
    pub stalls: bool,
    pub tolerated_count: Option<u64>,
    pub tolerated_percentage: Option<f64>,
}

impl MapLimits {
    /// Whether a tolerated failure threshold is set at all. Without one, any failed
    /// iteration fails the Map state with its own error.
    pub fn has_threshold(&self) -> bool {
        self.tolerated_count.is_some() || self.tolerated_percentage.is_some()
    }

    /// Whether `failures` failed iterations out of `total` exceed what the state tolerates:
    /// the Map fails as soon as any threshold that is set is exceeded (more failures than
    /// `ToleratedFailureCount`, or a larger share of the items than
    /// `ToleratedFailurePercentage`). With no threshold set nothing is "exceeded": the
    /// caller fails on the first failure with that failure's own error.
    pub fn exceeded(&self, failures: u64, total: usize) -> bool {
        failures > 0
            && (self.tolerated_count.is_some_and(|n| failures > n)
                || self
                    .tolerated_percentage
                    .is_some_and(|p| failures as f64 * 100.0 / total.max(1) as f64 > p))
    }

    /// The number of iterations to run at once for `total` items.
    pub fn concurrency(&self, total: usize) -> usize {
        if self.max_concurrency == 0 {
            total.max(1)
        } else {
            self.max_concurrency as usize
        }
    }
}

/// The failure a Map state raises when its failed iterations exceed its threshold.
pub fn threshold_exceeded() -> Failure {
    Failure::new(
        names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
        "The specified tolerated failure threshold was exceeded",
    )
}

/// Resolve a Map state's [`MapLimits`] (literal, `...Path` or JSONata forms).
pub fn resolve(map: &Map, scope: &dyn Scope) -> Result<MapLimits, Failure> {
    let (max_concurrency, stalls) = match &map.max_concurrency {
        Dynamic::Literal(n) => (*n, false),
        Dynamic::Path(path) => {
            let value = crate::template::lookup(scope, path);
            let limit = value.as_ref().and_then(Value::as_u64).unwrap_or(0);
            (limit, value.as_ref().and_then(Value::as_f64).is_some_and(|n| n < 0.0))
        }
        Dynamic::Expression(t) => (t.evaluate(scope)?.as_u64().unwrap_or(0), false),
    };
    let tolerated_count = match &map.tolerated_failure_count {
        None => None,
        Some(Dynamic::Literal(n)) => Some(*n),
        Some(Dynamic::Path(path)) => Some(path_number(
            scope,
            path,
            "ToleratedFailureCountPath",
            "integer",
            Value::as_u64,
        )?),
        Some(Dynamic::Expression(t)) => t.evaluate(scope)?.as_u64(),
    };
    let tolerated_percentage = match &map.tolerated_failure_percentage {
        None => None,
        Some(Dynamic::Literal(p)) => Some(*p),
        Some(Dynamic::Path(path)) => {
            let p = path_number(scope, path, "ToleratedFailurePercentagePath", "float", Value::as_f64)?;
            if !(0.0..=100.0).contains(&p) {
                return Err(Failure::runtime(
                    "ToleratedFailurePercentage must be between 0 and 100.",
                ));
            }
            Some(p)
        }
        Some(Dynamic::Expression(t)) => t.evaluate(scope)?.as_f64(),
    };
    Ok(MapLimits {
        max_concurrency,
        stalls,
        tolerated_count,
        tolerated_percentage,
    })
}

/// The number a Map's `...Path` field refers to, or AWS's error when it is not a valid
/// `kind` ("integer", "float").
fn path_number<T>(
    scope: &dyn Scope,
    path: &ReferencePath,
    field: &str,
    kind: &str,
    convert: impl Fn(&Value) -> Option<T>,
) -> Result<T, Failure> {
    let value = crate::template::lookup(scope, path).unwrap_or(Value::Null);
    convert(&value).ok_or_else(|| {
        Failure::runtime(format!(
            "The {field} field refers to value \"{}\" which is not a valid {kind}: {}",
            value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string()),
            path.as_str()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_fails_when_any_set_threshold_is_exceeded() {
        let limits = |count, percentage| MapLimits {
            tolerated_count: count,
            tolerated_percentage: percentage,
            ..MapLimits::default()
        };
        // (count, percentage, failures of 10 items, exceeded)
        let cases = [
            (None, None, 3, false),
            (Some(2), None, 2, false),
            (Some(2), None, 3, true),
            (None, Some(20.0), 2, false),
            (None, Some(20.0), 3, true),
            // Both set: within both passes; over either fails.
            (Some(5), Some(20.0), 2, false),
            (Some(5), Some(20.0), 3, true),
            (Some(2), Some(50.0), 3, true),
            (Some(0), Some(100.0), 1, true),
        ];
        for (count, percentage, failures, expected) in cases {
            assert_eq!(
                limits(count, percentage).exceeded(failures, 10),
                expected,
                "{count:?} {percentage:?} {failures}"
            );
        }
        assert!(!limits(Some(0), None).exceeded(0, 0));
    }
}
