//! The Wait state: waits `Seconds` or until `Timestamp` (literal, path or JSONata), scaled
//! by `Options::wait_scale`. At the top level of a durable run the deadline is part of a
//! durable step, so after a restart the timer fires when it would have.

use asl::definition::{Dynamic, ResultPath, Wait, WaitFor};
use asl::errors::{names, Failure};
use asl::template::Scope;
use serde_json::Value;

use crate::execution::run::Run;
use crate::execution::test_state::Seen;
use crate::execution::{Completed, Entered, WaitPoint};

pub(in crate::execution) async fn run(run: &Run<'_>, wait: &Wait, cx: Entered<'_>) -> Result<Completed, Failure> {
    let state = cx.state;
    let input = run.effective_input(&cx).map_err(|f| cx.located(f))?;
    run.observe(state, Seen::AfterInputPath(&input));
    let delay_ms = {
        let scope = run.scope(cx.frame, &input, state, cx.entered_ms, None);
        delay_ms(run, &wait.wait_for, &scope).map_err(|f| cx.located(f))?
    };
    if delay_ms / 1000 > i64::from(i32::MAX) {
        return Err(cx.located(Failure::runtime("Wait state delay is too long.")));
    }
    match run.resumed_wait.take() {
        Some(point) => run.sleep_until(point.until_ms).await,
        None if cx.frame.parent.is_none() && run.observer.is_some() => {
            // The timer is part of the durable step: after a restart it fires at the same
            // time (or at once, if that has passed).
            let until_ms = run.now() + (delay_ms as f64 * run.options.wait_scale.max(0.0)) as i64;
            let point = WaitPoint {
                until_ms,
                entered_event: cx.entered_id,
            };
            run.checkpoint(state, &cx.raw_input, cx.frame, Some(point)).await;
            run.sleep_until(until_ms).await;
        }
        None => run.sleep_ms(delay_ms).await,
    }
    let assigned = {
        let scope = run.scope(cx.frame, &input, state, cx.entered_ms, None);
        run.assign(state.assign.as_ref(), &scope).map_err(|f| cx.located(f))?
    };
    let output = run
        .finish_output(state, input.into_owned(), Value::Null, &ResultPath::Discard, cx.frame)
        .map_err(|f| cx.located(f))?;
    Ok(Completed {
        transition: wait.transition,
        output,
        assigned,
    })
}

/// How long the state waits, in milliseconds (negative: the timestamp has passed).
fn delay_ms(run: &Run<'_>, wait_for: &WaitFor, scope: &dyn Scope) -> Result<i64, Failure> {
    match wait_for {
        WaitFor::Seconds(Dynamic::Literal(s)) => Ok(*s as i64 * 1000),
        WaitFor::Seconds(Dynamic::Path(path)) => {
            let value = crate::execution::io::lookup(scope, path)?;
            match value.as_i64() {
                Some(n) if n >= 0 => Ok(n.saturating_mul(1000)),
                Some(_) => Err(Failure::runtime(format!(
                    "The SecondsPath parameter references a negative value: {} == {}",
                    path.as_str(),
                    value
                ))),
                None => Err(Failure::runtime(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                    path.as_str(),
                    value
                ))),
            }
        }
        WaitFor::Seconds(Dynamic::Expression(t)) => {
            let value = t.evaluate(scope)?;
            value.as_u64().map(|n| n as i64 * 1000).ok_or_else(|| {
                Failure::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!("The Seconds field must be a positive integer: {value}"),
                )
            })
        }
        WaitFor::Timestamp(timestamp) => {
            let (text, from_path) = match timestamp {
                Dynamic::Literal(s) => (Value::String(s.clone()), None),
                Dynamic::Path(path) => {
                    let value = crate::execution::io::lookup(scope, path)?;
                    (value, Some(path.as_str()))
                }
                Dynamic::Expression(t) => (t.evaluate(scope)?, None),
            };
            let parsed = text.as_str().and_then(asl::choice::parse_timestamp);
            match (parsed, from_path) {
                (Some(ts), _) => Ok(ts.as_millisecond() - run.now()),
                (None, Some(path)) => Err(Failure::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                    path,
                    text.as_str().map(str::to_owned).unwrap_or_else(|| text.to_string())
                ))),
                (None, None) => Err(Failure {
                    location: Some("Timestamp".into()),
                    ..Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!(
                            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                            text.as_str().map(str::to_owned).unwrap_or_else(|| text.to_string())
                        ),
                    )
                }),
            }
        }
    }
}
