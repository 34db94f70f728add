//! The closed vocabularies stored as text: roles, kinds, statuses, modalities... Each is an
//! enum whose codes are exactly the text the API and the database use; the store maps them to
//! text columns, the API (de)serialises them with the same codes, and the OpenAPI document
//! lists the allowed values. A code outside the list is an [`UnknownCode`].
//!
//! The French label of a catalogued vocabulary stays in `domain::catalogue` (the one home of
//! labels); a test checks that the enum and the catalogue list the same codes in the same order.

use std::fmt;

use crate::domain::catalogue::{self, CodeList};

/// A text that is not a code of the vocabulary it was read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// The vocabulary (for example `clause status`).
    pub vocabulary: &'static str,
    pub code: String,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} code `{}`", self.vocabulary, self.code)
    }
}

impl std::error::Error for UnknownCode {}

/// Declares a vocabulary: the enum with serde and OpenAPI under its codes (taken as `tt`: a
/// `literal` fragment reaches utoipa's derive wrapped in a group it does not read), `ALL` in order,
/// `as_str`, `parse`, `FromStr` / `TryFrom<String>` (refusing with [`UnknownCode`]) and
/// `Display` (the code).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant ),+
        }

        impl $name {
            /// Every value, in the order of the vocabulary.
            pub const ALL: [$name; [$($code),+].len()] = [$($name::$variant),+];

            /// The codes of `ALL`, in the same order.
            pub const CODES: [&'static str; [$($code),+].len()] = [$($code),+];

            /// The code, as stored and as the API spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $code ),+
                }
            }

            /// The value of an exact code (case-sensitive).
            pub fn parse(code: &str) -> Option<$name> {
                match code {
                    $( $code => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::vocabulary::UnknownCode;
            fn from_str(code: &str) -> Result<$name, Self::Err> {
                $name::parse(code).ok_or_else(|| $crate::domain::vocabulary::UnknownCode {
                    vocabulary: $what,
                    code: code.to_string(),
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::vocabulary::UnknownCode;
            fn try_from(code: String) -> Result<$name, Self::Error> {
                code.parse()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use vocabulary;

/// The label of `code` in a catalogue list; the tests below prove every code has one.
fn catalogue_label(list: &CodeList, code: &'static str) -> &'static str {
    catalogue::label(list, code).unwrap_or(code)
}

vocabulary! {
    /// What a user may do: staff (admin, facilitator), a contractor's employee, a funder.
    pub enum Role ("role") {
        Admin = "admin",
        Facilitator = "facilitator",
        Contractor = "contractor",
        Funder = "funder",
    }
}

vocabulary! {
    /// The kind of an organisation a structure deals with.
    pub enum OrganisationKind ("organisation kind") {
        Buyer = "buyer",
        Contractor = "contractor",
        InsertionStructure = "insertion_structure",
        Funder = "funder",
    }
}

impl OrganisationKind {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::ORGANISATION_KINDS, self.as_str())
    }

    /// Contractors and insertion structures both deliver insertion hours.
    pub fn delivers_hours(self) -> bool {
        matches!(
            self,
            OrganisationKind::Contractor | OrganisationKind::InsertionStructure
        )
    }
}

vocabulary! {
    /// The kind of an insertion or sheltered-work structure (upper-case codes).
    pub enum SiaeKind ("SIAE kind") {
        Ei = "EI",
        Ai = "AI",
        Aci = "ACI",
        Etti = "ETTI",
        Eiti = "EITI",
        Geiq = "GEIQ",
        Ea = "EA",
        Esat = "ESAT",
    }
}

impl SiaeKind {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::SIAE_KINDS, self.as_str())
    }
}

vocabulary! {
    /// The kind of purchase of a public contract.
    pub enum ContractKind ("contract kind") {
        Works = "works",
        Services = "services",
        Supplies = "supplies",
    }
}

vocabulary! {
    /// Where a contract comes from: typed in, imported from the DECP open data, or written by
    /// the data generator (`clausier demo`, the benchmark's data sets).
    pub enum ContractSource ("contract source") {
        Manual = "manual",
        Decp = "decp",
        Generated = "generated",
    }
}

vocabulary! {
    /// The legal form of an insertion clause.
    pub enum ClauseKind ("clause kind") {
        ExecutionCondition = "execution_condition",
        AwardCriterion = "award_criterion",
        ReservedContract = "reserved_contract",
        InsertionPurpose = "insertion_purpose",
    }
}

impl ClauseKind {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::CLAUSE_KINDS, self.as_str())
    }
}

vocabulary! {
    /// The life of a clause: drafted, active, then completed or cancelled.
    pub enum ClauseStatus ("clause status") {
        Draft = "draft",
        Active = "active",
        Completed = "completed",
        Cancelled = "cancelled",
    }
}

impl ClauseStatus {
    /// A completed or cancelled clause takes no new placement, need or assignment.
    pub fn is_closed(self) -> bool {
        matches!(self, ClauseStatus::Completed | ClauseStatus::Cancelled)
    }
}

vocabulary! {
    /// How the hours of a clause were calibrated (docs/domain.md#calibration).
    pub enum CalibrationMethod ("calibration method") {
        LabourShare = "labour_share",
        PerAmount = "per_amount",
        Fixed = "fixed",
    }
}

vocabulary! {
    /// The part a contractor plays in a clause.
    pub enum AssignmentRole ("assignment role") {
        Holder = "holder",
        CoContractor = "co_contractor",
        Subcontractor = "subcontractor",
    }
}

vocabulary! {
    /// How a contractor delivers its insertion hours.
    pub enum Modality ("modality") {
        DirectHire = "direct_hire",
        InsertionTempAgency = "insertion_temp_agency",
        IntermediaryAssociation = "intermediary_association",
        Geiq = "geiq",
        TempAgency = "temp_agency",
        SubcontractSiae = "subcontract_siae",
        CoContractSiae = "co_contract_siae",
        Training = "training",
    }
}

impl Modality {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::MODALITIES, self.as_str())
    }
}

