//! Password hashing with argon2id (PHC strings) and generated passwords.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::Rng;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Bounds the password hashes computed at once. Argon2 with the default parameters holds
/// about 19 MiB and one CPU for tens of milliseconds: a hundred logins at once, each in its
/// own blocking thread, took the server from 28 MB to 1.9 GB. At most `concurrency` hashes
/// run at once, at most `queue` more wait for their turn, and any more are refused at once
/// (`Busy`, answered 503 with `Retry-After`). One limiter is kept in Rocket's managed state
/// and shared by every route that hashes (API login, HTML login form, new accounts).
pub struct HashLimiter {
    /// Places for a hash, running or waiting: `concurrency + queue`.
    admitted: Arc<Semaphore>,
    /// Places for a running hash: `concurrency`.
    running: Arc<Semaphore>,
}

/// The answer to a hash refused or failed: 503 with `Retry-After: 1` when busy.
impl From<HashError> for crate::app::AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => crate::app::AppError::Overloaded { retry_after: 1 },
            HashError::Failed => crate::app::AppError::Internal,
        }
    }
}

/// Why a limited hash did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashError {
    /// Every place, running or waiting, is taken.
    Busy,
    /// The hashing task failed (panicked or was cancelled).
    Failed,
}

/// A place taken in a `HashLimiter` without hashing, released when dropped (tests use it to
/// saturate the limiter deterministically).
pub struct HashPlace {
    _admitted: OwnedSemaphorePermit,
    _running: Option<OwnedSemaphorePermit>,
}

/// A place taken for one hash, which then waits for its turn to run.
pub struct Admission {
    admitted: OwnedSemaphorePermit,
    running: Arc<Semaphore>,
}

impl Admission {
    pub async fn run<T, F>(self, hash: F) -> Result<T, HashError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let admitted = self.admitted;
        let running = self
            .running
            .acquire_owned()
            .await
            .map_err(|_| HashError::Failed)?;
        tokio::task::spawn_blocking(move || {
            let out = hash();
            drop((running, admitted));
            out
        })
        .await
        .map_err(|_| HashError::Failed)
    }
}

impl HashLimiter {
    /// `concurrency` hashes at once (at least one), `queue` waiting.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        HashLimiter {
            admitted: Arc::new(Semaphore::new(concurrency.saturating_add(queue))),
            running: Arc::new(Semaphore::new(concurrency)),
        }
    }

    /// Runs `hash` on the blocking pool when its turn comes, or refuses at once when every
    /// place is taken. The places stay taken until the hash ends, even if the request that
    /// asked for it goes away meanwhile.
    pub async fn run<T, F>(&self, hash: F) -> Result<T, HashError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.admit()?.run(hash).await
    }

    /// Takes a place for a hash to come, or refuses at once when every place is taken: a
    /// login takes it before counting the attempt, so a refused login is not a failure.
    pub fn admit(&self) -> Result<Admission, HashError> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashError::Busy)?;
        Ok(Admission {
            admitted,
            running: self.running.clone(),
        })
    }

    /// Takes a waiting place (and a running one when `running`), if one is free.
    pub fn try_take(&self, running: bool) -> Option<HashPlace> {
        let admitted = self.admitted.clone().try_acquire_owned().ok()?;
        let running = match running {
            true => Some(self.running.clone().try_acquire_owned().ok()?),
            false => None,
        };
        Some(HashPlace {
            _admitted: admitted,
            _running: running,
        })
    }

    /// Free places: (running, running or waiting).
    pub fn free(&self) -> (usize, usize) {
        (
            self.running.available_permits(),
            self.admitted.available_permits(),
        )
    }
}

/// A hash of a random password, verified against when the email is unknown so that an
/// unknown email and a wrong password take the same time.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&generate_password()).unwrap_or_default())
}

/// 20 characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The fewest characters a new password may have.
pub const PASSWORD_MIN_CHARS: usize = 10;

/// Password policy for accounts created through the API or the CLI: the broken rule's code.
pub fn check_password_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err("password_too_short");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hash_verifies_only_its_own_password() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    /// Waits (yielding, not sleeping) until the limiter shows these free places.
    async fn until_free(limiter: &HashLimiter, free: (usize, usize)) {
        while limiter.free() != free {
            tokio::task::yield_now().await;
        }
    }

    #[test]
    fn the_limiter_runs_some_queues_some_and_refuses_the_rest() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let limiter = Arc::new(HashLimiter::new(1, 1));
            assert_eq!(limiter.free(), (1, 2));
            // A first hash runs and blocks until told to finish.
            let (finish, wait) = std::sync::mpsc::channel::<()>();
            let l = limiter.clone();
            let first = tokio::spawn(async move { l.run(move || wait.recv().is_ok()).await });
            until_free(&limiter, (0, 1)).await;
            // A second one waits for its turn.
            let l = limiter.clone();
            let second = tokio::spawn(async move { l.run(|| 2).await });
            until_free(&limiter, (0, 0)).await;
            // A third finds no place: refused at once, nothing run.
            assert_eq!(limiter.run(|| 3).await, Err(HashError::Busy));
            assert!(limiter.try_take(false).is_none());
            finish.send(()).unwrap();
            assert_eq!(first.await.unwrap(), Ok(true));
            assert_eq!(second.await.unwrap(), Ok(2));
            assert_eq!(limiter.free(), (1, 2));
            // Places taken by hand are given back when dropped.
            let place = limiter.try_take(true).unwrap();
            assert_eq!(limiter.free(), (0, 1));
            drop(place);
            assert_eq!(limiter.run(|| 4).await, Ok(4));
        });
    }
}
