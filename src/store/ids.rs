//! The id types of `domain::ids` as BIGINT columns: written and read as their number.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::dsl::AsExprOf;
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{BigInt, Nullable};

use crate::domain::ids::{
    AssignmentId, ClauseId, ContractId, FollowUpId, HourEntryId, NeedId, OrganisationId,
    ParticipantId, PlacementId, ReferralId, SessionId, StructureId, UserId,
};

macro_rules! bigint_column {
    ($( $(#[$doc:meta])* $id:ident ),+ $(,)?) => {$(
        impl AsExpression<BigInt> for $id {
            type Expression = AsExprOf<i64, BigInt>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<BigInt>::as_expression(self.0)
            }
        }

        impl AsExpression<BigInt> for &$id {
            type Expression = AsExprOf<i64, BigInt>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<BigInt>::as_expression(self.0)
            }
        }

        impl AsExpression<Nullable<BigInt>> for $id {
            type Expression = AsExprOf<i64, Nullable<BigInt>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<BigInt>>::as_expression(self.0)
            }
        }

        impl AsExpression<Nullable<BigInt>> for &$id {
            type Expression = AsExprOf<i64, Nullable<BigInt>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<BigInt>>::as_expression(self.0)
            }
        }

        // For the fields of insertable structs, which diesel binds as values.
        impl<DB> ToSql<BigInt, DB> for $id
        where
            DB: Backend,
            i64: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <i64 as ToSql<BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB> ToSql<Nullable<BigInt>, DB> for $id
        where
            DB: Backend,
            $id: ToSql<BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <$id as ToSql<BigInt, DB>>::to_sql(self, out)
            }
        }

        impl<DB> FromSql<BigInt, DB> for $id
        where
            DB: Backend,
            i64: FromSql<BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                <i64 as FromSql<BigInt, DB>>::from_sql(bytes).map(Self)
            }
        }

        impl<DB> Queryable<BigInt, DB> for $id
        where
            DB: Backend,
            $id: FromSql<BigInt, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}

crate::domain::ids::for_each_id_type!(bigint_column);
