//! The messages people read, rendered from the stable codes of broken rules. This is the one
//! place where a `Violation` (field, code, params) becomes a sentence; every code a use case or
//! a domain rule produces has its entry here.

use crate::domain::hours::{excerpt, ImportError, ImportErrors, MAX_REPORTED_ERRORS};
use crate::domain::rule::Violation;
use crate::error::{ApiError, FieldError};

/// The message of one broken rule.
pub fn render(v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match v.code {
        "invalid" => match v.param("reason") {
            Some(reason) => reason.to_string(),
            None => "la valeur de ce champ n'est pas acceptée".into(),
        },
        "required" => "ce champ est obligatoire".into(),
        "not_found" => format!("{} introuvable", p("what")),
        "concurrent_update" => {
            "une autre modification des mêmes données a eu lieu au même moment".into()
        }
        // --- Hours, placements, referrals, clause progress ---
        code @ ("month_malformed"
        | "month_in_future"
        | "month_outside_placement"
        | "negative_hours"
        | "above_monthly_cap"
        | "above_monthly_cap_with_other_placements"
        | "amendment_reason_required"
        | "placement_unknown"
        | "hours_format"
        | "entry_status"
        | "entry_ids_required"
        | "decision_unknown"
        | "rejection_reason_required"
        | "entry_unknown"
        | "entry_not_submitted") => hours_message(code, v),
        // --- The hours import's files: headers, cells, the file as a whole ---
        code @ ("column_missing"
        | "column_duplicated"
        | "row_duplicated"
        | "row_too_many_values"
        | "file_empty"
        | "file_no_data_rows"
        | "file_not_utf8"
        | "csv_unreadable"
        | "cell_required"
        | "placement_id_malformed"
        | "month_cell_malformed"
        | "hours_not_a_number"
        | "hours_too_many_decimals"
        | "xlsx_unreadable"
        | "xlsx_no_worksheet"
        | "xlsx_rows_out_of_order") => import_message(code, v),
        code if code.starts_with("xlsx_") => xlsx_guard_message(code, v),
        code @ ("participant_unknown"
        | "assignment_unknown"
        | "modality_unknown"
        | "contract_type_unknown"
        | "outcome_unknown"
        | "employer_not_eligible"
        | "job_title_empty"
        | "person_anonymised"
        | "clause_closed"
        | "eligibility_missing"
        | "birth_date_unknown"
        | "exit_already_recorded"
        | "ended_before_start") => placements_message(code, v),
        code @ ("answer_state_unknown"
        | "decline_reason_required"
        | "decline_reason_unknown"
        | "decline_comment_required"
        | "reason_only_with_declined"
        | "placement_only_with_hired"
        | "referral_already_final"
        | "referral_transition_refused"
        | "referral_state_unknown"
        | "need_unknown"
        | "need_not_open"
        | "already_proposed"
        | "eligibility_missing_on_need_start"
        | "referral_answered_meanwhile"
        | "need_full"
        | "derogation_staff_only"
        | "employer_not_own") => referrals_message(code, v),
        // --- clauses, calibration, contracts, participants, eligibility, needs,
        // organisations, users, sessions, reports, reminders, outbox (core layer) ---
        "clause_too_long" => match v.param("latest") {
            Some(latest) => format!(
                "une clause dure au plus {} mois : elle doit finir au plus tard le {latest}",
                p("months")
            ),
            None => format!("une clause dure au plus {} mois", p("months")),
        },
        "zero_hours" if v.field == "hours_override" => {
            "Le nombre d'heures fixé par dérogation, arrondi à l'heure, est nul\u{a0}: une clause \
             doit exiger au moins une heure d'insertion."
                .into()
        }
        "zero_hours" => {
            "Le calibrage donne 0\u{a0}heure d'insertion\u{a0}: une clause doit exiger \
             au moins une heure. Vérifiez le montant et les taux, ou fixez le nombre d'heures avec \
             une justification."
                .into()
        }
        "amount_or_lots_required" => "give either amount_eur or lots".into(),
        "amount_and_lots" => "give either amount_eur or lots, not both".into(),
        "lots_empty" => "must contain at least one lot".into(),
        "share_given_per_lot" => "give the labour share of each lot (lots[].labour_share_percent) \
             when calibrating by lots"
            .into(),
        "labour_share_without_cpv" => "is required: no CPV code is known to look it up in the \
             labour-share reference table"
            .into(),
        "labour_share_not_in_table" => format!(
            "is required: the labour-share reference table has no entry for CPV code {}",
            p("cpv")
        ),
        "cpv_malformed" => {
            "must be a CPV code: 8 digits, optionally followed by a dash and a check digit".into()
        }
        "fixed_hours_justification_required" => {
            "is required: a fixed number of hours needs a written justification".into()
        }
        "too_large_to_compute" => "is too large to compute a number of hours".into(),
        "not_positive" => "must be greater than 0".into(),
        "percent_out_of_range" => "must be greater than 0 and at most 100".into(),
        "criteria_required" => "at least one criterion is required".into(),
        "criterion_unknown" => format!("unknown criterion '{}'", p("criterion")),
        "criterion_repeated" => format!("criterion '{}' is given twice", p("criterion")),
        "justification_required" => format!(
            "a justification is required with the criterion {}",
            p("criterion")
        ),
        "weekly_hours_above_max" => format!("must not exceed {} h", p("max")),
        "ends_before_start" => match v.param("starts_on") {
            Some(start) => format!("must not be before starts_on ({start})"),
            None => "must not be before starts_on".into(),
        },
        "cpv_prefix_malformed" => "must be 1 to 8 digits".into(),
        "cpv_prefix_repeated" => "appears twice".into(),
        "empty" => "must not be empty".into(),
        "negative" => "must not be negative".into(),
        "clause_kind_unknown" => "must be one of execution_condition, award_criterion, \
             reserved_contract, insertion_purpose"
            .into(),
        "lot_unknown" => format!("the contract has no lot {}", p("lot")),
        "frequency_unknown" => "must be monthly or quarterly".into(),
        "override_justification_required" => {
            "a justification is required to override the computed hours".into()
        }
        "referent_not_staff" => "must be a facilitator or admin of your structure".into(),
        "territory_unknown" => format!("`{}` is not a département code", p("territory")),
        "territory_required" => "is required when the buyer has no territory".into(),
        "clause_status_transition" => {
            format!("a {} clause cannot become {}", p("status"), p("to"))
        }
        "organisation_not_contractor" => {
            "must be a contractor or insertion structure of your structure".into()
        }
        "assignment_role_unknown" => "must be holder, co_contractor or subcontractor".into(),
        "above_clause_hours" => format!(
            "the targets would total {} h, more than the clause's {} h ({} h left to assign)",
            p("total"),
            p("required"),
            p("left")
        ),
        "assignment_exists" => "this contractor already has an assignment on the clause".into(),
        "email_taken" => "cette adresse e-mail est déjà utilisée par un compte".into(),
        "organisation_not_buyer" => "the organisation is not a buyer".into(),
        "organisation_unknown" => "no such organisation in your structure".into(),
        "reference_length" => format!("must have 1 to {} characters", p("max")),
        "contract_kind_unknown" => "must be one of works, services, supplies".into(),
        "cpv_code_malformed" => "must be eight digits, optionally followed by -N".into(),
        "duration_out_of_range" => format!("must be between 1 and {}", p("max")),
        "computed_end_too_late" => {
            format!("la fin calculée du marché dépasserait le {}", p("max"))
        }
        "social_consideration_unknown" => {
            "must be one of clause_sociale, critere_social, marche_reserve".into()
        }
        "lot_number_invalid" => "must be a positive number, unique in the contract".into(),
        "contract_reference_taken" => format!(
            "this buyer already has a contract with reference {}",
            p("reference")
        ),
        "birth_date_implausible" => "is not a plausible birth date".into(),
        "sex_unknown" => "must be female or male".into(),
        "qualification_level_unknown" => "must be none or 1 to 8".into(),
        "postal_code_unknown" => format!("`{}` is not a French postal code", p("postal_code")),
        "rome_code_malformed" => format!(
            "a ROME code is a letter and four digits (e.g. {})",
            v.param("example").unwrap_or("F1703")
        ),
        "proof_unknown" => format!("must be one of {}", p("allowed")),
        "date_in_future" => "must not be in the future".into(),
        "participant_anonymised" => "this person has been anonymised".into(),
        "participant_duplicate" => {
            "a person with the same last name, first name and birth date already exists".into()
        }
        "organisation_kind_unknown" => {
            "must be one of buyer, contractor, insertion_structure, funder".into()
        }
        "identifier_invalid" => p("reason"),
        "siret_or_identifier" => "give either siret or identifier_type and identifier".into(),
        "required_with" => format!("is required with {}", p("other")),
        "departement_unknown" => format!(
            "`{}` is not a département code (01 to 95, 2A, 2B, 971 to 974, 976)",
            p("territory")
        ),
        "siae_kind_unknown" => "must be one of EI, AI, ACI, ETTI, EITI, GEIQ, EA, ESAT".into(),
        "siae_kind_not_applicable" => "applies to insertion structures and contractors only".into(),
        "organisation_identifier_taken" => format!(
            "an organisation with {} {} already exists in this structure",
            p("identifier_type"),
            p("identifier")
        ),
        "email_malformed" => "is not a valid email address".into(),
        "date_malformed" => "must be a date YYYY-MM-DD".into(),
        "date_out_of_range" => format!(
            "doit être comprise entre le {} et le {}",
            p("min"),
            p("max")
        ),
        "milestone_kind_malformed" => {
            "must be a short code of lower-case letters, digits and _".into()
        }
        "label_length" => format!("must be 1 to {} characters", p("max")),
        "notification_status_unknown" => "must be one of queued, sent, failed".into(),
        "notification_not_failed" => format!(
            "only a failed notification can be retried; this one is {}",
            p("status")
        ),
        "posts_out_of_range" => format!("must be between 1 and {}", p("max")),
        "commune_code_malformed" => "an INSEE commune code is five characters (e.g. 93066)".into(),
        "commune_outside_territory" => format!(
            "commune {} is not in département {}",
            p("commune"),
            p("territory")
        ),
        "licence_code_malformed" => {
            "a licence code is capital letters, digits or _ (e.g. B, CACES_R482)".into()
        }
        "starts_after_clause_end" => {
            format!("must not be after the end of the clause ({})", p("ends_on"))
        }
        "need_status_unknown" => "must be open, filled or closed".into(),
        "need_already_closed" => format!("the need is already {}", p("status")),
        "password_weak" => p("reason"),
        "organisation_required" => {
            "a contractor account needs the id of its contractor or insertion structure".into()
        }
        "organisation_not_allowed" => {
            "only contractor and funder accounts belong to an organisation".into()
        }
        "organisation_kind_mismatch" => format!(
            "the organisation is a {}, not one of {}",
            p("kind"),
            p("expected")
        ),
        "funder_whole_years" => "Un financeur consulte des années civiles entières : la période \
             doit aller de janvier à décembre (ou utilisez le paramètre year)."
            .into(),
        "period_year_and_months" => "Donnez soit l'année, soit le premier et le dernier mois \
             (from et to), pas les deux."
            .into(),
        "period_year_malformed" => format!(
            "La valeur doit être une année écrite AAAA, entre {} et {}.",
            p("min"),
            p("max")
        ),
        "period_required" => "L'année est obligatoire (ou le premier et le dernier mois, from \
             et to, écrits AAAA-MM)."
            .into(),
        "period_month_malformed" => format!(
            "La valeur doit être un mois écrit AAAA-MM, entre {} et {}.",
            p("min"),
            p("max")
        ),
        "period_invalid" => format!(
            "Le dernier mois ne doit pas précéder le premier, et la période ne doit pas \
             dépasser {} mois.",
            p("max_months")
        ),
        "departement_code_malformed" => {
            "La valeur doit être un code de département (93, 2A, 971…).".into()
        }
        "id_not_positive" => "La valeur doit être un nombre entier positif.".into(),
        "report_clause_kind_unknown" => {
            format!("La valeur doit être l'un des codes {}.", p("allowed"))
        }
        "limit_out_of_range" => format!(
            "La valeur doit être comprise entre {} et {}.",
            p("min"),
            p("max")
        ),
        "offset_negative" => "La valeur ne doit pas être négative.".into(),
        "param_required" => "Ce paramètre est obligatoire.".into(),
        other => {
            // A code without its message is a defect of this catalogue: say so in the logs
            // and still answer something a person can read.
            tracing::warn!(code = other, "no message for this code in api::messages");
            "la valeur de ce champ n'est pas acceptée".into()
        }
    }
}