vocabulary! {
    /// The employment contract of a placement.
    pub enum ContractType ("contract type") {
        Cdi = "cdi",
        Cdd = "cdd",
        Cddi = "cddi",
        TempMission = "temp_mission",
        Apprenticeship = "apprenticeship",
        Professionalisation = "professionalisation",
        Subsidised = "subsidised",
        Other = "other",
    }
}

impl ContractType {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::CONTRACT_TYPES, self.as_str())
    }
}

vocabulary! {
    /// A qualification level of the 2019 national framework.
    pub enum QualificationLevel ("qualification level") {
        NoDiploma = "none",
        Level1 = "1",
        Level2 = "2",
        Level3 = "3",
        Level4 = "4",
        Level5 = "5",
        Level6 = "6",
        Level7 = "7",
        Level8 = "8",
    }
}

impl QualificationLevel {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::QUALIFICATION_LEVELS, self.as_str())
    }
}

vocabulary! {
    /// How a placement ended (the IAE classification).
    pub enum ExitOutcome ("exit outcome") {
        DurableEmployment = "durable_employment",
        TransitionalEmployment = "transitional_employment",
        PositiveExit = "positive_exit",
        Other = "other",
    }
}

impl ExitOutcome {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::OUTCOMES, self.as_str())
    }
}

vocabulary! {
    /// A contractor's need: open to proposals, filled (every post hired) or closed by hand.
    pub enum NeedStatus ("need status") {
        Open = "open",
        Filled = "filled",
        Closed = "closed",
    }
}

impl NeedStatus {
    /// An open need with as many hires as posts is filled.
    pub fn after_hires(posts: i64, hires: i64) -> NeedStatus {
        if hires >= posts {
            NeedStatus::Filled
        } else {
            NeedStatus::Open
        }
    }
}

vocabulary! {
    /// The state of a message in the outbox.
    pub enum OutboxStatus ("outbox status") {
        Queued = "queued",
        Sent = "sent",
        Failed = "failed",
        /// Not sent alone: gathered with the recipient's other reminders of the run into
        /// one digest (the row's `message_id` is the digest's).
        Digested = "digested",
    }
}

vocabulary! {
    /// The rule behind an outbox email (docs/domain.md#reminders); `digest` gathers the
    /// reminders of one run for a recipient who has more than three.
    pub enum ReminderRule ("reminder rule") {
        ObligationsSummary = "obligations_summary",
        ReportingDue = "reporting_due",
        AtRiskMidTerm = "at_risk_mid_term",
        EndApproaching = "end_approaching",
        FinalReportDue = "final_report_due",
        EligibilityExpiring = "eligibility_expiring",
        ExitMissing = "exit_missing",
        ReferralWaiting = "referral_waiting",
        /// A figure rejected by the facilitator, told to the contractor once per rejection.
        HoursRejected = "hours_rejected",
        Digest = "digest",
        /// Not a reminder: an invitation or password-reset link, sent alone, its body erased
        /// from the outbox once sent.
        PasswordLink = "password_link",
        /// A follow-up after an exit that has become due, told to the clause's referent.
        FollowUpDue = "follow_up_due",
    }
}

