//! Placements (mises en situation de travail) of participants on assignments.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::QueryResult;
use serde::Serialize;

use crate::db::schema::placements;
use crate::db::{now, Conn};
use crate::domain::ids::{
    AssignmentId, ClauseId, OrganisationId, ParticipantId, PlacementId, StructureId, UserId,
};
use crate::domain::units::ser_hundredths;
use crate::domain::vocabulary::{
    AgeBand, ClauseKind, ContractType, ExitOutcome, Modality, QualificationLevel, Sex,
};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = placements)]
pub struct Placement {
    pub id: PlacementId,
    #[serde(skip)]
    pub structure_id: StructureId,
    pub participant_id: ParticipantId,
    pub assignment_id: AssignmentId,
    pub clause_id: ClauseId,
    pub contractor_id: OrganisationId,
    pub employer_id: OrganisationId,
    pub modality: Modality,
    pub contract_type: ContractType,
    pub job_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    #[schema(value_type = f64)]
    #[serde(serialize_with = "ser_hundredths")]
    pub weekly_hours: i64,
    /// Eligibility information: `Some` for staff (the reason or null), `None` once
    /// `for_contractor` removed it, and then not serialised at all.
    #[diesel(deserialize_as = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derogation_reason: Option<Option<String>>,
    #[serde(skip)]
    pub eligibility_id: Option<i64>,
    #[schema(value_type = AgeBand)]
    pub age_band: AgeBand,
    #[serde(skip)]
    pub sex: Sex,
    #[serde(skip)]
    pub qualification_level: QualificationLevel,
    #[serde(skip)]
    pub qpv: bool,
    #[serde(skip)]
    pub criteria: String,
    #[serde(skip)]
    pub territory: String,
    #[serde(skip)]
    pub buyer_id: OrganisationId,
    #[serde(skip)]
    pub clause_kind: ClauseKind,
    #[serde(skip)]
    pub sector: String,
    #[serde(rename = "ended_on")]
    pub exit_on: Option<NaiveDate>,
    #[serde(rename = "outcome")]
    pub exit_outcome: Option<ExitOutcome>,
    #[serde(skip)]
    pub created_by: UserId,
    #[serde(skip)]
    pub created_at: chrono::NaiveDateTime,
    /// The record's version (its ETag), raised by each correction.
    #[serde(skip)]
    pub version: i64,
    /// When the placement was cancelled as entered by mistake (null: it stands); a
    /// cancelled placement counts nowhere (reports, progress, lists).
    pub cancelled_at: Option<chrono::NaiveDateTime>,
}

impl Placement {
    /// The last day worked: the exit date when there is one, else the planned end.
    pub fn effective_end(&self) -> Option<NaiveDate> {
        self.exit_on.or(self.ends_on)
    }

    /// The placement as a contractor may read it: without the eligibility information
    /// (the derogation reason), which is the facilitator's.
    pub fn for_contractor(mut self) -> Self {
        self.derogation_reason = None;
        self
    }

    /// The placement as `contractor` (a contractor's organisation, or None for staff) may
    /// read it.
    pub fn as_seen_by(self, contractor: Option<OrganisationId>) -> Self {
        match contractor {
            Some(_) => self.for_contractor(),
            None => self,
        }
    }
}

/// A placement as people read it: the person, organisations and clause named beside their
/// ids.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlacementView {
    #[serde(flatten)]
    pub placement: Placement,
    /// First and last name; null once the person is anonymised.
    pub participant_name: Option<String>,
    pub contractor_name: String,
    pub employer_name: String,
    pub buyer_id: OrganisationId,
    pub buyer_name: String,
    /// The clause's contract reference and title (and lot).
    pub clause_label: String,
}

/// placement id, first name, last name, lot, contract reference and title
type PlacementNameRow = (
    PlacementId,
    Option<String>,
    Option<String>,
    Option<i32>,
    String,
    String,
);

