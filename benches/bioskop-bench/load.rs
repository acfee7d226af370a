//! The load generator's parts: a keep-alive HTTP client, latency histograms
//! and a Zipf sampler.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::Value;

/// Latencies in microseconds, up to a minute.
pub struct Latencies(Histogram<u64>);

impl Default for Latencies {
    fn default() -> Latencies {
        Latencies::new()
    }
}

impl Latencies {
    pub fn new() -> Latencies {
        Latencies(Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"))
    }

    pub fn record(&mut self, took: Duration) {
        self.0
            .saturating_record(u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1));
    }

    pub fn merge(&mut self, other: &Latencies) {
        let _ = self.0.add(&other.0);
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The latency at quantile `q`, in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.value_at_quantile(q) as f64 / 1000.0
    }

    /// This p99 over `baseline`'s (0 when the baseline has none).
    pub fn p99_ratio(&self, baseline: &Latencies) -> f64 {
        if baseline.ms(0.99) > 0.0 {
            self.ms(0.99) / baseline.ms(0.99)
        } else {
            0.0
        }
    }
}

pub fn client(connections: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .pool_idle_timeout(Duration::from_secs(300))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client")
}

/// One answered request.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub took: Duration,
}

pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            Answer {
                status,
                body,
                took: started.elapsed(),
            }
        }
        Err(_) => Answer {
            status: 0,
            body: Value::Null,
            took: started.elapsed(),
        },
    }
}

/// Like [`send`], reading the body without parsing it (seat maps are large,
/// and the load generator shares the machine with the server).
pub async fn send_unparsed(request: reqwest::RequestBuilder) -> Answer {
    let started = Instant::now();
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let _ = response.bytes().await;
            Answer {
                status,
                body: Value::Null,
                took: started.elapsed(),
            }
        }
        Err(_) => Answer {
            status: 0,
            body: Value::Null,
            took: started.elapsed(),
        },
    }
}

/// Samples ranks 0..n with probability proportional to 1/(rank+1)^s.
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|k| {
                total += 1.0 / ((k + 1) as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        Zipf {
            cumulative: cumulative.iter().map(|c| c / total).collect(),
        }
    }

    pub fn sample(&self, uniform: f64) -> usize {
        self.cumulative
            .partition_point(|c| *c < uniform)
            .min(self.cumulative.len().saturating_sub(1))
    }
}
