//! Candidate pool matching for a recruitment need: who of the pool could take the job, best
//! first, and why.

use chrono::NaiveDate;

/// Planned weekly hours (hundredths) from which a person counts as placed full time.
pub const FULL_TIME_WEEKLY_HOURS: i64 = 3500;

/// Points for a candidate who wishes the need's job (same ROME code).
pub const SCORE_JOB: i32 = 3;
/// Points for a candidate who can reach the need's département.
pub const SCORE_PLACE: i32 = 2;
/// Points for a candidate available by the start date.
pub const SCORE_AVAILABLE: i32 = 1;
/// Points for a candidate holding every licence the need requires.
pub const SCORE_LICENCES: i32 = 1;

/// What a recruitment need asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub rome_code: Option<String>,
    /// Département code of the workplace.
    pub territory: String,
    pub starts_on: NaiveDate,
    /// Licences required (driving licence categories, CACES…).
    pub licences: Vec<String>,
}

/// A person of the pool, as matching sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub participant_id: i64,
    pub wished_rome_codes: Vec<String>,
    pub reachable_departements: Vec<String>,
    /// None: available now.
    pub available_from: Option<NaiveDate>,
    pub licences: Vec<String>,
    /// Last valid day of the latest eligibility validation; None: not eligible.
    pub eligibility_valid_until: Option<NaiveDate>,
    /// First valid day of that validation; None: no lower bound.
    pub eligibility_valid_from: Option<NaiveDate>,
    /// Hundredths of an hour a week, from the placements active on the need's start date.
    pub planned_weekly_hours_on_start: i64,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub participant_id: i64,
    pub score: i32,
    /// Codes of what scored, in this order: `job`, `place`, `available`, `licences`.
    pub reasons: Vec<&'static str>,
}

/// Ranks the pool for a need.
///
/// Only candidates who could legally and practically start are kept: eligibility valid on
/// the start date (from its first to its last valid day, both included), and not already
/// placed full time then (planned weekly hours below 35 h).
///
/// Score, out of 7:
/// - `job`, 3 points: the need's ROME code is one of the candidate's wished codes (a need
///   without a ROME code gives nobody these points);
/// - `place`, 2 points: the candidate can reach the need's département;
/// - `available`, 1 point: available on or before the start date (no date: available);
/// - `licences`, 1 point: holds every licence the need requires (a need requiring none gives
///   the point to everyone).
///
/// Codes and licences compare without regard to case or surrounding spaces. Sorted by score,
/// highest first, then by participant id.
pub fn rank(need: &Need, candidates: &[Candidate]) -> Vec<Match> {
    let mut matches: Vec<Match> = candidates
        .iter()
        .filter(|c| can_start(need, c))
        .map(|c| score(need, c))
        .collect();
    matches.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then(a.participant_id.cmp(&b.participant_id))
    });
    matches
}

/// Eligible on the start date and not placed full time then.
fn can_start(need: &Need, c: &Candidate) -> bool {
    let day = need.starts_on;
    let eligible = c.eligibility_valid_until.is_some_and(|until| day <= until)
        && c.eligibility_valid_from.is_none_or(|from| from <= day);
    eligible && c.planned_weekly_hours_on_start < FULL_TIME_WEEKLY_HOURS
}

fn score(need: &Need, c: &Candidate) -> Match {
    let criteria = [
        (
            "job",
            SCORE_JOB,
            need.rome_code
                .as_deref()
                .is_some_and(|code| contains(&c.wished_rome_codes, code)),
        ),
        (
            "place",
            SCORE_PLACE,
            contains(&c.reachable_departements, &need.territory),
        ),
        (
            "available",
            SCORE_AVAILABLE,
            c.available_from.is_none_or(|from| from <= need.starts_on),
        ),
        (
            "licences",
            SCORE_LICENCES,
            need.licences.iter().all(|l| contains(&c.licences, l)),
        ),
    ];
    let met: Vec<_> = criteria.iter().filter(|(_, _, ok)| *ok).collect();
    Match {
        participant_id: c.participant_id,
        score: met.iter().map(|(_, points, _)| points).sum(),
        reasons: met.iter().map(|(reason, _, _)| *reason).collect(),
    }
}

