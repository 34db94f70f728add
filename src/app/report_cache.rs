//! The annual report served from memory while nothing it reads has changed (issue 21).
//!
//! A wrapper around [`annual_report`]: the key is the caller's scope as `resolve` reads it
//! (role, structure, funder scope), every parameter, the configuration figures and whether
//! names are wanted; the entry is valid for one data version (`store::data_version`), which
//! triggers bump in the transaction of every write to a table the report reads. The warm
//! path is that one small read.
//!
//! Why reading the version *before* computing is enough, on several instances too: the
//! version lives in the database and only grows with commits, and the figures are read
//! after it, so they are at least as new as it. A report cached under version `v` is
//! served only to a request that read `v` afterwards, that is before any later write
//! committed; it may hold a write committed while it was computed, never miss one committed
//! before `v` was read.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::app::reports::{annual_report_keeping, Loaded};
use crate::app::AppResult;
use crate::auth::Caller;
use crate::db::Db;
use crate::reports::{Others, Report, ReportRequest};

/// Whether a report was served from memory (the `X-Cache` header of the report routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    Hit,
    Miss,
}

impl CacheStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
        }
    }
}

struct Entry {
    version: i64,
    loaded: Arc<Loaded>,
    bytes: usize,
    /// The tick of its last use: the least recently used entry goes first.
    used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    bytes: usize,
    tick: u64,
}

/// The figures without hours kept at most, per scope and period (a national one holds a
/// row per buyer for PNAD: a few hundred kilobytes).
const HOURLESS_KEPT: usize = 64;

/// Reports kept in memory, bounded in entries and in (estimated) bytes; and apart, the
/// figures of reports that read no hours, valid while nothing but hours changes.
pub struct ReportCache {
    inner: Mutex<Inner>,
    max_entries: usize,
    max_bytes: usize,
    hourless: Mutex<HashMap<String, (i64, Arc<Others>)>>,
    /// The yearly totals of recent years, kept up to date at each report computed.
    year_facts: Arc<crate::app::year_facts::YearFactsCache>,
}

impl Default for ReportCache {
    fn default() -> Self {
        // A national report is about 1 MB as JSON; a few hundred scopes fit comfortably.
        ReportCache::new(256, 64 << 20)
    }
}

impl ReportCache {
    pub fn new(max_entries: usize, max_bytes: usize) -> ReportCache {
        ReportCache {
            inner: Mutex::new(Inner::default()),
            max_entries,
            max_bytes,
            hourless: Mutex::new(HashMap::new()),
            year_facts: Arc::default(),
        }
    }

    /// The kept copies of yearly totals (`app::year_facts`).
    pub fn year_facts(&self) -> Arc<crate::app::year_facts::YearFactsCache> {
        self.year_facts.clone()
    }

    /// The figures without hours of a scope and period, if computed under `version` (the
    /// data version without the hours).
    pub fn hourless(&self, key: &str, version: i64) -> Option<Arc<Others>> {
        let kept = self.hourless.lock().unwrap_or_else(|p| p.into_inner());
        kept.get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, others)| others.clone())
    }

    /// Keeps figures without hours computed under `version`; older versions go, and when
    /// full, any one other entry (they are cheap to compute again).
    pub fn keep_hourless(&self, key: String, version: i64, others: Arc<Others>) {
        let mut kept = self.hourless.lock().unwrap_or_else(|p| p.into_inner());
        if kept.get(&key).is_some_and(|(v, _)| *v > version) {
            return;
        }
        kept.retain(|_, (v, _)| *v >= version);
        if kept.len() >= HOURLESS_KEPT && !kept.contains_key(&key) {
            if let Some(any) = kept.keys().next().cloned() {
                kept.remove(&any);
            }
        }
        kept.insert(key, (version, others));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves a consistent map (no invariant spans calls).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: &str, version: i64) -> Option<Arc<Loaded>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(key)?;
        if entry.version != version {
            return None;
        }
        entry.used = tick;
        Some(entry.loaded.clone())
    }

    fn put(&self, key: String, version: i64, loaded: Arc<Loaded>) {
        let bytes = key.len() + estimated_bytes(&loaded);
        if bytes > self.max_bytes / 4 {
            return;
        }
        let mut inner = self.lock();
        // A slower request that read an older version must not replace a newer entry.
        if inner.entries.get(&key).is_some_and(|e| e.version > version) {
            return;
        }
        // Entries of older versions will never be served again.
        let stale: Vec<String> = inner
            .entries
            .iter()
            .filter(|(_, e)| e.version < version)
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            remove(&mut inner, &k);
        }
        remove(&mut inner, &key);
        while !inner.entries.is_empty()
            && (inner.entries.len() >= self.max_entries || inner.bytes + bytes > self.max_bytes)
        {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            remove(&mut inner, &oldest);
        }
        inner.tick += 1;
        let used = inner.tick;
        inner.bytes += bytes;
        inner.entries.insert(
            key,
            Entry {
                version,
                loaded,
                bytes,
                used,
            },
        );
    }

    /// Entries and estimated bytes held now.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.bytes)
    }
}