// --- Hours, placements, referrals, clause progress ---

/// 422 with the first errors of a file (at most `MAX_REPORTED_ERRORS`), each line's broken
/// rule rendered from its code, and how many errors there are in all.
pub fn rows_problem(errors: ImportErrors) -> ApiError {
    let count = errors.count();
    let mut e = ApiError::validation(Vec::new());
    e.detail = match count {
        1 => "1 erreur ; rien n'a été enregistré".to_string(),
        n if n > MAX_REPORTED_ERRORS => format!(
            "{n} erreurs, dont les {MAX_REPORTED_ERRORS} premières sont listées ; rien n'a été \
             enregistré"
        ),
        n => format!("{n} erreurs ; rien n'a été enregistré"),
    };
    let first: Vec<ImportError> = errors
        .into_first()
        .into_iter()
        .map(|mut line| {
            line.message = render(&line.rule);
            line
        })
        .collect();
    e.with_extra("errors", serde_json::to_value(first).unwrap_or_default())
        .with_extra("error_count", count.into())
}

// --- The hours import's files ---

/// What a cell held, from the `got_kind` and `got` params of a cell's rule.
fn got(v: &Violation) -> String {
    let value = v.param("got").unwrap_or("");
    let described = match v.param("got_kind").unwrap_or("") {
        "empty" => return "an empty cell".into(),
        "text" => return format!("'{value}'"),
        "number" => return value.to_string(),
        "date" => return format!("the date {value}"),
        "duration" => format!("the duration {value} (write hours as a decimal number)"),
        "date_cell" => format!("the date cell {value}"),
        "boolean" => format!("the boolean {value}"),
        "error_cell" => format!("the error cell {value}"),
        "duration_iso" => format!("the duration {value}"),
        _ => value.to_string(),
    };
    excerpt(&described)
}

