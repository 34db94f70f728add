//! Referrals of people to recruitment needs.

use diesel::prelude::*;

use crate::db::schema::{assignments, needs, referrals};
use crate::db::Conn;
use crate::error::ApiError;

/// The subquery of `participants_proposed_to`.
type ProposedTo = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<
            referrals::table,
            diesel::dsl::InnerJoin<needs::table, assignments::table>,
        >,
        diesel::dsl::Eq<assignments::contractor_id, i64>,
    >,
    referrals::participant_id,
>;

/// Ids of the people proposed to one of the organisation's needs, as a subquery.
pub fn participants_proposed_to(org: i64) -> ProposedTo {
    referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(assignments::contractor_id.eq(org))
        .select(referrals::participant_id)
}

pub fn proposed_to_contractor(
    conn: &mut Conn,
    participant_id: i64,
    org: i64,
) -> Result<bool, ApiError> {
    let n: i64 = referrals::table
        .inner_join(needs::table.inner_join(assignments::table))
        .filter(assignments::contractor_id.eq(org))
        .filter(referrals::participant_id.eq(participant_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
