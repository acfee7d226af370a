//! Argon2 hashing, bounded: each hash takes 19 MiB and a core for a moment,
//! so at most `accounts.max_concurrent_hashes` run at once (default: cores −
//! 1, at least 1). A sign-up or sign-in beyond that waits in a bounded queue
//! (`accounts.hash_queue`) for at most `accounts.hash_wait`, then gets 503
//! `overloaded` with `Retry-After`: a flood of anonymous sign-ups costs
//! bounded memory and leaves a core for the customers who are buying.
//!
//! Each running hash works in a [`Memory`] taken from a pool and given back
//! afterwards, so the 19 MiB are allocated once per permit, not once per
//! hash: allocated and freed per hash, glibc's heap fragmented (small
//! allocations settled in the freed 19 MiB, so the next hash took fresh
//! memory), and 50 sign-ups with their sign-ins, one hash at a time, left
//! the server at 1.4 GB resident (`bioskop-bench auth-flood`).

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, ParamsString, PasswordHash, Salt},
};
use rand::RngExt;
use tokio::sync::Semaphore;

use crate::{
    config::AccountSettings,
    error::{AppError, AppResult},
};

#[derive(Clone)]
pub struct Hashing {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue: usize,
    wait: Duration,
    /// Working memory of hashes not running: at most one per permit, since
    /// each running hash holds one.
    memories: Arc<Mutex<Vec<Memory>>>,
}

/// Argon2's working memory (19 MiB at the default parameters), kept for
/// the next hash.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    /// At least `count` blocks (a stored hash made with more memory than the
    /// default grows it; Argon2 uses the first `count`).
    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0
    }
}

/// A new Argon2id hash of `password` at the default parameters, as a PHC
/// string (the same `Argon2::default().hash_password` makes).
pub fn hash_in(memory: &mut Memory, password: &str) -> AppResult<String> {
    let failed = |e: &dyn std::fmt::Display| AppError::Internal(format!("hashing a password: {e}"));
    let salt: [u8; Salt::RECOMMENDED_LENGTH] = rand::rng().random();
    let (algorithm, version, params) =
        (Algorithm::default(), Version::default(), Params::default());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            memory.blocks(params.block_count()),
        )
        .map_err(|e| failed(&e))?;
    let hash = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `hash` (with the algorithm,
/// version and parameters written in it); false for a malformed hash.
pub fn verify_in(memory: &mut Memory, password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        memory.blocks(params.block_count()),
    );
    // `Output`'s equality takes the same time wherever the bytes differ.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| &out == expected)
}

impl Hashing {
    pub fn new(settings: &AccountSettings) -> Hashing {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let concurrent = match settings.max_concurrent_hashes {
            0 => cores.saturating_sub(1).max(1),
            n => n,
        };
        Hashing {
            permits: Arc::new(Semaphore::new(concurrent)),
            waiting: Arc::new(AtomicUsize::new(0)),
            queue: settings.hash_queue,
            wait: settings.hash_wait,
            memories: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Runs `work` (a hash, in the working memory it is given) when a
    /// permit is free; 503 `overloaded` when the queue is full or the wait
    /// runs out.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let overloaded = || AppError::Overloaded {
            retry_after_secs: self.wait.as_secs().max(1),
        };
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Counted out again however the wait ends, even when the
                // request is dropped while it waits.
                let _waiting = Waiting::enter(&self.waiting);
                if self.waiting.load(Ordering::SeqCst) > self.queue {
                    return Err(overloaded());
                }
                let waited =
                    tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await;
                match waited {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(overloaded()),
                }
            }
        };
        let memories = self.memories.clone();
        tokio::task::spawn_blocking(move || {
            // A poisoned pool only means a panic elsewhere: the memory in it is fine.
            let taken = memories
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop();
            let mut memory = taken.unwrap_or_default();
            let result = work(&mut memory);
            memories
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(memory);
            drop(permit);
            result
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

/// One caller in the queue, for as long as this lives.
struct Waiting(Arc<AtomicUsize>);

impl Waiting {
    fn enter(count: &Arc<AtomicUsize>) -> Waiting {
        count.fetch_add(1, Ordering::SeqCst);
        Waiting(count.clone())
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(concurrent: usize, queue: usize, wait_ms: u64) -> AccountSettings {
        AccountSettings {
            max_concurrent_hashes: concurrent,
            hash_queue: queue,
            hash_wait: Duration::from_millis(wait_ms),
            ..AccountSettings::for_tests()
        }
    }

    #[tokio::test]
    async fn beyond_the_running_hashes_and_the_queue_a_caller_is_told_to_come_back() {
        let hashing = Hashing::new(&settings(1, 1, 2_000));
        let slow = |ms| {
            move |_: &mut Memory| {
                std::thread::sleep(Duration::from_millis(ms));
                Ok(())
            }
        };
        let (first, second, third) = tokio::join!(
            hashing.run(slow(300)),
            async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                hashing.run(slow(10)).await
            },
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                hashing.run(slow(10)).await
            }
        );
        assert!(first.is_ok());
        assert!(second.is_ok(), "waited in the queue");
        assert_eq!(
            third.map_err(|e| e.code()),
            Err("overloaded"),
            "the queue was full"
        );
    }

    #[tokio::test]
    async fn a_caller_dropped_while_waiting_leaves_its_place_in_the_queue() {
        let hashing = Hashing::new(&settings(1, 1, 5_000));
        let busy = hashing.run(|_| {
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        });
        let (busy, ()) = tokio::join!(busy, async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            // Waits in the queue, then gives up (a client that went away).
            let gave_up =
                tokio::time::timeout(Duration::from_millis(50), hashing.run(|_| Ok(()))).await;
            assert!(gave_up.is_err());
        });
        assert!(busy.is_ok());
        assert_eq!(hashing.waiting.load(Ordering::SeqCst), 0);
        assert!(hashing.run(|_| Ok(())).await.is_ok());
    }

    #[test]
    fn hashes_made_in_kept_memory_verify_either_way_with_the_library() {
        let mut memory = Memory::default();
        let ours = hash_in(&mut memory, "correct horse").expect("a hash");
        assert!(verify_in(&mut memory, "correct horse", &ours));
        assert!(!verify_in(&mut memory, "wrong horse", &ours));
        assert!(!verify_in(&mut memory, "correct horse", "not a hash"));
        // Stored hashes made by the library's own hasher still verify, and ours
        // verify with the library: the PHC strings are the same kind.
        use argon2::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"battery staple")
            .expect("a hash")
            .to_string();
        assert!(verify_in(&mut memory, "battery staple", &theirs));
        assert!(!verify_in(&mut memory, "battery", &theirs));
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_is_overloaded() {
        let hashing = Hashing::new(&settings(1, 10, 50));
        let (first, second) = tokio::join!(
            hashing.run(|_| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            }),
            async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                hashing.run(|_| Ok(())).await
            }
        );
        assert!(first.is_ok());
        assert_eq!(second.map_err(|e| e.code()), Err("overloaded"));
    }
}
