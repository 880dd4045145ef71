//! The embedded store: SQLite, bundled into the binary.
//!
//! A file database runs in WAL mode with `synchronous=FULL`: a commit returns once its WAL
//! frames are fsynced. One writer thread owns the writing connection and applies every
//! batch queued while the previous transaction was being written in one transaction (group
//! commit). Reads use their own connections, which WAL lets run beside the writer.
//!
//! `--in-memory` uses one private in-memory connection shared by the writer and the readers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::{
    Commit, ExecutionQuery, ExecutionRow, ExecutionStatus, Kind, Listing, Resource, Result, Store, StoreError, Write,
};

/// The schema, version [`SCHEMA_VERSION`].
///
/// Executions get a sequence number (`seq`), and their events and checkpoints are keyed by
/// it rather than by ARN: new rows then land at the right-hand edge of each B-tree instead
/// of on random pages (execution names are often UUIDs), so a group commit writes a few
/// pages to the WAL, not one page per execution per table. `machine`, `version`, `alias`
/// and `start_ms` never change once an execution is stored; only `status` and `body` do,
/// which keeps updates out of the listing indexes.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS resources (
    arn TEXT PRIMARY KEY, kind TEXT NOT NULL, parent TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS resources_by_kind ON resources (kind, parent);
CREATE TABLE IF NOT EXISTS tags (arn TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (hash TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    seq INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, machine TEXT NOT NULL, version TEXT, alias TEXT,
    status TEXT NOT NULL, start_ms INTEGER NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (machine, start_ms);
CREATE INDEX IF NOT EXISTS executions_by_version ON executions (version, start_ms) WHERE version IS NOT NULL;
CREATE INDEX IF NOT EXISTS executions_by_alias ON executions (alias, start_ms) WHERE alias IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
    execution INTEGER NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (execution, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (execution INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS task_responses (token TEXT PRIMARY KEY, execution TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS task_responses_by_execution ON task_responses (execution);
";

/// The store's secret ([`Store::secret`]): made once, with the schema, never changed.
const SECRET_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);";

/// Read the store's secret, making it first if the file has none.
fn prepare_secret(connection: &Connection) -> Result<[u8; 32]> {
    connection.execute_batch(SECRET_SCHEMA)?;
    connection.execute(
        "INSERT OR IGNORE INTO secrets (name, value) VALUES ('token', ?1)",
        [rand::random::<[u8; 32]>().to_vec()],
    )?;
    let value: Vec<u8> = connection.query_row("SELECT value FROM secrets WHERE name = 'token'", [], |r| r.get(0))?;
    value
        .try_into()
        .map_err(|_| StoreError::Corrupt("the stored token secret is not 32 bytes".into()))
}

/// Kept in SQLite's `user_version`; 0 is a new file or the first layout (keyed by ARN).
const SCHEMA_VERSION: i64 = 1;

/// Move a database of the first layout (events and checkpoints keyed by execution ARN) to
/// the current one, keeping every row.
const MIGRATE_FROM_0: &str = "
DROP INDEX executions_by_machine;
DROP INDEX executions_by_version;
DROP INDEX executions_by_alias;
ALTER TABLE executions RENAME TO executions_v0;
ALTER TABLE events RENAME TO events_v0;
ALTER TABLE checkpoints RENAME TO checkpoints_v0;
";
const MIGRATE_FROM_0_COPY: &str = "
INSERT INTO executions (arn, machine, version, alias, status, start_ms, body)
    SELECT arn, machine, version, alias, status, start_ms, body FROM executions_v0 ORDER BY start_ms, arn;
INSERT INTO events (execution, id, body)
    SELECT e.seq, o.id, o.body FROM events_v0 o JOIN executions e ON e.arn = o.execution;
INSERT INTO checkpoints (execution, body)
    SELECT e.seq, o.body FROM checkpoints_v0 o JOIN executions e ON e.arn = o.execution;
DROP TABLE executions_v0;
DROP TABLE events_v0;
DROP TABLE checkpoints_v0;
";

/// Create the schema, or bring an older file's up to date, in one transaction.
fn prepare_schema(connection: &mut Connection) -> Result<()> {
    let version: i64 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {version}; this Switchyard knows up to {SCHEMA_VERSION}: use a newer Switchyard"
        )));
    }
    let tx = connection.transaction()?;
    let first_layout = version == 0
        && tx.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'executions'",
            [],
            |r| r.get::<_, i64>(0),
        )? > 0;
    if first_layout {
        tx.execute_batch(MIGRATE_FROM_0)?;
    }
    tx.execute_batch(SCHEMA)?;
    if first_layout {
        tx.execute_batch(MIGRATE_FROM_0_COPY)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// How many queued batches one transaction may take: bounds the latency of the first.
const MAX_GROUP: usize = 512;

type Batch = (Arc<[Write]>, oneshot::Sender<Result<()>>);

/// The SQLite [`Store`].
pub struct Sqlite {
    writer: Mutex<Option<mpsc::Sender<Batch>>>,
    readers: Vec<Arc<Mutex<Connection>>>,
    resources: Arc<Mutex<ResourceCache>>,
    next_reader: std::sync::atomic::AtomicUsize,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
    secret: [u8; 32],
}

impl Sqlite {
    /// Open (or create) the database file `path`.
    pub fn open(path: &Path) -> Result<Sqlite> {
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        // Fewer, larger checkpoints: each costs an fsync of the database file.
        writer.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        // 16 MiB: commits append at the B-trees' edges, so a small cache holds what they touch;
        // a larger one only keeps the event rows of big histories in memory.
        writer.pragma_update(None, "cache_size", -16_384)?;
        prepare_schema(&mut writer)?;
        let secret = prepare_secret(&writer)?;
        let mut readers = Vec::new();
        for _ in 0..4 {
            let reader = Connection::open(path)?;
            reader.pragma_update(None, "query_only", true)?;
            reader.pragma_update(None, "cache_size", -16_384)?;
            readers.push(Arc::new(Mutex::new(reader)));
        }
        Ok(Sqlite::start(Arc::new(Mutex::new(writer)), readers, secret))
    }

    /// A private in-memory database: nothing survives the process.
    pub fn in_memory() -> Result<Sqlite> {
        let mut connection = Connection::open_in_memory()?;
        prepare_schema(&mut connection)?;
        let secret = prepare_secret(&connection)?;
        let shared = Arc::new(Mutex::new(connection));
        Ok(Sqlite::start(shared.clone(), vec![shared], secret))
    }

    fn start(writer: Arc<Mutex<Connection>>, readers: Vec<Arc<Mutex<Connection>>>, secret: [u8; 32]) -> Sqlite {
        let (sender, receiver) = mpsc::channel::<Batch>();
        let resources = Arc::new(Mutex::new(ResourceCache::default()));
        let cache = resources.clone();
        let handle = thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || write_loop(&writer, &receiver, &cache))
            .expect("cannot start the store's writer thread");
        Sqlite {
            writer: Mutex::new(Some(sender)),
            readers,
            resources,
            next_reader: Default::default(),
            writer_thread: Mutex::new(Some(handle)),
            secret,
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        use std::sync::atomic::Ordering;
        let n = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        let connection = self.readers[n].lock().map_err(|_| StoreError::Closed)?;
        Ok(f(&connection)?)
    }
}

impl Drop for Sqlite {
    /// Finish the queued commits before the process goes on (tests reopen the file).
    fn drop(&mut self) {
        if let Ok(mut writer) = self.writer.lock() {
            writer.take();
        }
        if let Some(handle) = self.writer_thread.lock().ok().and_then(|mut h| h.take()) {
            let _ = handle.join();
        }
    }
}

/// Resources by ARN as last read (absent ones too): every StartExecution reads its state
/// machine, and resources change rarely. The writer thread drops the entries a commit
/// changes before it reports the commit done, and bumps `generation`, so a read that
/// raced a commit does not put back what it read before.
#[derive(Default)]
struct ResourceCache {
    generation: u64,
    entries: HashMap<String, Option<Resource>>,
}

/// Bounds the cache when clients ask for many ARNs that do not exist.
const RESOURCE_CACHE_LIMIT: usize = 10_000;

impl ResourceCache {
    fn forget<'w>(&mut self, batches: impl Iterator<Item = &'w Arc<[Write]>>) {
        for write in batches.flat_map(|b| b.iter()) {
            let arn = match write {
                Write::PutResource(r) => &r.arn,
                Write::DeleteResource(arn) => arn,
                _ => continue,
            };
            self.entries.remove(arn);
            self.generation += 1;
        }
    }
}

