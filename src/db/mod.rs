//! Database access: one connection type over SQLite and PostgreSQL, an r2d2 pool,
//! embedded migrations, and helpers to run blocking queries from async handlers.

pub mod schema;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::app::{AppError, AppResult};
use crate::clock::Clock;
use crate::config::DatabaseUrl;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection over either backend. Queries in the portable subset are written once
/// against it; backend-specific statements match on the variant.
#[derive(diesel::MultiConnection)]
pub enum Conn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl Conn {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Conn::Sqlite(_))
    }
}

pub type DbPool = Pool<ConnectionManager<Conn>>;
pub type PooledConn = PooledConnection<ConnectionManager<Conn>>;

/// What every pooled connection is set to when opened: SQLite's pragmas, PostgreSQL's
/// memory for sorts.
#[derive(Debug)]
struct SessionSettings;

impl CustomizeConnection<Conn, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut Conn) -> Result<(), diesel::r2d2::Error> {
        if let Conn::Sqlite(c) = conn {
            // WAL lets readers run beside the writer; busy_timeout makes writers queue
            // instead of failing; foreign keys are off by default in SQLite. An 8 MB page
            // cache per connection (2 MB by default): a staff home reads about 15 MB of
            // pages and re-read them from the file at every view (4,600 reads), a bound of
            // 64 MB over the pool of 8.
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA cache_size = -8000;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        if let Conn::Pg(c) = conn {
            // The report's counts of distinct persons sort a national year's placements
            // (about 75,000 rows): with the default 4 MB they spill to disk and take twice
            // as long. A bound per sort or hash, times the pool's few connections.
            c.batch_execute("SET work_mem = '32MB'")
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Builds the pool for the configured database, creating the SQLite file's folder if needed.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<DbPool> {
    let conn_url = match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(parent) = path.parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        anyhow::anyhow!("cannot create database folder {}: {e}", parent.display())
                    })?;
                }
            }
            path.to_string_lossy().into_owned()
        }
        DatabaseUrl::Postgres(url) => url.clone(),
    };
    let manager = ConnectionManager::<Conn>::new(conn_url);
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(SessionSettings))
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", url.redacted()))?;
    Ok(pool)
}