/// These placements with their names: two queries whatever their number.
pub fn named(conn: &mut Conn, items: Vec<Placement>) -> QueryResult<Vec<PlacementView>> {
    use crate::db::schema::{clauses, contracts, participants};
    use crate::store::names::{clause_label, organisation_names, person_name};
    let ids: Vec<PlacementId> = items.iter().map(|p| p.id).collect();
    let rows: Vec<PlacementNameRow> = placements::table
        .inner_join(participants::table)
        .inner_join(clauses::table.on(clauses::id.eq(placements::clause_id)))
        .inner_join(contracts::table.on(contracts::id.eq(clauses::contract_id)))
        .filter(placements::id.eq_any(&ids))
        .select((
            placements::id,
            participants::first_name,
            participants::last_name,
            clauses::lot_number,
            contracts::reference,
            contracts::title,
        ))
        .load(conn)?;
    let mut people = std::collections::HashMap::new();
    for (id, first, last, lot, reference, title) in rows {
        people.insert(
            id,
            (
                person_name(first, last),
                clause_label(&reference, &title, lot),
            ),
        );
    }
    let organisations: Vec<OrganisationId> = items
        .iter()
        .flat_map(|p| [p.contractor_id, p.employer_id, p.buyer_id])
        .collect();
    let org_names = organisation_names(conn, &organisations)?;
    let name_of = |id: OrganisationId| org_names.get(&id).cloned().unwrap_or_default();
    Ok(items
        .into_iter()
        .map(|placement| {
            let (participant_name, clause_label) = people.remove(&placement.id).unwrap_or_default();
            PlacementView {
                participant_name,
                contractor_name: name_of(placement.contractor_id),
                employer_name: name_of(placement.employer_id),
                buyer_id: placement.buyer_id,
                buyer_name: name_of(placement.buyer_id),
                clause_label,
                placement,
            }
        })
        .collect())
}

/// The 14 columns of a placement that reports group and count by (who, when, what kind of
/// work, for whom): written once on the placement and copied on each of its year totals
/// (`placement_year_totals`), so that a year's report reads one table. Every writer of
/// these columns (a new placement, the year totals, the data generator) writes this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementSnapshot {
    pub participant_id: i64,
    pub starts_on: NaiveDate,
    pub sex: Sex,
    pub age_band: AgeBand,
    /// Eligibility criteria codes, comma-separated.
    pub criteria: String,
    pub qualification_level: QualificationLevel,
    pub qpv: bool,
    pub modality: Modality,
    pub contract_type: ContractType,
    /// CPV division of the lot or contract (two digits), or `unknown`.
    pub sector: String,
    pub buyer_id: i64,
    pub contractor_id: i64,
    pub clause_kind: ClauseKind,
    pub territory: String,
}

impl PlacementSnapshot {
    /// The snapshot's columns, in the order of `sql_values` (the same names in both tables).
    pub const COLUMNS: &'static str = "participant_id, starts_on, sex, age_band, criteria, \
        qualification_level, qpv, modality, contract_type, sector, buyer_id, contractor_id, \
        clause_kind, territory";

    /// The snapshot as SQL literals in `COLUMNS` order, for a generated multi-row insert;
    /// `text` quotes a string, `day` a date, `boolean` a flag.
    pub fn sql_values(
        &self,
        text: impl Fn(&str) -> String,
        day: impl Fn(NaiveDate) -> String,
        boolean: impl Fn(bool) -> String,
    ) -> String {
        [
            self.participant_id.to_string(),
            day(self.starts_on),
            text(self.sex.as_str()),
            text(self.age_band.as_str()),
            text(&self.criteria),
            text(self.qualification_level.as_str()),
            boolean(self.qpv),
            text(self.modality.as_str()),
            text(self.contract_type.as_str()),
            text(&self.sector),
            self.buyer_id.to_string(),
            self.contractor_id.to_string(),
            text(self.clause_kind.as_str()),
            text(&self.territory),
        ]
        .join(", ")
    }
}

