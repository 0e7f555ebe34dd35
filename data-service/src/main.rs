//! The sample data service: the system of record that the portcullis gateway fronts, and the
//! reference for a service that pushes the engine's scopes down to its own storage.
//!
//! ```text
//! portcullis-data-service [--port 8788] [--host 127.0.0.1] [--size 3000] [--seed 42]
//!                         [--database sqlite:PATH | postgres://user:pass@host:port/db]
//!                         [--index-dir DIR]
//! ```
//!
//! Entities live in an SQLite file (the default: a new one in a temporary directory without
//! `--database`) or a PostgreSQL database, in the tables of the engine's default mapping
//! (`portcullis::pushdown::Mapping::builtin`); details are also in a Tantivy index (`--index-dir`,
//! by default beside the SQLite file or in a temporary directory) derived from the database.
//! The generated sample (`--size` entities of each type in each of the main firm's two
//! workspaces) is written once, in bulk, and not again while the database holds it. Every list,
//! preview and impact is compiled by the engine to SQL or to an index query and run there; see
//! the `api` module for the routes.

mod api;
mod index;
mod sample;
mod store;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use portcullis::value::{format_uuid, parse_uuid};
use portcullis::Schema;

use crate::store::{Database, Store};

const USAGE: &str =
    "usage: portcullis-data-service [--port N] [--host ADDR] [--size N] [--seed N] \
[--database sqlite:PATH | postgres://user:pass@host:port/db] [--index-dir DIR]";

/// The command line.
struct Options {
    port: u16,
    host: String,
    size: usize,
    seed: u64,
    database: Option<Database>,
    index_dir: Option<PathBuf>,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        port: 8788,
        host: "127.0.0.1".into(),
        size: 3000,
        seed: 42,
        database: None,
        index_dir: None,
    };
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = args.get(i + 1).ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = |what: &str| format!("{flag} {value:?}: expected {what}");
        match flag {
            "--port" => o.port = value.parse().map_err(|_| number("a port number"))?,
            "--host" => o.host = value.clone(),
            "--size" => o.size = value.parse().map_err(|_| number("a number of entities"))?,
            "--seed" => o.seed = value.parse().map_err(|_| number("a number"))?,
            "--database" => o.database = Some(Database::parse(value)?),
            "--index-dir" => o.index_dir = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
        i += 2;
    }
    if o.size < sample::MIN_SIZE {
        return Err(format!("--size must be at least {} (the worked example)", sample::MIN_SIZE));
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match options(&args).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("portcullis-data-service: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(o: Options) -> Result<(), String> {
    let db = match o.database {
        Some(db) => db,
        None => Database::Sqlite(store::temp_dir()?.join("data.sqlite")),
    };
    let index_dir = match o.index_dir {
        Some(d) => d,
        None => store::default_index_dir(&db)?,
    };
    store::ensure_dir(&index_dir)?;
    let schema = Schema::builtin();
    let (store, firms) = Store::open(&db, &schema, o.size, o.seed)?;
    let (index, rebuilt) = index::open(&index_dir, &schema, &store)?;
    if rebuilt {
        eprintln!("data-service: the detail index in {} was rebuilt", index_dir.display());
    }
    release_free_memory();
    let workspaces = firms
        .iter()
        .flat_map(|f| f["workspaces"].as_array().cloned().unwrap_or_default())
        .filter_map(|w| w["id"].as_str().and_then(parse_uuid).map(format_uuid))
        .collect();
    let app = Arc::new(api::App {
        schema,
        store: Arc::new(store),
        index: Arc::new(RwLock::new(index::DetailIndex::new(index))),
        firms,
        workspaces,
        decoys: Default::default(),
    });
    serve(&o.host, o.port, app)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn serve(host: &str, port: u16, app: api::Shared) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind((host, port))
        .await
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // The gateway's tests and demo read this line to learn the port.
    println!("data-service listening on http://{addr}");
    use std::io::Write;
    std::io::stdout().flush().ok();
    axum::serve(listener, api::router(app)).await.map_err(|e| e.to_string())
}

/// Give back to the system what a first load or an index rebuild freed: glibc's allocator
/// keeps freed memory in its arenas, and the service would otherwise carry a load's peak for
/// its whole life.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only returns free pages of glibc's heap to the system; it takes no
    // pointer and is safe to call at any time.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}
