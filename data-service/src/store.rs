//! Where the entities are: an SQLite file or a PostgreSQL database, in the tables of the
//! engine's default mapping, reached through a small pool of connections. Every call runs on
//! a blocking thread, so the HTTP runtime never waits on the database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use portcullis::pushdown::{Dialect, Mapping};
use portcullis::{Entity, Schema};
use portcullis_backends::postgres::PostgresStore;
use portcullis_backends::sqlite::SqliteStore;
use portcullis_backends::{Error, Records, TextSearch};
use serde_json::Value;

use crate::sample;

/// How many connections serve requests at once.
const POOL: usize = 4;

/// Entities are loaded in batches of this many: memory stays flat whatever `--size` is.
const LOAD_BATCH: usize = 20_000;

/// Which database, as `--database` names it.
#[derive(Clone, Debug)]
pub enum Database {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Database {
    /// `sqlite:PATH` or `postgres://…` (`postgresql://…`).
    pub fn parse(s: &str) -> Result<Database, String> {
        if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("--database sqlite:PATH needs a path".into());
            }
            Ok(Database::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Database::Postgres(s.into()))
        } else {
            Err(format!(
                "--database {s:?}: expected sqlite:PATH or postgres://user:pass@host:port/db"
            ))
        }
    }

    fn dialect(&self) -> Dialect {
        match self {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Postgres(_) => Dialect::Postgres,
        }
    }
}

/// The attribute each type's `q` search reads: details by their type, families and tags by
/// name (stashes have no text to search: `q` matches none of them).
pub fn text_search() -> TextSearch {
    TextSearch::default().with("family", "name").with("detail", "type").with("tag", "name")
}

/// The PostgreSQL schema the tables live in.
const PG_SCHEMA: &str = "portcullis_data";

type Conn = Box<dyn Records + Send>;

/// A pool of connections to one database.
pub struct Store {
    conns: Vec<Mutex<Conn>>,
    next: AtomicUsize,
    /// The dialect compiled queries are written in.
    pub dialect: Dialect,
    /// The tables.
    pub mapping: Mapping,
}

impl Store {
    /// Open the database, load the sample data when it does not hold it yet, and open the
    /// pool. The answer's firms are those `/internal/firms` lists.
    pub fn open(
        db: &Database,
        schema: &Schema,
        size: usize,
        seed: u64,
    ) -> Result<(Store, Vec<Value>), String> {
        let mapping = Mapping::builtin(schema);
        let first = connect(db, schema, &mapping).map_err(|e| format!("{db:?}: {e}"))?;
        let (first, firms) = seed_once(first, db, size, seed)?;
        let mut conns = vec![Mutex::new(first)];
        for _ in 1..POOL {
            conns.push(Mutex::new(connect(db, schema, &mapping).map_err(|e| e.to_string())?));
        }
        Ok((Store { conns, next: AtomicUsize::new(0), dialect: db.dialect(), mapping }, firms))
    }

    /// A free connection, or the next one in turn to wait for.
    fn conn(&self) -> MutexGuard<'_, Conn> {
        for c in &self.conns {
            if let Ok(g) = c.try_lock() {
                return g;
            }
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.conns.len();
        // A connection whose holder panicked is still a connection: every statement it ran
        // was in a transaction that did not commit.
        self.conns[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` with a connection, on a blocking thread.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut dyn Records) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let me = Arc::clone(self);
        match tokio::task::spawn_blocking(move || f(&mut **me.conn())).await {
            Ok(r) => r,
            Err(e) => Err(Error::Corrupt(format!("a database call failed: {e}"))),
        }
    }

    /// Run `f` with a connection on this thread (start-up, before the server runs).
    pub fn now<T>(&self, f: impl FnOnce(&mut dyn Records) -> Result<T, Error>) -> Result<T, Error> {
        f(&mut **self.conn())
    }
}

/// A connection to the tables, made where missing; their indexes are built once, after the
/// sample's bulk load, where they cost least ([`Records::create_indexes`]).
fn connect(db: &Database, schema: &Schema, mapping: &Mapping) -> Result<Conn, Error> {
    let m = mapping.clone();
    Ok(match db {
        Database::Sqlite(path) => Box::new(
            SqliteStore::open_without_indexes(path, schema, m)?.with_text_search(text_search()),
        ),
        Database::Postgres(url) => Box::new(
            PostgresStore::connect_without_indexes(url, PG_SCHEMA, schema, m)?
                .with_text_search(text_search()),
        ),
    })
}

/// The setting that says which sample the database holds.
const SAMPLE: &str = "sample";
/// The setting holding the firms, as `/internal/firms` lists them.
const FIRMS: &str = "firms";

/// Load the sample unless the database holds it already: the same size and seed are never
/// generated twice, and a database holding another sample is refused rather than mixed.
fn seed_once(
    mut conn: Conn,
    db: &Database,
    size: usize,
    seed: u64,
) -> Result<(Conn, Vec<Value>), String> {
    let want = format!("size={size} seed={seed}");
    let fail = |e: Error| format!("{db:?}: {e}");
    let have = conn.setting(SAMPLE).map_err(fail)?;
    match have {
        Some(h) if h == want => {
            let firms = conn.setting(FIRMS).map_err(fail)?.unwrap_or_default();
            let firms: Vec<Value> = serde_json::from_str(&firms)
                .map_err(|e| format!("{db:?}: the stored firms cannot be read: {e}"))?;
            // The sample is set only once its indexes were built.
            return Ok((conn, firms));
        }
        Some(h) => {
            return Err(format!(
                "the database holds the sample generated with {h}, not {want}: start with those \
                 options, or give another --database"
            ))
        }
        None => {}
    }
    // A load that stopped half-way left no SAMPLE setting: start again from empty tables.
    conn.clear().map_err(fail)?;
    let mut batch: Vec<Entity> = Vec::with_capacity(LOAD_BATCH);
    let firms = sample::generate(size, seed, &mut |e| {
        batch.push(e);
        if batch.len() == LOAD_BATCH {
            conn.load(&batch)?;
            batch.clear();
        }
        Ok::<(), Error>(())
    })
    .map_err(fail)?;
    conn.load(&batch).map_err(fail)?;
    conn.create_indexes().map_err(fail)?;
    conn.set_setting(FIRMS, &Value::Array(firms.clone()).to_string()).map_err(fail)?;
    conn.set_setting(SAMPLE, &want).map_err(fail)?;
    Ok((conn, firms))
}

/// A new temporary directory for a service started without `--database`.
pub fn temp_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("portcullis-data-service-{}", unique_name()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Where the index lives by default: beside the SQLite file, or in a temporary directory.
pub fn default_index_dir(db: &Database) -> Result<PathBuf, String> {
    match db {
        Database::Sqlite(path) => {
            let name =
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Ok(path.with_file_name(format!("{name}.index")))
        }
        Database::Postgres(_) => Ok(temp_dir()?.join("index")),
    }
}

/// Whether a path names a directory that can be made.
pub fn ensure_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

/// A name unlikely to repeat: the time to the nanosecond and the process.
pub fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}
