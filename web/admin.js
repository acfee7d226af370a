// The admin pages: plain JavaScript modules over the admin API (DESIGN 4a).
// `routes` are added to the router of `app.js`; the pages themselves are in
// `admin/` (cinemas and cities, auditoriums and their layouts, movies, the
// week's programme, blocked seats, staff accounts, the audit trail, the
// sales report). Their styles are in `admin.css`.
import { api, el, data, say, page, badge, fail } from "./lib.js";
import { t, fmtTime, fmtWhen, fmtMoney, today } from "./i18n.js";
import { subnav, adminProblem } from "./admin/common.js";
import { cinemasPage, cinemaPage, moviesPage } from "./admin/catalog.js";
import { newAuditoriumPage, auditoriumPage } from "./admin/auditoriums.js";
import { programmePage } from "./admin/programme.js";
import { blockedSeatsPage } from "./admin/seats.js";
import { usersPage } from "./admin/users.js";
import { auditPage } from "./admin/audit.js";
import { reportsPage } from "./admin/reports.js";

if (!document.querySelector('link[href="/web/admin.css"]')) {
  document.head.append(el("link", { rel: "stylesheet", href: "/web/admin.css" }));
}

export const routes = [
  [/^#\/admin$/, adminPage],
  [/^#\/admin\/cinemas$/, cinemasPage],
  [/^#\/admin\/cinemas\/(\d+)$/, cinemaPage],
  [/^#\/admin\/cinemas\/(\d+)\/auditoriums\/new$/, newAuditoriumPage],
  [/^#\/admin\/auditoriums\/(\d+)$/, auditoriumPage],
  [/^#\/admin\/movies$/, moviesPage],
  [/^#\/admin\/programme\/(\d+)(?:\/(\d{4}-\d{2}-\d{2}))?$/, programmePage],
  [/^#\/admin\/showtimes\/(\d+)\/seats$/, blockedSeatsPage],
  [/^#\/admin\/users$/, usersPage],
  [/^#\/admin\/audit$/, auditPage],
  [/^#\/admin\/reports$/, reportsPage],
];

// What `?status=` of the refund list takes (`RefundStatus`), in the order a refund goes.
const REFUND_STATUSES = ["offered", "pending", "retrying", "succeeded", "failed", "resolved", "withdrawn"];

async function adminPage() {
  const showtimesBox = el("section", { class: "card", "aria-labelledby": "admin-showtimes", "data-section": "showtimes" });
  const refundsBox = el("section", { class: "card", "aria-labelledby": "admin-refunds", "data-section": "refunds" });
  const alertsBox = el("section", { class: "card", "aria-labelledby": "admin-alerts", "data-section": "alerts" });

  const cinemas = await api("GET", "/cinemas");
  const cinemaSelect = el("select", { id: "admin-cinema" }, cinemas.map((c) => el("option", { value: c.id, translate: "no" }, c.name)));
  const dateInput = el("input", { id: "admin-date", type: "date", value: today(1) });
  const list = el("div", { "aria-live": "polite" });
  // Changing the cinema and then the day starts two loads; only the latest
  // may draw, or a slower earlier answer would replace the list (and a
  // cancel form being filled in) with the wrong day. `data-shows` says which
  // cinema and day the list shows once it is drawn.
  let latestDraw = 0;
  async function drawShowtimes() {
    const draw = ++latestDraw;
    list.removeAttribute("data-shows");
    list.setAttribute("aria-busy", "true");
    const shown = `${cinemaSelect.value}/${dateInput.value}`;
    const showtimes = cinemaSelect.value ? await api("GET", `/cinemas/${cinemaSelect.value}/showtimes?date=${dateInput.value}`) : null;
    if (draw !== latestDraw) return;
    list.dataset.shows = shown;
    list.setAttribute("aria-busy", "false");
    if (showtimes === null) { list.replaceChildren(el("p", {}, t("admin.overview.noCinemas"))); return; }
    if (showtimes.length === 0) { list.replaceChildren(el("p", {}, t("admin.overview.noShowtimes"))); return; }
    list.replaceChildren(el("div", { class: "table-scroll" }, el("table", {}, el("tbody", {}, showtimes.map((s) => {
      const row = el("tr", { "data-showtime": s.id },
        el("td", {}, data(fmtTime(s.starts_at, s.timezone))),
        el("td", {}, data(s.movie_title)), el("td", {}, data(s.auditorium)),
        el("td", {}, t("admin.overview.free", { free: s.seats_available, total: s.seats_total })), el("td", {}, badge(s.status)));
      const actions = el("td");
      actions.append(el("a", { href: `#/admin/showtimes/${s.id}/seats` }, t("admin.overview.seats")), " ");
      if (s.status !== "cancelled") {
        actions.append(el("button", { type: "button", class: "danger", "data-action": "cancel", onclick: () => {
          actions.replaceChildren(cancelForm(s.id, () => { drawShowtimes(); drawRefunds(); }, () => drawShowtimes()));
        } }, t("admin.cancel.open")));
      }
      row.append(actions);
      return row;
    })))));
  }
  cinemaSelect.addEventListener("change", drawShowtimes);
  dateInput.addEventListener("change", drawShowtimes);
  showtimesBox.append(el("h2", { id: "admin-showtimes" }, t("admin.overview.showtimes")),
    el("div", { class: "inline-fields" },
      el("label", { for: "admin-cinema" }, t("admin.overview.cinema")), cinemaSelect,
      el("label", { for: "admin-date" }, t("admin.overview.date")), dateInput),
    list);

  // The refunds of one status, or all: `offered` are offers waiting for
  // their customer, `withdrawn` the ones who moved to another showtime.
  const refundFilter = el("select", { id: "admin-refund-status", "data-filter": "refund-status" },
    el("option", { value: "" }, t("admin.refunds.filter.all")),
    REFUND_STATUSES.map((status) => el("option", { value: status }, t(`status.${status}`))));
  const refundsList = el("div", { "aria-live": "polite" });
  refundFilter.addEventListener("change", () => drawRefunds().catch(fail));
  refundsBox.append(el("h2", { id: "admin-refunds" }, t("admin.refunds.title")),
    el("div", { class: "inline-fields" }, el("label", { for: "admin-refund-status" }, t("admin.refunds.filter")), refundFilter),
    refundsList);
  let latestRefunds = 0;
  async function drawRefunds() {
    const draw = ++latestRefunds;
    const shown = refundFilter.value;
    const refunds = await api("GET", `/admin/refunds${shown ? `?status=${shown}` : ""}`);
    if (draw !== latestRefunds) return;
    refundsList.dataset.shows = shown || "all";
    refundsList.replaceChildren(refunds.length === 0 ? el("p", {}, t("admin.refunds.none")) : el("div", { class: "table-scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ["admin.refunds.customer", "admin.refunds.amount", "admin.refunds.status", "admin.refunds.attempts", "admin.refunds.lastError"].map((h) => el("th", {}, t(h))), el("th", {}))),
      el("tbody", {}, refunds.map((r) => el("tr", { "data-refund": r.id },
        el("td", {}, data(r.customer_email)), el("td", {}, data(fmtMoney(r.amount, r.currency))), el("td", {}, badge(r.status)),
        el("td", {}, data(r.attempts)), el("td", {}, r.last_error ? data(r.last_error) : ""),
        el("td", {}, r.status === "failed" ? [
          el("button", { type: "button", onclick: async () => { try { await api("POST", `/admin/refunds/${r.id}/retry`); drawRefunds(); } catch (e) { fail(e); } } }, t("admin.refunds.retry")), " ",
          el("button", { type: "button", class: "secondary", onclick: async () => {
            const note = prompt(t("admin.refunds.howRefunded"));
            if (!note) return;
            try { await api("POST", `/admin/refunds/${r.id}/resolve`, { note }); drawRefunds(); } catch (e) { fail(e); }
          } }, t("admin.refunds.resolve")),
        ] : null)))))));
  }
  async function drawAlerts() {
    const alerts = await api("GET", "/admin/alerts");
    alertsBox.replaceChildren(el("h2", { id: "admin-alerts" }, t("admin.alerts.title")), alerts.length === 0 ? el("p", {}, t("admin.alerts.none")) :
      el("ul", {}, alerts.map((a) => el("li", {}, data(fmtWhen(a.created_at, "UTC")), " — ", data(a.message)))));
  }
  await Promise.all([drawShowtimes(), drawRefunds(), drawAlerts()]);
  const refresh = setInterval(() => { drawRefunds().catch(() => {}); drawAlerts().catch(() => {}); }, 5000);
  page.cleanup.push(() => clearInterval(refresh));
  return [subnav("#/admin"), el("h1", {}, t("admin.overview.title")), showtimesBox, refundsBox, alertsBox];
}

// Cancelling a showtime, with the reason customers are told.
export function cancelForm(showtimeId, done, keep) {
  const reason = el("input", { name: "reason", required: true, maxlength: 500 });
  const id = `cancel-reason-${showtimeId}`;
  reason.id = id;
  const error = el("span", { class: "field-error", role: "alert" });
  // Each paying customer chooses another showtime of the movie or the refund
  // (DESIGN 4c), instead of the refund going out at once.
  const offerMove = el("input", { type: "checkbox", name: "offer_move", id: `cancel-offer-${showtimeId}` });
  const form = el("form", { class: "cancel-form", "data-cancel": showtimeId },
    el("label", { for: id }, t("admin.cancel.reason")), reason, error,
    el("label", { for: offerMove.id, class: "check" }, offerMove, " ", t("admin.cancel.offerMove")),
    el("div", { class: "buttons" },
      el("button", { class: "danger", type: "submit" }, t("admin.cancel.confirm")),
      el("button", { class: "secondary", type: "button", onclick: () => keep() }, t("admin.cancel.keep"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const result = await api("POST", `/admin/showtimes/${showtimeId}/cancel`, { reason: reason.value, offer_move: offerMove.checked });
      say(offerMove.checked ? t("admin.cancel.doneOffers", { offers: result.offers_made ?? 0 })
        : t("admin.cancel.done", { tickets: result.tickets_refunded, refunds: result.refunds_queued }));
      done(result);
    } catch (e) { error.textContent = adminProblem(e); reason.focus(); }
  });
  setTimeout(() => reason.focus());
  return form;
}
