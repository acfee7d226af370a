//! The audit trail: every admin write leaves a row in the same transaction,
//! naming who, what, which thing, before and after; a repeated idempotent
//! action leaves a row that says it changed nothing.

use std::time::Duration;

use serde_json::json;

use crate::helpers::Api;

async fn admin_id(api: &Api, token: &str) -> i64 {
    api.get("/api/v1/me", Some(token)).await.assert_status(200)["id"]
        .as_i64()
        .expect("id")
}

#[actix_web::test]
async fn every_admin_write_leaves_its_audit_row_and_a_repeat_says_it_changed_nothing() {
    let api = Api::spawn().await;
    let sale = api.sale(&["A1"]).await;
    let admin = admin_id(&api, &sale.admin).await;

    api.sandbox_control(&sale.admin, json!({"reject_next_refunds": 1}))
        .await;
    api.cancel(&sale.admin, sale.showtime)
        .await
        .assert_status(202);
    api.cancel(&sale.admin, sale.showtime)
        .await
        .assert_status(202);
    let refunds = api
        .wait_for_refunds(sale.showtime, Duration::from_secs(15), |r| {
            r[0].status == "failed"
        })
        .await;
    let refund = &refunds[0].id;
    api.post(
        &format!("/api/v1/admin/refunds/{refund}/retry"),
        Some(&sale.admin),
        json!({}),
    )
    .await
    .assert_status(202);
    api.wait_for_refunds(sale.showtime, Duration::from_secs(15), |r| {
        r[0].status == "succeeded" || r[0].status == "failed"
    })
    .await;

    let rows = api.audit_trail();
    let kinds: Vec<(&str, bool)> = rows.iter().map(|r| (r.1.as_str(), r.5)).collect();
    assert_eq!(
        kinds,
        [
            ("sandbox.control", true),
            ("showtime.cancel", true),
            ("showtime.cancel", false),
            ("refund.retry", true)
        ],
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.0 == Some(admin)), "who: {rows:?}");
    let control = &rows[0];
    assert_eq!(control.3.as_ref().unwrap()["reject_next_refunds"], 0);
    assert_eq!(control.4.as_ref().unwrap()["reject_next_refunds"], 1);
    let cancel = &rows[1];
    assert_eq!(cancel.2, format!("showtime:{}", sale.showtime));
    assert_eq!(cancel.4.as_ref().unwrap()["tickets_refunded"], 1);
    assert_eq!(rows[3].2, format!("refund:{refund}"));
}

#[actix_web::test]
async fn resolving_a_refund_by_hand_is_in_the_audit_trail_with_its_note() {
    let api = Api::spawn().await;
    let sale = api
        .cancelled_sale(&["B1"], json!({"reject_next_refunds": 1}))
        .await;
    let refunds = api
        .wait_for_refunds(sale.showtime, Duration::from_secs(15), |r| {
            r[0].status == "failed"
        })
        .await;
    let refund = &refunds[0].id;
    api.post(
        &format!("/api/v1/admin/refunds/{refund}/resolve"),
        Some(&sale.admin),
        json!({"note": "paid back in cash at the counter"}),
    )
    .await
    .assert_status(200);
    let rows = api.audit_trail();
    let resolve = rows.last().expect("a row");
    assert_eq!(resolve.1, "refund.resolve");
    assert_eq!(
        resolve.4.as_ref().unwrap()["note"],
        "paid back in cash at the counter"
    );
}
