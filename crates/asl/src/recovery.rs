//! What a Task, Parallel or Map state's `Retry` and `Catch` fields make of a failure: the
//! decision as data (retry with this retrier after this delay, catch with this catcher, or
//! fail), which the engine carries out and TestState reports.

use crate::definition::{Catcher, Jitter, Retrier};
use crate::errors::{names, Failure};

/// What to do with a failure of a state with recovery fields.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Run the state again after `delay_seconds` (the back-off before any jitter; see
    /// [`jittered`]), with the retrier at `retrier`.
    Retry { retrier: usize, delay_seconds: f64 },
    /// The catcher at `catcher` takes the failure. `retrier` is the retrier that matched
    /// but had no attempts left, if one did.
    Catch { catcher: usize, retrier: Option<usize> },
    /// The state fails. `retrier` as for `Catch`.
    Fail { retrier: Option<usize> },
}

/// Whether a failure is never retried: `States.Runtime` and `States.DataLimitExceeded`.
/// (`States.ALL` does not catch them either; a catcher must name them.)
pub fn is_terminal(failure: &Failure) -> bool {
    failure.error == names::RUNTIME || failure.error == names::DATA_LIMIT_EXCEEDED
}

/// Decide what happens to `failure`. `attempts(i)` is how many retries the retrier at `i`
/// has made already. The first retrier whose `ErrorEquals` matches applies, while it has
/// attempts left; then the first matching catcher; else the state fails.
pub fn decide(retry: &[Retrier], catch: &[Catcher], failure: &Failure, attempts: impl Fn(usize) -> u64) -> Verdict {
    let retrier = match is_terminal(failure) {
        true => None,
        false => retry.iter().position(|r| failure.matches(&r.error_equals)),
    };
    if let Some(index) = retrier {
        let made = attempts(index);
        if made < retry[index].max_attempts {
            return Verdict::Retry {
                retrier: index,
                delay_seconds: backoff_seconds(&retry[index], made),
            };
        }
    }
    match catcher(catch, failure) {
        Some(catcher) => Verdict::Catch { catcher, retrier },
        None => Verdict::Fail { retrier },
    }
}

/// The first catcher that takes `failure`.
pub fn catcher(catch: &[Catcher], failure: &Failure) -> Option<usize> {
    catch.iter().position(|c| failure.matches(&c.error_equals))
}

/// A retrier's delay before its next attempt, given how many it has made, before jitter:
/// `IntervalSeconds × BackoffRate^attempts`, at most `MaxDelaySeconds`.
pub fn backoff_seconds(retrier: &Retrier, attempts: u64) -> f64 {
    let delay = retrier.interval_seconds as f64 * retrier.backoff_rate.powi(attempts.min(i32::MAX as u64) as i32);
    match retrier.max_delay_seconds {
        Some(max) => delay.min(max as f64),
        None => delay,
    }
}

/// Whether the retrier's delay is jittered, so the engine draws a random number for it.
pub fn needs_random(retrier: &Retrier) -> bool {
    retrier.jitter == Jitter::Full
}

/// A back-off with `JitterStrategy: FULL` applied: scaled by a uniform fraction drawn from
/// `random` (53 of its bits).
pub fn jittered(delay_seconds: f64, random: u64) -> f64 {
    delay_seconds * (random >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::ResultPath;

    fn retrier(errors: &[&str], max_attempts: u64) -> Retrier {
        Retrier {
            error_equals: errors.iter().map(|s| s.to_string()).collect(),
            interval_seconds: 2,
            max_attempts,
            backoff_rate: 3.0,
            max_delay_seconds: None,
            jitter: Jitter::None,
        }
    }

    fn catcher(errors: &[&str]) -> Catcher {
        Catcher {
            error_equals: errors.iter().map(|s| s.to_string()).collect(),
            next: 0,
            result_path: ResultPath::Replace,
            assign: None,
            output: None,
        }
    }

    #[test]
    fn verdicts() {
        let retry = [retrier(&["A"], 2), retrier(&["States.ALL"], 0)];
        let catch = [catcher(&["B"]), catcher(&["States.ALL"])];
        let cases = [
            (
                "A",
                0,
                Verdict::Retry {
                    retrier: 0,
                    delay_seconds: 2.0,
                },
            ),
            (
                "A",
                1,
                Verdict::Retry {
                    retrier: 0,
                    delay_seconds: 6.0,
                },
            ),
            (
                "A",
                2,
                Verdict::Catch {
                    catcher: 1,
                    retrier: Some(0),
                },
            ),
            (
                "B",
                0,
                Verdict::Catch {
                    catcher: 0,
                    retrier: Some(1),
                },
            ),
            ("States.Runtime", 0, Verdict::Fail { retrier: None }),
            ("States.DataLimitExceeded", 0, Verdict::Fail { retrier: None }),
        ];
        let named = [catcher(&["States.Runtime"])];
        assert_eq!(
            decide(&retry, &named, &Failure::new("States.Runtime", "c"), |_| 0),
            Verdict::Catch {
                catcher: 0,
                retrier: None
            }
        );
        for (error, made, expected) in cases {
            let failure = Failure::new(error, "c");
            assert_eq!(
                decide(&retry, &catch, &failure, |_| made),
                expected,
                "{error} after {made}"
            );
        }
        let failure = Failure::new("C", "c");
        assert_eq!(
            decide(&retry[..1], &catch[..1], &failure, |_| 0),
            Verdict::Fail { retrier: None }
        );
    }

    #[test]
    fn backoff_is_capped_and_jitter_scales_it_down() {
        let mut r = retrier(&["A"], 5);
        assert_eq!(backoff_seconds(&r, 2), 18.0);
        r.max_delay_seconds = Some(10);
        assert_eq!(backoff_seconds(&r, 2), 10.0);
        assert_eq!(jittered(10.0, 0), 0.0);
        assert!(jittered(10.0, u64::MAX) < 10.0);
    }
}
