//! Exactly-once inside Map and Parallel states. While a durable run is inside a top-level
//! Map or Parallel state whose iterations or branches contain resume points (Task, Wait,
//! Map, Parallel states), every checkpoint also says how far each iteration or branch has
//! come ([`Inside`]): the ones that finished, with their output, and where each running
//! one last stood at a resume point, with its variables then (and, recursively, the Map or
//! Parallel state it is inside). A resumed run re-enters only the iterations and branches
//! that had not finished, each at its last resume point, so a Task that completed before
//! the last commit never starts again; only work in flight at the crash runs twice.
//!
//! A progress step is committed when an iteration or branch reaches a resume point and when
//! it finishes. Runs without an observer, and Map or Parallel states with only computing
//! states inside, track nothing.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use asl::definition::{StateKind, StateMachine};
use serde::{Deserialize, Serialize};
use serde_json::{Map as JsonMap, Value};

use super::frame::Frame;

/// A Map or Parallel state in progress, as a checkpoint holds it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inside {
    /// The id of the state's entered event.
    pub entered_event: u64,
    /// Iterations (or branches) by index. One that is missing had not started, or had not
    /// reached a resume point yet: it starts from its beginning.
    pub children: BTreeMap<usize, Child>,
}

/// How far one iteration or branch has come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Child {
    /// Finished, with this output.
    Succeeded(Value),
    /// A Distributed Map iteration that failed within the tolerated threshold, with its
    /// error output (it counts as a failure).
    Tolerated(Value),
    /// Running: about to enter this resume point.
    At(Position),
}

/// Where a thread of states stands: about to enter `state` with `input` and its own
/// variables, or (with `inside`) inside that Map or Parallel state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub state: String,
    pub input: Value,
    #[serde(default, skip_serializing_if = "JsonMap::is_empty")]
    pub variables: JsonMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inside: Option<Box<Inside>>,
}

/// What a running Map or Parallel attempt knows of its iterations or branches.
pub(super) struct Tracker {
    entered_event: u64,
    children: RefCell<BTreeMap<usize, Live>>,
}

enum Live {
    Succeeded(Value),
    Tolerated(Value),
    Running(Rc<Frame>),
}

impl Tracker {
    pub(super) fn new(entered_event: u64) -> Tracker {
        Tracker {
            entered_event,
            children: RefCell::new(BTreeMap::new()),
        }
    }

    pub(super) fn running(&self, index: usize, frame: &Rc<Frame>) {
        self.children.borrow_mut().insert(index, Live::Running(frame.clone()));
    }

    pub(super) fn succeeded(&self, index: usize, output: &Value) {
        self.children
            .borrow_mut()
            .insert(index, Live::Succeeded(output.clone()));
    }

    pub(super) fn tolerated(&self, index: usize, error_output: &Value) {
        self.children
            .borrow_mut()
            .insert(index, Live::Tolerated(error_output.clone()));
    }

    /// An iteration or branch that did not finish (failed, or stopped): forget it.
    pub(super) fn forget(&self, index: usize) {
        self.children.borrow_mut().remove(&index);
    }

    pub(super) fn snapshot(&self) -> Inside {
        let children = self
            .children
            .borrow()
            .iter()
            .filter_map(|(index, live)| {
                let child = match live {
                    Live::Succeeded(v) => Child::Succeeded(v.clone()),
                    Live::Tolerated(v) => Child::Tolerated(v.clone()),
                    Live::Running(frame) => Child::At(frame.position()?),
                };
                Some((*index, child))
            })
            .collect();
        Inside {
            entered_event: self.entered_event,
            children,
        }
    }
}

/// What a tracked frame remembers for progress steps.
#[derive(Default)]
pub(super) struct FrameProgress {
    /// The last resume point this thread of states reached (without `inside`).
    pub at: RefCell<Option<Position>>,
    /// The Map or Parallel attempt running in this thread of states.
    pub nested: RefCell<Option<Rc<Tracker>>>,
    /// A resumed run: the progress of the Map or Parallel state this thread re-enters
    /// first, taken by that state.
    pub resumed: RefCell<Option<Inside>>,
}

/// Whether a machine (an item processor or a branch) has a state that waits for something
/// outside the run, directly or inside a nested Map or Parallel: only then is its progress
/// worth committing.
pub(super) fn has_resume_point(machine: &StateMachine) -> bool {
    machine.states.iter().any(|state| match &state.kind {
        StateKind::Task(_) | StateKind::Wait(_) => true,
        StateKind::Map(map) => has_resume_point(&map.processor),
        StateKind::Parallel(parallel) => parallel.branches.iter().any(has_resume_point),
        _ => false,
    })
}

/// Registers a Map or Parallel attempt's tracker on its thread's frame while it runs.
pub(super) struct Nested<'f> {
    frame: &'f Frame,
    active: bool,
}

impl<'f> Nested<'f> {
    pub(super) fn register(frame: &'f Frame, tracker: Option<Rc<Tracker>>) -> Nested<'f> {
        let active = tracker.is_some();
        if active {
            frame.set_nested(tracker);
        }
        Nested { frame, active }
    }
}

impl Drop for Nested<'_> {
    fn drop(&mut self) {
        if self.active {
            self.frame.set_nested(None);
        }
    }
}