/// The messages of an import file's headers, rows, cells and of the file as a whole.
fn import_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "column_missing" => format!(
            "missing column {}; the header needs {}",
            p("column"),
            p("required")
        ),
        "column_duplicated" => format!("column {} appears more than once", p("column")),
        "row_duplicated" => format!(
            "placement {} already has a row for {} on line {}",
            p("placement_id"),
            p("month"),
            p("first_line")
        ),
        "row_too_many_values" => format!(
            "has {} values but the header has {} columns; with ',' as separator, write \
             decimals with a point (7.5) or between quotes",
            p("values"),
            p("columns")
        ),
        "file_empty" => "the file is empty".into(),
        "file_no_data_rows" => "the file has no data rows".into(),
        "file_not_utf8" => "the file is not UTF-8 text; save it as \"CSV UTF-8\"".into(),
        "csv_unreadable" => format!("unreadable CSV: {}", p("error")),
        "cell_required" => "is required".into(),
        "placement_id_malformed" => format!(
            "must be a placement id (a positive whole number), got {}",
            got(v)
        ),
        "month_cell_malformed" => format!(
            "must be a month written YYYY-MM (or MM/YYYY, or a date), got {}",
            got(v)
        ),
        "hours_not_a_number" => format!("must be a number of hours, got {}", got(v)),
        "hours_too_many_decimals" => {
            format!("at most two decimals are allowed, got {}", got(v))
        }
        "xlsx_unreadable" => format!("the file is not a readable XLSX workbook: {}", p("error")),
        "xlsx_no_worksheet" => "the workbook has no worksheet".into(),
        "xlsx_rows_out_of_order" => "les lignes de la feuille ne sont pas dans l'ordre ; \
             ouvrez le classeur dans un tableur et enregistrez-le à nouveau"
            .into(),
        _ => unreachable_code(code),
    }
}

