//! The vocabularies of `domain::vocabulary` as text columns: written as their code, read back
//! through `FromStr`, so that a text outside the vocabulary is a deserialisation error (a
//! database error, answered 500), never a panic.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::dsl::AsExprOf;
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};

use crate::domain::calendar::Frequency;
use crate::domain::hours::EntryStatus;
use crate::domain::period::Month;
use crate::domain::referrals::State;
use crate::domain::vocabulary::{
    AgeBand, AssignmentRole, CalibrationMethod, ClauseKind, ClauseStatus, ContractKind,
    ContractSource, ContractType, ExitOutcome, HistoryAction, Modality, NeedStatus,
    OrganisationKind, OutboxStatus, ProofKind, QualificationLevel, ReminderRule, Role, Sex,
    SiaeKind,
};

macro_rules! text_column {
    ($($vocabulary:ty),+ $(,)?) => {$(
        impl AsExpression<Text> for $vocabulary {
            type Expression = AsExprOf<&'static str, Text>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.as_str())
            }
        }

        impl AsExpression<Text> for &$vocabulary {
            type Expression = AsExprOf<&'static str, Text>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Text>::as_expression(self.as_str())
            }
        }

        impl AsExpression<Nullable<Text>> for $vocabulary {
            type Expression = AsExprOf<&'static str, Nullable<Text>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression(self.as_str())
            }
        }

        impl AsExpression<Nullable<Text>> for &$vocabulary {
            type Expression = AsExprOf<&'static str, Nullable<Text>>;
            fn as_expression(self) -> Self::Expression {
                AsExpression::<Nullable<Text>>::as_expression(self.as_str())
            }
        }

        // For `Option<_>` fields of insertable structs, which diesel binds as values.
        impl<DB> ToSql<Text, DB> for $vocabulary
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> ToSql<Nullable<Text>, DB> for $vocabulary
        where
            DB: Backend,
            $vocabulary: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <$vocabulary as ToSql<Text, DB>>::to_sql(self, out)
            }
        }

        impl<DB> FromSql<Text, DB> for $vocabulary
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                Ok(text.parse::<$vocabulary>()?)
            }
        }

        impl<DB> Queryable<Text, DB> for $vocabulary
        where
            DB: Backend,
            $vocabulary: FromSql<Text, DB>,
        {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}

text_column!(
    Role,
    OrganisationKind,
    SiaeKind,
    ContractKind,
    ContractSource,
    ClauseKind,
    ClauseStatus,
    CalibrationMethod,
    Frequency,
    AssignmentRole,
    Modality,
    ContractType,
    QualificationLevel,
    ExitOutcome,
    NeedStatus,
    OutboxStatus,
    ReminderRule,
    EntryStatus,
    State,
    HistoryAction,
    Sex,
    AgeBand,
    ProofKind,
);

// A month is its `YYYY-MM` text, which also sorts as months do (range filters rely on it).
impl AsExpression<Text> for Month {
    type Expression = AsExprOf<String, Text>;
    fn as_expression(self) -> Self::Expression {
        AsExpression::<Text>::as_expression(self.to_string())
    }
}

impl AsExpression<Text> for &Month {
    type Expression = AsExprOf<String, Text>;
    fn as_expression(self) -> Self::Expression {
        AsExpression::<Text>::as_expression(self.to_string())
    }
}

impl<DB> FromSql<Text, DB> for Month
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        Ok(text.parse::<Month>()?)
    }
}

impl<DB> Queryable<Text, DB> for Month
where
    DB: Backend,
    Month: FromSql<Text, DB>,
{
    type Row = Self;
    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}
