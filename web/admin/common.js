// What the admin pages share: the sub-navigation, labelled form fields with
// a place for the server's field errors, the time zones, the seat layout
// parser (as `src/catalog/layout.rs` reads a layout) and the seat map.
import { el, data } from "../lib.js";
import { t, catalogues, lang, problemText } from "../i18n.js";

// The admin sub-navigation; `current` is the hash of the page shown.
export function subnav(current) {
  const links = [["#/admin", "admin.nav.overview"], ["#/admin/cinemas", "admin.nav.cinemas"], ["#/admin/movies", "admin.nav.movies"],
    ["#/admin/users", "admin.nav.users"], ["#/admin/audit", "admin.nav.audit"], ["#/admin/reports", "admin.nav.reports"]];
  return el("nav", { class: "admin-nav", "aria-label": t("admin.nav.label") },
    links.map(([href, key]) => el("a", { href, "aria-current": href === current ? "page" : false }, t(key))));
}

// The three Indonesian time zones, by their IANA names.
export const TIMEZONES = [
  ["Asia/Jakarta", "admin.tz.jakarta"],
  ["Asia/Makassar", "admin.tz.makassar"],
  ["Asia/Jayapura", "admin.tz.jayapura"],
];

export function timezoneSelect(value, attrs = {}) {
  const known = TIMEZONES.some(([zone]) => zone === value);
  return el("select", { name: "timezone", ...attrs },
    TIMEZONES.map(([zone, key]) => el("option", { value: zone, selected: zone === value }, t(key))),
    value && !known ? el("option", { value, selected: true, translate: "no" }, value) : null);
}

export function timezoneName(zone) {
  const found = TIMEZONES.find(([z]) => z === zone);
  return found ? t(found[1]) : zone;
}