/// Applies every pending migration of the connection's backend.
pub fn run_migrations(conn: &mut Conn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        Conn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        Conn::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(|m| m.to_string()).collect())
}

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE` so that a transaction
/// that reads before it writes waits for the write lock instead of failing with SQLITE_BUSY,
/// and the writers of this process wait for it in turn (`WriterQueue`).
pub fn write_tx<T, E, F>(conn: &mut Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let _turn = match conn {
        Conn::Sqlite(c) => {
            let turn = SQLITE_WRITERS.wait_turn();
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            turn
        }
        Conn::Pg(c) => {
            AnsiTransactionManager::begin_transaction(c)?;
            None
        }
    };
    finish_tx(conn, f)
}

/// A read transaction: the statements of `f` see one snapshot of the database. On SQLite it
/// takes no lock until something is written, so readers run beside the writer (WAL), and a
/// connection checks its page cache once rather than once per statement.
pub fn read_tx<T, E, F>(conn: &mut Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        Conn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        Conn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    finish_tx(conn, f)
}

/// Runs `f` in the transaction just begun: committed when it succeeds, else rolled back.
fn finish_tx<T, E, F>(conn: &mut Conn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Conn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match f(conn) {
        Ok(value) => {
            <Conn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            <Conn as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// SQLite has one writer at a time, and its busy handler lets waiting writers poll in
/// growing sleeps: under contention one of them waited about a second while later ones went
/// first (the work list's p99, docs/PERFORMANCE.md). The write transactions of this process
/// therefore queue here first, in arrival order, each woken as soon as the one before ends.
/// One queue for the process: a deployment has one database (tests with several SQLite
/// files only wait a little longer).
static SQLITE_WRITERS: WriterQueue = WriterQueue::new();

/// A ticket lock: first come, first served.
struct WriterQueue {
    /// The next ticket to hand out, and the ticket whose turn it is.
    tickets: std::sync::Mutex<(u64, u64)>,
    turn_ended: std::sync::Condvar,
}

std::thread_local! {
    /// Whether this thread holds the turn (a nested write transaction must not wait for
    /// itself; diesel then refuses the nested `BEGIN` as it always did).
    static HOLDS_TURN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// This thread's turn; the next ticket is served when it is dropped (on unwinding too).
struct Turn(&'static WriterQueue);

impl WriterQueue {
    const fn new() -> WriterQueue {
        WriterQueue {
            tickets: std::sync::Mutex::new((0, 0)),
            turn_ended: std::sync::Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, u64)> {
        // The counters stay consistent whatever panicked while they were held.
        self.tickets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for this thread's turn; None when it already holds it.
    fn wait_turn(&'static self) -> Option<Turn> {
        if HOLDS_TURN.with(|h| h.get()) {
            return None;
        }
        let mut t = self.lock();
        let ticket = t.0;
        t.0 += 1;
        while t.1 != ticket {
            t = self.turn_ended.wait(t).unwrap_or_else(|p| p.into_inner());
        }
        HOLDS_TURN.with(|h| h.set(true));
        Some(Turn(self))
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        HOLDS_TURN.with(|h| h.set(false));
        self.0.lock().1 += 1;
        self.0.turn_ended.notify_all();
    }
}

/// Locks rows of a parent table until the end of the write transaction, so that two
/// writers that check a rule over its children (sums, duplicates, overlaps) take turns.
/// PostgreSQL: `SELECT … FOR NO KEY UPDATE` in id order (two writers locking several rows
/// never wait for each other crosswise; inserts of children, which take key-share locks on
/// the parent, are not blocked). SQLite: nothing to do, a write transaction starts with
/// `BEGIN IMMEDIATE` and holds the database's only write lock.
#[macro_export]
macro_rules! lock_rows {
    ($conn:expr, $table:ident, $ids:expr) => {{
        let result: Result<(), diesel::result::Error> = match $conn {
            $crate::db::Conn::Pg(c) => {
                use diesel::prelude::*;
                use $crate::db::schema::$table;
                // Typed ids or plain integers alike.
                let mut ids: Vec<i64> = $ids.iter().map(|&id| i64::from(id)).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.chunks(1000).try_for_each(|chunk| {
                    $table::table
                        .filter($table::id.eq_any(chunk))
                        .order($table::id)
                        .select($table::id)
                        .for_no_key_update()
                        .load::<i64>(c)
                        .map(|_| ())
                })
            }
            $crate::db::Conn::Sqlite(_) => Ok(()),
        };
        result
    }};
}

/// Rocket state: the pool, and a way to run blocking diesel work off the async threads.
#[derive(Clone)]
pub struct Db {
    pub pool: DbPool,
    /// One permit per pooled connection. Requests wait here, in arrival order and without
    /// holding a thread, rather than in the pool, whose waiters wake in no set order (under
    /// 32 concurrent clients some waited 300 ms behind later ones).
    permits: std::sync::Arc<rocket::tokio::sync::Semaphore>,
    /// The application's clock: each unit of work runs in its scope, so rows are stamped
    /// with the application's time.
    pub clock: Clock,
}

impl Db {
    pub fn new(pool: DbPool, clock: Clock) -> Db {
        let permits = rocket::tokio::sync::Semaphore::new(pool.max_size() as usize);
        Db {
            pool,
            permits: std::sync::Arc::new(permits),
            clock,
        }
    }

    /// Runs `f` on a pooled connection off the async threads. No permit or no connection is
    /// `AppError::Unavailable`; a task that died is `AppError::Internal`.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut Conn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let permit = self.permits.clone().acquire_owned().await.map_err(|e| {
            tracing::error!("database permits: {e}");
            AppError::Unavailable
        })?;
        let clock = self.clock.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.get().map_err(|e| {
                tracing::error!("database pool: {e}");
                AppError::Unavailable
            })?;
            clock.scope(|| f(&mut conn))
        })
        .await
        .map_err(|e| {
            tracing::error!("database task failed: {e}");
            AppError::Internal
        })?
    }

    /// Runs `f` inside a write transaction: everything or nothing is stored.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut Conn) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_tx(conn, f)).await
    }
}

/// Database time: the application's clock of the unit of work running on this thread (see
/// `Db::run`), naive UTC with microsecond precision, the same on both backends.
pub fn now() -> chrono::NaiveDateTime {
    crate::clock::Clock::current().naive()
}

/// Compiles `$body` once for each backend's concrete connection, for the statements the
/// multi-backend connection cannot express (upserts, backend-specific SQL).
#[macro_export]
macro_rules! per_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Pg($c) => $body,
            $crate::db::Conn::Sqlite($c) => $body,
        }
    };
    // `$mode` names the loading mode that streams rows on the backend, for `load_iter`:
    // row by row on PostgreSQL (libpq would otherwise buffer the whole result), SQLite's
    // only mode (it steps through rows anyway).
    ($conn:expr, |$c:ident, $mode:ident| $body:expr) => {
        match $conn {
            $crate::db::Conn::Pg($c) => {
                type $mode = diesel::pg::PgRowByRowLoadingMode;
                $body
            }
            $crate::db::Conn::Sqlite($c) => {
                type $mode = diesel::connection::DefaultLoadingMode;
                $body
            }
        }
    };
}

/// Raises a correctable record's version from `read` to the next one, in the write
/// transaction: `UPDATE … SET version = version + 1 WHERE id = … AND version = read`.
/// `Ok(false)`: the record is no longer at `read` (another writer came first; on PostgreSQL
/// the second of two concurrent writers waits for the first and then finds no row), so
/// two writes of the same version never both succeed.
#[macro_export]
macro_rules! claim_version {
    ($conn:expr, $table:ident, $id:expr, $read:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::$table;
        let read: $crate::domain::version::Version = $read;
        diesel::update(
            $table::table
                .filter($table::id.eq(i64::from($id)))
                .filter($table::version.eq(read.0)),
        )
        .set($table::version.eq($table::version + 1))
        .execute($conn)
        .map(|rows| rows == 1)
    }};
}
