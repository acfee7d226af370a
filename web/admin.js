// The admin pages: plain JavaScript modules over the admin API (DESIGN 4a).
// `routes` are added to the router of `app.js`.
import { api, el, data, say, page, badge, fail } from "./lib.js";
import { t, fmtDay, fmtTime, fmtWhen, fmtMoney, today, problemText } from "./i18n.js";

export const routes = [
  [/^#\/admin$/, adminPage],
];

async function adminPage() {
  const showtimesBox = el("section", { class: "card", "aria-label": "Showtimes" });
  const refundsBox = el("section", { class: "card", "aria-label": "Refunds" });
  const alertsBox = el("section", { class: "card", "aria-label": "Alerts" });

  const cinemas = await api("GET", "/cinemas");
  const cinemaSelect = el("select", { "aria-label": "Cinema" }, cinemas.map((c) => el("option", { value: c.id }, c.name)));
  const dateInput = el("input", { type: "date", value: today(1), "aria-label": "Date" });
  const list = el("div");
  async function drawShowtimes() {
    const showtimes = await api("GET", `/cinemas/${cinemaSelect.value}/showtimes?date=${dateInput.value}`);
    list.replaceChildren(el("table", {}, el("tbody", {}, showtimes.map((s) => {
      const row = el("tr", { "data-showtime": s.id },
        el("td", {}, fmtTime(s.starts_at, s.timezone)),
        el("td", {}, s.movie_title), el("td", {}, s.auditorium),
        el("td", {}, `${s.seats_available}/${s.seats_total} free`), el("td", {}, badge(s.status)));
      const actions = el("td");
      if (s.status !== "cancelled") {
        actions.append(el("button", { class: "danger", onclick: () => {
          const reason = el("input", { "aria-label": "Reason", placeholder: "Reason (shown to customers)", required: true });
          const form = el("form", {}, reason, " ",
            el("button", { class: "danger", type: "submit" }, "Confirm cancellation"), " ",
            el("button", { class: "secondary", type: "button", onclick: () => form.remove() }, "Keep it"));
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            try {
              const done = await api("POST", `/admin/showtimes/${s.id}/cancel`, { reason: reason.value });
              say(`Cancelled: ${done.tickets_refunded} tickets refunded, ${done.refunds_queued} refunds queued.`);
              drawShowtimes(); drawRefunds();
            } catch (error) { fail(error); }
          });
          actions.replaceChildren(form);
          reason.focus();
        } }, "Cancel…"));
      }
      row.append(actions);
      return row;
    }))));
  }
  cinemaSelect.addEventListener("change", drawShowtimes);
  dateInput.addEventListener("change", drawShowtimes);
  showtimesBox.append(el("h2", {}, "Showtimes"), cinemaSelect, " ", dateInput, list);

  async function drawRefunds() {
    const refunds = await api("GET", "/admin/refunds");
    refundsBox.replaceChildren(el("h2", {}, "Refunds"), refunds.length === 0 ? el("p", {}, "No refunds.") : el("table", {},
      el("thead", {}, el("tr", {}, ["Customer", "Amount", "Status", "Attempts", "Last error", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, refunds.map((r) => el("tr", { "data-refund": r.id },
        el("td", {}, r.customer_email), el("td", {}, fmtMoney(r.amount, r.currency)), el("td", {}, badge(r.status)),
        el("td", {}, r.attempts), el("td", {}, r.last_error || ""),
        el("td", {}, r.status === "failed" ? [
          el("button", { onclick: async () => { try { await api("POST", `/admin/refunds/${r.id}/retry`); drawRefunds(); } catch (e) { fail(e); } } }, "Retry"), " ",
          el("button", { class: "secondary", onclick: async () => {
            const note = prompt("How was it refunded?");
            if (!note) return;
            try { await api("POST", `/admin/refunds/${r.id}/resolve`, { note }); drawRefunds(); } catch (e) { fail(e); }
          } }, "Mark refunded by hand"),
        ] : null))))));
  }
  async function drawAlerts() {
    const alerts = await api("GET", "/admin/alerts");
    alertsBox.replaceChildren(el("h2", {}, "Alerts"), alerts.length === 0 ? el("p", {}, "Nothing needs you.") :
      el("ul", {}, alerts.map((a) => el("li", {}, `${fmtWhen(a.created_at)} — ${a.message}`))));
  }
  await Promise.all([drawShowtimes(), drawRefunds(), drawAlerts()]);
  const refresh = setInterval(() => { drawRefunds().catch(() => {}); drawAlerts().catch(() => {}); }, 5000);
  page.cleanup.push(() => clearInterval(refresh));
  return [el("h1", {}, "Admin"), showtimesBox, refundsBox, alertsBox];
}
