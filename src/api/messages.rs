//! The messages people read, in French, rendered from stable codes. This is the one place
//! where a code becomes a sentence: each broken rule (`Violation {field, code, params}`) and
//! each problem a request can meet (`401 token_invalid`, `405 method_not_allowed`...) has its
//! entry in [`CATALOGUE`], with the HTTP status that carries it, the fields it concerns and
//! the params its sentence shows. `docs/errors.md` documents the same entries.
//!
//! Style: a field's message is a clause that follows the field's name ("ce champ est
//! obligatoire"), lower-case and without a final period; a problem's detail is the same kind
//! of clause, capitalised by [`sentence`]. Every refusal says what is accepted.

use crate::domain::catalogue::{self, CodeList};
use crate::domain::hours::{excerpt, ImportError, ImportErrors, MAX_REPORTED_ERRORS};
use crate::domain::rule::Violation;
use crate::error::{ApiError, FieldError};

/// The values a message shows, read from the violation's params.
pub struct Args<'a>(&'a Violation);

impl Args<'_> {
    /// A param's value ("" when absent: every message names its params in `Entry::params`).
    fn p(&self, name: &str) -> &str {
        self.0.param(name).unwrap_or("")
    }
    fn opt(&self, name: &str) -> Option<&str> {
        self.0.param(name)
    }
    fn field(&self) -> &str {
        &self.0.field
    }
}

/// One code of the catalogue.
pub struct Entry {
    pub code: &'static str,
    /// The HTTP status of the problem that carries it.
    pub status: u16,
    /// The problem's title when the code is the problem's own (empty for a field's rule,
    /// whose problem takes the title of its status).
    pub title: &'static str,
    /// The field(s) it is reported on, for the documentation.
    pub fields: &'static str,
    /// The params its message shows.
    pub params: &'static [&'static str],
    text: fn(&Args) -> String,
}

const fn rule(
    code: &'static str,
    status: u16,
    fields: &'static str,
    params: &'static [&'static str],
    text: fn(&Args) -> String,
) -> Entry {
    Entry {
        code,
        status,
        title: "",
        fields,
        params,
        text,
    }
}

const fn problem(
    code: &'static str,
    status: u16,
    title: &'static str,
    params: &'static [&'static str],
    text: fn(&Args) -> String,
) -> Entry {
    Entry {
        code,
        status,
        title,
        fields: "",
        params,
        text,
    }
}

/// The message of one code.
pub fn render(v: &Violation) -> String {
    match entry(v.code) {
        Some(e) => (e.text)(&Args(v)),
        None => {
            // A code without its message is a defect of this catalogue: say so in the logs
            // and still answer something a person can read.
            tracing::warn!(code = v.code, "no message for this code in api::messages");
            "la valeur de ce champ n'est pas acceptée".into()
        }
    }
}

/// The predicate of a refused text on the login page, after the field's name: `rule` is the
/// code of the text check (`too_long`, `nul_character`, `line_break`, `control_character`).
fn text_rule(a: &Args) -> String {
    match a.p("rule") {
        "too_long" => format!("ne doit pas dépasser {} caractères", thousands(a.p("max"))),
        "nul_character" => "ne doit pas contenir de caractère nul (U+0000)".into(),
        "line_break" => format!(
            "doit tenir sur une seule ligne, sans tabulation ni saut de ligne ({})",
            a.p("character")
        ),
        _ => format!(
            "ne doit pas contenir de caractère de contrôle ({})",
            a.p("character")
        ),
    }
}

/// The catalogue's entry of `code`.
pub fn entry(code: &str) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.code == code)
}

/// The wire form of a broken rule: `{field, code, message}`.
pub fn field_error(v: &Violation) -> FieldError {
    FieldError {
        field: v.field.clone(),
        code: v.code.to_string(),
        message: render(v),
    }
}

/// A message as a sentence: capital first letter, final period.
pub fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// The title of a problem: its own code's, or its status's.
pub fn title(code: &str, status: u16) -> &'static str {
    match entry(code) {
        Some(e) if !e.title.is_empty() => e.title,
        _ => match status {
            400 => "Requête mal formée",
            401 => "Authentification requise",
            403 => "Accès refusé",
            404 => "Introuvable",
            405 => "Méthode non acceptée",
            409 => "Conflit",
            413 => "Contenu trop volumineux",
            415 => "Format non pris en charge",
            422 => "Données refusées",
            429 => "Trop de tentatives",
            503 => "Service indisponible",
            s if s >= 500 => "Erreur interne",
            _ => "Requête refusée",
        },
    }
}

// --- Helpers that write values the French way ---

/// "2026-04-12" -> "12 avril 2026" ("1er" for the first); other text unchanged.
fn date(text: &str) -> String {
    match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => crate::domain::next_action::format_date_fr(d),
        Err(_) => text.to_string(),
    }
}

/// Months written `YYYY-MM, YYYY-MM`, in words (« mars 2026, avril 2026 »).
fn months(list: &str) -> String {
    list.split(',')
        .map(|m| month(m.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "2026-04" -> "avril 2026"; other text unchanged.
fn month(text: &str) -> String {
    match crate::domain::hours::parse_month(text) {
        Some((y, m)) if (1..=12).contains(&m) => {
            format!("{} {y}", crate::domain::next_action::month_name_fr(m))
        }
        _ => text.to_string(),
    }
}

/// A decimal written with a comma: "10.5" -> "10,5".
fn decimal(text: &str) -> String {
    text.replace('.', ",")
}

/// « value »
fn quoted(text: &str) -> String {
    format!("« {text} »")
}

/// "a, b ou c".
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} ou {last}", init.join(", ")),
    }
}

/// The codes of a list with their French labels: « cdi » (CDI), « cdd » (CDD) ou …
fn one_of(list: &CodeList) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|(code, label)| format!("{} ({label})", quoted(code)))
        .collect();
    or_list(&items)
}

/// Codes given in a param ("a, b, c"), each with its label when a code list of the domain
/// holds exactly them.
fn codes_with_labels(codes: &str) -> String {
    let given: Vec<&str> = codes
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .filter(|c| !c.is_empty())
        .collect();
    let lists: [&CodeList; 11] = [
        catalogue::CRITERIA,
        catalogue::MODALITIES,
        catalogue::CONTRACT_TYPES,
        catalogue::OUTCOMES,
        catalogue::QUALIFICATION_LEVELS,
        catalogue::CLAUSE_KINDS,
        catalogue::SIAE_KINDS,
        catalogue::ORGANISATION_KINDS,
        catalogue::PROOF_KINDS,
        crate::domain::referrals::DECLINE_REASONS,
        LABELLED_CODES,
    ];
    let items: Vec<String> = given
        .iter()
        .map(
            |code| match lists.iter().find_map(|list| catalogue::label(list, code)) {
                Some(label) => format!("{} ({label})", quoted(code)),
                None => quoted(code),
            },
        )
        .collect();
    or_list(&items)
}

/// Labels of the API's other closed vocabularies (statuses, kinds, roles), for lists of
/// allowed values that serde or a rule names.
const LABELLED_CODES: &CodeList = &[
    ("works", "travaux"),
    ("services", "services"),
    ("supplies", "fournitures"),
    ("monthly", "mensuelle"),
    ("quarterly", "trimestrielle"),
    ("female", "femme"),
    ("male", "homme"),
    ("holder", "titulaire"),
    ("co_contractor", "cotraitant"),
    ("subcontractor", "sous-traitant"),
    ("interview", "entretien"),
    ("hired", "embauche"),
    ("declined", "refus"),
    ("proposed", "proposée"),
    ("validate", "valider"),
    ("reject", "refuser"),
    ("submitted", "en attente de validation"),
    ("validated", "validée"),
    ("rejected", "refusée"),
    ("queued", "en attente d'envoi"),
    ("sent", "envoyé"),
    ("failed", "en échec"),
    ("digested", "envoyé dans un récapitulatif"),
    ("open", "ouvert"),
    ("filled", "pourvu"),
    ("closed", "fermé"),
    ("admin", "administrateur"),
    ("facilitator", "facilitateur"),
    ("contractor", "entreprise"),
    ("funder", "financeur"),
    ("csv", "fichier CSV"),
    ("xlsx", "classeur XLSX"),
    ("clause_sociale", "clause sociale"),
    ("critere_social", "critère social"),
    ("marche_reserve", "marché réservé"),
    ("amount", "montant"),
    ("date", "date de notification"),
    ("hours", "heures"),
    ("asc", "croissant"),
    ("desc", "décroissant"),
    ("clause_environnementale", "clause environnementale"),
    ("critere_environnemental", "critère environnemental"),
    ("draft", "brouillon"),
    ("active", "active"),
    ("suspended", "suspendue"),
    ("completed", "terminée"),
    ("cancelled", "annulée"),
];

/// A clause's status, as an adjective of "la clause".
fn clause_status(code: &str) -> String {
    match code {
        "draft" => "en brouillon".into(),
        "active" => "active".into(),
        "suspended" => "suspendue".into(),
        "completed" => "terminée".into(),
        "cancelled" => "annulée".into(),
        other => quoted(other),
    }
}

/// A need's status, as an adjective of "le besoin".
fn need_status(code: &str) -> String {
    match code {
        "open" => "ouvert".into(),
        "filled" => "pourvu".into(),
        "closed" => "fermé".into(),
        other => quoted(other),
    }
}

/// A proposal's state, as an adjective of "la proposition".
fn referral_state(code: &str) -> String {
    match code {
        "proposed" => "proposée".into(),
        "interview" => "en entretien".into(),
        "hired" => "conclue par une embauche".into(),
        "declined" => "refusée".into(),
        other => quoted(other),
    }
}

/// An hour entry's status, as an adjective of "la déclaration".
fn entry_status(code: &str) -> String {
    match code {
        "submitted" => "en attente de validation".into(),
        "validated" => "validée".into(),
        "rejected" => "refusée".into(),
        other => quoted(other),
    }
}

/// A notification's status, as an adjective of "le message".
fn notification_status(code: &str) -> String {
    match code {
        "queued" => "en attente d'envoi".into(),
        "sent" => "envoyé".into(),
        "failed" => "en échec".into(),
        "digested" => "envoyé dans un récapitulatif".into(),
        other => quoted(other),
    }
}

/// An organisation's kind with its article: "un acheteur", "une entreprise".
fn organisation_kind(code: &str) -> String {
    match code {
        "buyer" => "un acheteur".into(),
        "contractor" => "une entreprise".into(),
        "insertion_structure" => "une structure d'insertion".into(),
        "funder" => "un financeur".into(),
        other => quoted(other),
    }
}

/// The record a 404 names, with its demonstrative: "cette clause".
fn record(what: &str) -> String {
    match what {
        "assignment" => "cette affectation".into(),
        "clause" => "cette clause".into(),
        "eligibility" => "cette validation d'éligibilité".into(),
        "contract" => "ce marché".into(),
        "follow_up" => "ce suivi après la sortie".into(),
        "hour entry" => "cette déclaration d'heures".into(),
        "milestone" => "cette échéance".into(),
        "need" => "ce besoin".into(),
        "notification" => "ce message".into(),
        "organisation" => "cette organisation".into(),
        "participant" | "personne" => "cette personne".into(),
        "placement" => "cette mise en situation".into(),
        "referral" => "cette proposition".into(),
        "structure" => "cette structure".into(),
        "user" => "ce compte".into(),
        _ => "cette ressource".into(),
    }
}

