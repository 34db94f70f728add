//! The identifiers of the records that cross layers, one type per kind of record, so that a
//! clause id passed where a placement id is expected does not compile. Each is the row's
//! integer id: a plain number in JSON and in the OpenAPI document (integer, int64), a BIGINT
//! column on both backends (mapped in `store::ids`).

/// Declares an id type: serde-transparent, `Display` as the number, convertible to `i64`.
macro_rules! id_type {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, utoipa::ToSchema,
        )]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    )+};
}

/// Calls `$then!` with the one list of the id types, each with its doc comment: the domain
/// declares them (`id_type!`), the store maps them to BIGINT columns (`store::ids`) and the
/// HTTP edge reads them from paths and queries (`api::query`), so that a new id type is
/// added in one place.
macro_rules! for_each_id_type {
    ($then:ident) => {
        $then!(
            /// A structure: the tenant (a facilitation team) every record belongs to.
            StructureId,
            /// An organisation a structure deals with (buyer, contractor, insertion structure,
            /// funder).
            OrganisationId,
            /// A user account.
            UserId,
            /// A login session (its cookie or token names it).
            SessionId,
            /// A person followed on an insertion pathway.
            ParticipantId,
            /// A public contract.
            ContractId,
            /// An insertion clause of a contract.
            ClauseId,
            /// A contractor's assignment to a clause.
            AssignmentId,
            /// A placement of a participant on an assignment.
            PlacementId,
            /// A month's hours of a placement.
            HourEntryId,
            /// A contractor's need for people.
            NeedId,
            /// A participant proposed for a need.
            ReferralId,
            /// What became of a person some months after a placement's exit.
            FollowUpId,
        );
    };
}
pub(crate) use for_each_id_type;

for_each_id_type!(id_type);

#[cfg(test)]
mod ids_tests {
    use super::*;

    #[test]
    fn an_id_is_a_plain_number_in_json_and_in_text() {
        assert_eq!(serde_json::to_string(&ClauseId(7)).unwrap(), "7");
        assert_eq!(
            serde_json::from_str::<PlacementId>("12").unwrap(),
            PlacementId(12)
        );
        assert_eq!(StructureId(3).to_string(), "3");
        assert_eq!(i64::from(UserId(9)), 9);
    }

    #[test]
    fn the_openapi_schema_of_an_id_is_an_int64_integer() {
        let schema = serde_json::to_value(<ClauseId as utoipa::PartialSchema>::schema()).unwrap();
        assert_eq!(schema["type"], "integer", "{schema}");
        assert_eq!(schema["format"], "int64", "{schema}");
    }
}