let fieldCount = 0;
// A labelled control with its error slot: `name` is the API field it sends.
export function field(labelText, control, name, hint) {
  const id = `f${++fieldCount}`;
  control.id = control.id || id;
  const error = el("span", { class: "field-error", id: `${control.id}-error`, "data-error-for": name });
  const hintNode = hint ? el("span", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  control.setAttribute("aria-describedby", [hintNode && hintNode.id, error.id].filter(Boolean).join(" "));
  if (name && !control.name) control.name = name;
  return el("div", { class: "field" }, el("label", { for: control.id }, labelText), control, hintNode, error);
}

// The form-level error slot (for a problem not about one field).
export function formError() {
  return el("p", { class: "field-error form-error", role: "alert", "data-error-for": "" });
}

// The words for a failed call: `problem.<code>` from the catalogue, or the
// admin pages' own words for a code the shared catalogue does not have.
export function adminProblem(error) {
  const texts = catalogues[lang()];
  if (error && error.code && texts[`problem.${error.code}`] === undefined && texts[`admin.problem.${error.code}`] !== undefined) {
    return t(`admin.problem.${error.code}`);
  }
  return problemText(error);
}

// The field an API error names, as its slot: `prices.regular` then `prices`;
// `times[2]` then `times`; `rows[2][7]` then `rows`.
function slotFor(form, name) {
  const candidates = [name, name.replace(/\[.*$/, ""), name.replace(/[.[].*$/, "")];
  for (const candidate of candidates) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(candidate)}"]`);
    if (slot) return slot;
  }
  return null;
}

// The words next to one field: the field's own hint when the catalogue has
// one (`admin.field.<name>`), else the problem's words.
function fieldText(error, name) {
  const base = name.replace(/[.[].*$/, "");
  const texts = catalogues[lang()];
  if (error.code === "invalid_fields" && texts[`admin.field.${base}`] !== undefined) return t(`admin.field.${base}`);
  return adminProblem(error);
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.replaceChildren();
  for (const control of form.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

// Shows a failed call in `form`: each field error next to its field, the
// rest (or a 409 about `fieldOf[code]`) at the form's top or that field.
export function showErrors(form, error, fieldOf = {}) {
  clearErrors(form);
  const general = form.querySelector('[data-error-for=""]');
  let placed = false;
  for (const item of error.errors || []) {
    const slot = slotFor(form, item.field || "");
    if (!slot) continue;
    slot.append(el("span", { "data-field": item.field }, fieldText(error, item.field)), " ");
    const control = slot.parentNode && slot.parentNode.querySelector("input, select, textarea");
    if (control) control.setAttribute("aria-invalid", "true");
    placed = true;
  }
  const target = fieldOf[error.code] ? slotFor(form, fieldOf[error.code]) : null;
  if (target) { target.append(adminProblem(error)); placed = true; }
  if (!placed || (general && !(error.errors || []).length && !target)) {
    if (general) general.replaceChildren(adminProblem(error));
  }
  const first = form.querySelector("[aria-invalid=true]");
  if (first) first.focus();
}

// ------------------------------------------------------------ seat layouts

const ROW_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const MAX_ROWS = 26;
export const MAX_CELLS = 100;

// `R = regular` lines to a classes map, with the lines that are not one.
export function parseClasses(text) {
  const classes = {};
  const errors = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const match = line.match(/^\s*(\S+)\s*[=:]\s*(\S+)\s*$/);
    if (!match) { errors.push({ field: "classes", key: "admin.layout.err.classLine", params: { line: i + 1 } }); return; }
    classes[match[1]] = match[2];
  });
  return { classes, errors };
}

export function classesText(classes) {
  return Object.entries(classes).map(([letter, name]) => `${letter} = ${name}`).join("\n");
}

// The seats of a layout and its problems, as `layout.rs` finds them: fields
// like `rows[2][7]`, rows and columns counted from 0.
export function parseLayout(classes, rows) {
  const errors = [];
  const letters = new Map();
  for (const [letter, name] of Object.entries(classes)) {
    if (/^[A-Z]$/.test(letter)) letters.set(letter, name);
    else errors.push({ field: `classes.${letter}`, key: "admin.layout.err.letter", params: { letter } });
    if (!/^[a-z]{1,20}$/.test(name)) errors.push({ field: `classes.${letter}`, key: "admin.layout.err.className", params: { letter } });
  }
  if (rows.length === 0) errors.push({ field: "rows", key: "admin.layout.err.noRows" });
  if (rows.length > MAX_ROWS) errors.push({ field: `rows[${MAX_ROWS}]`, key: "admin.layout.err.tooManyRows", params: { max: MAX_ROWS } });
  const seats = [];
  rows.slice(0, MAX_ROWS).forEach((text, r) => {
    const label = ROW_LABELS[r];
    const cells = [...text];
    if (cells.length > MAX_CELLS) {
      errors.push({ field: `rows[${r}][${MAX_CELLS}]`, key: "admin.layout.err.tooLong", params: { max: MAX_CELLS } });
      return;
    }
    let number = 0;
    let col = 0;
    let cellError = false;
    cells.forEach((cell, c) => {
      if (cell === "_") { col += 1; return; }
      const cls = letters.get(cell);
      if (cls === undefined) {
        errors.push({ field: `rows[${r}][${c}]`, key: "admin.layout.err.unknownLetter", params: { letter: cell } });
        cellError = true;
        col += 1;
        return;
      }
      number += 1;
      seats.push({ id: `${label}${number}`, row: label, number, class: cls, grid_row: r, grid_col: col });
      col += cls === "couple" ? 2 : 1;
    });
    if (number === 0 && !cellError) errors.push({ field: `rows[${r}]`, key: "admin.layout.err.emptyRow" });
  });
  if (errors.length === 0 && seats.length === 0) errors.push({ field: "rows", key: "admin.layout.err.noSeats" });
  return { seats, errors };
}

// `rows[2][7]` → { row: 2, col: 7 } (either may be missing).
export function cellOf(fieldName) {
  const match = String(fieldName).match(/^rows\[(\d+)\](?:\[(\d+)\])?/);
  return match ? { row: Number(match[1]), col: match[2] === undefined ? null : Number(match[2]) } : null;
}

export function rowLabel(r) { return ROW_LABELS[r] || String(r + 1); }

// The seat-class colours of previews and the blocked-seat map.
const PALETTE = ["#2e7d32", "#6a1b9a", "#c2185b", "#00838f", "#ef6c00", "#5d4037", "#283593", "#558b2f"];
export function classColours(seats) {
  const colours = new Map();
  for (const seat of seats) if (!colours.has(seat.class)) colours.set(seat.class, PALETTE[colours.size % PALETTE.length]);
  return colours;
}

// A seat map laid out as the customer page lays it: one grid cell per
// column, a couple seat two wide. `make(seat)` builds each seat's element.
export function seatGrid(seats, make, label) {
  const grid = el("div", { class: "seatmap", role: "group", "aria-label": label });
  if (seats.length === 0) return grid;
  const rows = Math.max(...seats.map((s) => s.grid_row)) + 1;
  const cols = Math.max(...seats.map((s) => s.grid_col + (s.class === "couple" ? 2 : 1)));
  grid.style.gridTemplateRows = `repeat(${rows}, 2.1rem)`;
  grid.style.gridTemplateColumns = `repeat(${cols}, 2.1rem)`;
  for (const seat of seats) {
    const node = make(seat);
    node.style.gridRow = String(seat.grid_row + 1);
    node.style.gridColumn = seat.class === "couple" ? `${seat.grid_col + 1} / span 2` : String(seat.grid_col + 1);
    grid.append(node);
  }
  return grid;
}

export function legend(colours) {
  return el("div", { class: "legend", "aria-label": t("admin.seats.legend") },
    [...colours].map(([name, colour]) => el("span", { style: `--c:${colour}`, translate: "no" }, name)));
}

// ------------------------------------------------------------ cinema-local times

// `+08:00` for a zone at an instant (Indonesia has no summer time).
export function offsetOf(timeZone, at = new Date()) {
  const part = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(at).find((p) => p.type === "timeZoneName");
  const match = part && part.value.match(/GMT([+-]\d{2}):?(\d{2})?/);
  return match ? `${match[1]}:${match[2] || "00"}` : "+00:00";
}

// A local date and `HH:MM` in a cinema's zone as RFC 3339.
export function localToRfc3339(date, time, timeZone) {
  const guess = new Date(`${date}T${time}:00Z`);
  return `${date}T${time}:00${offsetOf(timeZone, guess)}`;
}

// The cinema-local date (`YYYY-MM-DD`) and minute of the day of an instant.
export function localParts(iso, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, minutes: Number(parts.hour) * 60 + Number(parts.minute), time: `${parts.hour}:${parts.minute}` };
}

export function addDays(date, days) {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

// The Monday of a date's week.
export function mondayOf(date) {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((day + 6) % 7));
}
