//! A store in plain maps behind one lock: nothing survives the process.
//!
//! For tests and throw-away runs. (`serve --in-memory` uses SQLite's in-memory database:
//! this store's commits cost less, but they never wait, so under a flood of
//! StartExecution calls the API accepts executions faster than the executors run them and
//! start-to-end latency grows; see ARCHITECTURE.md.) A commit applies its batch
//! atomically before it returns (it checks the whole batch first, then applies it), so the
//! [`Commit`] it returns has already resolved. It keeps the same rules as the SQLite store
//! (the shared [`crate::testsuite`] checks both): a taken execution ARN fails
//! `CreateExecution`, events and checkpoints of an execution never stored are refused, an
//! update of an execution changes only its status and body, resources list oldest first.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use crate::{Commit, ExecutionQuery, ExecutionRow, Kind, Listing, Resource, Result, Store, StoreError, Write};

/// The in-memory [`Store`].
pub struct Memory {
    state: Mutex<State>,
    /// Made with the store, gone with it: tokens do not outlive an in-memory store.
    secret: [u8; 32],
}

#[derive(Default)]
struct State {
    /// Counts insertions: resources list in this order, checkpoints in executions' order.
    next_seq: u64,
    resources: HashMap<String, (u64, Resource)>,
    tags: HashMap<String, String>,
    definitions: HashMap<String, String>,
    executions: HashMap<String, Execution>,
    /// `(start_ms, arn)` of the executions of each state machine, version and alias.
    listings: HashMap<(Listing, String), BTreeSet<(i64, String)>>,
    task_responses: HashMap<String, String>,
    /// The tokens answered for each execution, dropped with its checkpoint.
    tokens_of: HashMap<String, Vec<String>>,
}

struct Execution {
    seq: u64,
    row: ExecutionRow,
    events: BTreeMap<u64, String>,
    checkpoint: Option<String>,
}

impl Default for Memory {
    fn default() -> Memory {
        Memory::new()
    }
}

impl Memory {
    pub fn new() -> Memory {
        Memory {
            state: Mutex::default(),
            secret: rand::random(),
        }
    }

    fn state(&self) -> Result<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| StoreError::Closed)
    }
}

impl State {
    /// Refuse the batch if any write in it would fail, so that applying it cannot.
    fn check(&self, writes: &[Write]) -> Result<()> {
        let mut added: HashSet<&str> = HashSet::new();
        let known = |arn: &str, added: &HashSet<&str>| self.executions.contains_key(arn) || added.contains(arn);
        for write in writes {
            match write {
                Write::CreateExecution(e) => {
                    if known(&e.arn, &added) {
                        return Err(StoreError::ExecutionExists(e.arn.clone()));
                    }
                    added.insert(&e.arn);
                }
                Write::PutExecution(e) => {
                    added.insert(&e.arn);
                }
                Write::AppendEvents { execution, .. }
                | Write::TruncateEvents { execution, .. }
                | Write::PutCheckpoint {
                    execution,
                    checkpoint: Some(_),
                } => {
                    if !known(execution, &added) {
                        return Err(StoreError::NoSuchExecution(execution.clone()));
                    }
                }
                Write::PutResource(_)
                | Write::DeleteResource(_)
                | Write::PutTags(..)
                | Write::PutDefinition { .. }
                | Write::PutCheckpoint { checkpoint: None, .. }
                | Write::PutTaskResponse { .. } => {}
            }
        }
        Ok(())
    }

    fn apply(&mut self, write: Write) {
        match write {
            Write::PutResource(resource) => match self.resources.get_mut(&resource.arn) {
                // As an SQL upsert: the stored row keeps its place and kind, takes the body.
                Some((_, stored)) => stored.body = resource.body,
                None => {
                    self.next_seq += 1;
                    self.resources.insert(resource.arn.clone(), (self.next_seq, resource));
                }
            },
            Write::DeleteResource(arn) => {
                self.resources.remove(&arn);
                self.tags.remove(&arn);
            }
            Write::PutTags(arn, Some(body)) => {
                self.tags.insert(arn, body);
            }
            Write::PutTags(arn, None) => {
                self.tags.remove(&arn);
            }
            Write::PutDefinition { hash, text } => {
                self.definitions.entry(hash).or_insert(text);
            }
            Write::CreateExecution(row) | Write::PutExecution(row) => self.put_execution(row),
            Write::AppendEvents { execution, events } => {
                if let Some(stored) = self.executions.get_mut(&execution) {
                    stored.events.extend(events);
                }
            }
            Write::TruncateEvents { execution, after } => {
                if let Some(stored) = self.executions.get_mut(&execution) {
                    stored.events.split_off(&(after + 1));
                }
            }
            Write::PutCheckpoint { execution, checkpoint } => {
                if checkpoint.is_none() {
                    for token in self.tokens_of.remove(&execution).unwrap_or_default() {
                        self.task_responses.remove(&token);
                    }
                }
                if let Some(stored) = self.executions.get_mut(&execution) {
                    stored.checkpoint = checkpoint;
                }
            }
            Write::PutTaskResponse {
                token,
                execution,
                response,
            } => {
                if self.task_responses.insert(token.clone(), response).is_none() {
                    self.tokens_of.entry(execution).or_default().push(token);
                }
            }
        }
    }