/// The snapshot's values for an insert into `$table` (`placements` or
/// `placement_year_totals`, whose snapshot columns have the same names).
#[macro_export]
macro_rules! snapshot_values {
    ($table:ident, $s:expr) => {{
        let s: &$crate::store::placements::PlacementSnapshot = $s;
        (
            $table::participant_id.eq(s.participant_id),
            $table::starts_on.eq(s.starts_on),
            $table::sex.eq(&s.sex),
            $table::age_band.eq(&s.age_band),
            $table::criteria.eq(&s.criteria),
            $table::qualification_level.eq(&s.qualification_level),
            $table::qpv.eq(s.qpv),
            $table::modality.eq(&s.modality),
            $table::contract_type.eq(&s.contract_type),
            $table::sector.eq(&s.sector),
            $table::buyer_id.eq(s.buyer_id),
            $table::contractor_id.eq(s.contractor_id),
            $table::clause_kind.eq(&s.clause_kind),
            $table::territory.eq(&s.territory),
        )
    }};
}

impl Placement {
    /// The placement's report snapshot.
    pub fn snapshot(&self) -> PlacementSnapshot {
        PlacementSnapshot {
            participant_id: self.participant_id.0,
            starts_on: self.starts_on,
            sex: self.sex,
            age_band: self.age_band,
            criteria: self.criteria.clone(),
            qualification_level: self.qualification_level,
            qpv: self.qpv,
            modality: self.modality,
            contract_type: self.contract_type,
            sector: self.sector.clone(),
            buyer_id: self.buyer_id.0,
            contractor_id: self.contractor_id.0,
            clause_kind: self.clause_kind,
            territory: self.territory.clone(),
        }
    }
}

/// Everything a new placement stores: its own columns and the snapshot reports group by.
pub struct NewPlacement {
    pub snapshot: PlacementSnapshot,
    pub assignment_id: AssignmentId,
    pub clause_id: ClauseId,
    pub employer_id: OrganisationId,
    pub job_title: String,
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: i64,
    pub derogation_reason: Option<String>,
    pub eligibility_id: Option<i64>,
    pub created_by: UserId,
}

pub fn create(
    conn: &mut Conn,
    structure_id: StructureId,
    p: &NewPlacement,
) -> QueryResult<PlacementId> {
    diesel::insert_into(placements::table)
        .values((
            placements::structure_id.eq(structure_id),
            crate::snapshot_values!(placements, &p.snapshot),
            placements::assignment_id.eq(p.assignment_id),
            placements::clause_id.eq(p.clause_id),
            placements::employer_id.eq(p.employer_id),
            placements::job_title.eq(&p.job_title),
            placements::ends_on.eq(p.ends_on),
            placements::weekly_hours.eq(p.weekly_hours),
            placements::derogation_reason.eq(&p.derogation_reason),
            placements::eligibility_id.eq(p.eligibility_id),
            placements::created_by.eq(p.created_by),
            placements::created_at.eq(now()),
        ))
        .returning(placements::id)
        .get_result(conn)
}

/// The placement of the structure, if any.
pub fn find(
    conn: &mut Conn,
    structure_id: StructureId,
    id: PlacementId,
) -> QueryResult<Option<Placement>> {
    placements::table
        .filter(placements::id.eq(id))
        .filter(placements::structure_id.eq(structure_id))
        .select(Placement::as_select())
        .first(conn)
        .optional()
}

/// Every placement of a person, the cancelled ones too (a correction of the person
/// re-snapshots them all).
pub fn all_of_participant(
    conn: &mut Conn,
    participant_id: ParticipantId,
) -> QueryResult<Vec<Placement>> {
    placements::table
        .filter(placements::participant_id.eq(participant_id))
        .order(placements::id)
        .select(Placement::as_select())
        .load(conn)
}

/// The placements of a person that stand (not cancelled), by start.
pub fn of_participant(
    conn: &mut Conn,
    participant_id: ParticipantId,
) -> QueryResult<Vec<Placement>> {
    placements::table
        .filter(placements::participant_id.eq(participant_id))
        .filter(placements::cancelled_at.is_null())
        .order((placements::starts_on, placements::id))
        .select(Placement::as_select())
        .load(conn)
}

/// The placements of a clause.
pub fn of_clause(conn: &mut Conn, clause_id: ClauseId) -> QueryResult<Vec<Placement>> {
    placements::table
        .filter(placements::clause_id.eq(clause_id))
        .filter(placements::cancelled_at.is_null())
        .order(placements::id)
        .select(Placement::as_select())
        .load(conn)
}

