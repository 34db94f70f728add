//! Signed session tokens (JWT, HS256). The secret comes from configuration, or is generated
//! once and kept in the database so that every instance sharing it accepts the same tokens.

use crate::domain::ids::{SessionId, StructureId, UserId};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// user id
    pub sub: String,
    /// structure id
    pub sid: StructureId,
    /// session id, checked against the sessions table on every request
    pub ses: SessionId,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
}

/// What a token names: a session of a user of a structure.
#[derive(Debug, Clone)]
pub struct SessionOf {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub structure_id: StructureId,
    pub role: String,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub ttl_seconds: i64,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_seconds: i64) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_seconds,
        }
    }

    /// A token of session `session` issued at `now` (the application's clock), valid for the
    /// configured lifetime.
    pub fn issue(
        &self,
        session: &SessionOf,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<String> {
        let now = now.timestamp();
        self.issue_at(session, now, now + self.ttl_seconds)
    }

    pub fn issue_at(&self, session: &SessionOf, iat: i64, exp: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: session.user_id.to_string(),
            sid: session.structure_id,
            ses: session.session_id,
            role: session.role.clone(),
            iat,
            exp,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("cannot sign token: {e}"))
    }

    /// The claims of a token signed with our key and unexpired at `now` (the application's
    /// clock, not the system's: the library's own expiry check is turned off); None otherwise.
    pub fn verify(&self, token: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .ok()?
            .claims;
        // No grace period: an expired token is refused at once.
        (claims.exp > now.timestamp()).then_some(claims)
    }
}

/// 64 random bytes, hex encoded.
pub fn generate_secret() -> String {
    random_hex::<64>()
}

/// `N` random bytes from the operating system, hex encoded.
pub fn random_hex<const N: usize>() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        use chrono::TimeZone;
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 3600);
        let at = chrono::Utc.with_ymd_and_hms(2031, 6, 15, 9, 0, 0).unwrap();
        let session = SessionOf {
            session_id: SessionId(11),
            user_id: UserId(7),
            structure_id: StructureId(3),
            role: "admin".into(),
        };
        let t = keys.issue(&session, at).unwrap();
        let c = keys.verify(&t, at).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.sid, c.ses, c.role.as_str()),
            ("7", StructureId(3), SessionId(11), "admin")
        );
        // Valid until its last second, refused from its expiry on.
        let last = at + chrono::Duration::seconds(3599);
        assert!(keys.verify(&t, last).is_some());
        assert!(keys
            .verify(&t, last + chrono::Duration::seconds(1))
            .is_none());
        let now = at.timestamp();
        let expired = keys.issue_at(&session, now - 7200, now - 10).unwrap();
        assert!(keys.verify(&expired, at).is_none());
        let other = TokenKeys::new(b"another secret another secret 12", 3600);
        assert!(other.verify(&t, at).is_none());
    }
}
