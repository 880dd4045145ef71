//! [`Run`]: what one execution shares across its states, iterations and branches — the
//! history, the random state, the counters, the hooks — and the durable steps it hands to
//! its observer.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use asl::definition::{State, StateKind};
use asl::errors::{names, Failure, Origin};
use integrations::mock::TestCase;
use integrations::Integration;
use serde_json::Value;

use super::frame::Frame;
use super::test_state::{Probe, Seen};
use super::{iso_millis, Checkpoint, Clock, ExecutionSpec, Observer, Options, TokenHub, WaitPoint};
use crate::history::{EventKind, History};

/// What a run is given: the execution, the integration, the clock and the options.
#[derive(Clone, Copy)]
pub(super) struct Environment<'a> {
    pub spec: &'a ExecutionSpec,
    pub integration: &'a dyn Integration,
    pub clock: &'a dyn Clock,
    pub options: &'a Options,
}

pub(super) struct Run<'a> {
    pub spec: &'a ExecutionSpec,
    pub integration: &'a dyn Integration,
    pub clock: &'a dyn Clock,
    pub options: &'a Options,
    pub observer: Option<&'a dyn Observer>,
    pub tokens: Option<&'a dyn TokenHub>,
    pub history: RefCell<History>,
    pub rng: Cell<u64>,
    pub start_ms: i64,
    pub start_time: String,
    /// The Wait state a resumed run is inside; taken by the first state it runs.
    pub resumed_wait: Cell<Option<WaitPoint>>,
    /// The top-level state running and its input (durable runs only: a redrive starts there).
    pub current: RefCell<Option<(usize, Value)>>,
    pub transitions: Cell<u64>,
    /// The input text, until the first state's entered event takes it.
    pub first_input_text: RefCell<Option<String>>,
    pub mocks: Option<&'a TestCase>,
    /// Invocations so far of each mocked state (see [`super::Hooks::mocks`]).
    pub mock_invocations: RefCell<BTreeMap<String, u64>>,
    /// TestState's probe: sees each intermediate value, supplies mocked results and takes
    /// the Retry/Catch verdict instead of waiting.
    pub probe: Option<&'a Probe<'a>>,
}

impl<'a> Run<'a> {
    /// A run starting afresh or resuming at `resume`; `configure` sets the optional parts.
    pub(super) fn new(
        environment: Environment<'a>,
        resume: Option<&Checkpoint>,
        configure: impl FnOnce(&mut Run<'a>),
    ) -> Run<'a> {
        let Environment {
            spec,
            integration,
            clock,
            options,
        } = environment;
        let start_ms = resume.map_or_else(|| clock.now_ms(), |c| c.start_ms);
        let mut run = Run {
            spec,
            integration,
            clock,
            options,
            observer: None,
            tokens: None,
            history: RefCell::new(match resume {
                Some(c) => History::resumed(c.events, c.chain),
                None => History::new(options.keep_history),
            }),
            rng: Cell::new(resume.map_or(options.seed | 1, |c| c.rng)),
            start_ms,
            start_time: iso_millis(start_ms),
            resumed_wait: Cell::new(resume.and_then(|c| c.wait)),
            current: RefCell::new(None),
            transitions: Cell::new(resume.map_or(0, |c| c.transitions)),
            first_input_text: RefCell::new(match resume {
                Some(c) => c.input_text.clone(),
                None => Some(spec.input.text().to_owned()),
            }),
            mocks: None,
            mock_invocations: RefCell::new(resume.map(|c| c.mock_invocations.clone()).unwrap_or_default()),
            probe: None,
        };
        configure(&mut run);
        run
    }

    pub(super) fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Record an event. The event is built only when the history keeps events, so a run
    /// that only counts them does not copy payloads.
    pub(super) fn emit(&self, record: bool, kind: impl FnOnce() -> EventKind) -> u64 {
        if !record {
            return 0;
        }
        let mut history = self.history.borrow_mut();
        if !history.keep {
            return history.skip();
        }
        let now = self.now();
        history.push(now, kind())
    }

    /// Record an event that follows the last event recorded (the closing event of a
    /// Map or Parallel state).
    pub(super) fn emit_after_last(&self, record: bool, kind: impl FnOnce() -> EventKind) {
        if !record {
            return;
        }
        let now = self.now();
        let mut history = self.history.borrow_mut();
        if !history.keep {
            history.skip();
            return;
        }
        history.push_after_last(now, kind());
    }

