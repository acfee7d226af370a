// The week's programme of one auditorium: its showtimes as blocks on a time
// line (a row per day, hours across) with the cleaning gap after each; add
// one, add a batch, change prices, move, delete or cancel the chosen one.
import { api, el, data, say, badge } from "../lib.js";
import { t, lang, fmtDate, fmtTime, fmtWhen, fmtMoney, today } from "../i18n.js";
import {
  subnav, field, formError, showErrors, clearErrors, localParts, localToRfc3339, addDays, mondayOf, timezoneName, adminProblem,
} from "./common.js";
import { cancelForm } from "../admin.js";

// `catalog.cleaning_gap` of the default configuration: drawn after each
// showtime (the server checks the configured one).
const CLEANING_GAP_MINUTES = 15;

export async function programmePage(auditoriumId, weekOf) {
  const auditorium = await api("GET", `/admin/auditoriums/${auditoriumId}`);
  const [cinemas, movies] = await Promise.all([api("GET", "/admin/cinemas"), api("GET", "/admin/movies")]);
  const cinema = cinemas.find((c) => c.id === auditorium.cinema_id);
  const timeZone = cinema.timezone;
  const monday = mondayOf(weekOf || today(0, timeZone));
  const days = [0, 1, 2, 3, 4, 5, 6].map((n) => addDays(monday, n));
  const classes = [...new Set(Object.values(auditorium.classes))];
  const movieOf = new Map(movies.map((m) => [m.id, m]));
  const base = `#/admin/programme/${auditorium.id}`;

  const timeline = el("div", { class: "timeline-scroll" });
  const details = el("section", { class: "card", "aria-live": "polite", "aria-labelledby": "admin-chosen" });
  let showtimes = [];
  let chosen = null;

  async function load() {
    showtimes = await api("GET", `/admin/showtimes?auditorium_id=${auditorium.id}&from=${days[0]}&to=${days[6]}`);
    drawTimeline();
    const again = chosen && showtimes.find((s) => s.id === chosen);
    if (again) drawDetails(again); else { chosen = null; details.replaceChildren(el("h2", { id: "admin-chosen" }, t("admin.programme.chosen")), el("p", { class: "muted" }, t("admin.programme.choose"))); }
  }

  function drawTimeline() {
    const placed = showtimes.map((s) => ({ s, start: localParts(s.starts_at, timeZone), end: localParts(s.ends_at, timeZone) }));
    const firstHour = Math.min(9, ...placed.map((p) => Math.floor(p.start.minutes / 60)));
    const span = (24 - firstHour) * 60;
    const pct = (minutes) => `${((minutes - firstHour * 60) / span) * 100}%`;
    const hours = el("div", { class: "tl-hours", "aria-hidden": "true" },
      el("span", { class: "tl-day" }),
      el("div", { class: "tl-track" }, Array.from({ length: 24 - firstHour }, (_, i) => el("span", { class: "tl-hour", style: `left:${pct((firstHour + i) * 60)}` }, data(String(firstHour + i).padStart(2, "0"))))));
    const rows = days.map((day) => {
      const track = el("div", { class: "tl-track", style: `--hours:${24 - firstHour}` });
      for (const p of placed.filter((x) => x.start.date === day)) {
        const endMinutes = p.end.date === day ? p.end.minutes : 24 * 60;
        const movie = movieOf.get(p.s.movie_id);
        const label = `${fmtTime(p.s.starts_at, timeZone)}–${fmtTime(p.s.ends_at, timeZone)} ${movie ? movie.title : ""}`;
        track.append(el("button", {
          type: "button", class: `tl-block ${p.s.status}${chosen === p.s.id ? " chosen" : ""}`, "data-showtime": p.s.id,
          "aria-pressed": chosen === p.s.id ? "true" : "false",
          style: `left:${pct(p.start.minutes)};width:${pct(firstHour * 60 + Math.max(endMinutes - p.start.minutes, 10))}`,
          onclick: () => { chosen = p.s.id; drawTimeline(); drawDetails(p.s); },
        }, data(label, { class: "tl-label" }), p.s.status === "cancelled" ? el("span", { class: "visually-hidden" }, " ", t("status.cancelled")) : null));
        if (p.s.status !== "cancelled" && endMinutes < 24 * 60) {
          track.append(el("span", { class: "tl-gap", title: t("admin.programme.gap", { minutes: CLEANING_GAP_MINUTES }),
            style: `left:${pct(endMinutes)};width:${pct(firstHour * 60 + Math.min(CLEANING_GAP_MINUTES, 24 * 60 - endMinutes))}` }));
        }
      }
      return el("div", { class: "tl-row", "data-day": day, role: "group", "aria-label": t("admin.programme.dayRow", { day: fmtDate(day) }) }, el("span", { class: "tl-day" }, data(fmtDate(day))), track);
    });
    timeline.replaceChildren(el("div", { class: "timeline" }, hours, rows));
  }

  function priceFields(prices) {
    return el("fieldset", { class: "prices" }, el("legend", {}, t("admin.programme.prices", { currency: "IDR" })),
      classes.map((cls) => {
        const input = el("input", { type: "number", min: 0, step: 500, inputmode: "numeric", required: true, "data-class": cls, value: prices && prices[cls] !== undefined ? prices[cls] : "" });
        return field(data(cls), input, `prices.${cls}`);
      }));
  }
  const pricesOf = (form) => Object.fromEntries([...form.querySelectorAll("input[data-class]")].filter((i) => i.value !== "").map((i) => [i.dataset.class, Number(i.value)]));

  function drawDetails(s) {
    chosen = s.id;
    const movie = movieOf.get(s.movie_id);
    const local = localParts(s.starts_at, timeZone);
    const priceForm = el("form", { class: "admin-form", novalidate: true, "aria-labelledby": "admin-prices" },
      el("h3", { id: "admin-prices" }, t("admin.programme.changePrices")), formError(),
      priceFields(s.prices), el("button", { type: "submit" }, t("admin.programme.savePrices")));
    priceForm.addEventListener("submit", async (event) => {
      event.preventDefault(); clearErrors(priceForm);
      try { await api("PATCH", `/admin/showtimes/${s.id}`, { prices: pricesOf(priceForm) }); say(t("admin.saved")); await load(); } catch (e) { showErrors(priceForm, e); }
    });
    const date = el("input", { type: "date", value: local.date, required: true });
    const time = el("input", { type: "time", value: local.time, required: true, name: "starts_at" });
    const moveForm = el("form", { class: "admin-form", novalidate: true, "aria-labelledby": "admin-move" },
      el("h3", { id: "admin-move" }, t("admin.programme.move")), formError(),
      field(t("admin.programme.date"), date, "date"), field(t("admin.programme.time"), time, "starts_at"),
      el("div", { class: "buttons" },
        el("button", { type: "submit" }, t("admin.programme.moveButton")),
        el("button", { type: "button", class: "danger", onclick: async () => {
          clearErrors(moveForm);
          try { await api("DELETE", `/admin/showtimes/${s.id}`); say(t("admin.programme.deleted")); chosen = null; await load(); } catch (e) { showErrors(moveForm, e); }
        } }, t("admin.programme.delete"))));
    moveForm.addEventListener("submit", async (event) => {
      event.preventDefault(); clearErrors(moveForm);
      try { await api("PATCH", `/admin/showtimes/${s.id}`, { starts_at: localToRfc3339(date.value, time.value, timeZone) }); say(t("admin.saved")); await load(); } catch (e) { showErrors(moveForm, e, { showtime_overlap: "starts_at", showtime_has_bookings: "" }); }
    });
    const cancelBox = el("div", {});
    const openCancel = () => cancelBox.replaceChildren(cancelForm(s.id, () => load(), () => cancelBox.replaceChildren(cancelButton)));
    const cancelButton = el("button", { type: "button", class: "danger", onclick: openCancel }, t("admin.cancel.open"));
    cancelBox.append(cancelButton);
    details.replaceChildren(
      el("h2", { id: "admin-chosen" }, data(movie ? movie.title : String(s.movie_id)), " ", badge(s.status)),
      el("p", {}, data(`${fmtWhen(s.starts_at, timeZone)}–${fmtTime(s.ends_at, timeZone)}`)),
      el("p", {}, Object.entries(s.prices).map(([cls, amount]) => el("span", { class: "price" }, data(`${cls}: ${fmtMoney(amount, s.currency)}`), " "))),
      el("p", {}, el("a", { href: `#/admin/showtimes/${s.id}/seats`, "data-seats-link": s.id }, t("admin.programme.blockedSeats"))),
      ...(s.status === "cancelled" ? [] : [priceForm, moveForm, el("h3", {}, t("admin.programme.cancelTitle")), cancelBox]));
  }

  const activeMovies = movies.filter((m) => !m.archived);
  const movieSelect = () => el("select", { required: true }, activeMovies.map((m) => el("option", { value: m.id, translate: "no" }, m.title)));
  const firstDay = days.find((d) => d >= today(0, timeZone)) || days[0];

  // One showtime.
  const oneMovie = movieSelect();
  const oneDate = el("input", { type: "date", value: firstDay, required: true });
  const oneTime = el("input", { type: "time", value: "19:00", required: true, name: "starts_at" });
  const addOne = el("form", { class: "card admin-form", novalidate: true, "aria-labelledby": "admin-add-one", "data-form": "add-one" },
    el("h2", { id: "admin-add-one" }, t("admin.programme.addOne")), formError(),
    field(t("admin.programme.movie"), oneMovie, "movie_id"),
    field(t("admin.programme.date"), oneDate, "date"),
    field(t("admin.programme.time"), oneTime, "starts_at"),
    priceFields(null),
    el("button", { type: "submit" }, t("admin.programme.add")));
  addOne.addEventListener("submit", async (event) => {
    event.preventDefault(); clearErrors(addOne);
    try {
      const made = await api("POST", "/admin/showtimes", {
        movie_id: Number(oneMovie.value), auditorium_id: auditorium.id,
        starts_at: localToRfc3339(oneDate.value, oneTime.value, timeZone), prices: pricesOf(addOne),
      });
      say(t("admin.programme.added", { count: 1 }));
      chosen = made.id;
      await load();
    } catch (e) { showErrors(addOne, e, { showtime_overlap: "starts_at", start_in_past: "starts_at" }); }
  });

  // A batch.
  const batchMovie = movieSelect();
  const from = el("input", { type: "date", value: firstDay, required: true });
  const to = el("input", { type: "date", value: days[6], required: true });
  const times = el("input", { value: "13:00, 16:00, 19:00", required: true, placeholder: "13:00, 19:30" });
  const locale = lang() === "id" ? "id-ID" : "en-GB";
  const weekdayBoxes = [1, 2, 3, 4, 5, 6, 7].map((n) => {
    const box = el("input", { type: "checkbox", value: n, checked: true, id: `admin-wd-${n}` });
    const name = new Intl.DateTimeFormat(locale, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, n)));
    return el("label", { class: "check", for: box.id }, box, " ", data(name));
  });
  const batch = el("form", { class: "card admin-form", novalidate: true, "aria-labelledby": "admin-batch", "data-form": "batch" },
    el("h2", { id: "admin-batch" }, t("admin.programme.batch")), formError(),
    field(t("admin.programme.movie"), batchMovie, "movie_id"),
    field(t("admin.programme.from"), from, "from"),
    field(t("admin.programme.to"), to, "to"),
    field(t("admin.programme.times"), times, "times", t("admin.programme.timesHint")),
    el("fieldset", {}, el("legend", {}, t("admin.programme.weekdays")), weekdayBoxes, el("span", { class: "field-error", "data-error-for": "weekdays" })),
    priceFields(null),
    el("button", { type: "submit" }, t("admin.programme.addBatch")));
  batch.addEventListener("submit", async (event) => {
    event.preventDefault(); clearErrors(batch);
    const weekdays = weekdayBoxes.map((l) => l.querySelector("input")).filter((b) => b.checked).map((b) => Number(b.value));
    try {
      const made = await api("POST", "/admin/showtimes/batch", {
        movie_id: Number(batchMovie.value), auditorium_id: auditorium.id, from: from.value, to: to.value,
        times: times.value.split(/[\s,;]+/).filter(Boolean), weekdays, prices: pricesOf(batch),
      });
      say(t("admin.programme.added", { count: made.showtimes.length }));
      await load();
    } catch (e) { showErrors(batch, e, { showtime_overlap: "times", start_in_past: "times" }); }
  });

  await load();
  return [subnav("#/admin/cinemas"),
    el("p", {}, el("a", { href: `#/admin/cinemas/${cinema.id}` }, t("admin.back.cinema"))),
    el("h1", {}, t("admin.programme.title", { auditorium: auditorium.name, cinema: cinema.name })),
    el("p", { class: "muted" }, t("admin.programme.zone", { zone: timezoneName(timeZone) })),
    el("nav", { class: "week-nav", "aria-label": t("admin.programme.weeks") },
      el("a", { class: "button-like", href: `${base}/${addDays(monday, -7)}` }, t("admin.programme.prevWeek")),
      el("strong", {}, data(`${fmtDate(days[0])} – ${fmtDate(days[6])}`)),
      el("a", { class: "button-like", href: `${base}/${addDays(monday, 7)}` }, t("admin.programme.nextWeek"))),
    el("section", { class: "card", "aria-labelledby": "admin-week" },
      el("h2", { id: "admin-week" }, t("admin.programme.week")),
      el("p", { class: "legend" },
        el("span", { style: "--c:var(--accent)" }, t("admin.programme.legendShowtime")),
        el("span", { style: "--c:repeating-linear-gradient(45deg,#777 0 3px,transparent 3px 6px)" }, t("admin.programme.gap", { minutes: CLEANING_GAP_MINUTES })),
        el("span", { style: "--c:#39414d" }, t("status.cancelled"))),
      timeline),
    details,
    activeMovies.length === 0 ? el("p", { role: "note" }, t("admin.programme.noMovies")) : el("div", { class: "two-forms" }, addOne, batch)];
}