/// The messages of the XLSX guard's refusals (`domain::xlsx_guard::Refusal`).
fn xlsx_guard_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "xlsx_archive_unreadable" => "le fichier n'est pas un classeur XLSX lisible (archive \
             endommagée, chiffrée ou d'un autre format) ; enregistrez-le au format XLSX"
            .to_string(),
        "xlsx_ole_file" => "le fichier est un classeur Excel 97-2003 (XLS) ou un classeur \
             protégé par un mot de passe ; enregistrez-le au format XLSX, sans mot de passe"
            .to_string(),
        "xlsx_too_many_parts" => format!(
            "le classeur contient plus de {} fichiers internes ; enregistrez la feuille des \
             heures seule dans un nouveau classeur",
            thousands(&p("limit"))
        ),
        "xlsx_part_too_large" => format!(
            "une partie du classeur dépasse {} Mio une fois décompressée ; \
             enregistrez la feuille des heures seule dans un nouveau classeur",
            p("limit_mib")
        ),
        "xlsx_total_too_large" => format!(
            "le classeur dépasse {} Mio une fois décompressé ; enregistrez la \
             feuille des heures seule dans un nouveau classeur",
            p("limit_mib")
        ),
        "xlsx_declared_range" => format!(
            "la feuille déclare la plage {}, au-delà des limites d'un import \
             ({} lignes, {} colonnes : jusqu'à {}) ; supprimez les lignes et \
             colonnes inutiles ou copiez les données dans un nouveau classeur",
            p("range"),
            thousands(&p("rows")),
            p("columns"),
            p("last_cell"),
        ),
        "xlsx_cell_outside" => format!(
            "la feuille utilise la cellule {}, au-delà des limites d'un import \
             ({} lignes, {} colonnes : jusqu'à {}) ; supprimez les lignes et \
             colonnes inutiles ou copiez les données dans un nouveau classeur",
            p("cell"),
            thousands(&p("rows")),
            p("columns"),
            p("last_cell"),
        ),
        "xlsx_string_too_long" => format!(
            "le classeur contient un texte de plus de {} caractères, la limite d'une \
             cellule d'Excel",
            thousands(&p("limit"))
        ),
        "xlsx_element_too_large" => format!(
            "le classeur contient un élément XML de plus de {} Mio ; il n'a pas \
             été enregistré par un tableur",
            p("limit_mib")
        ),
        "xlsx_too_many_attributes" => format!(
            "le classeur contient un élément XML de plus de {} attributs ; il n'a pas \
             été enregistré par un tableur",
            p("limit")
        ),
        "xlsx_too_many_shared_strings" => format!(
            "le classeur contient plus de {} textes différents ; enregistrez la feuille \
             des heures seule dans un nouveau classeur",
            thousands(&p("limit"))
        ),
        "xlsx_shared_text_too_long" => format!(
            "les textes du classeur dépassent {} caractères en tout ; enregistrez la \
             feuille des heures seule dans un nouveau classeur",
            thousands(&p("limit"))
        ),
        "xlsx_too_many_records" => format!(
            "le classeur contient plus de {} styles, formats, feuilles ou noms définis ; \
             enregistrez la feuille des heures seule dans un nouveau classeur",
            thousands(&p("limit"))
        ),
        other => unreachable_code(other),
    }
}