    pub(super) fn next_random(&self) -> u64 {
        // xorshift64*: deterministic for a seed, and plenty for jitter and MathRandom.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Show TestState's probe an intermediate value (nothing happens in an execution).
    pub(super) fn observe(&self, state: &State, seen: Seen<'_>) {
        if let Some(probe) = self.probe {
            probe.see(state, seen);
        }
    }

    /// Hand the events so far to the observer (when there is one) before waiting for an
    /// answer from outside the run.
    pub(super) async fn publish(&self) {
        let Some(observer) = self.observer else { return };
        let events = self.history.borrow_mut().drain();
        if !events.is_empty() {
            observer.publish(events).await;
        }
    }

    /// Hand the events so far and the resume point to the observer (when there is one).
    pub(super) async fn checkpoint(&self, state: &State, input: &Value, frame: &Frame, wait: Option<WaitPoint>) {
        let Some(observer) = self.observer else { return };
        frame.reach(&state.name, input);
        let events = self.history.borrow_mut().drain();
        let checkpoint = self.resume_point(state, input.clone(), frame, wait, true);
        observer.step(events, checkpoint).await;
    }

    /// Hand the events so far and a resume point inside the top-level Map or Parallel
    /// state to the observer: where the top-level state stands, with the progress of every
    /// tracked iteration and branch (see `progress`).
    pub(super) async fn commit_progress(&self, frame: &Rc<Frame>) {
        let Some(observer) = self.observer else { return };
        let Some(position) = frame.top().position() else { return };
        let events = self.history.borrow_mut().drain();
        let (count, chain) = self.history.borrow().position();
        let checkpoint = Checkpoint {
            state: position.state,
            input: position.input,
            variables: position.variables,
            events: count,
            chain,
            rng: self.rng.get(),
            transitions: self.transitions.get(),
            start_ms: self.start_ms,
            input_text: None,
            wait: None,
            redrive_count: None,
            mock_invocations: self.mock_invocations.borrow().clone(),
            inside: position.inside.map(|inside| *inside),
        };
        observer.step(events, checkpoint).await;
    }

    /// Where a run resumes: entering `state` with `input` and the frame's variables.
    /// `first_input` keeps the execution's input text while no state has entered yet.
    pub(super) fn resume_point(
        &self,
        state: &State,
        input: Value,
        frame: &Frame,
        wait: Option<WaitPoint>,
        first_input: bool,
    ) -> Checkpoint {
        let (events, chain) = self.history.borrow().position();
        Checkpoint {
            state: state.name.clone(),
            input,
            variables: frame.snapshot(),
            events,
            chain,
            rng: self.rng.get(),
            transitions: self.transitions.get(),
            start_ms: self.start_ms,
            input_text: if first_input {
                self.first_input_text.borrow().clone()
            } else {
                None
            },
            wait,
            redrive_count: None,
            mock_invocations: self.mock_invocations.borrow().clone(),
            inside: None,
        }
    }

    /// AWS records a failed JSONata evaluation in a state (not one passed up from a Map
    /// iteration or branch) as an `EvaluationFailed` event. It points where the state's
    /// entered event pointed, except in a Wait state, where it points at the entered event
    /// (both as recorded from AWS).
    pub(super) fn record_evaluation_failure(&self, record: bool, state: &State, failure: &Failure, entered_id: u64) {
        if !record || failure.error != names::QUERY_EVALUATION_ERROR || !failure.raised_by(&state.name, entered_id) {
            return;
        }
        let now = self.now();
        let mut history = self.history.borrow_mut();
        if !history.keep {
            history.skip();
            return;
        }
        let prev = match state.kind {
            StateKind::Wait(_) => entered_id,
            _ => history.event(entered_id).map_or(0, |e| e.previous_event_id),
        };
        history.push_with_prev(
            now,
            prev,
            EventKind::EvaluationFailed {
                error: failure.error.clone(),
                cause: failure.cause.clone().unwrap_or_default(),
                location: failure.location.clone(),
                state: state.name.clone(),
            },
        );
    }

    /// The mock's answer for this invocation of the Task state `state_name`, counting it;
    /// `None` when the state is not mocked. TestState's probe answers for the test.
    pub(super) fn mock_answer(&self, state_name: &str) -> Option<Result<Value, Failure>> {
        if let Some(probe) = self.probe {
            return probe.mocked();
        }
        let mocks = self.mocks.filter(|m| m.mocks(state_name))?;
        let invocation = {
            let mut counts = self.mock_invocations.borrow_mut();
            let count = counts.entry(state_name.to_owned()).or_insert(0);
            *count += 1;
            *count - 1
        };
        mocks.answer(state_name, invocation)
    }

    pub(super) async fn sleep_until(&self, until_ms: i64) {
        let left = until_ms - self.now();
        if left > 0 {
            tokio::time::sleep(Duration::from_millis(left as u64)).await;
        }
    }

    pub(super) async fn sleep_ms(&self, ms: i64) {
        let scaled = ms as f64 * self.options.wait_scale;
        if scaled > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(scaled / 1000.0)).await;
        }
    }
}

/// Mark a failure as raised by `state`, entered at event `entered_id`.
pub(super) fn located(failure: Failure, state: &State, entered_id: u64) -> Failure {
    Failure {
        origin: Some(Origin {
            state: state.name.clone(),
            entered_event: entered_id,
        }),
        ..failure
    }
}

/// Prefix a runtime or JSONata evaluation error's cause with the state it happened in, as
/// AWS words it in an execution.
pub(super) fn prefixed(failure: Failure, state: &State, entered_id: u64) -> Failure {
    match failure.cause {
        Some(cause) if failure.error == names::RUNTIME || failure.error == names::QUERY_EVALUATION_ERROR => Failure {
            cause: Some(format!(
                "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                state.name, entered_id, cause
            )),
            ..failure
        },
        cause => Failure { cause, ..failure },
    }
}