/// "1 poste", "3 postes".
fn count(n: &str, one: &str, many: &str) -> String {
    match n.parse::<i64>() {
        Ok(0 | 1) => format!("{n} {one}"),
        _ => format!("{n} {many}"),
    }
}

/// "100000" -> "100 000" (narrow no-break space, as French typography writes thousands).
fn thousands(digits: &str) -> String {
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// What a cell held, from the `got_kind` and `got` params of a cell's rule.
fn got(a: &Args) -> String {
    let value = a.p("got");
    let described = match a.p("got_kind") {
        "empty" => return "une cellule vide".into(),
        "text" => return quoted(value),
        "number" => return decimal(value),
        "date" => return format!("la date {}", date(value)),
        "duration" => {
            format!("la durée {value} (écrivez les heures en nombre décimal, par exemple 7,5)")
        }
        "date_cell" => format!("la cellule de date {value}"),
        "boolean" => format!("la valeur logique {value}"),
        "error_cell" => format!("la cellule d'erreur {value}"),
        "duration_iso" => format!("la durée {value}"),
        _ => value.to_string(),
    };
    excerpt(&described)
}

/// What a JSON value held, from the `got` param of a body's rule.
fn got_json(a: &Args) -> String {
    match a.opt("got") {
        Some(v) => format!(" ; la requête contient {}", excerpt(v)),
        None => String::new(),
    }
}

/// "entre le 1er janvier 1990 et le 31 décembre 2100", when the rule gives its bounds.
fn date_bounds(a: &Args) -> String {
    match (a.opt("min"), a.opt("max")) {
        (Some(min), Some(max)) => format!(", entre le {} et le {}", date(min), date(max)),
        _ => String::new(),
    }
}

/// The suggestion for a date written the French way in a field that takes ISO dates.
fn iso_suggestion(a: &Args) -> String {
    let Some(text) = a.opt("got") else {
        return String::new();
    };
    let parts: Vec<&str> = text.trim().split(['/', '.', '-']).collect();
    match parts.as_slice() {
        [d, m, y] if d.len() <= 2 && m.len() <= 2 && y.len() == 4 => {
            match (d.parse::<u32>(), m.parse::<u32>(), y.parse::<i32>()) {
                (Ok(d), Ok(m), Ok(y)) if chrono::NaiveDate::from_ymd_opt(y, m, d).is_some() => {
                    format!(" ; {} s'écrit {y}-{m:02}-{d:02}", quoted(text.trim()))
                }
                _ => format!(" ; la requête contient {}", quoted(text)),
            }
        }
        _ => format!(" ; la requête contient {}", excerpt(&quoted(text))),
    }
}

const IMPORT_ADVICE: &str = "enregistrez la feuille des heures seule dans un nouveau classeur";

/// Every code: rules of fields (422 unless said), conflicts (409) and problems.
pub static CATALOGUE: &[Entry] = &[
    // --- Problems of the request as a whole ---
    problem("validation", 422, "Données refusées", &[], |_| {
        "la requête contient des données à corriger".into()
    }),
    problem("query_refused", 422, "Paramètres refusés", &[], |_| {
        "un paramètre de l'adresse est à corriger".into()
    }),
    problem(
        "request_malformed",
        400,
        "Requête mal formée",
        &[],
        |_| {
            "la requête n'a pas pu être comprise : vérifiez l'adresse, les paramètres et le corps"
                .into()
        },
    ),
    problem("body_unreadable", 400, "Requête mal formée", &[], |_| {
        "le corps de la requête n'a pas pu être lu en entier ; envoyez la requête à nouveau".into()
    }),
    problem(
        "json_malformed",
        400,
        "Requête mal formée",
        &["line", "column"],
        |a| {
            format!(
                "le corps de la requête n'est pas un document JSON lisible (ligne {}, colonne {}) : \
                 vérifiez les guillemets, les virgules et les accolades",
                a.p("line"),
                a.p("column")
            )
        },
    ),
    problem("decp_unreadable", 400, "Requête mal formée", &[], |_| {
        "le corps n'est pas un fichier DECP lisible : envoyez le document JSON des données \
         essentielles de la commande publique, avec sa liste « marches » (chaque marché avec son \
         id, son acheteur, ses titulaires et son montant)"
            .into()
    }),
    problem(
        "upload_unreadable",
        400,
        "Requête mal formée",
        &[],
        |_| "le fichier envoyé n'a pas pu être lu en entier ; envoyez-le à nouveau".into(),
    ),
    problem(
        "authentication_required",
        401,
        "Authentification requise",
        &[],
        |_| {
            "connectez-vous : cette adresse demande un jeton (en-tête « Authorization: Bearer … ») \
             ou une session ouverte par la page de connexion"
                .into()
        },
    ),
    problem(
        "token_invalid",
        401,
        "Authentification requise",
        &[],
        |_| "le jeton n'est pas reconnu ou a expiré ; connectez-vous à nouveau".into(),
    ),
    problem(
        "session_ended",
        401,
        "Authentification requise",
        &[],
        |_| "la session est terminée ou le compte est désactivé ; connectez-vous à nouveau".into(),
    ),
    problem(
        "credentials_wrong",
        401,
        "Authentification refusée",
        &[],
        |_| "l'adresse e-mail ou le mot de passe est incorrect".into(),
    ),
    // The login page (`POST /login`): each message is shown as a sentence on the page.
    rule(
        "login_email_refused",
        422,
        "email (page de connexion)",
        &["rule", "max", "character"],
        |a| format!("l'adresse électronique {}", text_rule(a)),
    ),
    rule(
        "login_password_refused",
        422,
        "password (page de connexion)",
        &["rule", "max", "character"],
        |a| format!("le mot de passe {}", text_rule(a)),
    ),
    rule(
        "login_fields_missing",
        422,
        "page de connexion",
        &[],
        |_| "renseignez votre adresse électronique et votre mot de passe".into(),
    ),
    rule(
        "login_credentials_wrong",
        401,
        "page de connexion",
        &[],
        |_| "adresse électronique ou mot de passe incorrect".into(),
    ),
    rule(
        "login_too_many_attempts",
        429,
        "page de connexion",
        &["minutes"],
        |a| {
            let plural = if a.p("minutes") == "1" { "" } else { "s" };
            format!(
                "trop de tentatives : réessayez dans {} minute{plural}",
                a.p("minutes")
            )
        },
    ),
    rule("login_overloaded", 503, "page de connexion", &[], |_| {
        "trop de connexions sont en cours : réessayez dans un instant".into()
    }),
    problem("forbidden", 403, "Accès refusé", &[], |_| {
        "votre rôle ne permet pas cette action".into()
    }),
    problem("csrf_other_site", 403, "Requête refusée", &[], |_| {
        "la requête vient d'un autre site que clausier ; envoyez-la depuis clausier".into()
    }),
    problem("csrf_token_mismatch", 403, "Requête refusée", &[], |_| {
        "le jeton anti-falsification (en-tête X-CSRF-Token ou champ csrf_token) manque ou ne \
         correspond pas à la session ; rechargez la page"
            .into()
    }),
    problem("not_found", 404, "Introuvable", &["what"], |a| {
        match a.p("what") {
            // Every role reads every list: name the ones there are.
            "reference list" => {
                let names: Vec<String> = crate::app::reference::LIST_NAMES
                    .iter()
                    .map(|n| quoted(n))
                    .collect();
                format!(
                    "cette liste de référence n'existe pas ; les listes sont {}",
                    or_list(&names)
                )
            }
            what => format!(
                "{} n'existe pas ou ne fait pas partie de votre périmètre",
                record(what)
            ),
        }
    }),
    problem("route_unknown", 404, "Introuvable", &[], |_| {
        "aucune page ni route ne répond à cette adresse ; les routes de l'API sont décrites \
         dans /api/v1/openapi.json"
            .into()
    }),
    problem(
        "method_not_allowed",
        405,
        "Méthode non acceptée",
        &["method", "allowed"],
        |a| {
            format!(
                "la méthode {} n'est pas acceptée à cette adresse ; méthodes acceptées : {}",
                a.p("method"),
                a.p("allowed")
            )
        },
    ),
    problem(
        "body_too_large",
        413,
        "Contenu trop volumineux",
        &["limit"],
        |a| {
            format!(
                "le corps de la requête dépasse la taille maximale de {} ; envoyez un fichier plus \
                 petit ou en plusieurs fois",
                a.p("limit")
            )
        },
    ),
    problem(
        "media_type_unsupported",
        415,
        "Format non pris en charge",
        &["accepted"],
        |a| {
            format!(
                "le corps de la requête doit être envoyé en {}",
                a.p("accepted")
            )
        },
    ),
    problem(
        "request_unprocessable",
        422,
        "Données refusées",
        &[],
        |_| {
            "un paramètre de l'adresse ou le corps de la requête n'a pas la forme que la route \
             prévoit ; les paramètres obligatoires et leur format sont décrits dans \
             /api/v1/openapi.json"
                .into()
        },
    ),
    problem("record_exists", 409, "Conflit", &[], |_| {
        "un enregistrement avec le même identifiant existe déjà".into()
    }),
    problem("database_not_empty", 409, "Conflit", &[], |_| {
        "la base contient déjà des marchés ou des mises en situation ; générez les données \
             dans une base vide"
            .into()
    }),
    problem(
        "concurrent_update",
        409,
        "Modification concurrente",
        &[],
        |_| "une autre modification des mêmes données a eu lieu au même moment".into(),
    ),
    problem(
        "precondition_failed",
        412,
        "Version dépassée",
        &[],
        |_| {
            "l'enregistrement a été modifié depuis que vous l'avez lu ; relisez-le, puis \
             refaites votre modification"
                .into()
        },
    ),
    problem(
        "too_many_attempts",
        429,
        "Trop de tentatives",
        &["retry_after"],
        |a| {
            format!(
                "trop de connexions ont échoué pour cette adresse e-mail ; réessayez dans {}",
                count(a.p("retry_after"), "seconde", "secondes")
            )
        },
    ),
    problem(
        "too_many_reset_requests",
        429,
        "Trop de demandes",
        &["retry_after"],
        |a| {
            format!(
                "trop de demandes de réinitialisation du mot de passe ont été faites pour cette \
                 adresse e-mail ; réessayez dans {}",
                count(a.p("retry_after"), "seconde", "secondes")
            )
        },
    ),
    problem(
        "overloaded",
        503,
        "Service surchargé",
        &["retry_after"],
        |a| {
            format!(
                "trop de demandes sont en cours de traitement ; réessayez dans {}",
                count(a.p("retry_after"), "seconde", "secondes")
            )
        },
    ),
    problem("unavailable", 503, "Service indisponible", &[], |_| {
        "la base de données ne répond pas ; réessayez dans un instant".into()
    }),
    problem("internal", 500, "Erreur interne", &[], |_| {
        "une erreur inattendue s'est produite ; elle a été enregistrée".into()
    }),
    problem("http_error", 400, "Requête refusée", &["status"], |a| {
        format!("la requête n'a pas abouti (statut HTTP {})", a.p("status"))
    }),
    // --- Request bodies (JSON) and query parameters ---
    rule("required", 422, "any", &[], |_| {
        "ce champ est obligatoire".into()
    }),
    rule("field_unknown", 422, "any", &["allowed"], |a| {
        match a.opt("allowed") {
            Some(allowed) if !allowed.is_empty() => format!(
                "ce champ n'existe pas pour cette requête ; les champs acceptés sont {}",
                codes_with_labels(allowed)
            ),
            _ => "ce champ n'existe pas pour cette requête".into(),
        }
    }),
    rule("value_not_allowed", 422, "any", &["got", "allowed"], |a| {
        format!(
            "la valeur {} n'est pas acceptée ; les valeurs possibles sont {}",
            quoted(a.p("got")),
            codes_with_labels(a.p("allowed"))
        )
    }),
    rule("value_type", 422, "any", &["accepted", "got"], |a| {
        let accepted = match a.p("accepted") {
            "number" => {
                "un nombre écrit avec un point décimal, par exemple 56.5 (dans un \
                         document JSON ; la virgule décimale, 56,5, est acceptée dans les \
                         fichiers CSV et XLSX importés)"
            }
            "integer" => "un nombre entier, par exemple 12",
            "text" => "un texte entre guillemets",
            "boolean" => "true ou false",
            "list" => "une liste entre crochets [ ]",
            "object" => "un objet entre accolades { }",
            "date" => "une date écrite AAAA-MM-JJ entre guillemets, par exemple \"2026-04-12\"",
            _ => "une valeur d'une autre forme (voir /api/v1/openapi.json)",
        };
        format!("la valeur doit être {accepted}{}", got_json(a))
    }),
    rule("value_refused", 422, "any", &["got"], |a| {
        format!(
            "la valeur n'a pas la forme que ce champ prévoit (voir /api/v1/openapi.json){}",
            got_json(a)
        )
    }),
    rule(
        "decimals_too_many",
        422,
        "montants, heures, pourcentages",
        &[],
        |_| "deux décimales au plus sont acceptées, par exemple 7.25".into(),
    ),
    rule(
        "number_out_of_range",
        422,
        "montants, heures, pourcentages",
        &[],
        |_| {
            "le nombre est trop grand ; écrivez-le sans exposant, avec deux décimales au plus"
                .into()
        },
    ),
    rule("too_long", 422, "textes", &["max"], |a| {
        format!(
            "le texte ne doit pas dépasser {} caractères",
            thousands(a.p("max"))
        )
    }),
    rule("nul_character", 422, "textes", &[], |_| {
        "le texte ne doit pas contenir de caractère nul (U+0000)".into()
    }),
    rule(
        "line_break",
        422,
        "textes d'une ligne",
        &["character"],
        |a| {
            format!(
                "le texte doit tenir sur une seule ligne, sans tabulation ni saut de ligne ({})",
                a.p("character")
            )
        },
    ),
    rule(
        "control_character",
        422,
        "textes, paramètres",
        &["character"],
        |a| match a.opt("character") {
            Some(c) => format!("le texte ne doit pas contenir de caractère de contrôle ({c})"),
            None => "la valeur ne doit pas contenir de caractère de contrôle".into(),
        },
    ),
    rule("list_too_long", 422, "listes", &["max"], |a| {
        format!(
            "la liste ne doit pas compter plus de {} éléments",
            thousands(a.p("max"))
        )
    }),
    rule("param_repeated", 422, "paramètres", &[], |_| {
        "le paramètre ne doit être donné qu'une fois".into()
    }),
    rule("integer_malformed", 422, "paramètres", &[], |_| {
        "la valeur doit être un nombre entier écrit en chiffres, par exemple 12".into()
    }),
    rule("integer_too_large", 422, "paramètres", &[], |_| {
        "le nombre est trop grand".into()
    }),
    rule("boolean_malformed", 422, "paramètres", &[], |_| {
        "la valeur doit être true ou false".into()
    }),
    rule("year_malformed", 422, "year", &["min", "max"], |a| {
        format!(
            "l'année doit être écrite AAAA, entre {} et {}",
            a.p("min"),
            a.p("max")
        )
    }),
    rule(
        "month_out_of_range",
        422,
        "paramètres de mois",
        &["min", "max"],
        |a| {
            format!(
                "le mois doit être compris entre {} et {}",
                month(a.p("min")),
                month(a.p("max"))
            )
        },
    ),
    rule("param_required", 422, "paramètres", &[], |_| {
        "ce paramètre est obligatoire".into()
    }),
    // --- Hours ---
    rule(
        "month_malformed",
        422,
        "month",
        &["min", "max"],
        |a| match (a.opt("min"), a.opt("max")) {
            (Some(min), Some(max)) => format!(
                "le mois doit être écrit AAAA-MM, par exemple 2026-04, entre {} et {}",
                month(min),
                month(max)
            ),
            _ => "le mois doit être écrit AAAA-MM, par exemple 2026-04".into(),
        },
    ),
    rule("month_in_future", 422, "month", &["month", "today"], |a| {
        format!(
            "{} n'a pas commencé (nous sommes le {}) ; les heures se déclarent pour un mois \
             commencé",
            month(a.p("month")),
            date(a.p("today"))
        )
    }),
    rule(
        "month_outside_placement",
        422,
        "month",
        &["month", "starts_on", "ends_on"],
        |a| match a.opt("ends_on") {
            Some(end) => format!(
                "{} est en dehors des dates de la mise en situation (du {} au {})",
                month(a.p("month")),
                date(a.p("starts_on")),
                date(end)
            ),
            None => format!(
                "{} est en dehors des dates de la mise en situation (à partir du {}, sans date de \
                 fin)",
                month(a.p("month")),
                date(a.p("starts_on"))
            ),
        },
    ),
    rule(
        "negative_hours",
        422,
        "work_hours, training_hours",
        &[],
        |_| "le nombre d'heures ne peut pas être négatif".into(),
    ),
    rule(
        "above_monthly_cap",
        422,
        "work_hours",
        &["work", "training", "other", "total", "cap"],
        |a| {
            let mut message = format!(
                "{} h de travail et {} h de formation",
                decimal(a.p("work")),
                decimal(a.p("training"))
            );
            if let Some(other) = a.opt("other") {
                message.push_str(&format!(
                    ", plus {} h sur les autres mises en situation de la personne,",
                    decimal(other)
                ));
            }
            message.push_str(&format!(
                " font {} h dans le mois, au-delà du plafond de {} h",
                decimal(a.p("total")),
                decimal(a.p("cap"))
            ));
            message
        },
    ),
    rule(
        "above_monthly_cap_with_other_placements",
        422,
        "work_hours",
        &["work", "training", "cap"],
        |a| {
            format!(
                "{} h de travail et {} h de formation dépassent, avec les heures déclarées sur les \
                 autres mises en situation de la personne, le plafond mensuel de {} h",
                decimal(a.p("work")),
                decimal(a.p("training")),
                decimal(a.p("cap"))
            )
        },
    ),
    rule("amendment_reason_required", 422, "reason", &[], |_| {
        "les heures de ce mois ont été validées : indiquez le motif de la modification".into()
    }),
    rule(
        "placement_unknown",
        422,
        "placement_id",
        &["placement_id"],
        |a| {
            format!(
                "aucune mise en situation n° {} sur laquelle vous pouvez déclarer des heures",
                a.p("placement_id")
            )
        },
    ),
    rule("hours_format", 422, "format", &[], |_| {
        format!("le format doit être {}", codes_with_labels("csv, xlsx"))
    }),
    rule("csv_dialect_unknown", 422, "dialect", &[], |_| {
        "la forme du fichier CSV doit être « fr » (pour un tableur français : point-virgule, \
         virgule décimale, en-têtes en français ; c'est la forme par défaut) ou « standard » \
         (virgule, point décimal, en-têtes en anglais)"
            .into()
    }),
    rule("entry_status", 422, "status", &[], |_| {
        format!(
            "le statut doit être {}",
            codes_with_labels("submitted, validated, rejected")
        )
    }),
    rule("entry_ids_required", 422, "entry_ids", &[], |_| {
        "indiquez au moins une déclaration d'heures".into()
    }),
    rule("decision_unknown", 422, "decision", &[], |_| {
        format!(
            "la décision doit être {}",
            codes_with_labels("validate, reject")
        )
    }),
    rule("rejection_reason_required", 422, "reason", &[], |_| {
        "un refus doit être motivé : indiquez la raison".into()
    }),
    rule("entry_unknown", 422, "entry_ids[i]", &["entry_id"], |a| {
        format!(
            "aucune déclaration d'heures n° {} dans votre structure",
            a.p("entry_id")
        )
    }),
    rule(
        "entry_not_submitted",
        409,
        "entry_ids[i]",
        &["entry_id", "status"],
        |a| {
            format!(
                "la déclaration n° {} est {} ; seule une déclaration en attente de validation \
                 peut être validée ou refusée",
                a.p("entry_id"),
                entry_status(a.p("status"))
            )
        },
    ),
    rule(
        "hours_input_invalid",
        422,
        "work_hours, training_hours",
        &[],
        |_| {
            "indiquez un nombre d'heures, par exemple 35 ou 7,5 (deux décimales au plus, \
         9 999 heures au plus)"
                .into()
        },
    ),
    rule(
        "number_input_invalid",
        422,
        "montants, pourcentages (pages)",
        &[],
        |_| "indiquez un nombre, par exemple 1 250 000 ou 12,5 (deux décimales au plus)".into(),
    ),
    // --- The hours import's files: headers, cells, the file as a whole ---
    rule(
        "column_missing",
        422,
        "file",
        &["column", "required"],
        |a| {
            format!(
                "la colonne {} manque ; la première ligne doit nommer les colonnes {}",
                quoted(a.p("column")),
                a.p("required")
            )
        },
    ),
    rule("column_duplicated", 422, "file", &["column"], |a| {
        format!(
            "la colonne {} apparaît plusieurs fois",
            quoted(a.p("column"))
        )
    }),
    rule(
        "row_duplicated",
        422,
        "month",
        &["placement_id", "month", "first_line"],
        |a| {
            format!(
                "la mise en situation {} a déjà une ligne pour {} (ligne {})",
                a.p("placement_id"),
                month(a.p("month")),
                a.p("first_line")
            )
        },
    ),
    rule(
        "row_too_many_values",
        422,
        "",
        &["values", "columns"],
        |a| {
            format!(
                "la ligne compte {} valeurs alors que l'en-tête a {} colonnes ; avec la virgule \
             comme séparateur, écrivez les décimales avec un point (7.5) ou entre guillemets \
             (\"7,5\"), ou enregistrez le fichier avec le point-virgule comme séparateur",
                a.p("values"),
                a.p("columns")
            )
        },
    ),
    rule("file_empty", 422, "file", &[], |_| {
        "le fichier est vide".into()
    }),
    rule("file_no_data_rows", 422, "file", &[], |_| {
        "le fichier ne contient aucune ligne de données sous l'en-tête".into()
    }),
    rule("file_not_utf8", 422, "file", &[], |_| {
        "le fichier n'est pas un texte UTF-8 ; enregistrez-le au format « CSV UTF-8 »".into()
    }),
    rule("cell_required", 422, "colonnes du fichier", &[], |_| {
        "cette cellule est obligatoire".into()
    }),
    rule(
        "placement_id_malformed",
        422,
        "placement_id",
        &["got_kind", "got"],
        |a| {
            format!(
                "la cellule doit contenir un numéro de mise en situation (un nombre entier \
                 positif) ; elle contient {}",
                got(a)
            )
        },
    ),
    rule(
        "month_cell_malformed",
        422,
        "month",
        &["got_kind", "got"],
        |a| {
            format!(
                "la cellule doit contenir un mois écrit AAAA-MM, MM/AAAA ou « mars 2026 », ou une \
             date JJ/MM/AAAA ; elle contient {}",
                got(a)
            )
        },
    ),
    rule(
        "hours_not_a_number",
        422,
        "work_hours, training_hours",
        &["got_kind", "got"],
        |a| {
            format!(
                "la cellule doit contenir un nombre d'heures (la virgule décimale est acceptée : \
                 7,5) ; elle contient {}",
                got(a)
            )
        },
    ),
    rule(
        "hours_too_many_decimals",
        422,
        "work_hours, training_hours",
        &["got_kind", "got"],
        |a| {
            format!(
                "deux décimales au plus sont acceptées (par exemple 7,25) ; la cellule contient {}",
                got(a)
            )
        },
    ),
    rule("xlsx_unreadable", 422, "file", &[], |_| {
        "le fichier n'est pas un classeur XLSX lisible ; enregistrez-le au format « Classeur \
         Excel (.xlsx) »"
            .into()
    }),
    rule("xlsx_no_worksheet", 422, "file", &[], |_| {
        "le classeur ne contient aucune feuille".into()
    }),
    rule("xlsx_rows_out_of_order", 422, "file", &[], |_| {
        "les lignes de la feuille ne sont pas dans l'ordre ; ouvrez le classeur dans un tableur \
         et enregistrez-le à nouveau"
            .into()
    }),
    rule("xlsx_archive_unreadable", 422, "file", &[], |_| {
        "le fichier n'est pas un classeur XLSX lisible (archive endommagée, chiffrée ou d'un \
         autre format) ; enregistrez-le au format XLSX"
            .into()
    }),
    rule("xlsx_ole_file", 422, "file", &[], |_| {
        "le fichier est un classeur Excel 97-2003 (XLS) ou un classeur protégé par un mot de \
         passe ; enregistrez-le au format XLSX, sans mot de passe"
            .into()
    }),
    rule("xlsx_too_many_parts", 422, "file", &["limit"], |a| {
        format!(
            "le classeur contient plus de {} fichiers internes ; {IMPORT_ADVICE}",
            thousands(a.p("limit"))
        )
    }),
    rule("xlsx_part_too_large", 422, "file", &["limit_mib"], |a| {
        format!(
            "une partie du classeur dépasse {} Mio une fois décompressée ; {IMPORT_ADVICE}",
            a.p("limit_mib")
        )
    }),
    rule("xlsx_total_too_large", 422, "file", &["limit_mib"], |a| {
        format!(
            "le classeur dépasse {} Mio une fois décompressé ; {IMPORT_ADVICE}",
            a.p("limit_mib")
        )
    }),
    rule(
        "xlsx_declared_range",
        422,
        "file",
        &["range", "rows", "columns", "last_cell"],
        |a| {
            format!(
                "la feuille déclare la plage {}, au-delà des limites d'un import ({} lignes, {} \
                 colonnes : jusqu'à {}) ; supprimez les lignes et colonnes inutiles ou copiez \
                 les données dans un nouveau classeur",
                a.p("range"),
                thousands(a.p("rows")),
                a.p("columns"),
                a.p("last_cell"),
            )
        },
    ),
    rule(
        "xlsx_cell_outside",
        422,
        "file",
        &["cell", "rows", "columns", "last_cell"],
        |a| {
            format!(
                "la feuille utilise la cellule {}, au-delà des limites d'un import ({} lignes, {} \
                 colonnes : jusqu'à {}) ; supprimez les lignes et colonnes inutiles ou copiez \
                 les données dans un nouveau classeur",
                a.p("cell"),
                thousands(a.p("rows")),
                a.p("columns"),
                a.p("last_cell"),
            )
        },
    ),
    rule("xlsx_string_too_long", 422, "file", &["limit"], |a| {
        format!(
            "le classeur contient un texte de plus de {} caractères, la limite d'une cellule \
             d'Excel",
            thousands(a.p("limit"))
        )
    }),
    rule("xlsx_element_too_large", 422, "file", &["limit_mib"], |a| {
        format!(
            "le classeur contient un élément XML de plus de {} Mio ; il n'a pas été enregistré \
             par un tableur",
            a.p("limit_mib")
        )
    }),
    rule("xlsx_too_many_attributes", 422, "file", &["limit"], |a| {
        format!(
            "le classeur contient un élément XML de plus de {} attributs ; il n'a pas été \
             enregistré par un tableur",
            a.p("limit")
        )
    }),
    rule(
        "xlsx_too_many_shared_strings",
        422,
        "file",
        &["limit"],
        |a| {
            format!(
                "le classeur contient plus de {} textes différents ; {IMPORT_ADVICE}",
                thousands(a.p("limit"))
            )
        },
    ),
    rule("xlsx_shared_text_too_long", 422, "file", &["limit"], |a| {
        format!(
            "les textes du classeur dépassent {} caractères en tout ; {IMPORT_ADVICE}",
            thousands(a.p("limit"))
        )
    }),
    rule("xlsx_too_many_records", 422, "file", &["limit"], |a| {
        format!(
            "le classeur contient plus de {} styles, formats, feuilles ou noms définis ; \
             {IMPORT_ADVICE}",
            thousands(a.p("limit"))
        )
    }),
    // --- Placements ---
    rule("participant_unknown", 422, "participant_id", &[], |_| {
        "aucune personne de ce numéro dans votre structure".into()
    }),
    rule(
        "assignment_unknown",
        422,
        "assignment_id",
        &["scope"],
        |a| match a.opt("scope") {
            Some("organisation") => "aucune affectation de ce numéro pour votre entreprise".into(),
            _ => "aucune affectation de ce numéro dans votre structure".into(),
        },
    ),
    rule("modality_unknown", 422, "modality", &[], |_| {
        format!(
            "la modalité doit être l'une des suivantes : {}",
            one_of(catalogue::MODALITIES)
        )
    }),
    rule("contract_type_unknown", 422, "contract_type", &[], |_| {
        format!(
            "le type de contrat doit être l'un des suivants : {}",
            one_of(catalogue::CONTRACT_TYPES)
        )
    }),
    rule("outcome_unknown", 422, "outcome", &[], |_| {
        format!(
            "la sortie doit être l'une des suivantes : {}",
            one_of(catalogue::OUTCOMES)
        )
    }),
    rule("employer_not_eligible", 422, "employer_id", &[], |_| {
        "l'employeur doit être une entreprise ou une structure d'insertion de votre structure"
            .into()
    }),
    rule("job_title_empty", 422, "job_title", &[], |_| {
        "l'intitulé du poste ne peut pas être vide".into()
    }),
    rule("person_anonymised", 409, "participant_id", &[], |_| {
        "cette personne a été anonymisée ; elle ne peut plus recevoir de mise en situation".into()
    }),
    rule("clause_closed", 409, "", &["status"], |a| {
        format!(
            "la clause est {} : plus rien ne peut y être ajouté",
            clause_status(a.p("status"))
        )
    }),
    rule("eligibility_missing", 422, "participant_id", &["on"], |a| {
        format!(
            "la personne n'a pas d'éligibilité valide au {} ; faites d'abord valider son \
             éligibilité, ou indiquez le motif d'une dérogation (derogation_reason)",
            date(a.p("on"))
        )
    }),
    rule("exit_already_recorded", 409, "", &[], |_| {
        "la sortie de cette mise en situation est déjà enregistrée".into()
    }),
    rule("placement_cancelled", 409, "", &[], |_| {
        "cette mise en situation a été annulée ; elle ne peut plus être modifiée".into()
    }),
    rule("placement_has_validated_hours", 409, "", &["months"], |a| {
        format!(
            "des heures de cette mise en situation sont déjà validées ({}) : elle ne peut plus \
             être annulée ; corrigez plutôt ses dates ou sa sortie",
            months(a.p("months"))
        )
    }),
    rule(
        "hours_outside_new_dates",
        422,
        "starts_on",
        &["months"],
        |a| {
            format!(
                "des heures sont déclarées pour des mois qui seraient en dehors des nouvelles \
                 dates ({}) ; corrigez ou rejetez d'abord ces heures",
                months(a.p("months"))
            )
        },
    ),
    rule("ended_before_start", 422, "ended_on", &["starts_on"], |a| {
        format!(
            "la date de fin ne peut pas précéder le début ({})",
            date(a.p("starts_on"))
        )
    }),
    rule(
        "weekly_load_above_max",
        422,
        "weekly_hours",
        &["on", "total", "max"],
        |a| {
            format!(
                "le {} les mises en situation de la personne totaliseraient {} h par semaine, \
                 au-delà de la limite de {} h",
                date(a.p("on")),
                decimal(a.p("total")),
                decimal(a.p("max"))
            )
        },
    ),
    // --- Referrals ---
    rule("answer_state_unknown", 422, "state", &[], |_| {
        format!(
            "la réponse doit être {}",
            codes_with_labels("interview, hired, declined")
        )
    }),
    rule("decline_reason_required", 422, "reason", &[], |_| {
        format!(
            "un refus doit être motivé ; la raison est l'une des suivantes : {}",
            one_of(crate::domain::referrals::DECLINE_REASONS)
        )
    }),
    rule("decline_reason_unknown", 422, "reason", &[], |_| {
        format!(
            "la raison doit être l'une des suivantes : {}",
            one_of(crate::domain::referrals::DECLINE_REASONS)
        )
    }),
    rule("decline_comment_required", 422, "comment", &[], |_| {
        "la raison « other » (autre raison) demande un commentaire qui explique le refus".into()
    }),
    rule("reason_only_with_declined", 422, "reason", &[], |_| {
        "une raison ne s'indique qu'avec un refus (« declined »)".into()
    }),
    rule("placement_only_with_hired", 422, "placement", &[], |_| {
        "la mise en situation ne s'indique qu'avec une embauche (« hired »)".into()
    }),
    rule("referral_already_final", 409, "state", &["state"], |a| {
        format!(
            "cette proposition est déjà {} ; elle ne prend plus de réponse",
            referral_state(a.p("state"))
        )
    }),
    rule(
        "referral_transition_refused",
        409,
        "state",
        &["from", "to"],
        |a| {
            format!(
                "une proposition {} ne peut pas devenir {}",
                referral_state(a.p("from")),
                referral_state(a.p("to"))
            )
        },
    ),
    rule("referral_state_unknown", 422, "state", &[], |_| {
        format!(
            "l'état doit être {}",
            codes_with_labels("proposed, interview, hired, declined")
        )
    }),
    rule("need_unknown", 422, "need_id", &[], |_| {
        "aucun besoin de ce numéro dans votre structure".into()
    }),
    rule("need_not_open", 409, "need_id", &["status"], |a| {
        format!(
            "le besoin est {} ; il ne prend plus de nouvelle proposition",
            need_status(a.p("status"))
        )
    }),
    rule("already_proposed", 409, "participant_id", &[], |_| {
        "cette personne est déjà proposée pour ce besoin".into()
    }),
    rule(
        "eligibility_missing_on_need_start",
        422,
        "participant_id",
        &["on"],
        |a| {
            format!(
                "la personne n'a pas d'éligibilité valide à la date de début du besoin ({})",
                date(a.p("on"))
            )
        },
    ),
    rule("referral_answered_meanwhile", 409, "", &[], |_| {
        "la proposition a reçu une réponse entre-temps ; rechargez-la".into()
    }),
    rule("need_full", 409, "", &["hires", "posts"], |a| {
        match a.opt("posts") {
            Some(posts) => format!(
                "le besoin est pourvu ({} pour {}) ; aucune autre embauche n'est possible",
                count(a.p("hires"), "embauche", "embauches"),
                count(posts, "poste", "postes")
            ),
            None => "le besoin est fermé ; aucune autre embauche n'est possible".into(),
        }
    }),
    rule(
        "derogation_staff_only",
        422,
        "derogation_reason",
        &[],
        |_| "seul un facilitateur peut enregistrer une dérogation".into(),
    ),
    rule("employer_not_own", 422, "employer_id", &[], |_| {
        "une entreprise ne peut désigner qu'elle-même comme employeur ; un autre employeur est \
         choisi par le facilitateur"
            .into()
    }),
    // --- Clauses and calibration ---
    rule(
        "clause_too_long",
        422,
        "ends_on",
        &["months", "latest"],
        |a| match a.opt("latest") {
            Some(latest) => format!(
                "une clause dure au plus {} mois : elle doit finir au plus tard le {}",
                a.p("months"),
                date(latest)
            ),
            None => format!("une clause dure au plus {} mois", a.p("months")),
        },
    ),
    rule("zero_hours", 422, "calibration, hours_override", &[], |a| {
        if a.field() == "hours_override" {
            "le nombre d'heures fixé par dérogation, arrondi à l'heure, est nul\u{a0}: une clause \
             doit exiger au moins une heure d'insertion"
                .into()
        } else {
            "le calibrage donne 0\u{a0}heure d'insertion\u{a0}: une clause doit exiger au moins \
             une heure. Vérifiez le montant et les taux, ou fixez le nombre d'heures avec une \
             justification"
                .into()
        }
    }),
    rule(
        "amount_or_lots_required",
        422,
        "amount_eur, lots",
        &[],
        |_| "indiquez soit le montant (amount_eur), soit les lots (lots)".into(),
    ),
    rule("amount_and_lots", 422, "amount_eur, lots", &[], |_| {
        "indiquez soit le montant (amount_eur), soit les lots (lots), mais pas les deux".into()
    }),
    rule("lots_empty", 422, "lots", &[], |_| {
        "la liste des lots doit contenir au moins un lot".into()
    }),
    rule(
        "share_given_per_lot",
        422,
        "labour_share_percent",
        &[],
        |_| {
            "avec un calibrage par lots, indiquez la part de main-d'œuvre de chaque lot \
         (lots[].labour_share_percent)"
                .into()
        },
    ),
    rule(
        "labour_share_without_cpv",
        422,
        "labour_share_percent",
        &[],
        |_| {
            "la part de main-d'œuvre est obligatoire : aucun code CPV n'est connu pour la trouver \
         dans la table de référence"
                .into()
        },
    ),
    rule(
        "labour_share_not_in_table",
        422,
        "labour_share_percent",
        &["cpv"],
        |a| {
            format!(
                "la part de main-d'œuvre est obligatoire : la table de référence n'a pas d'entrée \
             pour le code CPV {}",
                a.p("cpv")
            )
        },
    ),
    rule("cpv_malformed", 422, "cpv_code", &[], |_| {
        "un code CPV s'écrit avec 8 chiffres, éventuellement suivis d'un tiret et d'un chiffre \
         de contrôle (par exemple 45210000-2)"
            .into()
    }),
    rule(
        "fixed_hours_justification_required",
        422,
        "justification",
        &[],
        |_| "un nombre d'heures fixé doit être justifié par écrit".into(),
    ),
    rule("too_large_to_compute", 422, "montants, taux", &[], |_| {
        "la valeur est trop grande pour calculer un nombre d'heures".into()
    }),
    rule("not_positive", 422, "montants, heures, taux", &[], |_| {
        "la valeur doit être supérieure à 0".into()
    }),
    rule("percent_out_of_range", 422, "pourcentages", &[], |_| {
        "le pourcentage doit être supérieur à 0 et au plus égal à 100".into()
    }),
    rule(
        "weekly_hours_above_max",
        422,
        "weekly_hours",
        &["max"],
        |a| {
            format!(
                "la durée hebdomadaire ne peut pas dépasser {} h",
                decimal(a.p("max"))
            )
        },
    ),
    rule(
        "ends_before_start",
        422,
        "ends_on",
        &["starts_on"],
        |a| match a.opt("starts_on") {
            Some(start) => format!(
                "la date de fin ne peut pas précéder la date de début ({})",
                date(start)
            ),
            None => "la date de fin ne peut pas précéder la date de début".into(),
        },
    ),
    rule("cpv_prefix_malformed", 422, "cpv_prefix", &[], |_| {
        "un préfixe CPV s'écrit avec 1 à 8 chiffres".into()
    }),
    rule("cpv_prefix_repeated", 422, "cpv_prefix", &[], |_| {
        "ce préfixe CPV apparaît deux fois".into()
    }),
    rule("empty", 422, "textes obligatoires", &[], |_| {
        "ce champ ne peut pas être vide".into()
    }),
    rule("negative", 422, "nombres", &[], |_| {
        "la valeur ne peut pas être négative".into()
    }),
    rule("clause_kind_unknown", 422, "kind", &[], |_| {
        format!(
            "le type de clause doit être l'un des suivants : {}",
            one_of(catalogue::CLAUSE_KINDS)
        )
    }),
    rule("lot_unknown", 422, "lot_number", &["lot"], |a| {
        format!("le marché n'a pas de lot n° {}", a.p("lot"))
    }),
    rule("frequency_unknown", 422, "reporting_frequency", &[], |_| {
        format!(
            "la fréquence doit être {}",
            codes_with_labels("monthly, quarterly")
        )
    }),
    rule(
        "override_justification_required",
        422,
        "justification",
        &[],
        |_| "fixer un nombre d'heures différent du calcul demande une justification".into(),
    ),
    rule("referent_not_staff", 422, "referent_user_id", &[], |_| {
        "le référent doit être un facilitateur ou un administrateur de votre structure".into()
    }),
    rule("territory_unknown", 422, "territory", &["territory"], |a| {
        format!(
            "{} n'est pas un code de département (01 à 95, 2A, 2B, 971 à 974, 976)",
            quoted(a.p("territory"))
        )
    }),
    rule("territory_required", 422, "territory", &[], |_| {
        "le territoire est obligatoire quand l'acheteur n'en a pas".into()
    }),
    rule(
        "clause_status_transition",
        409,
        "status",
        &["status", "to"],
        |a| {
            format!(
                "une clause {} ne peut pas devenir {}",
                clause_status(a.p("status")),
                clause_status(a.p("to"))
            )
        },
    ),
    rule(
        "organisation_not_contractor",
        422,
        "organisation_id",
        &[],
        |_| {
            "l'organisation doit être une entreprise ou une structure d'insertion de votre structure"
            .into()
        },
    ),
    rule("assignment_role_unknown", 422, "role", &[], |_| {
        format!(
            "le rôle doit être {}",
            codes_with_labels("holder, co_contractor, subcontractor")
        )
    }),
    rule(
        "above_clause_hours",
        422,
        "target_hours",
        &["total", "required", "left"],
        |a| {
            format!(
                "les objectifs atteindraient {} h, plus que les {} h de la clause (il reste {} h \
                 à répartir)",
                decimal(a.p("total")),
                decimal(a.p("required")),
                decimal(a.p("left"))
            )
        },
    ),
    rule("assignment_exists", 409, "organisation_id", &[], |_| {
        "cette entreprise a déjà une affectation sur la clause".into()
    }),
    // --- Corrections of assignments ---
    rule(
        "assignment_ended",
        422,
        "starts_on, ends_on",
        &["ends_on"],
        |a| {
            format!(
                "l'affectation a pris fin le {} : la mise en situation doit commencer et se \
                 terminer au plus tard ce jour-là",
                date(a.p("ends_on"))
            )
        },
    ),
    rule(
        "assignment_end_outside_clause",
        422,
        "ends_on",
        &["starts_on", "ends_on"],
        |a| {
            format!(
                "la date de fin de l'affectation doit être comprise entre le début ({}) et la \
                 fin ({}) de la clause",
                date(a.p("starts_on")),
                date(a.p("ends_on"))
            )
        },
    ),
    rule(
        "assignment_open_placements",
        409,
        "ends_on",
        &["placements", "ends_on"],
        |a| {
            format!(
                "des mises en situation de l'affectation se poursuivent après le {} (n° {}) : \
                 enregistrez d'abord leur sortie, ou choisissez une date de fin plus tardive",
                date(a.p("ends_on")),
                a.p("placements")
            )
        },
    ),
    rule("assignment_already_ended", 409, "", &["ends_on"], |a| {
        format!(
            "l'affectation a déjà été remplacée et a pris fin le {}",
            date(a.p("ends_on"))
        )
    }),
    rule("assignment_has_placements", 409, "", &["count"], |a| {
        format!(
            "l'affectation porte {} : elle ne peut pas être supprimée ; remplacez-la pour \
             la terminer",
            count(a.p("count"), "mise en situation", "mises en situation")
        )
    }),
    rule("assignment_has_needs", 409, "", &["count"], |a| {
        format!(
            "l'affectation porte {} de recrutement : elle ne peut pas être supprimée",
            count(a.p("count"), "besoin", "besoins")
        )
    }),
    // --- Withdrawal of an eligibility validation ---
    rule("eligibility_already_withdrawn", 409, "", &["on"], |a| {
        format!(
            "cette validation d'éligibilité a déjà été retirée le {}",
            date(a.p("on"))
        )
    }),
    rule(
        "eligibility_withdraw_blocked",
        409,
        "",
        &["placements"],
        |a| {
            format!(
                "des mises en situation commencées reposent sur cette validation et aucune \
                 autre ne couvre leur premier jour (n° {}) : enregistrez d'abord une autre \
                 validation d'éligibilité valable à ces dates",
                a.p("placements")
            )
        },
    ),
    // --- Contracts ---
    rule("organisation_not_buyer", 422, "buyer_id", &[], |_| {
        "l'organisation n'est pas un acheteur".into()
    }),
    rule(
        "organisation_unknown",
        422,
        "buyer_id, organisation_id",
        &[],
        |_| "aucune organisation de ce numéro dans votre structure".into(),
    ),
    rule("reference_length", 422, "reference", &["max"], |a| {
        format!("la référence doit compter de 1 à {} caractères", a.p("max"))
    }),
    rule("contract_kind_unknown", 422, "kind", &[], |_| {
        format!(
            "la nature du marché doit être {}",
            codes_with_labels("works, services, supplies")
        )
    }),
    rule("cpv_code_malformed", 422, "cpv_code", &[], |_| {
        "un code CPV s'écrit avec huit chiffres, éventuellement suivis d'un tiret et d'un \
         chiffre (par exemple 45210000-2)"
            .into()
    }),
    rule(
        "duration_out_of_range",
        422,
        "duration_months",
        &["max"],
        |a| format!("la durée doit être comprise entre 1 et {} mois", a.p("max")),
    ),
    rule(
        "computed_end_too_late",
        422,
        "duration_months",
        &["max"],
        |a| {
            format!(
                "la fin calculée du marché dépasserait le {}",
                date(a.p("max"))
            )
        },
    ),
    rule(
        "social_consideration_unknown",
        422,
        "social_consideration",
        &[],
        |_| {
            format!(
                "la considération sociale doit être {}",
                codes_with_labels("clause_sociale, critere_social, marche_reserve")
            )
        },
    ),
    rule(
        "environmental_consideration_unknown",
        422,
        "environmental_consideration",
        &[],
        |_| {
            format!(
                "la considération environnementale doit être {}",
                codes_with_labels("clause_environnementale, critere_environnemental")
            )
        },
    ),
    rule("to_clause_sort_unknown", 422, "sort", &[], |_| {
        format!(
            "le tri doit être {}",
            codes_with_labels("amount, date, hours")
        )
    }),
    rule("sort_order_unknown", 422, "order", &[], |_| {
        format!("l'ordre doit être {}", codes_with_labels("asc, desc"))
    }),
    rule("lot_number_invalid", 422, "lots[i].number", &[], |_| {
        "le numéro de lot doit être un nombre entier positif, unique dans le marché".into()
    }),
    rule(
        "contract_reference_taken",
        409,
        "reference",
        &["reference"],
        |a| {
            format!(
                "cet acheteur a déjà un marché de référence {}",
                quoted(a.p("reference"))
            )
        },
    ),
    // --- Corrections of contracts and clauses, amendments ---
    rule(
        "amendment_empty",
        422,
        "amount_eur, ends_on, duration_months",
        &[],
        |_| {
            "l'avenant ne change rien : indiquez le nouveau montant, la nouvelle date de fin \
             ou la nouvelle durée du marché"
                .into()
        },
    ),
    rule(
        "amendment_before_notification",
        422,
        "signed_on",
        &["notified_on"],
        |a| {
            format!(
                "l'avenant ne peut pas être signé avant la notification du marché ({})",
                date(a.p("notified_on"))
            )
        },
    ),
    rule("amendment_number_taken", 409, "number", &["number"], |a| {
        format!(
            "ce marché a déjà un avenant numéroté {}",
            quoted(a.p("number"))
        )
    }),
    rule(
        "below_assigned_hours",
        422,
        "hours_override, calibration",
        &["required", "assigned"],
        |a| {
            format!(
                "la clause demanderait {} h, moins que les {} h déjà réparties entre les \
                 entreprises : réduisez d'abord leurs objectifs",
                decimal(a.p("required")),
                decimal(a.p("assigned"))
            )
        },
    ),
    // --- Participants and eligibility ---
    rule("birth_date_implausible", 422, "birth_date", &[], |_| {
        "cette date de naissance n'est pas plausible ; vérifiez l'année".into()
    }),
    rule("sex_unknown", 422, "sex", &[], |_| {
        format!("le sexe doit être {}", codes_with_labels("female, male"))
    }),
    rule(
        "qualification_level_unknown",
        422,
        "qualification_level",
        &[],
        |_| {
            format!(
                "le niveau de qualification doit être l'un des suivants : {}",
                one_of(catalogue::QUALIFICATION_LEVELS)
            )
        },
    ),
    rule(
        "postal_code_unknown",
        422,
        "postal_code",
        &["postal_code"],
        |a| {
            format!(
                "{} n'est pas un code postal français (cinq chiffres)",
                quoted(a.p("postal_code"))
            )
        },
    ),
    rule("rome_code_malformed", 422, "rome_code", &["example"], |a| {
        format!(
            "un code ROME s'écrit avec une lettre et quatre chiffres (par exemple {})",
            a.opt("example").unwrap_or("F1703")
        )
    }),
    rule("criteria_required", 422, "criteria", &[], |_| {
        "indiquez au moins un critère d'éligibilité".into()
    }),
    rule(
        "criterion_unknown",
        422,
        "criteria[i]",
        &["criterion"],
        |a| {
            format!(
                "le critère {} n'existe pas ; les critères sont {}",
                quoted(a.p("criterion")),
                one_of(catalogue::CRITERIA)
            )
        },
    ),
    rule(
        "criterion_repeated",
        422,
        "criteria[i]",
        &["criterion"],
        |a| {
            format!(
                "le critère {} est indiqué deux fois",
                quoted(a.p("criterion"))
            )
        },
    ),
    rule(
        "justification_required",
        422,
        "justification",
        &["criterion"],
        |a| {
            let criterion = a.p("criterion");
            match catalogue::label(catalogue::CRITERIA, criterion) {
                Some(label) => format!(
                    "le critère {} ({label}) demande une justification",
                    quoted(criterion)
                ),
                None => format!("le critère {} demande une justification", quoted(criterion)),
            }
        },
    ),
    rule("proof_unknown", 422, "proof", &[], |_| {
        format!(
            "le justificatif doit être l'un des suivants : {}",
            one_of(catalogue::PROOF_KINDS)
        )
    }),
    rule("date_in_future", 422, "dates", &[], |_| {
        "la date ne peut pas être dans le futur".into()
    }),
    rule("participant_anonymised", 409, "", &[], |_| {
        "cette personne a été anonymisée ; ses données ne peuvent plus être modifiées".into()
    }),
    rule("participant_duplicate", 409, "", &[], |_| {
        "une personne de mêmes nom, prénom et date de naissance existe déjà".into()
    }),
    rule(
        "date_malformed",
        422,
        "dates",
        &["got", "min", "max"],
        |a| {
            format!(
                "la date doit être écrite AAAA-MM-JJ, par exemple 2026-04-12{}{}",
                date_bounds(a),
                iso_suggestion(a)
            )
        },
    ),
    rule("date_out_of_range", 422, "dates", &["min", "max"], |a| {
        format!(
            "la date doit être comprise entre le {} et le {}",
            date(a.p("min")),
            date(a.p("max"))
        )
    }),
    // --- Organisations and users ---
    rule("organisation_kind_unknown", 422, "kind", &[], |_| {
        format!(
            "le type d'organisation doit être l'un des suivants : {}",
            one_of(catalogue::ORGANISATION_KINDS)
        )
    }),
    rule(
        "identifier_type_unknown",
        422,
        "identifier_type",
        &["identifier_type", "allowed"],
        |a| {
            format!(
                "le type d'identifiant {} n'existe pas ; les types sont {}",
                quoted(a.p("identifier_type")),
                codes_with_labels(a.p("allowed"))
            )
        },
    ),
    rule(
        "siret_malformed",
        422,
        "siret, identifier",
        &["identifier"],
        |a| {
            format!(
            "{} n'est pas un SIRET : un SIRET compte 14 chiffres dont le dernier est une clé de \
             contrôle",
            quoted(a.p("identifier"))
        )
        },
    ),
    rule(
        "identifier_empty",
        422,
        "identifier",
        &["identifier_type"],
        |a| format!("l'identifiant {} est vide", a.p("identifier_type")),
    ),
    rule(
        "identifier_too_long",
        422,
        "identifier",
        &["identifier_type", "max"],
        |a| {
            format!(
                "l'identifiant {} ne doit pas dépasser {} caractères",
                a.p("identifier_type"),
                a.p("max")
            )
        },
    ),
    rule(
        "identifier_whitespace",
        422,
        "identifier",
        &["identifier_type"],
        |a| {
            format!(
                "l'identifiant {} s'écrit sans espace",
                a.p("identifier_type")
            )
        },
    ),
    rule(
        "vat_country_missing",
        422,
        "identifier",
        &["identifier"],
        |a| {
            format!(
            "le numéro de TVA {} doit commencer par le code du pays en deux lettres (par exemple \
             FR40303265045)",
            quoted(a.p("identifier"))
        )
        },
    ),
    rule("siret_or_identifier", 422, "siret", &[], |_| {
        "indiquez soit le SIRET (siret), soit le type et la valeur d'un autre identifiant \
         (identifier_type et identifier), pas les deux"
            .into()
    }),
    rule(
        "required_with",
        422,
        "identifier_type, identifier",
        &["other"],
        |a| format!("ce champ est obligatoire avec {}", quoted(a.p("other"))),
    ),
    rule(
        "departement_unknown",
        422,
        "territory",
        &["territory"],
        |a| {
            format!(
                "{} n'est pas un code de département (01 à 95, 2A, 2B, 971 à 974, 976)",
                quoted(a.p("territory"))
            )
        },
    ),
    rule("siae_kind_unknown", 422, "siae_kind", &[], |_| {
        format!(
            "le type de structure doit être l'un des suivants : {}",
            one_of(catalogue::SIAE_KINDS)
        )
    }),
    rule("siae_kind_not_applicable", 422, "siae_kind", &[], |_| {
        "le type de structure d'insertion ne s'indique que pour une structure d'insertion ou \
         une entreprise"
            .into()
    }),
    rule(
        "organisation_identifier_taken",
        409,
        "siret, identifier",
        &["identifier_type", "identifier"],
        |a| {
            format!(
                "une organisation avec l'identifiant {} {} existe déjà dans cette structure",
                a.p("identifier_type"),
                a.p("identifier")
            )
        },
    ),
    rule("email_malformed", 422, "email", &[], |_| {
        "l'adresse e-mail doit avoir la forme nom@domaine.fr".into()
    }),
    rule("email_taken", 409, "email", &[], |_| {
        "cette adresse e-mail est déjà utilisée par un compte".into()
    }),
    rule("password_too_short", 422, "password", &["min"], |a| {
        format!(
            "le mot de passe doit compter au moins {} caractères",
            a.p("min")
        )
    }),
    rule(
        "current_password_wrong",
        422,
        "current_password",
        &[],
        |_| "le mot de passe actuel n'est pas le bon".into(),
    ),
    rule(
        "password_mismatch",
        422,
        "password_confirmation (page du mot de passe)",
        &[],
        |_| "les deux mots de passe saisis ne sont pas identiques".into(),
    ),
    rule(
        "password_link_invalid",
        404,
        "page du mot de passe",
        &[],
        |_| {
            "ce lien n'est plus valable : il a déjà servi, il a expiré (un lien reste valable \
             48 heures) ou un lien plus récent l'a remplacé ; demandez un nouveau lien"
                .into()
        },
    ),
    rule("own_account_change", 409, "active, role", &[], |_| {
        "vous ne pouvez ni désactiver votre propre compte ni lui retirer le rôle \
         d'administrateur ; demandez-le à un autre administrateur"
            .into()
    }),
    rule("last_admin", 409, "active, role", &[], |_| {
        "ce compte est le dernier administrateur actif de la structure : nommez d'abord un \
         autre administrateur"
            .into()
    }),
    rule("account_inactive", 409, "", &[], |_| {
        "ce compte est désactivé : réactivez-le avant de l'inviter".into()
    }),
    rule("organisation_required", 422, "organisation_id", &[], |_| {
        "un compte entreprise indique le numéro de son entreprise ou de sa structure d'insertion \
         (organisation_id)"
            .into()
    }),
    rule(
        "organisation_not_allowed",
        422,
        "organisation_id",
        &[],
        |_| "seuls les comptes entreprise et financeur appartiennent à une organisation".into(),
    ),
    rule(
        "organisation_kind_mismatch",
        422,
        "organisation_id",
        &["kind", "expected"],
        |a| {
            let expected: Vec<String> = a
                .p("expected")
                .split(',')
                .map(|k| organisation_kind(k.trim()))
                .collect();
            format!(
                "l'organisation est {} ; ce rôle demande {}",
                organisation_kind(a.p("kind")),
                or_list(&expected)
            )
        },
    ),
    // --- Reminders and needs ---
    rule("milestone_kind_malformed", 422, "kind", &[], |_| {
        "le type d'échéance est un code court en lettres minuscules, chiffres et _ (par exemple \
         final_report)"
            .into()
    }),
    rule("label_length", 422, "label", &["max"], |a| {
        format!("le libellé doit compter de 1 à {} caractères", a.p("max"))
    }),
    rule("notification_status_unknown", 422, "status", &[], |_| {
        format!(
            "le statut doit être {}",
            codes_with_labels("queued, sent, failed")
        )
    }),
    rule("notification_not_failed", 409, "", &["status"], |a| {
        format!(
            "seul un message en échec peut être renvoyé ; celui-ci est {}",
            notification_status(a.p("status"))
        )
    }),
    rule("posts_out_of_range", 422, "posts", &["max"], |a| {
        format!(
            "le nombre de postes doit être compris entre 1 et {}",
            a.p("max")
        )
    }),
    rule("commune_code_malformed", 422, "commune_code", &[], |_| {
        "un code commune INSEE compte cinq caractères (par exemple 93066)".into()
    }),
    rule(
        "commune_outside_territory",
        422,
        "commune_code",
        &["commune", "territory"],
        |a| {
            format!(
                "la commune {} n'est pas dans le département {}",
                a.p("commune"),
                a.p("territory")
            )
        },
    ),
    rule("licence_code_malformed", 422, "licences[i]", &[], |_| {
        "un code de permis ou d'habilitation s'écrit en majuscules, chiffres ou _ (par exemple \
         B, CACES_R482)"
            .into()
    }),
    rule(
        "starts_after_clause_end",
        422,
        "starts_on",
        &["ends_on"],
        |a| {
            format!(
                "la date de début ne peut pas être postérieure à la fin de la clause ({})",
                date(a.p("ends_on"))
            )
        },
    ),
    rule("need_status_unknown", 422, "status", &[], |_| {
        format!(
            "le statut doit être {}",
            codes_with_labels("open, filled, closed")
        )
    }),
    rule("need_already_closed", 409, "", &["status"], |a| {
        format!("le besoin est déjà {}", need_status(a.p("status")))
    }),
    rule("wait_days_out_of_range", 422, "wait_days", &["max"], |a| {
        format!(
            "le délai doit être un nombre de jours entre 0 et {}",
            a.p("max")
        )
    }),
    // --- Reports ---
    rule("funder_whole_years", 422, "from", &[], |_| {
        "Un financeur consulte des années civiles entières : la période doit aller de janvier à \
         décembre (ou utilisez le paramètre year)."
            .into()
    }),
    rule("period_year_and_months", 422, "year", &[], |_| {
        "Donnez soit l'année, soit le premier et le dernier mois (from et to), pas les deux.".into()
    }),
    rule("period_year_malformed", 422, "year", &["min", "max"], |a| {
        format!(
            "La valeur doit être une année écrite AAAA, entre {} et {}.",
            a.p("min"),
            a.p("max")
        )
    }),
    rule("period_required", 422, "year", &[], |_| {
        "L'année est obligatoire (ou le premier et le dernier mois, from et to, écrits AAAA-MM)."
            .into()
    }),
    rule(
        "period_month_malformed",
        422,
        "from, to",
        &["min", "max"],
        |a| {
            format!(
                "La valeur doit être un mois écrit AAAA-MM, entre {} et {}.",
                a.p("min"),
                a.p("max")
            )
        },
    ),
    rule("period_invalid", 422, "to", &["max_months"], |a| {
        format!(
            "Le dernier mois ne doit pas précéder le premier, et la période ne doit pas dépasser \
             {} mois.",
            a.p("max_months")
        )
    }),
    rule("departement_code_malformed", 422, "territory", &[], |_| {
        "La valeur doit être un code de département (93, 2A, 971…).".into()
    }),
    rule(
        "id_not_positive",
        422,
        "buyer_id, contractor_id, structure_id, filtres *_id",
        &[],
        |_| "La valeur doit être un nombre entier positif.".into(),
    ),
    rule(
        "report_clause_kind_unknown",
        422,
        "clause_kind",
        &[],
        |_| {
            format!(
                "La valeur doit être l'un des codes {}.",
                one_of(catalogue::CLAUSE_KINDS)
            )
        },
    ),
    rule("limit_out_of_range", 422, "limit", &["min", "max"], |a| {
        format!(
            "La valeur doit être comprise entre {} et {}.",
            a.p("min"),
            a.p("max")
        )
    }),
    rule("offset_negative", 422, "offset", &[], |_| {
        "La valeur ne doit pas être négative.".into()
    }),
    // --- The DECP import: records skipped and values ignored, reported in its 200 summary
    // (`skipped[].reason`, `warnings[].message`), the key of the file as the field ---
    rule("decp_record_not_object", 200, "skipped", &[], |_| {
        "l'entrée n'est pas un objet JSON : elle n'est pas importée".into()
    }),
    rule("decp_concession", 200, "skipped", &[], |_| {
        "c'est un contrat de concession : seuls les marchés publics sont importés".into()
    }),
    rule("decp_missing", 200, "skipped, warnings", &[], |a| {
        format!("la clé {} manque ou est vide", quoted(a.field()))
    }),
    rule("decp_amount_malformed", 200, "skipped", &["value"], |a| {
        format!(
            "{} n'est pas un montant en euros (un nombre, par exemple 1234,56 ou \"1 234,56\") : \
             le marché n'est pas importé",
            quoted(a.p("value"))
        )
    }),
    rule("decp_amount_decimals", 200, "skipped", &["value"], |a| {
        format!(
            "le montant {} a plus de deux décimales : le marché n'est pas importé",
            quoted(a.p("value"))
        )
    }),
    rule("decp_amount_negative", 200, "skipped", &["value"], |a| {
        format!(
            "le montant {} est négatif : le marché n'est pas importé",
            quoted(a.p("value"))
        )
    }),
    rule("decp_cpv_ignored", 200, "warnings", &["value"], |a| {
        format!(
            "{} n'est pas un code CPV (8 chiffres, puis un tiret et un chiffre de contrôle \
             facultatifs, par exemple 45442100-8) : le code est ignoré",
            quoted(a.p("value"))
        )
    }),
    rule("decp_kind_taken_as_services", 200, "warnings", &[], |_| {
        "ni le code CPV ni la nature ne disent le type de marché : il est compté comme un \
         marché de services"
            .into()
    }),
    rule("decp_date_ignored", 200, "warnings", &["value"], |a| {
        format!(
            "{} n'est pas une date écrite AAAA-MM-JJ (par exemple 2026-04-12) : la date est \
             ignorée",
            quoted(a.p("value"))
        )
    }),
    rule(
        "decp_date_out_of_range",
        200,
        "warnings",
        &["value", "min", "max"],
        |a| {
            format!(
                "la date {} n'est pas comprise entre le {} et le {} : elle est ignorée",
                quoted(a.p("value")),
                date(a.p("min")),
                date(a.p("max"))
            )
        },
    ),
    rule(
        "decp_duration_ignored",
        200,
        "warnings",
        &["value", "max"],
        |a| {
            format!(
                "{} n'est pas un nombre de mois de 1 à {} : la durée est ignorée",
                quoted(a.p("value")),
                thousands(a.p("max"))
            )
        },
    ),
    rule(
        "decp_consideration_ignored",
        200,
        "warnings",
        &["value"],
        |a| {
            format!(
                "{} n'est pas une considération connue (par exemple « Clause sociale », « Critère \
             social », « Marché réservé » ou « Clause environnementale ») : elle est ignorée",
                quoted(a.p("value"))
            )
        },
    ),
    rule("decp_holder_dropped", 200, "warnings", &["cause"], |a| {
        // The holder's own rule (an identifier refused, a key missing), with its params.
        let why = match entry(a.p("cause")) {
            Some(cause) => render(&Violation {
                field: a.field().to_string(),
                code: cause.code,
                params: a.0.params.clone(),
            }),
            None => quoted(a.p("cause")),
        };
        format!("ce titulaire n'est pas importé : {why}")
    }),
    // --- Each kind of clause with its own rules (issue 20, part 2) ---
    rule("legal_basis_unknown", 422, "legal_basis", &[], |_| {
        "le fondement du marché réservé doit être l'un des articles suivants : L2113-12, \
         L2113-13, L2113-14 ou L2113-15"
            .into()
    }),
    rule("legal_basis_services_only", 422, "legal_basis", &[], |_| {
        "un marché ne peut être réservé au titre de l'article L2113-15 que s'il porte sur des \
         services"
            .into()
    }),
    rule(
        "reserved_holder_not_eligible",
        422,
        "contractor_id, holder_ids, legal_basis",
        &["holder", "legal_basis"],
        |a| {
            format!(
                "{} ne peut pas être titulaire d'un marché réservé au titre de l'article {} ({})",
                quoted(a.p("holder")),
                a.p("legal_basis"),
                reserved_to(a.p("legal_basis"))
            )
        },
    ),
    rule("field_not_for_clause_kind", 422, "any", &["kind"], |a| {
        format!(
            "ce champ ne s'applique pas à une clause de type « {} »",
            clause_kind_words(a.p("kind"))
        )
    }),
    rule(
        "reserved_longer_than_three_years",
        200,
        "warnings",
        &[],
        |_| {
            "un marché réservé au titre de l'article L2113-15 ne peut pas durer plus de 3 ans : \
         vérifiez ses dates"
                .into()
        },
    ),
    rule(
        "decp_reserved_holder_kept",
        200,
        "warnings",
        &["holder", "legal_basis"],
        |a| {
            format!(
                "{} est gardé comme titulaire, comme le disent les données, mais ne peut pas \
                 l'être d'un marché réservé au titre de l'article {} ({}) : à vérifier",
                quoted(a.p("holder")),
                a.p("legal_basis"),
                reserved_to(a.p("legal_basis"))
            )
        },
    ),
    // --- Follow-ups after an exit ---
    rule("follow_up_months", 422, "months", &["got"], |a| {
        format!(
            "le suivi se fait 6 ou 12 mois après la sortie, pas {}",
            quoted(a.p("got"))
        )
    }),
    rule("situation_unknown", 422, "situation", &[], |_| {
        format!(
            "la situation doit être l'une des suivantes : {}",
            one_of(crate::domain::follow_ups::SITUATIONS)
        )
    }),
    rule("follow_up_source_unknown", 422, "source", &[], |_| {
        format!(
            "la source doit être l'une des suivantes : {}",
            one_of(crate::domain::follow_ups::SOURCES)
        )
    }),
    rule("placement_not_exited", 409, "", &[], |_| {
        "cette mise en situation n'a pas de sortie enregistrée : enregistrez d'abord sa sortie"
            .into()
    }),
    rule(
        "follow_up_already_recorded",
        409,
        "months",
        &["months"],
        |a| {
            format!(
                "le suivi à {} mois de cette mise en situation est déjà enregistré",
                a.p("months")
            )
        },
    ),
    rule(
        "follow_up_not_due",
        422,
        "months",
        &["months", "due_on"],
        |a| {
            format!(
                "le suivi à {} mois ne peut être enregistré qu'à partir du {}",
                a.p("months"),
                date(a.p("due_on"))
            )
        },
    ),
    rule(
        "observed_before_exit",
        422,
        "observed_on",
        &["exit_on"],
        |a| {
            format!(
                "la date d'observation ne peut pas précéder la sortie du {}",
                date(a.p("exit_on"))
            )
        },
    ),
    // Settings of the instance and of the structure.
    rule(
        "target_percent_out_of_range",
        422,
        "social_percent, environmental_percent",
        &[],
        |_| "l'objectif doit être un pourcentage entier compris entre 0 et 100".into(),
    ),
    rule(
        "hourly_cost_above_max",
        422,
        "hourly_cost_eur",
        &["max"],
        |a| {
            format!(
                "le coût horaire chargé ne peut pas dépasser {}\u{a0}€",
                thousands(a.p("max"))
            )
        },
    ),
];

/// Who a contract reserved under an article goes to, in French.
fn reserved_to(basis: &str) -> &'static str {
    match basis {
        "L2113-12" => "réservé aux entreprises adaptées et aux ESAT",
        "L2113-13" => {
            "réservé aux structures d'insertion par l'activité économique : EI, ETTI, AI, ACI \
             ou EITI ; un GEIQ n'en est pas une"
        }
        "L2113-14" => "réservé aux entreprises adaptées, aux ESAT et aux SIAE",
        "L2113-15" => "réservé aux entreprises de l'économie sociale et solidaire",
        _ => "réservé",
    }
}

