//! Argon2 hashing, bounded: each hash takes 19 MiB and a core for a moment,
//! so at most `accounts.max_concurrent_hashes` run at once (default: cores −
//! 1, at least 1). A sign-up or sign-in beyond that waits in a bounded queue
//! (`accounts.hash_queue`) for at most `accounts.hash_wait`, then gets 503
//! `overloaded` with `Retry-After`: a flood of anonymous sign-ups costs
//! bounded memory and leaves a core for the customers who are buying.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

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
        }
    }

    /// Runs `work` (a hash) when a permit is free; 503 `overloaded` when the
    /// queue is full or the wait runs out.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> AppResult<T> + Send + 'static,
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
        tokio::task::spawn_blocking(move || {
            let result = work();
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
            move || {
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
        let busy = hashing.run(|| {
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        });
        let (busy, ()) = tokio::join!(busy, async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            // Waits in the queue, then gives up (a client that went away).
            let gave_up =
                tokio::time::timeout(Duration::from_millis(50), hashing.run(|| Ok(()))).await;
            assert!(gave_up.is_err());
        });
        assert!(busy.is_ok());
        assert_eq!(hashing.waiting.load(Ordering::SeqCst), 0);
        assert!(hashing.run(|| Ok(())).await.is_ok());
    }

    #[tokio::test]
    async fn a_wait_that_runs_out_is_overloaded() {
        let hashing = Hashing::new(&settings(1, 10, 50));
        let (first, second) = tokio::join!(
            hashing.run(|| {
                std::thread::sleep(Duration::from_millis(300));
                Ok(())
            }),
            async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                hashing.run(|| Ok(())).await
            }
        );
        assert!(first.is_ok());
        assert_eq!(second.map_err(|e| e.code()), Err("overloaded"));
    }
}