fn write_loop(connection: &Mutex<Connection>, receiver: &mpsc::Receiver<Batch>, cache: &Mutex<ResourceCache>) {
    while let Ok(first) = receiver.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match receiver.try_recv() {
                Ok(batch) => group.push(batch),
                Err(_) => break,
            }
        }
        let result = lock_and_apply(connection, group.iter().map(|(writes, _)| writes));
        if let Ok(mut cache) = cache.lock() {
            cache.forget(group.iter().map(|(writes, _)| writes));
        }
        match result {
            Ok(()) => {
                for (_, done) in group {
                    let _ = done.send(Ok(()));
                }
            }
            // One bad batch must not fail the others: apply them one by one.
            Err(_) => {
                for (writes, done) in group {
                    let _ = done.send(lock_and_apply(connection, std::iter::once(&writes)));
                }
            }
        }
    }
}

/// Apply batches in one transaction.
fn lock_and_apply<'w>(connection: &Mutex<Connection>, batches: impl Iterator<Item = &'w Arc<[Write]>>) -> Result<()> {
    let mut connection = connection.lock().map_err(|_| StoreError::Closed)?;
    let tx = connection.transaction()?;
    for writes in batches {
        for write in writes.iter() {
            apply(&tx, write)?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn apply(tx: &rusqlite::Transaction<'_>, write: &Write) -> Result<()> {
    match write {
        Write::CreateExecution(e) => {
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO executions (arn, machine, version, alias, status, start_ms, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    e.arn,
                    e.machine,
                    e.version,
                    e.alias,
                    e.status.as_str(),
                    e.start_ms,
                    e.body
                ]);
            match inserted {
                Err(error) if error.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                    return Err(StoreError::ExecutionExists(e.arn.clone()));
                }
                other => {
                    other?;
                }
            }
        }
        Write::PutResource(r) => {
            tx.prepare_cached(
                "INSERT INTO resources (arn, kind, parent, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (arn) DO UPDATE SET body = excluded.body",
            )?
            .execute(params![r.arn, r.kind.as_str(), r.parent, r.body])?;
        }
        Write::DeleteResource(arn) => {
            tx.prepare_cached("DELETE FROM resources WHERE arn = ?1")?
                .execute([arn])?;
            tx.prepare_cached("DELETE FROM tags WHERE arn = ?1")?.execute([arn])?;
        }
        Write::PutTags(arn, Some(body)) => {
            tx.prepare_cached("INSERT OR REPLACE INTO tags (arn, body) VALUES (?1, ?2)")?
                .execute([arn, body])?;
        }
        Write::PutTags(arn, None) => {
            tx.prepare_cached("DELETE FROM tags WHERE arn = ?1")?.execute([arn])?;
        }
        Write::PutDefinition { hash, text } => {
            tx.prepare_cached("INSERT OR IGNORE INTO definitions (hash, body) VALUES (?1, ?2)")?
                .execute([hash, text])?;
        }
        Write::PutExecution(e) => {
            tx.prepare_cached(
                "INSERT INTO executions (arn, machine, version, alias, status, start_ms, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (arn) DO UPDATE SET status = excluded.status, body = excluded.body",
            )?
            .execute(params![
                e.arn,
                e.machine,
                e.version,
                e.alias,
                e.status.as_str(),
                e.start_ms,
                e.body
            ])?;
        }
        Write::AppendEvents { execution, events } => {
            let seq = sequence_number(tx, execution)?;
            let mut insert =
                tx.prepare_cached("INSERT OR REPLACE INTO events (execution, id, body) VALUES (?1, ?2, ?3)")?;
            for (id, body) in events {
                insert.execute(params![seq, *id as i64, body])?;
            }
        }
        Write::TruncateEvents { execution, after } => {
            let seq = sequence_number(tx, execution)?;
            tx.prepare_cached("DELETE FROM events WHERE execution = ?1 AND id > ?2")?
                .execute(params![seq, *after as i64])?;
        }
        Write::PutCheckpoint { execution, checkpoint } => match checkpoint {
            Some(body) => {
                let seq = sequence_number(tx, execution)?;
                tx.prepare_cached("INSERT OR REPLACE INTO checkpoints (execution, body) VALUES (?1, ?2)")?
                    .execute(params![seq, body])?;
            }
            None => {
                tx.prepare_cached(
                    "DELETE FROM checkpoints WHERE execution = (SELECT seq FROM executions WHERE arn = ?1)",
                )?
                .execute([execution])?;
                tx.prepare_cached("DELETE FROM task_responses WHERE execution = ?1")?
                    .execute([execution])?;
            }
        },
        Write::PutTaskResponse {
            token,
            execution,
            response,
        } => {
            tx.prepare_cached("INSERT OR REPLACE INTO task_responses (token, execution, body) VALUES (?1, ?2, ?3)")?
                .execute([token, execution, response])?;
        }
    }
    Ok(())
}

/// The sequence number of a stored execution; events and checkpoints of an execution that
/// was never stored are refused (the commit fails) rather than orphaned.
fn sequence_number(tx: &rusqlite::Transaction<'_>, execution: &str) -> Result<i64> {
    tx.prepare_cached("SELECT seq FROM executions WHERE arn = ?1")?
        .query_row([execution], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NoSuchExecution(execution.to_owned()))
}

fn kind_from(text: &str) -> rusqlite::Result<Kind> {
    Ok(match text {
        "stateMachine" => Kind::StateMachine,
        "version" => Kind::Version,
        "alias" => Kind::Alias,
        _ => Kind::Activity,
    })
}

fn resource_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Resource> {
    Ok(Resource {
        arn: row.get(0)?,
        kind: kind_from(&row.get::<_, String>(1)?)?,
        parent: row.get(2)?,
        body: row.get(3)?,
    })
}

fn execution_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<ExecutionRow> {
    Ok(ExecutionRow {
        arn: row.get(0)?,
        machine: row.get(1)?,
        version: row.get(2)?,
        alias: row.get(3)?,
        status: row
            .get::<_, String>(4)?
            .parse::<ExecutionStatus>()
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e)))?,
        start_ms: row.get(5)?,
        body: row.get(6)?,
    })
}

