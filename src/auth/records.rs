//! Record-level access: what a caller may see or do on one record, beyond its role. The role
//! guards (`auth::Staff`, `auth::StaffOrContractor`...) say who may call a route; these say
//! which records of its structure the caller reaches through it.

use crate::auth::Caller;

// --- Placements, hour entries, referrals, clause progress ---

/// A placement's parties, as access reads them.
pub trait PlacementParties {
    fn contractor_id(&self) -> i64;
    fn employer_id(&self) -> i64;
}

impl PlacementParties for crate::store::placements::Placement {
    fn contractor_id(&self) -> i64 {
        self.contractor_id
    }
    fn employer_id(&self) -> i64 {
        self.employer_id
    }
}

/// Whether `contractor` (a contractor's organisation, or None for staff) may see a placement,
/// its hour entries and report hours on it: staff always; a contractor when its organisation
/// is the placement's contractor or employer.
pub fn contractor_sees_placement(contractor: Option<i64>, p: &impl PlacementParties) -> bool {
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
pub fn contractor_sees_clause(contractor: Option<i64>, assignment_contractors: &[i64]) -> bool {
    contractor.is_none_or(|org| assignment_contractors.contains(&org))
}

/// Whether a contractor (or staff, None) sees an assignment of a clause: its own only.
pub fn contractor_sees_assignment(contractor: Option<i64>, assignment_contractor: i64) -> bool {
    contractor.is_none_or(|org| assignment_contractor == org)
}

/// Whether a contractor (or staff, None) sees a referral: staff of its structure always; a
/// contractor when it is a proposal to one of its organisation's needs.
pub fn contractor_sees_referral(contractor: Option<i64>, need_contractor: i64) -> bool {
    contractor.is_none_or(|org| org == need_contractor)
}

/// Whether the caller may record a derogation on a hire (a placement without valid
/// eligibility is a facilitator's decision).
pub fn may_record_derogation(caller: &Caller) -> bool {
    caller.is_staff()
}
