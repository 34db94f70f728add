//! Record-level access: what a caller may see or do of one record, next to the role guards
//! (`auth`), so that all authorisation has one home. A record the caller may not see is
//! answered as absent (404), never as forbidden, so that its existence does not leak.

use crate::app::{AppError, AppResult};
use crate::auth::Caller;
use crate::db::Conn;
use crate::domain::ids::{ClauseId, ContractId, NeedId, OrganisationId, StructureId};
use crate::store::clauses::{self, Clause};
use crate::store::contracts::{self, Contract};
use crate::store::needs::{self, Need};
use crate::store::participants::{self, Participant, ParticipantAccess};

// --- Placements, hour entries, referrals, clause progress ---

/// A placement's parties, as access reads them.
pub trait PlacementParties {
    fn contractor_id(&self) -> OrganisationId;
    fn employer_id(&self) -> OrganisationId;
}

impl PlacementParties for crate::store::placements::Placement {
    fn contractor_id(&self) -> OrganisationId {
        self.contractor_id
    }
    fn employer_id(&self) -> OrganisationId {
        self.employer_id
    }
}

/// Whether `contractor` (a contractor's organisation, or None for staff) may see a placement,
/// its hour entries and report hours on it: staff always; a contractor when its organisation
/// is the placement's contractor or employer.
pub fn contractor_sees_placement(
    contractor: Option<OrganisationId>,
    p: &impl PlacementParties,
) -> bool {
    contractor.is_none_or(|org| p.contractor_id() == org || p.employer_id() == org)
}

/// The same for a caller.
pub fn may_see_placement(caller: &Caller, p: &impl PlacementParties) -> bool {
    contractor_sees_placement(caller.contractor_org(), p)
}

/// Whether a refusal by the monthly cap may show the hours of the person's other placements
/// (staff): those hours may be another organisation's.
pub fn may_see_other_placements_hours(caller: &Caller) -> bool {
    caller.is_staff()
}

/// Whether a contractor (or staff, None) sees a clause: staff always; a contractor only when
/// it has an assignment on it (holding the contract gives no obligation on the clause).
pub fn contractor_sees_clause(
    contractor: Option<OrganisationId>,
    assignment_contractors: &[OrganisationId],
) -> bool {
    contractor.is_none_or(|org| assignment_contractors.contains(&org))
}

/// Whether a contractor (or staff, None) sees an assignment of a clause: its own only.
pub fn contractor_sees_assignment(
    contractor: Option<OrganisationId>,
    assignment_contractor: OrganisationId,
) -> bool {
    contractor.is_none_or(|org| assignment_contractor == org)
}

/// Whether a contractor (or staff, None) may read and replace an organisation's reminder
/// contacts: staff any organisation of the structure; a contractor its own only.
pub fn contractor_sees_organisation(
    contractor: Option<OrganisationId>,
    organisation: OrganisationId,
) -> bool {
    contractor.is_none_or(|org| org == organisation)
}

/// Whether a contractor (or staff, None) sees a referral: staff of its structure always; a
/// contractor when it is a proposal to one of its organisation's needs.
pub fn contractor_sees_referral(
    contractor: Option<OrganisationId>,
    need_contractor: OrganisationId,
) -> bool {
    contractor.is_none_or(|org| org == need_contractor)
}

/// Whether the caller may record a derogation on a hire (a placement without valid
/// eligibility is a facilitator's decision).
pub fn may_record_derogation(caller: &Caller) -> bool {
    caller.is_staff()
}

// ---------------------------------------------------------------------------------------
// clauses, contracts, participants, needs (core layer)

/// The clause if the caller may see it: staff of its structure (`contractor` None); a
/// contractor (`Some(org)`) only with an assignment on it. Holding the contract is not
/// enough: without an assignment the contractor has no obligation on the clause, and nothing
/// of it to read.
pub fn visible_clause(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ClauseId,
    contractor: Option<OrganisationId>,
) -> AppResult<Clause> {
    let clause = clauses::find(conn, structure_id, id)?.ok_or(AppError::NotFound("clause"))?;
    if let Some(org) = contractor {
        if !clauses::has_assignment(conn, &clause, org)? {
            return Err(AppError::NotFound("clause"));
        }
    }
    Ok(clause)
}

/// The contract if the caller may see it: staff of its structure; a contractor that holds
/// it or has an assignment on one of its clauses.
pub fn visible_contract(
    conn: &mut Conn,
    structure_id: StructureId,
    id: ContractId,
    contractor: Option<OrganisationId>,
) -> AppResult<Contract> {
    let contract =
        contracts::find(conn, structure_id, id)?.ok_or(AppError::NotFound("contract"))?;
    if let Some(org) = contractor {
        if !contracts::holds_or_assigned(conn, id, org)? {
            return Err(AppError::NotFound("contract"));
        }
    }
    Ok(contract)
}

/// The need if the caller may see it: staff of its structure; a contractor when the need
/// is on one of its organisation's assignments.
pub fn visible_need(
    conn: &mut Conn,
    structure_id: StructureId,
    id: NeedId,
    contractor: Option<OrganisationId>,
) -> AppResult<Need> {
    match needs::find(conn, structure_id, id)? {
        Some(n) if contractor.is_none_or(|org| org == n.contractor_id) => Ok(n),
        _ => Err(AppError::NotFound("need")),
    }
}

/// What the caller may see of a participant, the privacy policy in one place. Funders never
/// reach participant routes (their guard refuses them); staff of the structure see
/// everything; a contractor sees the name and placement data of people placed with its
/// organisation, as contractor or employer, or proposed to one of its needs. Anyone else:
/// not found.
pub fn participant_access(
    conn: &mut Conn,
    caller: &Caller,
    participant: &Participant,
) -> AppResult<ParticipantAccess> {
    if participant.structure_id != caller.structure_id {
        return Err(AppError::NotFound("participant"));
    }
    if caller.is_staff() {
        return Ok(ParticipantAccess::Full);
    }
    match caller.contractor_org() {
        Some(org) if participants::contractor_linked(conn, participant.id, org)? => {
            Ok(ParticipantAccess::NameAndPlacements {
                organisation_id: org,
            })
        }
        _ => Err(AppError::NotFound("participant")),
    }
}