const EXECUTION_COLUMNS: &str = "arn, machine, version, alias, status, start_ms, body";

impl Store for Sqlite {
    fn commit(&self, writes: Vec<Write>) -> Commit {
        self.commit_shared(writes.into())
    }

    fn commit_shared(&self, writes: Arc<[Write]>) -> Commit {
        let (done, receiver) = oneshot::channel();
        let sent = match self.writer.lock() {
            Ok(writer) => writer.as_ref().is_some_and(|w| w.send((writes, done)).is_ok()),
            Err(_) => false,
        };
        if sent {
            Commit::pending(receiver)
        } else {
            Commit::failed(StoreError::Closed)
        }
    }

    fn resource(&self, arn: &str) -> Result<Option<Resource>> {
        let generation = {
            let cache = self.resources.lock().map_err(|_| StoreError::Closed)?;
            if let Some(hit) = cache.entries.get(arn) {
                return Ok(hit.clone());
            }
            cache.generation
        };
        let found = self.read(|c| {
            c.prepare_cached("SELECT arn, kind, parent, body FROM resources WHERE arn = ?1")?
                .query_row([arn], resource_from)
                .optional()
        })?;
        let mut cache = self.resources.lock().map_err(|_| StoreError::Closed)?;
        if cache.generation == generation {
            if cache.entries.len() >= RESOURCE_CACHE_LIMIT {
                cache.entries.clear();
            }
            cache.entries.insert(arn.to_owned(), found.clone());
        }
        Ok(found)
    }