    fn put_execution(&mut self, row: ExecutionRow) {
        if let Some(stored) = self.executions.get_mut(&row.arn) {
            // The listing columns never change once an execution is stored.
            stored.row.status = row.status;
            stored.row.body = row.body;
            return;
        }
        let key = (row.start_ms, row.arn.clone());
        let columns = [
            (Listing::Machine, Some(&row.machine)),
            (Listing::Version, row.version.as_ref()),
            (Listing::Alias, row.alias.as_ref()),
        ];
        for (listing, value) in columns {
            if let Some(value) = value {
                self.listings
                    .entry((listing, value.clone()))
                    .or_default()
                    .insert(key.clone());
            }
        }
        self.next_seq += 1;
        self.executions.insert(
            row.arn.clone(),
            Execution {
                seq: self.next_seq,
                row,
                events: BTreeMap::new(),
                checkpoint: None,
            },
        );
    }
}

impl Store for Memory {
    fn commit(&self, writes: Vec<Write>) -> Commit {
        let result = self.state().and_then(|mut state| {
            state.check(&writes)?;
            for write in writes {
                state.apply(write);
            }
            Ok(())
        });
        Commit::ready(result)
    }

    fn resource(&self, arn: &str) -> Result<Option<Resource>> {
        Ok(self.state()?.resources.get(arn).map(|(_, r)| r.clone()))
    }

    fn resources(&self, kind: Kind, parent: Option<&str>) -> Result<Vec<Resource>> {
        let state = self.state()?;
        let mut found: Vec<&(u64, Resource)> = state
            .resources
            .values()
            .filter(|(_, r)| r.kind == kind && parent.is_none_or(|p| r.parent.as_deref() == Some(p)))
            .collect();
        found.sort_by_key(|(seq, _)| *seq);
        Ok(found.into_iter().map(|(_, r)| r.clone()).collect())
    }

    fn tags(&self, arn: &str) -> Result<Option<String>> {
        Ok(self.state()?.tags.get(arn).cloned())
    }

    fn definition(&self, hash: &str) -> Result<Option<String>> {
        Ok(self.state()?.definitions.get(hash).cloned())
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        Ok(self.state()?.executions.get(arn).map(|e| e.row.clone()))
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        let state = self.state()?;
        let Some(listed) = state.listings.get(&(query.listing(), query.machine.clone())) else {
            return Ok(Vec::new());
        };
        let newest_first: Box<dyn Iterator<Item = &(i64, String)>> = match &query.after {
            None => Box::new(listed.iter().rev()),
            Some(after) => Box::new(listed.range(..after.clone()).rev()),
        };
        Ok(newest_first
            .filter_map(|(_, arn)| state.executions.get(arn))
            .filter(|e| query.status.is_none_or(|s| e.row.status == s))
            .take(query.limit)
            .map(|e| e.row.clone())
            .collect())
    }

    fn events(&self, execution: &str, after: Option<u64>, reverse: bool, limit: usize) -> Result<Vec<(u64, String)>> {
        let state = self.state()?;
        let Some(stored) = state.executions.get(execution) else {
            return Ok(Vec::new());
        };
        let pick = |(id, body): (&u64, &String)| (*id, body.clone());
        Ok(match (reverse, after) {
            (false, after) => stored
                .events
                .range(after.unwrap_or(0).saturating_add(1)..)
                .take(limit)
                .map(pick)
                .collect(),
            (true, None) => stored.events.iter().rev().take(limit).map(pick).collect(),
            (true, Some(before)) => stored.events.range(..before).rev().take(limit).map(pick).collect(),
        })
    }

    fn checkpoints(&self) -> Result<Vec<(String, String)>> {
        let state = self.state()?;
        let mut found: Vec<(u64, String, String)> = state
            .executions
            .values()
            .filter_map(|e| Some((e.seq, e.row.arn.clone(), e.checkpoint.clone()?)))
            .collect();
        found.sort_by_key(|(seq, ..)| *seq);
        Ok(found.into_iter().map(|(_, arn, body)| (arn, body)).collect())
    }

    fn task_response(&self, token: &str) -> Result<Option<String>> {
        Ok(self.state()?.task_responses.get(token).cloned())
    }

    fn secret(&self) -> [u8; 32] {
        self.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_store_suite() {
        crate::testsuite::run(Memory::new);
    }
}
