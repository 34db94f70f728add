//! The facilitator's validation queue (pages): the entries of a status, filtered and
//! paginated, each with the month's context (the person's cap for the month, the figure of
//! the month before), and one entry with its history. Decisions and amendments go through
//! `app::hours` (`decide_entries`, `report_month`), as the API's do.

use std::collections::HashMap;

use crate::app::hours::{entry_history, named_entries};
use crate::app::{AppError, AppResult};
use crate::auth::Caller;
use crate::db::Conn;
use crate::domain::hours::{person_monthly_cap, EntryStatus};
use crate::domain::ids::{ClauseId, HourEntryId, OrganisationId, ParticipantId, PlacementId};
use crate::domain::period::Month;
use crate::store::history::HistoryEntry;
use crate::store::hours::{self as hours_store, EntryFilter, HourEntryView};
use crate::store::validation::{self as store, QueueChoices, QueueQuery, StoredFigure};

/// Entries shown on one page of the queue.
pub const PAGE_SIZE: i64 = 50;
/// The most entries the queue counts (40 pages): nobody pages further, and a count over a
/// national structure's history would cost more than the page itself.
pub const COUNTED_AT_MOST: i64 = 2_000;

/// What the queue shows: entries of one status, narrowed by clause, contractor and month.
#[derive(Debug, Clone, Copy)]
pub struct QueueFilter {
    pub status: EntryStatus,
    pub clause_id: Option<ClauseId>,
    pub contractor_id: Option<OrganisationId>,
    pub month: Option<Month>,
    /// 1 for the first page; a page past the last shows the last.
    pub page: i64,
}

/// An entry with the month's context a decision needs.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub entry: HourEntryView,
    /// The person's cap for the entry's month (hundredths), scaled to the days its
    /// placements are open, as the hour checks compute it.
    pub month_cap: i64,
    /// The same placement's figure of the month before, validated or not.
    pub previous: Option<StoredFigure>,
}

/// One page of the queue.
#[derive(Debug, Clone)]
pub struct Queue {
    pub rows: Vec<QueueRow>,
    /// Entries matching the filter, on every page, counted up to `COUNTED_AT_MOST`.
    pub total: i64,
    /// More entries match than `COUNTED_AT_MOST`: the pages show the first ones, and the
    /// filters reach the others.
    pub more: bool,
    /// The page shown (1-based) and how many pages there are (at least 1).
    pub page: i64,
    pub pages: i64,
    pub choices: QueueChoices,
}

/// An entry of the structure with its context and its history.
#[derive(Debug, Clone)]
pub struct EntryDetail {
    pub row: QueueRow,
    pub history: Vec<HistoryEntry>,
}

/// Only the structure's staff work on the queue.
fn staff_only(caller: &Caller) -> AppResult<()> {
    if caller.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A page of the structure's entries of `filter.status`, named, with each entry's month
/// context, and the filter's choices: a fixed number of queries whatever the page holds
/// (the page's ids through an index range, a count bounded by `COUNTED_AT_MOST`, the page's
/// rows named, the people's placement dates, the previous months, the choices), so the
/// queue stays fast on a national data set.
pub fn queue(
    conn: &mut Conn,
    caller: &Caller,
    filter: QueueFilter,
    monthly_cap: i64,
) -> AppResult<Queue> {
    staff_only(caller)?;
    let sid = caller.structure_id;
    let query = QueueQuery {
        status: filter.status,
        month: filter.month,
        clause_id: filter.clause_id,
        contractor_id: filter.contractor_id,
    };
    let counted = store::queue_count(conn, sid, &query, COUNTED_AT_MOST)?;
    let more = counted > COUNTED_AT_MOST;
    let total = counted.min(COUNTED_AT_MOST);
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    // A page past the end (entries decided meanwhile): the last one.
    let page = filter.page.clamp(1, pages);
    let ids = store::queue_ids(conn, sid, &query, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
    let entries = if ids.is_empty() {
        Vec::new()
    } else {
        let named = EntryFilter {
            status: None,
            clause_id: None,
            placement_id: None,
            month: None,
            contractor: None,
            entry_ids: Some(ids),
        };
        hours_store::list(conn, sid, &named, PAGE_SIZE, 0)?.0
    };
    let rows = with_context(conn, caller, entries, monthly_cap)?;
    let choices = store::queue_choices(conn, sid, filter.status)?;
    Ok(Queue {
        rows,
        total,
        more,
        page,
        pages,
        choices,
    })
}

/// How many entries of the caller's structure wait for validation (staff only).
pub fn waiting_count(conn: &mut Conn, caller: &Caller) -> AppResult<i64> {
    staff_only(caller)?;
    Ok(store::waiting_count(conn, caller.structure_id)?)
}

/// One entry of the structure with its month context and history; another structure's is
/// not found.
pub fn entry_detail(
    conn: &mut Conn,
    caller: &Caller,
    id: HourEntryId,
    monthly_cap: i64,
) -> AppResult<EntryDetail> {
    staff_only(caller)?;
    let entry =
        hours_store::get(conn, caller.structure_id, id)?.ok_or(AppError::NotFound("hour entry"))?;
    let named = named_entries(conn, caller, vec![entry])?;
    let row = with_context(conn, caller, named, monthly_cap)?
        .pop()
        .ok_or(AppError::NotFound("hour entry"))?;
    let history = entry_history(conn, caller, id)?;
    Ok(EntryDetail { row, history })
}

/// The person and month of each of these entries of the structure (another structure's
/// are absent), to name them in a message.
pub fn entry_names(
    conn: &mut Conn,
    caller: &Caller,
    ids: &[HourEntryId],
) -> AppResult<HashMap<HourEntryId, (Option<String>, Month)>> {
    staff_only(caller)?;
    let filter = EntryFilter {
        status: None,
        clause_id: None,
        placement_id: None,
        month: None,
        contractor: None,
        entry_ids: Some(ids.to_vec()),
    };
    let (views, _) = hours_store::list(conn, caller.structure_id, &filter, ids.len() as i64, 0)?;
    Ok(views
        .into_iter()
        .map(|v| (v.entry.id, (v.participant_name, v.entry.month)))
        .collect())
}

/// The month context of entries: the people's placement dates for their caps (one query),
/// the previous months' figures (one query).
fn with_context(
    conn: &mut Conn,
    caller: &Caller,
    entries: Vec<HourEntryView>,
    monthly_cap: i64,
) -> AppResult<Vec<QueueRow>> {
    let mut people: Vec<ParticipantId> = entries.iter().map(|e| e.entry.participant_id).collect();
    people.sort_unstable_by_key(|p| p.0);
    people.dedup();
    let periods = hours_store::periods_of_people(conn, &people)?;
    let before: Vec<(PlacementId, Month)> = entries
        .iter()
        .map(|e| (e.entry.placement_id, e.entry.month.plus(-1)))
        .collect();
    let mut previous = store::figures_of(conn, caller.structure_id, &before)?;
    let mut caps: HashMap<(i64, Month), i64> = HashMap::new();
    Ok(entries
        .into_iter()
        .map(|entry| {
            let (person, month) = (entry.entry.participant_id.0, entry.entry.month);
            let month_cap = *caps.entry((person, month)).or_insert_with(|| {
                let dates = periods.get(&person).map_or(&[][..], Vec::as_slice);
                person_monthly_cap(monthly_cap, month.year, month.month, dates)
            });
            let previous = previous.remove(&(entry.entry.placement_id.0, month.plus(-1)));
            QueueRow {
                entry,
                month_cap,
                previous,
            }
        })
        .collect())
}
