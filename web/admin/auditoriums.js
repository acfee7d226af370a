// An auditorium and its seat layout editor: the operator types rows of class
// letters and gaps and sees, while typing, the seat map as customers will see
// it; the server's `invalid_layout` errors (`rows[r][c]`) are shown next to
// the row and column they are about.
import { api, el, data, say } from "../lib.js";
import { t } from "../i18n.js";
import {
  subnav, field, formError, showErrors, clearErrors, parseClasses, classesText, parseLayout, cellOf, rowLabel,
  classColours, seatGrid, legend, adminProblem,
} from "./common.js";

const EXAMPLE = { classes: { R: "regular", P: "premium", C: "couple" }, rows: ["RRRR_RRRRRR_RRRR", "RRRR_RRRRRR_RRRR", "PPPP_PPPPPP_PPPP", "CCC__CCC"] };

export async function newAuditoriumPage(cinemaId) {
  return editor({ cinema_id: Number(cinemaId), name: "", classes: EXAMPLE.classes, rows: EXAMPLE.rows }, null);
}

export async function auditoriumPage(auditoriumId) {
  const auditorium = await api("GET", `/admin/auditoriums/${auditoriumId}`);
  return editor(auditorium, auditorium.id);
}

function editor(auditorium, id) {
  const name = el("input", { value: auditorium.name, required: true, maxlength: 100, autocomplete: "off" });
  // What the operator types is data (class names, rows of letters), not texts of the catalogue.
  const classes = el("textarea", { rows: 4, spellcheck: "false", autocapitalize: "characters", class: "mono", translate: "no" }, classesText(auditorium.classes));
  const rows = el("textarea", { rows: Math.max(6, auditorium.rows.length + 1), spellcheck: "false", autocapitalize: "characters", class: "mono", wrap: "off", translate: "no" }, auditorium.rows.join("\n"));
  const gutter = el("ol", { class: "row-gutter", "aria-hidden": "true" });
  const problems = el("ul", { class: "layout-problems", "aria-live": "polite", "data-layout-problems": "" });
  const preview = el("div", { class: "admin-preview", "data-preview": "" });
  const summary = el("p", { class: "muted", "aria-live": "polite" });

  const rowsOf = () => rows.value.replace(/\r/g, "").split("\n").filter((line, i, all) => !(i === all.length - 1 && line === ""));

  // Points the caret at one cell of the rows text.
  function goTo(row, col) {
    const lines = rows.value.split("\n");
    let at = 0;
    for (let i = 0; i < row && i < lines.length; i += 1) at += lines[i].length + 1;
    const width = col === null ? (lines[row] || "").length : 1;
    rows.focus();
    rows.setSelectionRange(at + (col || 0), at + (col || 0) + width);
  }

  // One problem: where (row label, column from 1) and what, as a button that takes the caret there.
  function problemItem(fieldName, text) {
    const cell = cellOf(fieldName);
    const where = cell ? (cell.col === null ? t("admin.layout.atRow", { row: rowLabel(cell.row) }) : t("admin.layout.atCell", { row: rowLabel(cell.row), col: cell.col + 1 })) : "";
    const item = el("li", { "data-field": fieldName },
      cell ? el("button", { type: "button", class: "link", onclick: () => goTo(cell.row, cell.col) }, where) : null,
      cell ? " " : null, text);
    return item;
  }

  function draw(serverErrors) {
    const parsedClasses = parseClasses(classes.value);
    const { seats, errors } = parseLayout(parsedClasses.classes, rowsOf());
    const all = [...parsedClasses.errors, ...errors];
    serverErrors = (serverErrors || []).filter((s) => !all.some((e) => e.field === s.field));
    const lines = rowsOf();
    const bad = new Set(all.concat(serverErrors || []).map((e) => cellOf(e.field)).filter(Boolean).map((c) => c.row));
    gutter.replaceChildren(...lines.map((_, r) => el("li", { class: bad.has(r) ? "bad" : "" }, data(rowLabel(r)))));
    problems.replaceChildren(
      ...all.map((e) => problemItem(e.field, t(e.key, e.params || {}))),
      ...(serverErrors || []).map((e) => problemItem(e.field, e.text)));
    const colours = classColours(seats);
    const grid = seatGrid(seats, (seat) => {
      const node = el("span", { class: `seat preview-seat ${seat.class}`, "data-seat": seat.id, title: `${seat.id} · ${seat.class}`, translate: "no", style: `background:${colours.get(seat.class)}` }, data(seat.id));
      return node;
    }, t("admin.layout.preview"));
    preview.replaceChildren(el("div", { class: "screen" }, t("admin.layout.screen")), grid, legend(colours));
    summary.replaceChildren(t("admin.layout.count", { seats: seats.length, rows: lines.length }));
    return all.length === 0;
  }
  let timer = null;
  const onInput = () => { clearTimeout(timer); timer = setTimeout(() => draw(), 60); };
  rows.addEventListener("input", onInput);
  classes.addEventListener("input", onInput);
  rows.addEventListener("scroll", () => { gutter.scrollTop = rows.scrollTop; });

  const form = el("form", { class: "card admin-form layout-editor", novalidate: true, "aria-labelledby": "admin-layout-title" },
    el("h2", { id: "admin-layout-title" }, t("admin.layout.title")),
    formError(),
    field(t("admin.layout.name"), name, "name"),
    field(t("admin.layout.classes"), classes, "classes", t("admin.layout.classesHint")),
    el("div", { class: "field" },
      el("label", { for: "admin-rows" }, t("admin.layout.rows")),
      el("span", { class: "hint", id: "admin-rows-hint" }, t("admin.layout.rowsHint")),
      el("div", { class: "rows-editor" }, gutter, rows),
      el("span", { class: "field-error", id: "admin-rows-error", "data-error-for": "rows" })),
    el("h3", {}, t("admin.layout.problems")), problems,
    el("div", { class: "buttons" }, el("button", { type: "submit" }, id ? t("admin.save") : t("admin.layout.create"))));
  rows.id = "admin-rows";
  rows.name = "rows";
  rows.setAttribute("aria-describedby", "admin-rows-hint admin-rows-error");
  // The rows' own problems are listed under them: the slot takes the general word only.
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const parsedClasses = parseClasses(classes.value);
    const body = { name: name.value, classes: parsedClasses.classes, rows: rowsOf() };
    try {
      const saved = id ? await api("PUT", `/admin/auditoriums/${id}`, body) : await api("POST", `/admin/cinemas/${auditorium.cinema_id}/auditoriums`, body);
      say(t("admin.saved"));
      if (!id) location.hash = `#/admin/auditoriums/${saved.id}`;
      else draw();
    } catch (error) {
      const layoutErrors = error.code === "invalid_layout" ? error.errors.filter((e) => /^rows/.test(e.field)) : [];
      const rest = { ...error, code: error.code, status: error.status, errors: error.errors.filter((e) => !layoutErrors.includes(e)) };
      showErrors(form, rest, { auditorium_exists: "name", layout_needs_prices: "rows" });
      if (layoutErrors.length) {
        draw(layoutErrors.map((e) => ({ field: e.field, text: t("admin.layout.err.server") })));
        const slot = form.querySelector('[data-error-for="rows"]');
        slot.replaceChildren(adminProblem(error));
        rows.setAttribute("aria-invalid", "true");
        rows.focus();
      }
    }
  });
  draw();

  return [subnav("#/admin/cinemas"),
    el("p", {}, el("a", { href: `#/admin/cinemas/${auditorium.cinema_id}` }, t("admin.back.cinema"))),
    el("h1", {}, id ? data(auditorium.name) : t("admin.layout.newTitle")),
    id ? el("p", {}, el("a", { href: `#/admin/programme/${id}` }, t("admin.auditoriums.programme"))) : null,
    el("div", { class: "editor-layout" }, form,
      el("section", { class: "card", "aria-labelledby": "admin-preview-title" },
        el("h2", { id: "admin-preview-title" }, t("admin.layout.previewTitle")), summary, preview))];
}