/// The French name of a clause kind's code (the code itself when unknown).
fn clause_kind_words(code: &str) -> &str {
    catalogue::label(catalogue::CLAUSE_KINDS, code).unwrap_or(code)
}

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

/// English words a French message never holds: one of them means an untranslated text.
pub const ENGLISH_WORDS: [&str; 5] = ["must", "should", "expected", "invalid", "not found"];

/// The first of [`ENGLISH_WORDS`] that `message` holds as a word (so the French
/// « invalidité » of a label is not taken for « invalid »).
pub fn english_word(message: &str) -> Option<&'static str> {
    let lower = message.to_lowercase();
    let letter = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    ENGLISH_WORDS.into_iter().find(|word| {
        lower.match_indices(word).any(|(i, _)| {
            !letter(lower[..i].chars().next_back())
                && !letter(lower[i + word.len()..].chars().next())
        })
    })
}

/// `docs/errors.md` written from the catalogue: one row per code with its status, fields,
/// params and message (params shown as `{name}`).
pub fn documentation() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         Every refusal of the API carries stable codes for programs and French messages for \
         people, written from the codes by one catalogue (`src/api/messages.rs`):\n\n\
         - a problem (`application/problem+json`) has its own `code`, its `title` and \
         `detail`;\n\
         - each broken rule of a field is `{field, code, message}` in the problem's `errors`;\n\
         - each refused line of an hours import is `{line, field, code, message}` in \
         `errors`, with `error_count`.\n\n\
         The `Status` column is the status of the problem that carries the code (a rule of \
         a field is 422, or 409 when it is a conflict with the data's state). `{name}` in a \
         message is a param's value; dates are written in full (« 12 avril 2026 »), months as \
         « avril 2026 », decimals with a comma. A test checks that this file lists exactly the \
         catalogue's codes (`CLAUSIER_WRITE_ERRORS_DOC=1 cargo test --lib errors_md` writes \
         it again).\n",
    );
    let mut section = |title: &str, problems: bool| {
        out.push_str(&format!(
            "\n## {title}\n\n| Code | Status | {} | Params | Message |\n|---|---|---|---|---|\n",
            if problems { "Title" } else { "Field(s)" }
        ));
        for e in CATALOGUE.iter().filter(|e| e.title.is_empty() != problems) {
            let mut v = Violation::new(e.fields, e.code);
            for name in e.params {
                v = v.with(name, format!("{{{name}}}"));
            }
            let params: Vec<String> = e.params.iter().map(|p| format!("`{p}`")).collect();
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                e.code,
                e.status,
                if problems { e.title } else { e.fields },
                params.join(", "),
                render(&v).replace('|', "\\|").replace('\n', " ")
            ));
        }
    };
    section("Problems", true);
    section("Rules of fields, lines and files", false);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// A distinct three-digit value for each param: it goes through every transformation
    /// (dates, months, decimals, thousands) unchanged, so each one must show in the message.
    fn with_samples(e: &Entry) -> (Violation, Vec<(&'static str, String)>) {
        let mut v = Violation::new("champ", e.code);
        let mut shown = Vec::new();
        for (i, name) in e.params.iter().enumerate() {
            let sample = format!("{}", 101 + i);
            v = v.with(name, &sample);
            // `got_kind`, `accepted` and `scope` choose a wording, `what` a record's name;
            // `rule` chooses the wording and with it the one value it shows (tested apart).
            let chosen = e.params.contains(&"rule");
            if !chosen && !["got_kind", "accepted", "scope", "what"].contains(name) {
                shown.push((*name, sample));
            }
        }
        (v, shown)
    }

    #[test]
    fn the_login_page_names_the_refused_text_rule() {
        let email = |rule: &str| Violation::new("email", "login_email_refused").with("rule", rule);
        assert_eq!(
            sentence(&render(&email("too_long").with("max", 1254))),
            "L'adresse électronique ne doit pas dépasser 1\u{202f}254 caractères."
        );
        assert_eq!(
            render(&email("nul_character")),
            "l'adresse électronique ne doit pas contenir de caractère nul (U+0000)"
        );
        let password = |rule: &str| {
            Violation::new("password", "login_password_refused")
                .with("rule", rule)
                .with("character", "U+0009")
        };
        assert!(render(&password("line_break"))
            .starts_with("le mot de passe doit tenir sur une seule ligne"));
        assert!(render(&password("control_character")).ends_with("de contrôle (U+0009)"));
        let wait = |minutes: i64| {
            render(&Violation::new("", "login_too_many_attempts").with("minutes", minutes))
        };
        assert!(wait(1).ends_with("dans 1 minute"), "{}", wait(1));
        assert!(wait(15).ends_with("dans 15 minutes"), "{}", wait(15));
    }

    #[test]
    fn every_code_renders_a_french_message_with_its_params() {
        let mut seen = BTreeSet::new();
        for e in CATALOGUE {
            assert!(seen.insert(e.code), "{} is twice in the catalogue", e.code);
            let (v, shown) = with_samples(e);
            let message = render(&v);
            assert!(!message.trim().is_empty(), "{}: empty message", e.code);
            assert_eq!(english_word(&message), None, "{}: {message}", e.code);
            for (name, sample) in shown {
                assert!(
                    message.contains(&sample),
                    "{}: param {name} not shown in {message}",
                    e.code
                );
            }
            for english in [" the ", " is ", " of ", " and ", " with ", " please"] {
                assert!(
                    !format!(" {message} ").contains(english),
                    "{}: English « {english} » in {message}",
                    e.code
                );
            }
            // The DECP import reports what it skipped or ignored in its 200 summary; a
            // clause its warnings in its answer.
            let reported =
                (e.code.starts_with("decp_") || e.fields == "warnings") && e.status == 200;
            assert!(reported || (400..600).contains(&e.status), "{}", e.code);
            assert!(!sentence(&message).is_empty());
        }
        assert_eq!(
            render(&Violation::new("x", "no_such_code_here")),
            "la valeur de ce champ n'est pas acceptée"
        );
    }

    #[test]
    fn docs_errors_md_lists_exactly_the_catalogue_s_codes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
        if std::env::var_os("CLAUSIER_WRITE_ERRORS_DOC").is_some() {
            std::fs::write(&path, documentation()).expect("docs/errors.md written");
        }
        let doc = std::fs::read_to_string(&path).expect("docs/errors.md");
        let documented: BTreeSet<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        let catalogue: BTreeSet<&str> = CATALOGUE.iter().map(|e| e.code).collect();
        let missing: Vec<_> = catalogue.difference(&documented).collect();
        let stale: Vec<_> = documented.difference(&catalogue).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "docs/errors.md lacks {missing:?} and has codes the catalogue does not: {stale:?}"
        );
    }

    #[test]
    fn english_words_are_found_as_words_only() {
        assert_eq!(english_word("la valeur is invalid"), Some("invalid"));
        assert_eq!(english_word("Route Not Found."), Some("not found"));
        assert_eq!(english_word("une pension d'invalidité"), None);
        assert_eq!(english_word("mustang"), None);
    }

    #[test]
    fn values_are_written_the_french_way() {
        assert_eq!(date("2026-04-01"), "1er avril 2026");
        assert_eq!(date("2026-12-25"), "25 décembre 2026");
        assert_eq!(month("2026-08"), "août 2026");
        assert_eq!(decimal("10.5"), "10,5");
        assert_eq!(thousands("100000"), "100\u{202f}000");
        assert_eq!(thousands("999"), "999");
        assert_eq!(count("1", "poste", "postes"), "1 poste");
        assert_eq!(count("3", "poste", "postes"), "3 postes");
        assert_eq!(
            sentence("ce champ est obligatoire"),
            "Ce champ est obligatoire."
        );
        assert_eq!(
            codes_with_labels("cdi, works, zz"),
            "« cdi » (CDI), « works » (travaux) ou « zz »"
        );
    }

    #[test]
    fn a_field_error_carries_its_code_and_rendered_message() {
        let v = Violation::new("participant_id", "not_found").with("what", "participant");
        let e = field_error(&v);
        assert_eq!(e.code, "not_found");
        assert_eq!(e.field, "participant_id");
        assert_eq!(
            e.message,
            "cette personne n'existe pas ou ne fait pas partie de votre périmètre"
        );
    }

    #[test]
    fn monthly_cap_messages_show_the_other_placements_to_staff_only() {
        let v = Violation::new("work_hours", "above_monthly_cap")
            .with("work", "198")
            .with("training", "10.01")
            .with("total", "208.01")
            .with("cap", "208");
        assert_eq!(
            render(&v),
            "198 h de travail et 10,01 h de formation font 208,01 h dans le mois, au-delà du \
             plafond de 208 h"
        );
        let v = v.with("other", "110");
        assert!(render(&v)
            .contains(", plus 110 h sur les autres mises en situation de la personne, font"));
    }

    #[test]
    fn allowed_values_are_listed_with_their_french_labels() {
        let message = render(&Violation::new("contract_type", "contract_type_unknown"));
        assert!(
            message.contains("« cddi » (CDD d'insertion (CDDI))"),
            "{message}"
        );
        assert!(message.ends_with("ou « other » (Autre)"), "{message}");
        let message = render(
            &Violation::new("status", "clause_status_transition")
                .with("status", "active")
                .with("to", "active"),
        );
        assert_eq!(message, "une clause active ne peut pas devenir active");
    }

    #[test]
    fn a_date_written_the_french_way_is_shown_in_the_form_the_field_takes() {
        let v = Violation::new("birth_date", "date_malformed").with("got", "12/04/1995");
        assert_eq!(
            render(&v),
            "la date doit être écrite AAAA-MM-JJ, par exemple 2026-04-12 ; « 12/04/1995 » \
             s'écrit 1995-04-12"
        );
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
        assert!(cell("placement_id_malformed", "text", "abc").ends_with("elle contient « abc »"));
        assert!(cell("placement_id_malformed", "empty", "").ends_with("une cellule vide"));
        assert!(cell("hours_not_a_number", "number", "7.5").ends_with("7,5"));
        assert!(
            cell("hours_not_a_number", "date", "2026-01-05").ends_with("la date 5 janvier 2026")
        );
        let long = cell("hours_not_a_number", "duration", "35:30:00");
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
            assert!(entry(v.code).is_some(), "{v:?}");
            assert!(render(&v).starts_with("le"), "{v:?}: {}", render(&v));
        }
    }
}
