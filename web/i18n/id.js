// Bahasa Indonesia: the default language. Keys are grouped by page; `{name}`
// is filled in by the page. Every key here is in `en.js` too (a test checks).
export default {
  // ---- every page
  "app.title": "Bioskop",
  "nav.main": "Menu utama",
  "nav.language": "Bahasa",
  "nav.lang.id": "Bahasa Indonesia",
  "nav.lang.en": "English",

  // ---- statuses, as badges show them
  "status.held": "ditahan",
  "status.awaiting_payment": "menunggu pembayaran",
  "status.paid": "lunas",
  "status.expired": "kedaluwarsa",
  "status.cancelled": "dibatalkan",
  "status.refunded": "dikembalikan",
  "status.failed": "gagal",
  "status.pending": "diproses",
  "status.succeeded": "berhasil",
  "status.retrying": "dicoba lagi",
  "status.manual": "ditangani staf",
  "status.resolved": "selesai manual",
  "status.valid": "berlaku",
  "status.used": "terpakai",
  "status.scheduled": "terjadwal",
  "status.challenged": "ditinjau",

  // ---- problems, by the stable `code` of the API's problem documents
  "problem.network": "Tidak dapat menghubungi server. Periksa koneksi Anda dan coba lagi.",
  "problem.other": "Terjadi kesalahan. Coba lagi.",

  // ---- customer pages

  // ---- admin pages
};
