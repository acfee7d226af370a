//! Live seat streams are anonymous and long-lived: each client address may
//! follow at most `http.max_sse_per_client` at once (429 `too_many_streams`
//! beyond), and the server at most `http.max_sse` (503 `overloaded`). A slot
//! is given back when its stream ends, however it ends (a client that went
//! away is noticed at the stream's next write: a heartbeat, 15 s at most).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::error::{AppError, AppResult};

pub struct StreamSlots {
    per_client: usize,
    total: usize,
    open: Mutex<(usize, HashMap<String, usize>)>,
}

/// One open stream's place; dropping it frees the place.
pub struct Slot {
    slots: Arc<StreamSlots>,
    client: String,
}

impl StreamSlots {
    pub fn new(per_client: usize, total: usize) -> Arc<StreamSlots> {
        Arc::new(StreamSlots {
            per_client,
            total,
            open: Mutex::new((0, HashMap::new())),
        })
    }

    pub fn take(self: &Arc<StreamSlots>, client: &str) -> AppResult<Slot> {
        let mut open = self
            .open
            .lock()
            .map_err(|_| AppError::Internal("the stream slots are poisoned".into()))?;
        let (total, per_client) = &mut *open;
        if *total >= self.total {
            return Err(AppError::Overloaded {
                retry_after_secs: 5,
            });
        }
        let mine = per_client.entry(client.to_string()).or_default();
        if *mine >= self.per_client {
            return Err(AppError::TooManyStreams {
                limit: self.per_client,
            });
        }
        *mine += 1;
        *total += 1;
        Ok(Slot {
            slots: self.clone(),
            client: client.to_string(),
        })
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.open.lock().map(|open| open.0).unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.slots.open.lock() {
            let (total, per_client) = &mut *open;
            *total = total.saturating_sub(1);
            if let Some(mine) = per_client.get_mut(&self.client) {
                *mine = mine.saturating_sub(1);
                if *mine == 0 {
                    per_client.remove(&self.client);
                }
            }
        }
    }
}
