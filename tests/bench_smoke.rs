//! A small flash sale through the real benchmark (both engines, real HTTP,
//! real SQLite files): the house fills and no seat has two owners, and with
//! the no-lone-seat rule and clients of adjacent pairs no pair is left; a small
//! sign-up flood is answered with nothing but 201/200/401 and 503
//! `overloaded`. Speed is the benchmark's business, never asserted here.

use std::process::Command;

use serde_json::Value;

/// Runs `bioskop-bench` with `args` and `--json`; answers its report.
fn bench(args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_bioskop-bench"))
        .args(args)
        .arg("--json")
        .output()
        .expect("the benchmark runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the benchmark failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {stdout}"))
}

#[test]
fn a_small_flash_sale_fills_the_house_without_a_double_owner_in_either_engine() {
    let report = bench(&["flash-sale", "--clients", "300", "--rounds", "1"]);
    assert_eq!(report["correct"], true, "{report}");
    for engine in ["actors", "direct-sqlite"] {
        let figures = &report[engine];
        assert_eq!(figures["double_owners"], 0, "{engine}: {figures}");
        assert_eq!(
            figures["seats_held"], figures["house_seats"],
            "{engine}: {figures}"
        );
        assert_eq!(figures["house_seats"], 300, "{engine}: {figures}");
        assert_eq!(figures["errors"], 0, "{engine}: {figures}");
        assert_eq!(figures["winners"], 150, "{engine}: 2 seats each: {figures}");
    }
}

#[test]
fn a_small_flash_sale_of_adjacent_pairs_under_the_no_lone_seat_rule_leaves_no_pair_and_no_double_owner()
 {
    let report = bench(&[
        "flash-sale",
        "--clients",
        "300",
        "--rounds",
        "1",
        "--no-single-gap",
    ]);
    assert_eq!(report["correct"], true, "{report}");
    let figures = &report["actors"];
    assert_eq!(figures["double_owners"], 0, "{figures}");
    assert_eq!(figures["pairs_left"], 0, "{figures}");
    assert_eq!(figures["errors"], 0, "{figures}");
    assert!(
        figures["seats_held"].as_u64().unwrap_or(0) > 200,
        "{figures}"
    );
    assert!(
        report["direct-sqlite"].is_null(),
        "the rule is the product's only"
    );
}

#[test]
fn a_small_live_run_delivers_every_change_to_every_subscriber() {
    let report = bench(&["live", "--subscribers", "100", "--changes", "6"]);
    assert_eq!(report["correct"], true, "{report}");
    assert_eq!(report["actors"]["delivered"], 600, "{report}");
}

#[test]
fn a_small_auth_flood_is_answered_without_a_5xx_other_than_overloaded() {
    let report = bench(&[
        "auth-flood",
        "--clients",
        "50",
        "--browsers",
        "10",
        "--seconds",
        "1",
        "--retries",
        "0",
    ]);
    assert_eq!(report["correct"], true, "{report}");
    let figures = &report["actors"];
    assert_eq!(figures["other_5xx"], 0, "{figures}");
    assert_eq!(figures["unanswered"], 0, "{figures}");
    assert_eq!(figures["browsing_unexpected"], 0, "{figures}");
    assert_eq!(
        figures["accounts_stored"], figures["registered_201"],
        "{figures}"
    );
    // Every client's sign-up was answered (201, or 503 overloaded).
    let signups = figures["by_status"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["step"] == "register")
                .filter_map(|r| r["count"].as_u64())
                .sum::<u64>()
        })
        .unwrap_or_default();
    assert_eq!(signups, 50, "{figures}");
}