/// A code routed to a catalogue section that does not have it: a defect, logged.
fn unreachable_code(code: &str) -> String {
    tracing::warn!(code, "no message for this code in api::messages");
    "la valeur de ce champ n'est pas acceptée".into()
}

/// "100000" -> "100 000" (narrow no-break space, as French typography writes thousands).
fn thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The messages of the hour entries' rules.
fn hours_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "month_malformed" => "must be a month written YYYY-MM".into(),
        "month_in_future" => format!("{} is a future month (today is {})", p("month"), p("today")),
        "month_outside_placement" => format!(
            "{} is outside the placement's dates ({} to {})",
            p("month"),
            p("starts_on"),
            v.param("ends_on").unwrap_or("no end date")
        ),
        "negative_hours" => "must not be negative".into(),
        "above_monthly_cap" => {
            let mut message = format!(
                "{} h of work and {} h of training",
                p("work"),
                p("training")
            );
            if let Some(other) = v.param("other") {
                message.push_str(&format!(
                    ", plus {other} h on this person's other placements"
                ));
            }
            message.push_str(&format!(
                ", make {} h in the month, above the cap of {} h",
                p("total"),
                p("cap")
            ));
            message
        }
        "above_monthly_cap_with_other_placements" => format!(
            "{} h de travail et {} h de formation dépassent, avec les heures déclarées sur les \
             autres mises en situation de la personne, le plafond mensuel de {} h",
            p("work"),
            p("training"),
            p("cap")
        ),
        "amendment_reason_required" => {
            "this month's figure has been validated; an amendment needs a reason".into()
        }
        "placement_unknown" => format!("no placement {} that you may report on", p("placement_id")),
        "hours_format" => "must be csv or xlsx".into(),
        "entry_status" => "must be submitted, validated or rejected".into(),
        "entry_ids_required" => "at least one entry is required".into(),
        "decision_unknown" => "must be validate or reject".into(),
        "rejection_reason_required" => "a reason is required to reject".into(),
        "entry_unknown" => format!("no hour entry {} in your structure", p("entry_id")),
        "entry_not_submitted" => format!(
            "entry {} is {}; only submitted entries can be decided",
            p("entry_id"),
            p("status")
        ),
        _ => String::new(),
    }
}

/// The messages of the placements' rules.
fn placements_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "participant_unknown" => "no such participant in your structure".into(),
        "assignment_unknown" => match v.param("scope") {
            Some("organisation") => "no such assignment of your organisation".into(),
            _ => "no such assignment in your structure".into(),
        },
        "modality_unknown" | "contract_type_unknown" | "outcome_unknown" => {
            let codes = v.param("codes").or(v.param("allowed")).unwrap_or("");
            format!("must be one of {codes}")
        }
        "employer_not_eligible" => {
            "must be a contractor or insertion structure of your structure".into()
        }
        "job_title_empty" => "must not be empty".into(),
        "person_anonymised" => "this person has been anonymised".into(),
        "clause_closed" => format!("the clause is {}", p("status")),
        "eligibility_missing" => format!(
            "the person has no valid eligibility on {}; validate it first or record a \
             derogation_reason",
            p("on")
        ),
        "birth_date_unknown" => "the person's birth date is unknown".into(),
        "exit_already_recorded" => "the exit of this placement is already recorded".into(),
        "ended_before_start" => format!("must not be before the start ({})", p("starts_on")),
        _ => String::new(),
    }
}

