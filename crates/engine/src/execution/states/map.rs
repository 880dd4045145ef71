//! The Map state: runs its item processor once per item (`ItemsPath`/`Items`, through
//! `ItemSelector`), at most `MaxConcurrency` at once on the execution's thread, and
//! collects the outputs in item order. A Distributed Map's iterations keep no events in
//! the parent's history and may fail within the tolerated thresholds
//! (`asl::map_limits`).

use std::cell::RefCell;
use std::rc::Rc;

use asl::definition::{Items, Map, MapMode};
use asl::errors::{names, Failure};
use asl::map_limits::{self, MapLimits};
use asl::template::{Scope, Template};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::execution::frame::Frame;
use crate::execution::io;
use crate::execution::run::Run;
use crate::execution::test_state::Seen;
use crate::execution::Entered;
use crate::history::{EventKind, IterationPhase};

/// One attempt of a Map state: `InputPath`, the items, the limits, the iterations (each
/// through `ItemSelector`), the tolerated-failure verdict, and `ResultSelector`.
pub(in crate::execution) async fn attempt(run: &Run<'_>, map: &Map, cx: &Entered<'_>) -> Result<Value, Failure> {
    let (state, frame, entered_ms) = (cx.state, cx.frame, cx.entered_ms);
    let located = |f: Failure| cx.located(f);
    let record = frame.record;
    let input = run.effective_input(cx).map_err(located)?;
    run.observe(state, Seen::AfterInputPath(&input));
    let scope = run.scope(frame, &input, state, entered_ms, None);
    let items = match run.probe.and_then(|probe| probe.map_items(map, &scope)) {
        Some(items) => items,
        None => items(map, &input, &scope),
    }
    .map_err(located)?;
    // AWS reports the item count before it reads the concurrency and tolerance settings.
    run.emit(record, || EventKind::MapStateStarted { length: items.len() });
    let limits = map_limits::resolve(map, &scope).map_err(located)?;
    run.observe(state, Seen::MapLimits(&limits));
    drop(scope);
    let result = match run.probe {
        // TestState never runs the iterations: their result is the mock's.
        Some(probe) => probe.map_result(items.len(), &limits)?,
        None => {
            if limits.stalls {
                std::future::pending::<()>().await;
            }
            iterations(run, map, cx, &input, items, &limits).await?
        }
    };
    match &map.result_selector {
        Some(selector) => selector
            .evaluate(&run.scope(frame, &result, state, entered_ms, None))
            .map_err(located),
        None => Ok(result),
    }
}

