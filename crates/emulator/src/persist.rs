//! `--state FILE`: the emulator's state in SQLite, so a restart sees the same resources,
//! requests and client tokens.
//!
//! Every change is written in one transaction under the store's lock before the response
//! that acknowledges it is sent. The database runs in WAL mode with `synchronous=NORMAL`:
//! a committed transaction survives the process being killed (`kill -9`), which is the
//! promise made; only a power loss can take the last commits.
//!
//! One emulator per file: the state lives in memory too, so two processes sharing a file
//! would each overwrite what the other wrote. An advisory lock on `<FILE>.lock` (held for
//! the emulator's life, released by the OS even on `kill -9`) makes a second one fail at
//! start. A sidecar rather than the database itself: SQLite's own POSIX locks on the file
//! would be dropped when any other descriptor of it is closed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::catalog::{Catalog, TypeLookup};
use crate::config::Completion;
use crate::error::EmulatorError;
use crate::state::{Changes, RegionState, RequestRecord, StoredRequest};

/// The layout version written to `meta`; a file of another version is refused.
const LAYOUT: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Takes the exclusive advisory lock of the state file, or says who to stop.
fn lock_state(path: &Path) -> Result<std::fs::File, EmulatorError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let err = |message: String| EmulatorError::State {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            err(format!(
                "cannot open the lock file {}: {e}",
                lock_path.display()
            ))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(err(format!(
            "another emulator is using this state file (it holds {}); stop it or give this one another --state",
            lock_path.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(err(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

#[derive(Debug)]
pub struct Persistence {
    conn: Connection,
    path: PathBuf,
    /// Held, not read: the lock lasts as long as this descriptor is open.
    _lock: std::fs::File,
}

impl Persistence {
    /// Opens (or creates) the state file.
    pub fn open(path: &Path) -> Result<Self, EmulatorError> {
        let err = |e: &dyn std::fmt::Display| EmulatorError::State {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let lock = lock_state(path)?;
        let conn = Connection::open(path).map_err(|e| err(&e))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=NORMAL;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS resources (
                 account TEXT NOT NULL, region TEXT NOT NULL, type_name TEXT NOT NULL,
                 identifier TEXT NOT NULL, model TEXT NOT NULL,
                 PRIMARY KEY (account, region, type_name, identifier));
             CREATE TABLE IF NOT EXISTS requests (
                 account TEXT NOT NULL, region TEXT NOT NULL, token TEXT NOT NULL,
                 record TEXT NOT NULL,
                 PRIMARY KEY (account, region, token));
             CREATE TABLE IF NOT EXISTS client_tokens (
                 account TEXT NOT NULL, region TEXT NOT NULL, client_token TEXT NOT NULL,
                 fingerprint TEXT NOT NULL, token TEXT NOT NULL,
                 PRIMARY KEY (account, region, client_token));",
        )
        .map_err(|e| err(&e))?;
        let layout: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'layout'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| err(&e))?;
        match layout.as_deref() {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('layout', ?1)",
                    [LAYOUT],
                )
                .map_err(|e| err(&e))?;
            }
            Some(LAYOUT) => {}
            Some(other) => {
                return Err(err(&format!(
                    "state file layout {other} is not the supported layout {LAYOUT}"
                )))
            }
        }
        Ok(Persistence {
            conn,
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// Reads every region back.
    pub fn load(
        &mut self,
        catalog: &Catalog,
        completion: &Completion,
    ) -> Result<HashMap<(String, String), RegionState>, EmulatorError> {
        self.load_inner(catalog, completion)
            .map_err(|e| EmulatorError::State {
                path: self.path.clone(),
                message: e.to_string(),
            })
    }

    fn load_inner(
        &mut self,
        catalog: &Catalog,
        completion: &Completion,
    ) -> Result<HashMap<(String, String), RegionState>, PersistError> {
        let mut regions: HashMap<(String, String), RegionState> = HashMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT account, region, type_name, identifier, model FROM resources")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
                let type_name: String = row.get(2)?;
                let identifier: String = row.get(3)?;
                let model: String = row.get(4)?;
                regions.entry(key).or_default().put_resource(
                    &type_name,
                    &identifier,
                    serde_json::from_str(&model)?,
                );
            }
        }
        {
            let mut schemas = HashMap::new();
            let mut stmt = self
                .conn
                .prepare("SELECT account, region, record FROM requests")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
                let stored: StoredRequest = serde_json::from_str(&row.get::<_, String>(2)?)?;
                let schema = schemas
                    .entry(stored.type_name.clone())
                    .or_insert_with(|| match catalog.lookup(&stored.type_name) {
                        Ok(TypeLookup::Schema(s)) => Some(s),
                        _ => None,
                    })
                    .clone();
                if let Some(record) = RequestRecord::from_stored(stored, schema) {
                    regions
                        .entry(key)
                        .or_default()
                        .restore_request(record, completion);
                }
            }
        }
        {
            let mut stmt = self.conn.prepare(
                "SELECT account, region, client_token, fingerprint, token FROM client_tokens",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let key = (row.get::<_, String>(0)?, row.get::<_, String>(1)?);
                regions.entry(key).or_default().restore_client_token(
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                );
            }
        }
        for r in regions.values_mut() {
            r.finish_restore();
            // Loading is not a change.
            let _ = r.take_changes();
        }
        Ok(regions)
    }

    /// Writes one region's changes in one transaction.
    pub fn save(
        &mut self,
        account: &str,
        region: &str,
        changes: &Changes,
    ) -> Result<(), PersistError> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO resources (account, region, type_name, identifier, model)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut del = tx.prepare_cached(
                "DELETE FROM resources
                 WHERE account = ?1 AND region = ?2 AND type_name = ?3 AND identifier = ?4",
            )?;
            for ((type_name, id), model) in &changes.resources {
                match model {
                    Some(m) => {
                        put.execute(params![account, region, type_name, id, m.to_string()])?
                    }
                    None => del.execute(params![account, region, type_name, id])?,
                };
            }
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO requests (account, region, token, record)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut del = tx.prepare_cached(
                "DELETE FROM requests WHERE account = ?1 AND region = ?2 AND token = ?3",
            )?;
            for (token, record) in &changes.requests {
                match record {
                    Some(r) => {
                        put.execute(params![account, region, token, serde_json::to_string(r)?])?
                    }
                    None => del.execute(params![account, region, token])?,
                };
            }
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO client_tokens (account, region, client_token, fingerprint, token)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut del = tx.prepare_cached(
                "DELETE FROM client_tokens WHERE account = ?1 AND region = ?2 AND client_token = ?3",
            )?;
            for (ct, entry) in &changes.client_tokens {
                match entry {
                    Some((fp, token)) => put.execute(params![account, region, ct, fp, token])?,
                    None => del.execute(params![account, region, ct])?,
                };
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes everything (the admin reset).
    pub fn clear(&mut self) -> Result<(), PersistError> {
        self.conn.execute_batch(
            "BEGIN; DELETE FROM resources; DELETE FROM requests; DELETE FROM client_tokens; COMMIT;",
        )?;
        Ok(())
    }
}
