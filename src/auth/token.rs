//! Signed session tokens (JWT, HS256). The secret comes from configuration, or is generated
//! once and kept in the database so that every instance sharing it accepts the same tokens.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// user id
    pub sub: String,
    pub sid: i64,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
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

    pub fn issue(&self, user_id: i64, structure_id: i64, role: &str) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        self.issue_at(user_id, structure_id, role, now, now + self.ttl_seconds)
    }

    pub fn issue_at(
        &self,
        user_id: i64,
        structure_id: i64,
        role: &str,
        iat: i64,
        exp: i64,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            sid: structure_id,
            role: role.to_string(),
            iat,
            exp,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("cannot sign token: {e}"))
    }

    /// The claims of a valid, unexpired token signed with our key; None otherwise.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        // No grace period: an expired token is refused at once.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// 64 random bytes, hex encoded.
pub fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 3600);
        let t = keys.issue(7, 3, "admin").unwrap();
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.sid, c.role.as_str()), ("7", 3, "admin"));
        let now = chrono::Utc::now().timestamp();
        let expired = keys.issue_at(7, 3, "admin", now - 7200, now - 10).unwrap();
        assert!(keys.verify(&expired).is_none());
        let other = TokenKeys::new(b"another secret another secret 12", 3600);
        assert!(other.verify(&t).is_none());
    }
}
