// Blocked seats of one showtime: the seat map as customers see it, live; the
// operator picks free seats and blocks them with a reason, or clicks a
// blocked seat to put it back on sale.
import { API, api, el, data, say, page } from "../lib.js";
import { t, fmtWhen } from "../i18n.js";
import { subnav, field, formError, showErrors, clearErrors, adminProblem, seatGrid } from "./common.js";

export async function blockedSeatsPage(showtimeId) {
  const [showtime, map] = await Promise.all([api("GET", `/showtimes/${showtimeId}`), api("GET", `/showtimes/${showtimeId}/seats`)]);
  const seats = new Map(map.seats.map((s) => [s.id, s]));
  const picked = new Set();
  const buttons = new Map();
  let status = map.status;
  const timeZone = showtime.timezone || (showtime.cinema && showtime.cinema.timezone);

  function paint(id) {
    const seat = seats.get(id);
    const button = buttons.get(id);
    const state = picked.has(id) ? "picked" : seat.status;
    button.className = `seat ${seat.class} ${seat.status}${picked.has(id) ? " picked" : ""}`;
    button.dataset.status = seat.status;
    button.setAttribute("aria-label", t(`admin.seats.state.${state}`, { seat: id, class: seat.class }));
    button.setAttribute("aria-pressed", picked.has(id) ? "true" : "false");
    button.disabled = status === "cancelled" || seat.status === "locked" || seat.status === "sold";
  }
  const paintAll = () => { for (const id of seats.keys()) paint(id); drawPicked(); };

  async function click(id) {
    const seat = seats.get(id);
    if (seat.status === "blocked") {
      try {
        await api("DELETE", `/admin/showtimes/${showtimeId}/blocked-seats/${encodeURIComponent(id)}`);
        seat.status = "available";
        say(t("admin.seats.unblocked", { seat: id }));
      } catch (e) { say(adminProblem(e)); }
    } else if (seat.status === "available") {
      if (picked.has(id)) picked.delete(id); else picked.add(id);
    }
    paintAll();
  }

  const grid = seatGrid(map.seats, (seat) => {
    const button = el("button", { type: "button", "data-seat": seat.id, onclick: () => click(seat.id) }, data(seat.id));
    buttons.set(seat.id, button);
    return button;
  }, t("admin.seats.map"));

  const reason = el("input", { required: true, maxlength: 200 });
  const pickedList = el("p", { "aria-live": "polite" });
  const form = el("form", { class: "card admin-form", novalidate: true, "aria-labelledby": "admin-block" },
    el("h2", { id: "admin-block" }, t("admin.seats.block")), formError(),
    pickedList,
    el("span", { class: "field-error", "data-error-for": "seats" }),
    field(t("admin.seats.reason"), reason, "reason", t("admin.seats.reasonHint")),
    el("button", { type: "submit" }, t("admin.seats.blockButton")));
  function drawPicked() {
    pickedList.replaceChildren(...(picked.size === 0 ? [t("admin.seats.pickHint")] : [t("admin.seats.picked"), " ", data([...picked].join(", "))]));
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault(); clearErrors(form);
    try {
      const result = await api("POST", `/admin/showtimes/${showtimeId}/blocked-seats`, { seats: [...picked], reason: reason.value });
      for (const id of result.blocked) if (seats.has(id)) seats.get(id).status = "blocked";
      picked.clear();
      say(t("admin.seats.blocked"));
      paintAll();
    } catch (e) { showErrors(form, e, { seat_unavailable: "seats", no_seats: "seats", unknown_seat: "seats" }); }
  });

  // Live: holds, sales and blocks anyone makes show here at once.
  const events = new EventSource(`${API}/showtimes/${showtimeId}/seats/events`);
  events.addEventListener("snapshot", (event) => {
    const doc = JSON.parse(event.data);
    status = doc.status;
    for (const s of doc.seats) if (seats.has(s.id)) seats.get(s.id).status = s.status;
    for (const id of [...picked]) if (seats.get(id).status !== "available") picked.delete(id);
    paintAll();
  });
  const apply = (event) => {
    const doc = JSON.parse(event.data);
    status = doc.showtime_status || status;
    for (const change of doc.changes || []) if (seats.has(change.seat)) seats.get(change.seat).status = change.status;
    for (const id of [...picked]) if (seats.get(id).status !== "available") picked.delete(id);
    paintAll();
  };
  events.addEventListener("seats", apply);
  events.addEventListener("showtime_cancelled", apply);
  page.cleanup.push(() => events.close());
  paintAll();

  return [subnav(""),
    showtime.auditorium && showtime.auditorium.id ? el("p", {}, el("a", { href: `#/admin/programme/${showtime.auditorium.id}` }, t("admin.back.programme"))) : null,
    el("h1", {}, t("admin.seats.title")),
    el("p", {}, data(showtime.movie.title), " · ", data(showtime.cinema.name), " · ", data(showtime.auditorium.name), " · ", data(fmtWhen(showtime.starts_at, timeZone))),
    status === "cancelled" ? el("p", { role: "alert" }, t("admin.seats.cancelled")) : null,
    el("div", { class: "editor-layout" },
      el("section", { class: "card", "aria-labelledby": "admin-seatmap" },
        el("h2", { id: "admin-seatmap" }, t("admin.seats.map")),
        el("div", { class: "screen" }, t("admin.layout.screen")), el("div", { class: "admin-seatmap" }, grid),
        el("div", { class: "legend" },
          el("span", { style: "--c:var(--free)" }, t("admin.seats.legend.available")),
          el("span", { style: "--c:#7b1fa2" }, t("admin.seats.legend.picked")),
          el("span", { style: "--c:var(--blocked)" }, t("admin.seats.legend.blocked")),
          el("span", { style: "--c:var(--locked)" }, t("admin.seats.legend.locked")),
          el("span", { style: "--c:var(--sold)" }, t("admin.seats.legend.sold")))),
      form)];
}