/// The messages of the referrals' rules.
fn referrals_message(code: &str, v: &Violation) -> String {
    let p = |name: &str| v.param(name).unwrap_or("").to_string();
    match code {
        "answer_state_unknown" => "must be one of interview, hired, declined".into(),
        "decline_reason_required" => {
            format!("a reason is required to decline: one of {}", p("codes"))
        }
        "decline_reason_unknown" => format!("must be one of {}", p("codes")),
        "decline_comment_required" => "the reason `other` needs a comment saying why".into(),
        "reason_only_with_declined" => "a reason goes only with declined".into(),
        "placement_only_with_hired" => "placement goes only with hired".into(),
        "referral_already_final" => format!(
            "this proposal is already {}; it takes no further answer",
            p("state")
        ),
        "referral_transition_refused" => format!(
            "a proposal in state {} cannot become {}",
            p("from"),
            p("to")
        ),
        "referral_state_unknown" => "must be proposed, interview, hired or declined".into(),
        "need_unknown" => "no such need in your structure".into(),
        "need_not_open" => format!("the need is {}; it takes no new proposal", p("status")),
        "already_proposed" => "this person is already proposed to this need".into(),
        "eligibility_missing_on_need_start" => format!(
            "the person has no valid eligibility on the need's start date ({})",
            p("on")
        ),
        "referral_answered_meanwhile" => "the proposal was answered meanwhile; reload it".into(),
        "need_full" => match v.param("posts") {
            Some(posts) => format!(
                "the need is filled ({} of {posts} posts); no further hire",
                p("hires")
            ),
            None => "the need is closed; no further hire".into(),
        },
        "derogation_staff_only" => "only a facilitator may record a derogation".into(),
        "employer_not_own" => "une entreprise ne peut désigner qu'elle-même comme employeur ; un \
                               autre employeur est choisi par le facilitateur"
            .into(),
        _ => String::new(),
    }
}

