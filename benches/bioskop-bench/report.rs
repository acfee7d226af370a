//! Printing figures: a table for people, one JSON object with `--json`.

use serde_json::{Map, Value, json};

/// One line of the table: a figure per engine, the target and whether it was met.
pub struct Line {
    pub metric: String,
    pub values: Vec<(String, String)>,
    pub target: String,
    pub met: Option<bool>,
}

pub struct Report {
    pub scenario: String,
    pub lines: Vec<Line>,
    pub json: Map<String, Value>,
    /// Correctness failures: the run is wrong, whatever the speed.
    pub failures: Vec<String>,
}

impl Report {
    pub fn new(scenario: &str) -> Report {
        let mut json = Map::new();
        json.insert("scenario".into(), json!(scenario));
        json.insert("machine".into(), machine());
        Report {
            scenario: scenario.into(),
            lines: Vec::new(),
            json,
            failures: Vec::new(),
        }
    }

    pub fn line(
        &mut self,
        metric: &str,
        values: Vec<(&str, String)>,
        target: &str,
        met: Option<bool>,
    ) {
        self.lines.push(Line {
            metric: metric.into(),
            values: values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            target: target.into(),
            met,
        });
    }

    /// A line with a figure of the product alone.
    pub fn actors(&mut self, metric: &str, value: String, target: &str, met: Option<bool>) {
        self.line(metric, vec![("actors", value)], target, met);
    }

    pub fn set(&mut self, key: &str, value: Value) {
        self.json.insert(key.into(), value);
    }

    pub fn fail(&mut self, why: String) {
        self.failures.push(why);
    }

    pub fn print(&self, as_json: bool) {
        if as_json {
            let mut json = self.json.clone();
            json.insert("correct".into(), json!(self.failures.is_empty()));
            json.insert("failures".into(), json!(self.failures));
            json.insert(
                "targets".into(),
                Value::Array(
                    self.lines
                        .iter()
                        .filter(|l| !l.target.is_empty())
                        .map(|l| json!({"metric": l.metric, "target": l.target, "met": l.met}))
                        .collect(),
                ),
            );
            println!("{}", Value::Object(json));
            return;
        }
        println!("\n== {} ==", self.scenario);
        let settings: Vec<String> = [
            "clients",
            "browsers",
            "rounds",
            "showtimes",
            "holds",
            "seconds",
            "retries",
            "synchronous",
        ]
        .iter()
        .filter_map(|k| self.json.get(*k).map(|v| format!("{k}={v}")))
        .chain(self.json.get("machine").map(|m| format!("machine={m}")))
        .collect();
        println!("{}", settings.join(" "));
        let engines: Vec<String> = {
            let mut names = Vec::new();
            for line in &self.lines {
                for (name, _) in &line.values {
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
            }
            names
        };
        let mut header = format!("{:<38}", "metric");
        for name in &engines {
            header.push_str(&format!("{name:>16}"));
        }
        header.push_str(&format!("  {:<26} {}", "target", "met"));
        println!("{header}");
        println!("{}", "-".repeat(header.len()));
        for line in &self.lines {
            let mut row = format!("{:<38}", line.metric);
            for name in &engines {
                let value = line
                    .values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("");
                row.push_str(&format!("{value:>16}"));
            }
            let met = match line.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            };
            row.push_str(&format!("  {:<26} {met}", line.target));
            println!("{row}");
        }
        if self.failures.is_empty() {
            println!("correctness: ok");
        } else {
            for failure in &self.failures {
                println!("CORRECTNESS FAILURE: {failure}");
            }
        }
    }
}

fn machine() -> Value {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_default();
    json!({"cores": cores, "cpu": cpu, "profile": if cfg!(debug_assertions) { "debug" } else { "release" }})
}

pub fn fmt(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}
