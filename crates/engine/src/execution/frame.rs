//! Workflow variables: each thread of states (the top level, a Map iteration, a Parallel
//! branch) has a frame of its own that reads its parents' variables, and all frames of an
//! execution share one count of the bytes they hold, for AWS's variable size limits.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use asl::errors::{names, Failure};
use serde_json::{Map as JsonMap, Value};

use super::progress::{FrameProgress, Inside, Position, Tracker};
use super::VariableLimits;

/// Variables visible to a thread of states: its own, then its parent's (read-only).
pub(super) struct Frame {
    /// The frame's own variables, each with the length of its JSON text.
    pub(super) vars: RefCell<HashMap<String, (Value, usize)>>,
    /// The bytes the variables of every live frame of the execution hold (shared by all its
    /// frames); a frame's own leave the count when the frame ends (its Map iteration or
    /// Parallel branch is over).
    execution_bytes: Rc<Cell<usize>>,
    pub(super) parent: Option<Rc<Frame>>,
    /// `$$.Map.Item` of an iteration.
    pub(super) map_item: Option<(usize, Value)>,
    /// False inside a Distributed Map's child executions, whose events AWS records elsewhere.
    pub(super) record: bool,
    /// Set when the run commits this thread's progress (see `progress`).
    pub(super) progress: Option<Box<FrameProgress>>,
}

impl Frame {
    pub(super) fn root() -> Frame {
        Frame {
            vars: RefCell::new(HashMap::new()),
            execution_bytes: Rc::new(Cell::new(0)),
            parent: None,
            map_item: None,
            record: true,
            progress: None,
        }
    }

    pub(super) fn child(parent: &Rc<Frame>, map_item: Option<(usize, Value)>, record: bool) -> Frame {
        Frame {
            vars: RefCell::new(HashMap::new()),
            execution_bytes: parent.execution_bytes.clone(),
            parent: Some(parent.clone()),
            map_item,
            record: record && parent.record,
            progress: None,
        }
    }

    /// Have the run commit this thread's progress (see `progress`).
    pub(super) fn tracked(mut self) -> Frame {
        self.progress = Some(Box::default());
        self
    }

    /// Remember the resume point this thread of states is about to enter.
    pub(super) fn reach(&self, state: &str, input: &Value) {
        if let Some(progress) = &self.progress {
            *progress.at.borrow_mut() = Some(Position {
                state: state.to_owned(),
                input: input.clone(),
                variables: self.snapshot(),
                inside: None,
            });
        }
    }

    /// Where this thread of states stands, for a checkpoint (`None`: untracked, or no
    /// resume point reached yet).
    pub(super) fn position(&self) -> Option<Position> {
        let progress = self.progress.as_ref()?;
        let mut position = progress.at.borrow().clone()?;
        position.inside = progress.nested.borrow().as_ref().map(|t| Box::new(t.snapshot()));
        Some(position)
    }

    /// The Map or Parallel attempt now running in this thread of states (or none).
    pub(super) fn set_nested(&self, tracker: Option<Rc<Tracker>>) {
        if let Some(progress) = &self.progress {
            *progress.nested.borrow_mut() = tracker;
        }
    }

    /// Resume the first state of this thread inside its Map or Parallel state.
    pub(super) fn resume_inside(&self, inside: Option<Inside>) {
        if let Some(progress) = &self.progress {
            *progress.resumed.borrow_mut() = inside;
        }
    }

    /// Whether the first state of this thread is still to be resumed inside.
    pub(super) fn resuming(&self) -> bool {
        self.progress.as_ref().is_some_and(|p| p.resumed.borrow().is_some())
    }

    pub(super) fn take_resumed(&self) -> Option<Inside> {
        self.progress.as_ref().and_then(|p| p.resumed.borrow_mut().take())
    }

    /// The top-level frame.
    pub(super) fn top(self: &Rc<Frame>) -> Rc<Frame> {
        let mut frame = self.clone();
        while let Some(parent) = frame.parent.clone() {
            frame = parent;
        }
        frame
    }

    pub(super) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((v, _)) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }

    /// This frame's own variables, as a checkpoint stores them.
    pub(super) fn snapshot(&self) -> JsonMap<String, Value> {
        self.vars
            .borrow()
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect()
    }

    /// Set variables given from outside (a checkpoint's, TestState's `variables`): they
    /// count toward the execution's total, but no limit is checked.
    pub(super) fn restore(&self, variables: impl IntoIterator<Item = (String, Value)>) {
        let mut vars = self.vars.borrow_mut();
        for (name, value) in variables {
            let size = json_len(&value);
            self.execution_bytes.set(self.execution_bytes.get() + size);
            if let Some((_, old)) = vars.insert(name, (value, size)) {
                self.execution_bytes.set(self.execution_bytes.get() - old);
            }
        }
    }

    /// Store the variables a state's `Assign` produced, within `limits`: each variable, and
    /// all of them together, at most `max_variable_bytes`; the execution's variables
    /// afterwards at most `max_execution_bytes`. Nothing is stored when a limit is exceeded.
    ///
    /// AWS documents the limits but not the error it raises; a variable is data like a
    /// state's output, so exceeding a limit fails with `States.DataLimitExceeded`, as an
    /// output over the payload quota does, with a cause naming the variable and the limit.
    pub(super) fn assign(
        &self,
        assigned: &[(String, Value)],
        limits: VariableLimits,
        state: &str,
    ) -> Result<(), Failure> {
        let exceeded = |what: String, limit: usize| {
            Failure::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state '{state}' assigned {what} with a size exceeding the maximum number of bytes service limit ({limit} bytes)."
                ),
            )
        };
        let mut sizes = Vec::with_capacity(assigned.len());
        let mut total = 0;
        for (name, value) in assigned {
            let size = json_len(value);
            if size > limits.max_variable_bytes {
                return Err(exceeded(format!("the variable '{name}'"), limits.max_variable_bytes));
            }
            total += size;
            sizes.push(size);
        }
        if total > limits.max_variable_bytes {
            return Err(exceeded("variables".to_owned(), limits.max_variable_bytes));
        }
        let mut vars = self.vars.borrow_mut();
        let replaced: usize = assigned
            .iter()
            .filter_map(|(name, _)| vars.get(name).map(|(_, size)| *size))
            .sum();
        let after = self.execution_bytes.get() - replaced + total;
        if after > limits.max_execution_bytes {
            return Err(exceeded(
                "variables that bring the execution's variables".to_owned(),
                limits.max_execution_bytes,
            ));
        }
        self.execution_bytes.set(after);
        for ((name, value), size) in assigned.iter().zip(sizes) {
            vars.insert(name.clone(), (value.clone(), size));
        }
        Ok(())
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        let own: usize = self.vars.get_mut().values().map(|(_, size)| size).sum();
        self.execution_bytes.set(self.execution_bytes.get().saturating_sub(own));
    }
}

/// The length of a value's compact JSON text, counted without building the text.
pub(super) fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` to a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