/// The wire form of a broken rule: `{field, code, message}`.
pub fn field_error(v: &Violation) -> FieldError {
    FieldError {
        field: v.field.clone(),
        code: v.code.to_string(),
        message: render(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rendered_message_names_its_values() {
        let v = Violation::new("participant_id", "not_found").with("what", "personne");
        assert_eq!(render(&v), "personne introuvable");
        let e = field_error(&v);
        assert_eq!(e.code, "not_found");
        assert_eq!(e.field, "participant_id");
    }

    // --- Hours, placements, referrals, clause progress ---

    #[test]
    fn monthly_cap_messages_show_the_other_placements_to_staff_only() {
        let v = Violation::new("work_hours", "above_monthly_cap")
            .with("work", "198")
            .with("training", "10.01")
            .with("total", "208.01")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "198 h of work and 10.01 h of training, make 208.01 h in the month, above the cap of 208 h"
        );
        let v = Violation::new("work_hours", "above_monthly_cap")
            .with("work", "100")
            .with("training", "0")
            .with("other", "110")
            .with("total", "210")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "100 h of work and 0 h of training, plus 110 h on this person's other placements, make 210 h in the month, above the cap of 208 h"
        );
        let v = Violation::new("work_hours", "above_monthly_cap_with_other_placements")
            .with("work", "100")
            .with("training", "0")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "100 h de travail et 0 h de formation dépassent, avec les heures déclarées sur les autres mises en situation de la personne, le plafond mensuel de 208 h"
        );
    }

    #[test]
    fn a_contractor_naming_another_employer_reads_the_facilitator_s_role() {
        assert_eq!(
            render(&Violation::new("employer_id", "employer_not_own")),
            "une entreprise ne peut désigner qu'elle-même comme employeur ; un autre employeur est choisi par le facilitateur"
        );
    }

    #[test]
    fn month_outside_placement_names_its_dates_or_no_end() {
        let v = Violation::new("month", "month_outside_placement")
            .with("month", "2026-07")
            .with("starts_on", "2026-01-15")
            .with("ends_on", "2026-06-10");
        assert_eq!(
            render(&v),
            "2026-07 is outside the placement's dates (2026-01-15 to 2026-06-10)"
        );
        let v = Violation::new("month", "month_outside_placement")
            .with("month", "2025-12")
            .with("starts_on", "2026-01-15");
        assert_eq!(
            render(&v),
            "2025-12 is outside the placement's dates (2026-01-15 to no end date)"
        );
    }

    /// The codes of clauses, calibration, contracts, participants, eligibility, needs,
    /// organisations, users, reports, reminders and the outbox (core layer).
    const CORE_CODES: &[&str] = &[
        "clause_too_long",
        "zero_hours",
        "amount_or_lots_required",
        "amount_and_lots",
        "lots_empty",
        "share_given_per_lot",
        "labour_share_without_cpv",
        "labour_share_not_in_table",
        "cpv_malformed",
        "fixed_hours_justification_required",
        "too_large_to_compute",
        "not_positive",
        "percent_out_of_range",
        "criteria_required",
        "criterion_unknown",
        "criterion_repeated",
        "justification_required",
        "weekly_hours_above_max",
        "ends_before_start",
        "cpv_prefix_malformed",
        "cpv_prefix_repeated",
        "empty",
        "negative",
        "clause_kind_unknown",
        "lot_unknown",
        "frequency_unknown",
        "override_justification_required",
        "referent_not_staff",
        "territory_unknown",
        "territory_required",
        "clause_status_transition",
        "clause_closed",
        "organisation_not_contractor",
        "assignment_role_unknown",
        "above_clause_hours",
        "assignment_exists",
        "email_taken",
        "organisation_not_buyer",
        "organisation_unknown",
        "reference_length",
        "contract_kind_unknown",
        "cpv_code_malformed",
        "duration_out_of_range",
        "computed_end_too_late",
        "social_consideration_unknown",
        "lot_number_invalid",
        "contract_reference_taken",
        "birth_date_implausible",
        "sex_unknown",
        "qualification_level_unknown",
        "postal_code_unknown",
        "rome_code_malformed",
        "proof_unknown",
        "date_in_future",
        "participant_anonymised",
        "participant_duplicate",
        "organisation_kind_unknown",
        "identifier_invalid",
        "siret_or_identifier",
        "required_with",
        "departement_unknown",
        "siae_kind_unknown",
        "siae_kind_not_applicable",
        "organisation_identifier_taken",
        "email_malformed",
        "date_malformed",
        "date_out_of_range",
        "milestone_kind_malformed",
        "label_length",
        "notification_status_unknown",
        "notification_not_failed",
        "assignment_unknown",
        "posts_out_of_range",
        "commune_code_malformed",
        "commune_outside_territory",
        "licence_code_malformed",
        "modality_unknown",
        "contract_type_unknown",
        "employer_not_own",
        "starts_after_clause_end",
        "need_status_unknown",
        "need_already_closed",
        "password_weak",
        "organisation_required",
        "organisation_not_allowed",
        "organisation_kind_mismatch",
        "funder_whole_years",
        "period_year_and_months",
        "period_year_malformed",
        "period_required",
        "period_month_malformed",
        "period_invalid",
        "departement_code_malformed",
        "id_not_positive",
        "report_clause_kind_unknown",
        "limit_out_of_range",
        "offset_negative",
        "param_required",
    ];

    #[test]
    fn every_core_code_has_its_own_message() {
        let fallback = render(&Violation::new("x", "no_such_code_here"));
        for code in CORE_CODES {
            let v = Violation::new("x", code)
                .with("reason", "r")
                .with("status", "s");
            assert_ne!(render(&v), fallback, "{code} has no message");
        }
    }

    #[test]
    fn messages_are_todays_sentences_built_from_their_params() {
        let v = Violation::new("ends_on", "clause_too_long")
            .with("months", 240)
            .with("latest", "2045-12-31");
        assert_eq!(
            render(&v),
            "une clause dure au plus 240 mois : elle doit finir au plus tard le 2045-12-31"
        );
        let v = Violation::new("weekly_hours", "weekly_hours_above_max").with("max", "48");
        assert_eq!(render(&v), "must not exceed 48 h");
        let v = Violation::new("calibration", "zero_hours");
        assert!(render(&v).starts_with("Le calibrage donne 0"));
        let v = Violation::new("hours_override", "zero_hours");
        assert!(render(&v).starts_with("Le nombre d'heures fixé par dérogation"));
        let v = Violation::new("", "employer_not_own");
        assert_eq!(
            render(&v),
            "une entreprise ne peut désigner qu'elle-même comme employeur ; un autre employeur \
             est choisi par le facilitateur"
        );
    }

    #[test]
    fn import_file_messages_are_the_sentences_of_their_codes() {
        let v = |code| Violation::new("file", code);
        let cases = [
            (
                v("column_missing").with("column", "month").with(
                    "required",
                    "placement_id, month, work_hours, training_hours",
                ),
                "missing column month; the header needs placement_id, month, work_hours, \
                 training_hours",
            ),
            (
                v("column_duplicated").with("column", "month"),
                "column month appears more than once",
            ),
            (
                v("row_duplicated")
                    .with("placement_id", 7)
                    .with("month", "2026-01")
                    .with("first_line", 2),
                "placement 7 already has a row for 2026-01 on line 2",
            ),
            (
                v("row_too_many_values")
                    .with("values", 5)
                    .with("columns", 4),
                "has 5 values but the header has 4 columns; with ',' as separator, write \
                 decimals with a point (7.5) or between quotes",
            ),
            (v("file_empty"), "the file is empty"),
            (v("file_no_data_rows"), "the file has no data rows"),
            (
                v("file_not_utf8"),
                "the file is not UTF-8 text; save it as \"CSV UTF-8\"",
            ),
            (
                v("csv_unreadable").with("error", "oops"),
                "unreadable CSV: oops",
            ),
            (v("cell_required"), "is required"),
            (v("negative_hours"), "must not be negative"),
            (
                v("xlsx_unreadable").with("error", "bad zip"),
                "the file is not a readable XLSX workbook: bad zip",
            ),
            (v("xlsx_no_worksheet"), "the workbook has no worksheet"),
        ];
        for (violation, message) in cases {
            assert_eq!(render(&violation), message, "{}", violation.code);
        }
        assert!(render(&v("xlsx_rows_out_of_order")).contains("dans l'ordre"));
    }

    #[test]
    fn a_cell_s_message_says_what_it_held() {
        let cell = |code, kind, value| {
            render(
                &Violation::new("work_hours", code)
                    .with("got_kind", kind)
                    .with("got", value),
            )
        };
        assert_eq!(
            cell("placement_id_malformed", "text", "abc"),
            "must be a placement id (a positive whole number), got 'abc'"
        );
        assert_eq!(
            cell("placement_id_malformed", "empty", ""),
            "must be a placement id (a positive whole number), got an empty cell"
        );
        assert_eq!(
            cell("month_cell_malformed", "number", "0"),
            "must be a month written YYYY-MM (or MM/YYYY, or a date), got 0"
        );
        assert_eq!(
            cell("hours_not_a_number", "date", "2026-01-05"),
            "must be a number of hours, got the date 2026-01-05"
        );
        assert_eq!(
            cell("hours_not_a_number", "boolean", "true"),
            "must be a number of hours, got the boolean true"
        );
        assert_eq!(
            cell("hours_too_many_decimals", "number", "7.125"),
            "at most two decimals are allowed, got 7.125"
        );
        // A described cell is cut like any quoted value.
        let long = cell("hours_not_a_number", "duration", "35:30:00");
        assert_eq!(
            long,
            format!(
                "must be a number of hours, got {}",
                excerpt("the duration 35:30:00 (write hours as a decimal number)")
            )
        );
        assert!(long.ends_with('…'), "{long}");
    }

    #[test]
    fn xlsx_guard_refusals_render_their_limits_in_french() {
        use crate::domain::xlsx_guard::Refusal;
        assert_eq!(
            render(&Refusal::TooManyParts { limit: 10_000 }.violation()),
            "le classeur contient plus de 10\u{202f}000 fichiers internes ; enregistrez la \
             feuille des heures seule dans un nouveau classeur"
        );
        assert_eq!(
            render(&Refusal::PartTooLarge { limit_mib: 64 }.violation()),
            "une partie du classeur dépasse 64 Mio une fois décompressée ; enregistrez la \
             feuille des heures seule dans un nouveau classeur"
        );
        assert_eq!(
            render(
                &Refusal::DeclaredRange {
                    range: "A1:XFD1048576".into(),
                    rows: 100_000,
                    columns: 50
                }
                .violation()
            ),
            "la feuille déclare la plage A1:XFD1048576, au-delà des limites d'un import \
             (100\u{202f}000 lignes, 50 colonnes : jusqu'à AX100000) ; supprimez les lignes et \
             colonnes inutiles ou copiez les données dans un nouveau classeur"
        );
        assert_eq!(
            render(&Refusal::TooManyAttributes { limit: 200 }.violation()),
            "le classeur contient un élément XML de plus de 200 attributs ; il n'a pas été \
             enregistré par un tableur"
        );
        assert_eq!(thousands("100000"), "100\u{202f}000");
        assert_eq!(thousands("999"), "999");
        for refusal in [
            Refusal::Unreadable,
            Refusal::OleFile,
            Refusal::TotalTooLarge { limit_mib: 1 },
            Refusal::StringTooLong { limit: 1 },
            Refusal::ElementTooLarge { limit_mib: 1 },
            Refusal::TooManySharedStrings { limit: 1 },
            Refusal::SharedTextTooLong { limit: 1 },
            Refusal::TooManyRecords { limit: 1 },
        ] {
            let v = refusal.violation();
            assert!(v.code.starts_with("xlsx_"), "{v:?}");
            assert!(render(&v).starts_with("le"), "{v:?}: {}", render(&v));
        }
    }
}