vocabulary! {
    /// What a line of a record's history, or of the personal-data audit, says was done.
    /// The codes are today's texts of the hour history and of the audit log.
    pub enum HistoryAction ("history action") {
        /// Hours reported for a month that had none.
        Submit = "submit",
        /// Hours reported again before any decision.
        Replace = "replace",
        /// A validated figure changed, with its reason.
        Amend = "amend",
        /// Hours or an eligibility validated.
        Validate = "validate",
        Reject = "reject",
        Create = "create",
        /// Personal data read (audit log).
        Read = "read",
        Update = "update",
        /// Personal data erased at the end of the retention period.
        Anonymise = "anonymise",
        /// A data-entry error fixed (issue 17): the fields before and after.
        Correct = "correct",
        /// A record entered by mistake cancelled, with its reason.
        Cancel = "cancel",
        /// A validation entered by mistake withdrawn, with its reason.
        Withdraw = "withdraw",
        /// A record without dependants deleted.
        Delete = "delete",
        /// Required hours computed again (a new calibration or an override).
        Recalibrate = "recalibrate",
        /// The work handed over to another contractor (an assignment replaced).
        HandOver = "hand_over",
        /// An account switched off, or on again.
        Deactivate = "deactivate",
        Reactivate = "reactivate",
        /// A proposal answered by the contractor (interview, hired, declined).
        Answer = "answer",
    }
}

vocabulary! {
    /// The sex of a person, as the impact report counts it.
    pub enum Sex ("sex") {
        Female = "female",
        Male = "male",
    }
}

vocabulary! {
    /// The age band of a person on a placement's first day, as the impact report counts it
    /// (`domain::eligibility::age_band`).
    pub enum AgeBand ("age band") {
        Under26 = "under_26",
        From26To49 = "26_49",
        From50 = "50_plus",
    }
}

vocabulary! {
    /// The kind of document that proves an eligibility (catalogue `PROOF_KINDS`).
    pub enum ProofKind ("proof kind") {
        CafCertificate = "caf_certificate",
        FranceTravailCertificate = "france_travail_certificate",
        MdphDecision = "mdph_decision",
        PassIae = "pass_iae",
        SchoolCertificate = "school_certificate",
        IdentityDocument = "identity_document",
        ProofOfAddress = "proof_of_address",
        SocialWorkerReport = "social_worker_report",
        FacilitatorInterview = "facilitator_interview",
        Other = "other",
    }
}

impl ProofKind {
    pub fn label(self) -> &'static str {
        catalogue_label(catalogue::PROOF_KINDS, self.as_str())
    }
}

#[cfg(test)]
mod vocabulary_tests {
    use super::*;
    use crate::domain::calendar::Frequency;
    use crate::domain::hours::EntryStatus;
    use crate::domain::referrals::State;

    /// Every code parses back to its value, `Display` and serde print the code, and a code
    /// of another case or an unknown one is refused.
    fn round_trips<T>(all: &[T])
    where
        T: Copy
            + PartialEq
            + std::fmt::Debug
            + std::fmt::Display
            + std::str::FromStr<Err = UnknownCode>
            + serde::Serialize
            + serde::de::DeserializeOwned,
    {
        assert!(!all.is_empty());
        for value in all {
            let code = value.to_string();
            assert_eq!(code.parse::<T>(), Ok(*value));
            assert_eq!(serde_json::to_string(value).unwrap(), format!("\"{code}\""));
            assert_eq!(
                serde_json::from_str::<T>(&format!("\"{code}\"")).unwrap(),
                *value
            );
            let upper = code.to_uppercase();
            if upper != code {
                assert!(upper.parse::<T>().is_err(), "{upper}");
            }
        }
        for unknown in ["", "unknown", " active"] {
            let refused = unknown.parse::<T>().unwrap_err();
            assert_eq!(refused.code, unknown);
            assert!(serde_json::from_str::<T>(&format!("\"{unknown}\"")).is_err());
        }
    }

    #[test]
    fn every_vocabulary_prints_and_parses_its_codes_and_refuses_others() {
        round_trips(&Role::ALL);
        round_trips(&OrganisationKind::ALL);
        round_trips(&SiaeKind::ALL);
        round_trips(&ContractKind::ALL);
        round_trips(&ContractSource::ALL);
        round_trips(&ClauseKind::ALL);
        round_trips(&ClauseStatus::ALL);
        round_trips(&CalibrationMethod::ALL);
        round_trips(&AssignmentRole::ALL);
        round_trips(&Modality::ALL);
        round_trips(&ContractType::ALL);
        round_trips(&QualificationLevel::ALL);
        round_trips(&ExitOutcome::ALL);
        round_trips(&NeedStatus::ALL);
        round_trips(&OutboxStatus::ALL);
        round_trips(&ReminderRule::ALL);
        round_trips(&Sex::ALL);
        round_trips(&AgeBand::ALL);
        round_trips(&ProofKind::ALL);
        round_trips(&Frequency::ALL);
        round_trips(&EntryStatus::ALL);
        round_trips(&State::ALL);
    }

