//! Links to choose a password: an invitation sent by an administrator, or a reset asked for
//! with an email address. The token is 256 random bits; only its SHA-256 digest is stored,
//! so that a copy of the database gives no usable link. A link is valid `VALID_HOURS`, used
//! once, and voided by a newer one of the same account (`store::users`). The email carrying
//! it goes through the outbox, which erases its body once sent (`OUTBOX_RULE`).

use sha2::{Digest, Sha256};

use crate::auth::token::random_hex;

/// How long a link stays valid.
pub const VALID_HOURS: i64 = 48;

/// The outbox rule of the emails carrying a link: their body is erased once sent.
pub const OUTBOX_RULE: crate::domain::vocabulary::ReminderRule =
    crate::domain::vocabulary::ReminderRule::PasswordLink;

/// Why a link was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An administrator invites the person to choose their first password.
    Invitation,
    /// The person asked for a new password.
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invitation => "invitation",
            Purpose::Reset => "reset",
        }
    }
}

/// A new token: 32 random bytes from the operating system, in hex.
pub fn new_token() -> String {
    random_hex::<32>()
}

/// The stored form of a token: its SHA-256 digest in hex.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a text can be a token at all (64 hex digits): anything else is not looked up.
pub fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The page's address for a token, under the service's public address.
pub fn url(public_url: &str, token: &str) -> String {
    format!("{}/password/{token}", public_url.trim_end_matches('/'))
}

/// The email carrying a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The French email of a link to `link`, for the account `email`.
pub fn email(purpose: Purpose, email: &str, link: &str) -> LinkEmail {
    let (subject, why, action) = match purpose {
        Purpose::Invitation => (
            "Votre compte clausier : choisissez votre mot de passe",
            format!(
                "Un compte a été ouvert pour vous sur clausier, le suivi des clauses sociales \
                 d'insertion. Votre identifiant de connexion est votre adresse électronique : {email}."
            ),
            "Pour choisir votre mot de passe, ouvrez ce lien",
        ),
        Purpose::Reset => (
            "Réinitialisation de votre mot de passe clausier",
            format!(
                "Une demande de nouveau mot de passe a été faite pour le compte clausier {email}."
            ),
            "Pour choisir un nouveau mot de passe, ouvrez ce lien",
        ),
    };
    let validity = format!(
        "Ce lien ne sert qu'une fois et reste valable {VALID_HOURS} heures ; un lien plus récent \
         le remplace. Il vous donne accès à votre compte : ne le transmettez à personne."
    );
    let ignore = match purpose {
        Purpose::Invitation => "Si vous n'attendiez pas ce message, ignorez-le.",
        Purpose::Reset => {
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de \
             passe actuel reste valable."
        }
    };
    let text = format!(
        "Bonjour,\n\n{why}\n\n{action} :\n{link}\n\n{validity}\n\n{ignore}\n\n--\nclausier, suivi \
         des clauses sociales d'insertion\nMessage automatique.\n"
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head><meta charset=\"utf-8\"><title>{subject}</title></head>\n\
         <body style=\"font-family:Arial,Helvetica,sans-serif;color:#1f2937;\">\n\
         <p>Bonjour,</p>\n<p>{why}</p>\n<p>{action} :<br><a href=\"{href}\">{href}</a></p>\n\
         <p>{validity}</p>\n<p>{ignore}</p>\n\
         <p style=\"font-size:12px;color:#6b7280;\">clausier, suivi des clauses sociales d'insertion<br>\
         Message automatique.</p>\n</body>\n</html>\n",
        subject = escape(subject),
        why = escape(&why),
        action = escape(action),
        href = escape(link),
        validity = escape(&validity),
        ignore = escape(ignore),
    );
    LinkEmail {
        subject: subject.to_string(),
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_as_digests() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert!(well_formed(&a));
        assert_ne!(a, b);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
        // SHA-256 of "abc".
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(!well_formed("abc"));
        assert!(!well_formed(&"g".repeat(64)));
    }

    #[test]
    fn the_email_carries_the_link_in_french() {
        let link = url("https://clausier.example.fr/", "ab12");
        assert_eq!(link, "https://clausier.example.fr/password/ab12");
        let m = email(Purpose::Reset, "awa@plie.test", &link);
        assert!(m.text.contains(&link));
        assert!(m.html.contains(&format!("href=\"{link}\"")));
        assert!(m.text.contains("valable 48 heures"));
        assert!(m.subject.contains("mot de passe"));
        let m = email(Purpose::Invitation, "awa@plie.test", &link);
        assert!(m.text.contains("Un compte a été ouvert pour vous"));
    }
}