pub fn list(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    participant_id: Option<ParticipantId>,
    assignment_id: Option<AssignmentId>,
    limit: i64,
    offset: i64,
) -> QueryResult<(Vec<Placement>, i64)> {
    let base = || {
        let mut q = placements::table
            .filter(placements::structure_id.eq(structure_id))
            .filter(placements::cancelled_at.is_null())
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(
                placements::contractor_id
                    .eq(org)
                    .or(placements::employer_id.eq(org)),
            );
        }
        if let Some(p) = participant_id {
            q = q.filter(placements::participant_id.eq(p));
        }
        if let Some(a) = assignment_id {
            q = q.filter(placements::assignment_id.eq(a));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let items = base()
        .order(placements::id)
        .limit(limit)
        .offset(offset)
        .select(Placement::as_select())
        .load(conn)?;
    Ok((items, total))
}

pub fn set_exit(
    conn: &mut Conn,
    id: PlacementId,
    ended_on: NaiveDate,
    outcome: ExitOutcome,
) -> QueryResult<()> {
    diesel::update(placements::table.filter(placements::id.eq(id)))
        .set((
            placements::exit_on.eq(ended_on),
            placements::exit_outcome.eq(outcome),
        ))
        .execute(conn)?;
    Ok(())
}

/// placement id, first name, last name, job title, contractor name
type TemplateSource = (i64, Option<String>, Option<String>, String, String);

/// The placements open during a month that the caller may report on, as template rows.
pub fn template_rows(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    month: crate::domain::period::Month,
) -> QueryResult<Vec<crate::domain::hours::TemplateRow>> {
    Ok(template_rows_window(conn, structure_id, contractor, month, None)?.0)
}

/// The template rows of a month in placement order, `window` = (limit, offset) of them
/// (all when `None`), and how many there are in all: a page of a big contractor's grid reads
/// only its own rows (and a count), not the whole month.
pub fn template_rows_window(
    conn: &mut Conn,
    structure_id: StructureId,
    contractor: Option<OrganisationId>,
    month: crate::domain::period::Month,
    window: Option<(i64, i64)>,
) -> QueryResult<(Vec<crate::domain::hours::TemplateRow>, i64)> {
    use crate::db::schema::{organisations, participants};
    let (Some(first), Some(last)) = (month.first_day(), month.last_day()) else {
        return Ok((Vec::new(), 0));
    };
    // The placements alone decide which rows (the person and contractor are inner joins
    // on required keys: they never drop one), so the count and a page's ids read no names.
    let base = || {
        let mut q = placements::table
            .filter(placements::structure_id.eq(structure_id))
            .filter(placements::cancelled_at.is_null())
            .filter(placements::starts_on.le(last))
            .filter(
                placements::ends_on
                    .is_null()
                    .or(placements::ends_on.ge(first)),
            )
            .filter(
                placements::exit_on
                    .is_null()
                    .or(placements::exit_on.ge(first)),
            )
            .into_boxed();
        if let Some(org) = contractor {
            q = q.filter(
                placements::contractor_id
                    .eq(org)
                    .or(placements::employer_id.eq(org)),
            );
        }
        q
    };
    let (ids, total): (Vec<i64>, i64) = match window {
        None => {
            let ids: Vec<i64> = base()
                .select(placements::id)
                .order(placements::id)
                .load(conn)?;
            let total = i64::try_from(ids.len()).unwrap_or(i64::MAX);
            (ids, total)
        }
        Some((limit, offset)) => {
            let total = base().count().get_result(conn)?;
            let ids = base()
                .select(placements::id)
                .order(placements::id)
                .limit(limit)
                .offset(offset)
                .load(conn)?;
            (ids, total)
        }
    };
    let mut rows: Vec<TemplateSource> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(crate::store::hours::CHUNK) {
        rows.extend(
            placements::table
                .inner_join(participants::table)
                .inner_join(
                    organisations::table.on(organisations::id.eq(placements::contractor_id)),
                )
                .filter(placements::id.eq_any(chunk))
                .order(placements::id)
                .select((
                    placements::id,
                    participants::first_name,
                    participants::last_name,
                    placements::job_title,
                    organisations::name,
                ))
                .load::<TemplateSource>(conn)?,
        );
    }
    // The template is a file: its month cell is text.
    let month_key = month.to_string();
    let rows = rows
        .into_iter()
        .map(
            |(id, first, last, job, contractor)| crate::domain::hours::TemplateRow {
                placement_id: id,
                month: month_key.clone(),
                participant: format!("{} {}", first.unwrap_or_default(), last.unwrap_or_default())
                    .trim()
                    .to_string(),
                job_title: job,
                contractor,
            },
        )
        .collect();
    Ok((rows, total))
}

/// Writes a placement's report snapshot again, on the placement and on each of its yearly
/// totals (which carry the same columns), after a correction of the person or the placement.
pub fn write_snapshot(
    conn: &mut Conn,
    id: PlacementId,
    snapshot: &PlacementSnapshot,
) -> QueryResult<()> {
    use crate::db::schema::placement_year_totals;
    diesel::update(placements::table.filter(placements::id.eq(id)))
        .set(crate::snapshot_values!(placements, snapshot))
        .execute(conn)?;
    diesel::update(placement_year_totals::table.filter(placement_year_totals::placement_id.eq(id)))
        .set(crate::snapshot_values!(placement_year_totals, snapshot))
        .execute(conn)?;
    Ok(())
}

/// A placement's corrected own fields (its snapshot is written by `write_snapshot`; the
/// version is raised apart, by `claim_version!`).
pub struct CorrectedPlacement {
    pub employer_id: OrganisationId,
    pub job_title: String,
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: i64,
    pub eligibility_id: Option<i64>,
    pub exit_on: Option<NaiveDate>,
    pub exit_outcome: Option<ExitOutcome>,
}

pub fn correct(conn: &mut Conn, id: PlacementId, p: &CorrectedPlacement) -> QueryResult<()> {
    diesel::update(placements::table.filter(placements::id.eq(id)))
        .set((
            placements::employer_id.eq(p.employer_id),
            placements::job_title.eq(&p.job_title),
            placements::ends_on.eq(p.ends_on),
            placements::weekly_hours.eq(p.weekly_hours),
            placements::eligibility_id.eq(p.eligibility_id),
            placements::exit_on.eq(p.exit_on),
            placements::exit_outcome.eq(p.exit_outcome),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a placement cancelled at `at`.
pub fn cancel(conn: &mut Conn, id: PlacementId, at: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(placements::table.filter(placements::id.eq(id)))
        .set(placements::cancelled_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// The months of a placement's hour entries that hold hours: reported and not rejected, or
/// with a validated figure (`validated_only`: only the latter).
pub fn months_with_hours(
    conn: &mut Conn,
    id: PlacementId,
    validated_only: bool,
) -> QueryResult<Vec<crate::domain::period::Month>> {
    use crate::db::schema::hour_entries;
    use crate::domain::hours::EntryStatus;
    let rows: Vec<(crate::domain::period::Month, EntryStatus, Option<i64>)> = hour_entries::table
        .filter(hour_entries::placement_id.eq(id))
        .order(hour_entries::month)
        .select((
            hour_entries::month,
            hour_entries::status,
            hour_entries::validated_work,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(_, status, validated)| {
            validated.is_some() || (!validated_only && *status != EntryStatus::Rejected)
        })
        .map(|(m, _, _)| m)
        .collect())
}

/// The entries of a placement waiting for validation (a cancellation rejects them).
pub fn submitted_entries(
    conn: &mut Conn,
    id: PlacementId,
) -> QueryResult<Vec<crate::store::hours::HourEntry>> {
    use crate::db::schema::hour_entries;
    use crate::domain::hours::EntryStatus;
    hour_entries::table
        .filter(hour_entries::placement_id.eq(id))
        .filter(hour_entries::status.eq(EntryStatus::Submitted))
        .order(hour_entries::id)
        .select(crate::store::hours::HourEntry::as_select())
        .load(conn)
}