    /// The OpenAPI schema of a vocabulary: a string enum of exactly its codes, in order.
    fn schema_lists_codes<T: utoipa::PartialSchema>(codes: &[&str]) {
        let schema = serde_json::to_value(T::schema()).unwrap();
        assert_eq!(schema["type"], "string", "{schema}");
        assert_eq!(schema["enum"], serde_json::json!(codes), "{schema}");
    }

    #[test]
    fn openapi_schemas_list_the_codes() {
        schema_lists_codes::<Role>(&Role::ALL.map(Role::as_str));
        schema_lists_codes::<SiaeKind>(&SiaeKind::ALL.map(SiaeKind::as_str));
        schema_lists_codes::<QualificationLevel>(
            &QualificationLevel::ALL.map(QualificationLevel::as_str),
        );
        schema_lists_codes::<Modality>(&Modality::ALL.map(Modality::as_str));
        schema_lists_codes::<NeedStatus>(&NeedStatus::ALL.map(NeedStatus::as_str));
        schema_lists_codes::<State>(&State::ALL.map(State::as_str));
        schema_lists_codes::<EntryStatus>(&EntryStatus::ALL.map(EntryStatus::as_str));
        schema_lists_codes::<Frequency>(&Frequency::ALL.map(Frequency::as_str));
        schema_lists_codes::<Sex>(&Sex::ALL.map(Sex::as_str));
        schema_lists_codes::<AgeBand>(&AgeBand::ALL.map(AgeBand::as_str));
        schema_lists_codes::<ProofKind>(&ProofKind::ALL.map(ProofKind::as_str));
    }

    #[test]
    fn vocabularies_keep_todays_codes() {
        let codes = |all: &[&'static str]| all.to_vec();
        assert_eq!(
            codes(&Role::ALL.map(Role::as_str)),
            ["admin", "facilitator", "contractor", "funder"]
        );
        assert_eq!(
            codes(&ClauseStatus::ALL.map(ClauseStatus::as_str)),
            ["draft", "active", "completed", "cancelled"]
        );
        assert_eq!(
            codes(&EntryStatus::ALL.map(EntryStatus::as_str)),
            ["submitted", "validated", "rejected"]
        );
        assert_eq!(
            codes(&Frequency::ALL.map(Frequency::as_str)),
            ["monthly", "quarterly"]
        );
        assert_eq!(codes(&Sex::ALL.map(Sex::as_str)), ["female", "male"]);
        assert_eq!(
            codes(&AgeBand::ALL.map(AgeBand::as_str)),
            ["under_26", "26_49", "50_plus"]
        );
        assert_eq!(
            codes(&NeedStatus::ALL.map(NeedStatus::as_str)),
            ["open", "filled", "closed"]
        );
        assert_eq!(
            "Proposed".parse::<State>().unwrap_err().vocabulary,
            "referral state"
        );
    }

    #[test]
    fn catalogued_vocabularies_list_the_catalogue_codes_in_its_order_with_its_labels() {
        fn same<T: Copy>(list: &CodeList, all: &[T], code: fn(T) -> &'static str) {
            let ours: Vec<&str> = all.iter().map(|v| code(*v)).collect();
            assert_eq!(ours, catalogue::codes(list));
        }
        same(
            catalogue::ORGANISATION_KINDS,
            &OrganisationKind::ALL,
            OrganisationKind::as_str,
        );
        same(catalogue::SIAE_KINDS, &SiaeKind::ALL, SiaeKind::as_str);
        same(
            catalogue::CLAUSE_KINDS,
            &ClauseKind::ALL,
            ClauseKind::as_str,
        );
        same(catalogue::MODALITIES, &Modality::ALL, Modality::as_str);
        same(
            catalogue::CONTRACT_TYPES,
            &ContractType::ALL,
            ContractType::as_str,
        );
        same(
            catalogue::QUALIFICATION_LEVELS,
            &QualificationLevel::ALL,
            QualificationLevel::as_str,
        );
        same(catalogue::OUTCOMES, &ExitOutcome::ALL, ExitOutcome::as_str);
        same(catalogue::PROOF_KINDS, &ProofKind::ALL, ProofKind::as_str);
        assert_eq!(ProofKind::CafCertificate.label(), "Attestation CAF ou MSA");
        assert_eq!(Modality::DirectHire.label(), "Embauche directe");
        assert_eq!(
            SiaeKind::Etti.label(),
            "Entreprise de travail temporaire d'insertion"
        );
        assert_eq!(ExitOutcome::PositiveExit.label(), "Sortie positive");
    }
}