/// Run the iterations, at most `MaxConcurrency` at once; their outputs in item order (a
/// tolerated failure in its item's place), or the failure that fails the Map.
async fn iterations(
    run: &Run<'_>,
    map: &Map,
    cx: &Entered<'_>,
    input: &Value,
    items: Vec<Value>,
    limits: &MapLimits,
) -> Result<Value, Failure> {
    let (state, frame, entered_ms) = (cx.state, cx.frame, cx.entered_ms);
    let record = frame.record;
    let distributed = map.mode == MapMode::Distributed;
    if distributed {
        let label = map
            .label
            .clone()
            .unwrap_or_else(|| format!("{:08x}", run.next_random() as u32));
        let map_run_arn = format!(
            "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
            run.spec.region,
            run.spec.account,
            run.spec.state_machine_name,
            label,
            uuid_from(run.next_random(), run.next_random())
        );
        run.emit(record, || EventKind::MapRunStarted { map_run_arn });
    }
    let total = items.len();
    let concurrency = limits.concurrency(total);
    // Iterations started and not yet finished: stopped ones are reported as aborted.
    let running = RefCell::new(std::collections::BTreeSet::new());
    let running = &running;
    let iterations = items.into_iter().enumerate().map(|(index, item)| {
        let frame = frame.clone();
        async move {
            let iteration_record = record && !distributed;
            let iteration_input = match &map.item_selector {
                Some(selector) => {
                    let child = Frame::child(&frame, Some((index, item)), true);
                    let scope = run.scope(&child, input, state, entered_ms, None);
                    match selector.evaluate(&scope) {
                        Ok(v) => v,
                        Err(f) => return (index, Err(cx.located(f))),
                    }
                }
                None => item,
            };
            run.emit(iteration_record, || EventKind::MapIteration {
                phase: IterationPhase::Started,
                index,
                name: state.name.clone(),
            });
            running.borrow_mut().insert(index);
            let child = Rc::new(Frame::child(&frame, None, !distributed));
            let result = run.run_machine(&map.processor, iteration_input, child).await;
            running.borrow_mut().remove(&index);
            let phase = if result.is_ok() {
                IterationPhase::Succeeded
            } else {
                IterationPhase::Failed
            };
            run.emit(iteration_record, || EventKind::MapIteration {
                phase,
                index,
                name: state.name.clone(),
            });
            (index, result)
        }
    });
    // Iterations finish in any order and free their slot at once; results keep item order.
    let mut results: Vec<Option<Value>> = vec![None; total];
    let mut failures = 0u64;
    let mut first_failure = None;
    let mut stream = stream::iter(iterations).buffer_unordered(concurrency);
    while let Some((index, r)) = stream.next().await {
        match r {
            Ok(v) => results[index] = Some(v),
            Err(f) => {
                failures += 1;
                let tolerated = distributed && limits.has_threshold() && !limits.exceeded(failures, total);
                if tolerated {
                    results[index] = Some(f.to_output());
                    continue;
                }
                first_failure = Some(f);
                break;
            }
        }
    }
    drop(stream);
    let aborted = std::mem::take(&mut *running.borrow_mut());
    for index in aborted {
        run.emit(record && !distributed, || EventKind::MapIteration {
            phase: IterationPhase::Aborted,
            index,
            name: state.name.clone(),
        });
    }
    if let Some(f) = first_failure {
        if distributed {
            run.emit(record, || EventKind::MapRunFailed);
            return Err(if limits.has_threshold() {
                map_limits::threshold_exceeded()
            } else {
                f
            });
        }
        return Err(f);
    }
    if distributed {
        run.emit(record, || EventKind::MapRunSucceeded);
    } else if record {
        run.history.borrow_mut().chain_to_last();
    }
    run.emit_after_last(record, || EventKind::MapStateSucceeded);
    Ok(Value::Array(results.into_iter().flatten().collect()))
}

/// The items a Map state iterates over (`ItemsPath`, `Items`, or its input).
pub(in crate::execution) fn items(map: &Map, input: &Value, scope: &dyn Scope) -> Result<Vec<Value>, Failure> {
    Ok(match &map.items {
        Items::Path(path) => {
            let value = asl::template::lookup(scope, path).ok_or_else(|| {
                Failure::runtime(format!(
                    "Invalid path '{}' : No results for path: {}",
                    path.as_str(),
                    path.as_str()
                ))
            })?;
            match value {
                Value::Array(items) => items,
                other => {
                    return Err(Failure::runtime(format!(
                        "Invalid path '{}': The ItemsPath field must reference an array but was: {}",
                        path.as_str(),
                        other
                    )))
                }
            }
        }
        Items::Expression(t) => match t.evaluate(scope)? {
            Value::Array(items) => items,
            other => {
                let expression = match t {
                    Template::Jsonata { expression, .. } => expression.as_str(),
                    _ => "",
                };
                return Err(Failure {
                    location: Some("Items".into()),
                    ..Failure::new(
                        names::QUERY_EVALUATION_ERROR,
                        format!(
                            "The JSONata expression '{expression}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {other}",
                            io::json_type(&other)
                        ),
                    )
                });
            }
        },
        Items::Input => match input.clone() {
            Value::Array(items) => items,
            other => {
                return Err(Failure::new(
                    names::QUERY_EVALUATION_ERROR,
                    format!("Map state input must be an array but was: {other}"),
                ))
            }
        },
    })
}

/// A version-4 UUID from 128 random bits.
fn uuid_from(a: u64, b: u64) -> String {
    let bytes = ((a as u128) << 64 | b as u128).to_be_bytes();
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}
