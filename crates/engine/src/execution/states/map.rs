//! The Map state: runs its item processor once per item (`ItemsPath`/`Items`, through
//! `ItemSelector`), at most `MaxConcurrency` at once on the execution's thread, and
//! collects the outputs in item order. A Distributed Map's iterations keep no events in
//! the parent's history and may fail within the tolerated thresholds
//! (`asl::map_limits`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use asl::definition::{Items, Map, MapMode};
use asl::errors::{names, Failure};
use asl::map_limits::{self, MapLimits};
use asl::template::{Scope, Template};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;

use crate::execution::frame::Frame;
use crate::execution::io;
use crate::execution::progress::{has_resume_point, Child, Inside, Nested, Tracker};
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
    let resumed = cx.resumed.take();
    let input = run.effective_input(cx).map_err(located)?;
    run.observe(state, Seen::AfterInputPath(&input));
    let scope = run.scope(frame, &input, state, entered_ms, None);
    let items = match run.probe.and_then(|probe| probe.map_items(map, &scope)) {
        Some(items) => items,
        None => items(map, &input, &scope),
    }
    .map_err(located)?;
    // AWS reports the item count before it reads the concurrency and tolerance settings.
    if resumed.is_none() {
        run.emit(record, || EventKind::MapStateStarted { length: items.len() });
    }
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
            let iterations = Iterations {
                map,
                cx,
                input: &input,
                limits: &limits,
            };
            iterations.run(run, items, resumed).await?
        }
    };
    match &map.result_selector {
        Some(selector) => selector
            .evaluate(&run.scope(frame, &result, state, entered_ms, None))
            .map_err(located),
        None => Ok(result),
    }
}

/// The iterations of one Map attempt.
struct Iterations<'x, 's> {
    map: &'x Map,
    cx: &'x Entered<'s>,
    input: &'x Value,
    limits: &'x MapLimits,
}

impl Iterations<'_, '_> {
    /// Run the iterations, at most `MaxConcurrency` at once; their outputs in item order
    /// (a tolerated failure in its item's place), or the failure that fails the Map. A
    /// resumed attempt skips the iterations that had finished and re-enters the running
    /// ones where they stood.
    async fn run(&self, run: &Run<'_>, items: Vec<Value>, resumed: Option<Inside>) -> Result<Value, Failure> {
        let Iterations { map, cx, input, limits } = *self;
        let (state, frame, entered_ms) = (cx.state, cx.frame, cx.entered_ms);
        let record = frame.record;
        let distributed = map.mode == MapMode::Distributed;
        if distributed && resumed.is_none() {
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
        // A durable run commits each iteration's progress when iterations can wait.
        let tracker = (run.observer.is_some() && frame.progress.is_some() && has_resume_point(&map.processor))
            .then(|| Rc::new(Tracker::new(cx.entered_id)));
        let _nested = Nested::register(frame, tracker.clone());
        let mut results: Vec<Option<Value>> = vec![None; total];
        let mut failures = 0u64;
        let mut positions = BTreeMap::new();
        for (index, child) in resumed.map(|r| r.children).unwrap_or_default() {
            match child {
                Child::Succeeded(output) if index < total => {
                    if let Some(tracker) = &tracker {
                        tracker.succeeded(index, &output);
                    }
                    results[index] = Some(output);
                }
                Child::Tolerated(output) if index < total => {
                    if let Some(tracker) = &tracker {
                        tracker.tolerated(index, &output);
                    }
                    failures += 1;
                    results[index] = Some(output);
                }
                Child::At(position) => {
                    positions.insert(index, position);
                }
                _ => {}
            }
        }
        // The iterations still to run (all of them, unless resumed), with where each stood.
        let finished: Vec<bool> = results.iter().map(Option::is_some).collect();
        let pending = items
            .into_iter()
            .enumerate()
            .filter(move |(index, _)| !finished[*index])
            .map(move |(index, item)| (index, item, positions.remove(&index)));
        // Iterations started and not yet finished: stopped ones are reported as aborted.
        let running = RefCell::new(std::collections::BTreeSet::new());
        let running = &running;
        let tracker = &tracker;
        let iterations = pending.map(|(index, item, position)| {
            let frame = frame.clone();
            async move {
                let iteration_record = record && !distributed;
                let (child, start, iteration_input) = match position {
                    Some(position) => {
                        // Resumed where it stood: it started before the restart.
                        let child = Frame::child(&frame, None, !distributed).tracked();
                        child.restore(position.variables);
                        child.reach(&position.state, &position.input);
                        child.resume_inside(position.inside.map(|inside| *inside));
                        let start = map
                            .processor
                            .state_index(&position.state)
                            .unwrap_or(map.processor.start_at);
                        (Rc::new(child), start, position.input)
                    }
                    None => {
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
                        let child = Frame::child(&frame, None, !distributed);
                        let child = match tracker {
                            Some(_) => child.tracked(),
                            None => child,
                        };
                        (Rc::new(child), map.processor.start_at, iteration_input)
                    }
                };
                if let Some(tracker) = tracker {
                    tracker.running(index, &child);
                }
                running.borrow_mut().insert(index);
                let result = run.run_states(&map.processor, start, iteration_input, child).await;
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
                if let Some(tracker) = tracker {
                    match &result {
                        Ok(output) => {
                            tracker.succeeded(index, output);
                            run.commit_progress(&frame).await;
                        }
                        Err(_) => tracker.forget(index),
                    }
                }
                (index, result)
            }
        });
        // Iterations finish in any order and free their slot at once; results keep item order.
        let mut first_failure = None;
        let mut stream = stream::iter(iterations).buffer_unordered(concurrency);
        while let Some((index, r)) = stream.next().await {
            match r {
                Ok(v) => results[index] = Some(v),
                Err(f) => {
                    failures += 1;
                    let tolerated = distributed && limits.has_threshold() && !limits.exceeded(failures, total);
                    if tolerated {
                        let output = f.to_output();
                        if let Some(tracker) = tracker {
                            tracker.tolerated(index, &output);
                        }
                        results[index] = Some(output);
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
}

/// The items a Map state iterates over (`ItemsPath`, `Items`, or its input).
pub(in crate::execution) fn items(map: &Map, input: &Value, scope: &dyn Scope) -> Result<Vec<Value>, Failure> {
    Ok(match &map.items {
        Items::Path(path) => {
            let value = crate::execution::io::lookup(scope, path)?;
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