fn contains(list: &[String], wanted: &str) -> bool {
    let wanted = wanted.trim();
    list.iter()
        .any(|item| item.trim().eq_ignore_ascii_case(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// A painter's job in Seine-Saint-Denis from 4 May 2026, driving licence B required.
    fn need() -> Need {
        Need {
            rome_code: Some("F1606".to_string()),
            territory: "93".to_string(),
            starts_on: d(2026, 5, 4),
            licences: strings(&["B"]),
        }
    }

    /// Someone who meets everything.
    fn ideal(participant_id: i64) -> Candidate {
        Candidate {
            participant_id,
            wished_rome_codes: strings(&["F1606", "K2204"]),
            reachable_departements: strings(&["93", "75"]),
            available_from: Some(d(2026, 4, 1)),
            licences: strings(&["B"]),
            eligibility_valid_until: Some(d(2026, 9, 30)),
            eligibility_valid_from: Some(d(2026, 4, 1)),
            planned_weekly_hours_on_start: 0,
        }
    }

    fn only(need: &Need, c: Candidate) -> Option<Match> {
        rank(need, &[c]).into_iter().next()
    }

    #[test]
    fn two_match_and_one_does_not() {
        let best = ideal(3);
        let partial = Candidate {
            wished_rome_codes: strings(&["K2204"]),
            ..ideal(1)
        };
        let expiring = Candidate {
            eligibility_valid_until: Some(d(2026, 5, 3)),
            ..ideal(2)
        };
        let ranked = rank(&need(), &[partial, expiring, best]);
        assert_eq!(
            ranked,
            vec![
                Match {
                    participant_id: 3,
                    score: 7,
                    reasons: vec!["job", "place", "available", "licences"],
                },
                Match {
                    participant_id: 1,
                    score: 4,
                    reasons: vec!["place", "available", "licences"],
                },
            ]
        );
    }

    #[test]
    fn each_reason_alone() {
        let none = Candidate {
            wished_rome_codes: Vec::new(),
            reachable_departements: strings(&["77"]),
            available_from: Some(d(2026, 6, 1)),
            licences: Vec::new(),
            ..ideal(1)
        };
        assert_eq!(only(&need(), none.clone()).map(|m| m.score), Some(0));
        let cases: [(Candidate, i32, &str); 4] = [
            (
                Candidate {
                    wished_rome_codes: strings(&["f1606 "]),
                    ..none.clone()
                },
                3,
                "job",
            ),
            (
                Candidate {
                    reachable_departements: strings(&["93"]),
                    ..none.clone()
                },
                2,
                "place",
            ),
            (
                Candidate {
                    available_from: Some(d(2026, 5, 4)),
                    ..none.clone()
                },
                1,
                "available",
            ),
            (
                Candidate {
                    licences: strings(&["b", "C"]),
                    ..none.clone()
                },
                1,
                "licences",
            ),
        ];
        for (candidate, points, reason) in cases {
            let m = only(&need(), candidate).unwrap();
            assert_eq!((m.score, m.reasons), (points, vec![reason]), "{reason}");
        }
    }

    #[test]
    fn default_availability_and_licences() {
        // No availability date counts as available.
        let c = Candidate {
            available_from: None,
            ..ideal(1)
        };
        assert!(only(&need(), c).unwrap().reasons.contains(&"available"));
        // A need without licences gives the point to someone holding none.
        let c = Candidate {
            licences: Vec::new(),
            ..ideal(1)
        };
        assert!(!only(&need(), c.clone())
            .unwrap()
            .reasons
            .contains(&"licences"));
        let no_licence_need = Need {
            licences: Vec::new(),
            ..need()
        };
        assert!(only(&no_licence_need, c)
            .unwrap()
            .reasons
            .contains(&"licences"));
        // Every required licence is needed, not one of them.
        let two = Need {
            licences: strings(&["B", "CACES R489"]),
            ..need()
        };
        assert!(!only(&two, ideal(1)).unwrap().reasons.contains(&"licences"));
        // A need without a ROME code gives no `job` point.
        let no_rome = Need {
            rome_code: None,
            ..need()
        };
        assert_eq!(only(&no_rome, ideal(1)).unwrap().score, 4);
    }

    #[test]
    fn eligibility_on_the_start_date() {
        let starts = need().starts_on;
        let with = |from: Option<NaiveDate>, until: Option<NaiveDate>| Candidate {
            eligibility_valid_from: from,
            eligibility_valid_until: until,
            ..ideal(1)
        };
        // Valid from or until the start day itself: kept.
        assert!(only(&need(), with(Some(starts), Some(d(2026, 9, 30)))).is_some());
        assert!(only(&need(), with(Some(d(2026, 1, 1)), Some(starts))).is_some());
        assert!(only(&need(), with(None, Some(starts))).is_some());
        // Ends the day before, starts the day after, or none at all: left out.
        assert!(only(&need(), with(None, Some(d(2026, 5, 3)))).is_none());
        assert!(only(&need(), with(Some(d(2026, 5, 5)), Some(d(2026, 9, 30)))).is_none());
        assert!(only(&need(), with(None, None)).is_none());
    }

    #[test]
    fn full_time_placements_are_left_out() {
        let placed = |hours| Candidate {
            planned_weekly_hours_on_start: hours,
            ..ideal(1)
        };
        assert!(only(&need(), placed(3499)).is_some());
        assert!(only(&need(), placed(2000)).is_some());
        assert!(only(&need(), placed(3500)).is_none());
        assert!(only(&need(), placed(3900)).is_none());
    }

    #[test]
    fn ties_by_participant_id() {
        let ranked = rank(&need(), &[ideal(9), ideal(2), ideal(5)]);
        let ids: Vec<_> = ranked.iter().map(|m| m.participant_id).collect();
        assert_eq!(ids, vec![2, 5, 9]);
        assert!(rank(&need(), &[]).is_empty());
    }
}
