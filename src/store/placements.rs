//! Placements (mises en situation de travail) of participants on assignments.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::placements;
use crate::db::{now, Conn};
use crate::domain::units::ser_hundredths;
use crate::error::ApiError;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = placements)]
pub struct Placement {
    pub id: i64,
    #[serde(skip)]
    pub structure_id: i64,
    pub participant_id: i64,
    pub assignment_id: i64,
    pub clause_id: i64,
    pub contractor_id: i64,
    pub employer_id: i64,
    pub modality: String,
    pub contract_type: String,
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
    pub age_band: String,
    #[serde(skip)]
    pub sex: String,
    #[serde(skip)]
    pub qualification_level: String,
    #[serde(skip)]
    pub qpv: bool,
    #[serde(skip)]
    pub criteria: String,
    #[serde(skip)]
    pub territory: String,
    #[serde(skip)]
    pub buyer_id: i64,
    #[serde(skip)]
    pub clause_kind: String,
    #[serde(skip)]
    pub sector: String,
    #[serde(rename = "ended_on")]
    pub exit_on: Option<NaiveDate>,
    #[serde(rename = "outcome")]
    pub exit_outcome: Option<String>,
    #[serde(skip)]
    pub created_by: i64,
    #[serde(skip)]
    pub created_at: chrono::NaiveDateTime,
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
    pub fn as_seen_by(self, contractor: Option<i64>) -> Self {
        match contractor {
            Some(_) => self.for_contractor(),
            None => self,
        }
    }
}

/// Everything a new placement stores, including the snapshot reports group by.
pub struct NewPlacement {
    pub participant_id: i64,
    pub assignment_id: i64,
    pub clause_id: i64,
    pub contractor_id: i64,
    pub employer_id: i64,
    pub modality: String,
    pub contract_type: String,
    pub job_title: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub weekly_hours: i64,
    pub derogation_reason: Option<String>,
    pub eligibility_id: Option<i64>,
    pub age_band: String,
    pub sex: String,
    pub qualification_level: String,
    pub qpv: bool,
    pub criteria: String,
    pub territory: String,
    pub buyer_id: i64,
    pub clause_kind: String,
    pub sector: String,
    pub created_by: i64,
}

pub fn create(conn: &mut Conn, structure_id: i64, p: &NewPlacement) -> Result<i64, ApiError> {
    Ok(diesel::insert_into(placements::table)
        .values((
            placements::structure_id.eq(structure_id),
            placements::participant_id.eq(p.participant_id),
            placements::assignment_id.eq(p.assignment_id),
            placements::clause_id.eq(p.clause_id),
            placements::contractor_id.eq(p.contractor_id),
            placements::employer_id.eq(p.employer_id),
            placements::modality.eq(&p.modality),
            placements::contract_type.eq(&p.contract_type),
            placements::job_title.eq(&p.job_title),
            placements::starts_on.eq(p.starts_on),
            placements::ends_on.eq(p.ends_on),
            placements::weekly_hours.eq(p.weekly_hours),
            placements::derogation_reason.eq(&p.derogation_reason),
            placements::eligibility_id.eq(p.eligibility_id),
            placements::age_band.eq(&p.age_band),
            placements::sex.eq(&p.sex),
            placements::qualification_level.eq(&p.qualification_level),
            placements::qpv.eq(p.qpv),
            placements::criteria.eq(&p.criteria),
            placements::territory.eq(&p.territory),
            placements::buyer_id.eq(p.buyer_id),
            placements::clause_kind.eq(&p.clause_kind),
            placements::sector.eq(&p.sector),
            placements::created_by.eq(p.created_by),
            placements::created_at.eq(now()),
        ))
        .returning(placements::id)
        .get_result(conn)?)
}

pub fn get(conn: &mut Conn, structure_id: i64, id: i64) -> Result<Placement, ApiError> {
    placements::table
        .filter(placements::id.eq(id))
        .filter(placements::structure_id.eq(structure_id))
        .select(Placement::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("placement"))
}

/// The placement if the caller may see it: staff always; a contractor when its organisation
/// is the placement's contractor or employer. Else 404.
pub fn get_visible(
    conn: &mut Conn,
    structure_id: i64,
    id: i64,
    contractor: Option<i64>,
) -> Result<Placement, ApiError> {
    let p = get(conn, structure_id, id)?;
    match contractor {
        Some(org) if p.contractor_id != org && p.employer_id != org => {
            Err(ApiError::not_found("placement"))
        }
        _ => Ok(p),
    }
}

pub fn of_participant(conn: &mut Conn, participant_id: i64) -> Result<Vec<Placement>, ApiError> {
    Ok(placements::table
        .filter(placements::participant_id.eq(participant_id))
        .order((placements::starts_on, placements::id))
        .select(Placement::as_select())
        .load(conn)?)
}

/// The placements of a clause.
pub fn of_clause(conn: &mut Conn, clause_id: i64) -> Result<Vec<Placement>, ApiError> {
    Ok(placements::table
        .filter(placements::clause_id.eq(clause_id))
        .order(placements::id)
        .select(Placement::as_select())
        .load(conn)?)
}

pub fn list(
    conn: &mut Conn,
    structure_id: i64,
    contractor: Option<i64>,
    participant_id: Option<i64>,
    assignment_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Placement>, i64), ApiError> {
    let base = || {
        let mut q = placements::table
            .filter(placements::structure_id.eq(structure_id))
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
    id: i64,
    ended_on: NaiveDate,
    outcome: &str,
) -> Result<(), ApiError> {
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
    structure_id: i64,
    contractor: Option<i64>,
    year: i32,
    month: u32,
) -> Result<Vec<crate::domain::hours::TemplateRow>, ApiError> {
    use crate::db::schema::{organisations, participants};
    let (Some(first), Some(last)) = (
        crate::domain::hours::month_first_day(year, month),
        crate::domain::hours::month_last_day(year, month),
    ) else {
        return Ok(Vec::new());
    };
    let mut q = placements::table
        .inner_join(participants::table)
        .inner_join(organisations::table.on(organisations::id.eq(placements::contractor_id)))
        .filter(placements::structure_id.eq(structure_id))
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
    let rows: Vec<TemplateSource> = q
        .order(placements::id)
        .select((
            placements::id,
            participants::first_name,
            participants::last_name,
            placements::job_title,
            organisations::name,
        ))
        .load(conn)?;
    let month_key = crate::domain::hours::month_key(year, month);
    Ok(rows
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
        .collect())
}