    fn resources(&self, kind: Kind, parent: Option<&str>) -> Result<Vec<Resource>> {
        self.read(|c| match parent {
            Some(parent) => c
                .prepare_cached(
                    "SELECT arn, kind, parent, body FROM resources WHERE kind = ?1 AND parent = ?2 ORDER BY rowid",
                )?
                .query_map([kind.as_str(), parent], resource_from)?
                .collect(),
            None => c
                .prepare_cached("SELECT arn, kind, parent, body FROM resources WHERE kind = ?1 ORDER BY rowid")?
                .query_map([kind.as_str()], resource_from)?
                .collect(),
        })
    }

    fn tags(&self, arn: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.prepare_cached("SELECT body FROM tags WHERE arn = ?1")?
                .query_row([arn], |r| r.get(0))
                .optional()
        })
    }

    fn definition(&self, hash: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.prepare_cached("SELECT body FROM definitions WHERE hash = ?1")?
                .query_row([hash], |r| r.get(0))
                .optional()
        })
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRow>> {
        self.read(|c| {
            c.prepare_cached(&format!("SELECT {EXECUTION_COLUMNS} FROM executions WHERE arn = ?1"))?
                .query_row([arn], execution_from)
                .optional()
        })
    }

    fn executions(&self, query: &ExecutionQuery) -> Result<Vec<ExecutionRow>> {
        let column = match query.listing() {
            Listing::Machine => "machine",
            Listing::Version => "version",
            Listing::Alias => "alias",
        };
        let (after_ms, after_arn) = query.after.clone().unwrap_or((i64::MAX, String::new()));
        let sql = format!(
            "SELECT {EXECUTION_COLUMNS} FROM executions WHERE {column} = ?1
               AND (?2 IS NULL OR status = ?2)
               AND (start_ms < ?3 OR (start_ms = ?3 AND arn < ?4) OR ?5)
             ORDER BY start_ms DESC, arn DESC LIMIT ?6"
        );
        let first_page = query.after.is_none();
        self.read(|c| {
            c.prepare_cached(&sql)?
                .query_map(
                    params![
                        query.machine,
                        query.status.map(ExecutionStatus::as_str),
                        after_ms,
                        after_arn,
                        first_page,
                        query.limit as i64
                    ],
                    execution_from,
                )?
                .collect()
        })
    }

    fn events(&self, execution: &str, after: Option<u64>, reverse: bool, limit: usize) -> Result<Vec<(u64, String)>> {
        let sql = if reverse {
            "SELECT id, body FROM events WHERE execution = (SELECT seq FROM executions WHERE arn = ?1)
               AND id < ?2 ORDER BY id DESC LIMIT ?3"
        } else {
            "SELECT id, body FROM events WHERE execution = (SELECT seq FROM executions WHERE arn = ?1)
               AND id > ?2 ORDER BY id LIMIT ?3"
        };
        let bound = match (after, reverse) {
            (Some(id), _) => id as i64,
            (None, false) => 0,
            (None, true) => i64::MAX,
        };
        self.read(|c| {
            c.prepare_cached(sql)?
                .query_map(params![execution, bound, limit as i64], |r| {
                    Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
                })?
                .collect()
        })
    }

    fn checkpoints(&self) -> Result<Vec<(String, String)>> {
        self.read(|c| {
            c.prepare_cached("SELECT e.arn, c.body FROM checkpoints c JOIN executions e ON e.seq = c.execution")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    fn task_response(&self, token: &str) -> Result<Option<String>> {
        self.read(|c| {
            c.prepare_cached("SELECT body FROM task_responses WHERE token = ?1")?
                .query_row([token], |r| r.get(0))
                .optional()
        })
    }

    fn secret(&self) -> [u8; 32] {
        self.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn execution(arn: &str, start_ms: i64, status: ExecutionStatus) -> ExecutionRow {
        ExecutionRow {
            arn: arn.into(),
            machine: "arn:aws:states:us-east-1:1:stateMachine:m".into(),
            version: None,
            alias: None,
            status,
            start_ms,
            body: "{}".into(),
        }
    }

    #[test]
    fn the_secret_is_made_once_per_file() {
        let dir = std::env::temp_dir().join(format!("switchyard-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("s.db");
        let first = Sqlite::open(&path).expect("open").secret();
        assert_eq!(Sqlite::open(&path).expect("reopen").secret(), first);
        assert_ne!(Sqlite::in_memory().expect("memory").secret(), first);
        assert_ne!(
            Sqlite::in_memory().expect("memory").secret(),
            Sqlite::in_memory().expect("memory").secret()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn commits_survive_reopening_the_file() {
        let dir = std::env::temp_dir().join(format!("switchyard-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("reopen.db");
        let _ = std::fs::remove_file(&path);
        {
            let store = Sqlite::open(&path).unwrap();
            block(store.commit(vec![
                Write::PutExecution(execution("e1", 1, ExecutionStatus::Running)),
                Write::AppendEvents {
                    execution: "e1".into(),
                    events: vec![(1, "{\"id\":1}".into()), (2, "{\"id\":2}".into())],
                },
                Write::PutCheckpoint {
                    execution: "e1".into(),
                    checkpoint: Some("{}".into()),
                },
            ]))
            .unwrap();
        }
        let store = Sqlite::open(&path).unwrap();
        assert_eq!(store.execution("e1").unwrap().unwrap().status, ExecutionStatus::Running);
        assert_eq!(store.events("e1", None, false, 10).unwrap().len(), 2);
        assert_eq!(store.events("e1", Some(1), false, 10).unwrap()[0].0, 2);
        assert_eq!(store.events("e1", None, true, 1).unwrap()[0].0, 2);
        assert_eq!(store.checkpoints().unwrap().len(), 1);
        block(store.commit(vec![Write::TruncateEvents {
            execution: "e1".into(),
            after: 1,
        }]))
        .unwrap();
        assert_eq!(store.events("e1", None, false, 10).unwrap().len(), 1);
    }

    /// A database written by the first layout (events and checkpoints keyed by ARN) opens
    /// with every row kept and goes on taking writes.
    #[test]
    fn a_first_layout_file_is_migrated_with_its_rows() {
        let dir = std::env::temp_dir().join(format!("switchyard-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("migrate.db");
        let _ = std::fs::remove_file(&path);
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE executions (arn TEXT PRIMARY KEY, machine TEXT NOT NULL, version TEXT, alias TEXT,
                     status TEXT NOT NULL, start_ms INTEGER NOT NULL, body TEXT NOT NULL);
                 CREATE INDEX executions_by_machine ON executions (machine, start_ms);
                 CREATE INDEX executions_by_version ON executions (version, start_ms) WHERE version IS NOT NULL;
                 CREATE INDEX executions_by_alias ON executions (alias, start_ms) WHERE alias IS NOT NULL;
                 CREATE TABLE events (execution TEXT NOT NULL, id INTEGER NOT NULL, body TEXT NOT NULL,
                     PRIMARY KEY (execution, id)) WITHOUT ROWID;
                 CREATE TABLE checkpoints (execution TEXT PRIMARY KEY, body TEXT NOT NULL);
                 INSERT INTO executions VALUES ('e1', 'm', NULL, NULL, 'RUNNING', 1, '{}');
                 INSERT INTO executions VALUES ('e2', 'm', NULL, NULL, 'SUCCEEDED', 2, '{}');
                 INSERT INTO events VALUES ('e1', 1, 'a'), ('e1', 2, 'b'), ('e2', 1, 'c');
                 INSERT INTO checkpoints VALUES ('e1', 'here');",
            )
            .unwrap();
        }
        let store = Sqlite::open(&path).unwrap();
        assert_eq!(store.checkpoints().unwrap(), [("e1".to_owned(), "here".to_owned())]);
        let events = store.events("e1", None, false, 10).unwrap();
        assert_eq!(events, [(1, "a".to_owned()), (2, "b".to_owned())]);
        assert_eq!(store.events("e2", None, false, 10).unwrap(), [(1, "c".to_owned())]);
        block(store.commit(vec![Write::AppendEvents {
            execution: "e1".into(),
            events: vec![(3, "d".into())],
        }]))
        .unwrap();
        assert_eq!(store.events("e1", None, true, 1).unwrap(), [(3, "d".to_owned())]);
        let query = ExecutionQuery {
            machine: "m".into(),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(store.executions(&query).unwrap().len(), 2);
    }

    /// The behaviour every store shares, on a file and on a private in-memory database.
    #[test]
    fn passes_the_store_suite_on_a_file() {
        let dir = std::env::temp_dir().join(format!("switchyard-store-suite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = std::sync::atomic::AtomicUsize::new(0);
        crate::testsuite::run(|| {
            let path = dir.join(format!(
                "suite-{}.db",
                n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            let _ = std::fs::remove_file(&path);
            Sqlite::open(&path).unwrap()
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn passes_the_store_suite_in_memory() {
        crate::testsuite::run(|| Sqlite::in_memory().unwrap());
    }
}
