//! A broken rule as the domain reports it: the field it concerns, a stable code for programs,
//! and the values its message needs. The domain never writes sentences for people: the HTTP
//! edge renders each message from its code (`crate::api::messages`).

/// One broken rule on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field of the request it concerns (`work_hours`, `rows[3].month`); empty for the
    /// request as a whole.
    pub field: String,
    /// Stable machine code (`above_monthly_cap`), documented with its message.
    pub code: &'static str,
    /// The values the message needs, by name (`cap` → `208`), in the order they were given.
    pub params: Vec<(&'static str, String)>,
}

impl Violation {
    pub fn new(field: impl Into<String>, code: &'static str) -> Violation {
        Violation {
            field: field.into(),
            code,
            params: Vec::new(),
        }
    }

    /// Adds a value the message needs.
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Violation {
        self.params.push((name, value.to_string()));
        self
    }

    /// The value given under `name`, if any.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The same rule on a field nested under `prefix` (`rows[3]` + `month` → `rows[3].month`).
    pub fn under(mut self, prefix: &str) -> Violation {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// The result of a check that lists every broken rule.
pub type Checked<T> = Result<T, Vec<Violation>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_keeps_its_params_in_order_and_nests_under_a_prefix() {
        let v = Violation::new("month", "month_in_future")
            .with("month", "2027-01")
            .with("today", "2026-12-01")
            .under("rows[2]");
        assert_eq!(v.field, "rows[2].month");
        assert_eq!(v.param("month"), Some("2027-01"));
        assert_eq!(v.param("today"), Some("2026-12-01"));
        assert_eq!(v.param("cap"), None);
        assert_eq!(v.params[0].0, "month");
    }
}
