// English, on the language switch. The same keys as `id.js` (a test checks).
export default {
  // ---- every page
  "app.title": "Bioskop",
  "nav.main": "Main menu",
  "nav.language": "Language",
  "nav.lang.id": "Bahasa Indonesia",
  "nav.lang.en": "English",

  // ---- statuses, as badges show them
  "status.held": "held",
  "status.awaiting_payment": "awaiting payment",
  "status.paid": "paid",
  "status.expired": "expired",
  "status.cancelled": "cancelled",
  "status.refunded": "refunded",
  "status.failed": "failed",
  "status.pending": "pending",
  "status.succeeded": "succeeded",
  "status.retrying": "retrying",
  "status.manual": "handled by staff",
  "status.resolved": "resolved by hand",
  "status.valid": "valid",
  "status.used": "used",
  "status.scheduled": "scheduled",
  "status.challenged": "under review",

  // ---- problems, by the stable `code` of the API's problem documents
  "problem.network": "Cannot reach the server. Check your connection and try again.",
  "problem.other": "Something went wrong. Try again.",

  // ---- customer pages

  // ---- admin pages
};