fn remove(inner: &mut Inner, key: &str) {
    if let Some(e) = inner.entries.remove(key) {
        inner.bytes -= e.bytes;
    }
}

/// The memory a report holds, roughly: its JSON, its gzip copy if a client asks for one
/// (about a seventh of the JSON, counted ahead) and its names.
fn estimated_bytes(loaded: &Loaded) -> usize {
    let report = match &loaded.report {
        // Written here once; the JSON route then serves these very bytes.
        Report::Shown(_) => loaded.json().map_or(1 << 20, |j| j.len() + j.len() / 6),
        Report::BelowThreshold(_) => 256,
    };
    let names: usize = loaded.names.values().map(|n| n.len() + 48).sum();
    report + names + 1024
}

/// What the report depends on besides the data: who reads (their scope, not their
/// identity: two facilitators of a structure share an entry) and how.
fn key(
    caller: &Caller,
    req: &ReportRequest,
    fte_hours: u32,
    threshold: i64,
    names: bool,
) -> String {
    format!(
        "{:?}|{:?}|{:?}|{req:?}|{fte_hours}|{threshold}|{names}",
        caller.role, caller.structure_id, caller.funder_scope
    )
}

/// [`annual_report`] from memory when the data version has not moved since the same
/// report was computed; otherwise computed and kept. Refusals are never kept.
pub async fn annual_report_cached(
    db: &Db,
    cache: &ReportCache,
    caller: Caller,
    req: ReportRequest,
    fte_hours: u32,
    threshold: i64,
    with_names: bool,
) -> AppResult<(Arc<Loaded>, CacheStatus)> {
    let version = db
        .run(|c| Ok(crate::store::data_version::current(c)?))
        .await?;
    let key = key(&caller, &req, fte_hours, threshold, with_names);
    if let Some(loaded) = cache.get(&key, version.all) {
        return Ok((loaded, CacheStatus::Hit));
    }
    let kept = Some((cache, version.without_hours));
    let loaded = Arc::new(
        annual_report_keeping(db, caller, req, fte_hours, threshold, with_names, kept).await?,
    );
    cache.put(key, version.all, loaded.clone());
    Ok((loaded, CacheStatus::Miss))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::period::Period;
    use crate::reports::{BelowThreshold, Resolved, ScopeLabel};
    use crate::store::reports::ReportScope;

    fn loaded() -> Arc<Loaded> {
        Arc::new(Loaded::new(
            Report::BelowThreshold(BelowThreshold::new(&Period::year(2026), 5)),
            Resolved {
                scope: ReportScope::default(),
                base: ReportScope::default(),
                suppression: Some(5),
                scope_label: ScopeLabel::All,
            },
            Default::default(),
        ))
    }

    #[test]
    fn an_entry_serves_its_own_version_only() {
        let cache = ReportCache::new(4, 1 << 20);
        cache.put("a".into(), 7, loaded());
        assert!(cache.get("a", 7).is_some());
        assert!(cache.get("a", 8).is_none(), "a later write: computed again");
        assert!(cache.get("b", 7).is_none());
        // A slow request of an older version does not replace the newer entry.
        cache.put("a".into(), 9, loaded());
        cache.put("a".into(), 8, loaded());
        assert!(cache.get("a", 9).is_some());
    }

    #[test]
    fn it_is_bounded_in_entries_and_bytes_least_recently_used_first() {
        let cache = ReportCache::new(3, 1 << 20);
        for k in ["a", "b", "c"] {
            cache.put(k.into(), 1, loaded());
        }
        assert!(cache.get("a", 1).is_some());
        cache.put("d".into(), 1, loaded());
        assert_eq!(cache.size().0, 3);
        assert!(
            cache.get("b", 1).is_none(),
            "the least recently used went first"
        );
        assert!(cache.get("a", 1).is_some());
        // Bytes: each entry weighs about 1.3 kB here, so 12 kB hold fewer than ten.
        let small = ReportCache::new(100, 3000 * 4);
        for k in ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] {
            small.put(k.into(), 1, loaded());
        }
        assert!(small.size().1 <= 3000 * 4);
        assert!(small.size().0 < 10);
        // Entries of an older version go when a newer one is kept.
        small.put("z".into(), 2, loaded());
        assert_eq!(small.size().0, 1);
    }
}
