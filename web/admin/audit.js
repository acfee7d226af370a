// The audit trail (`#/admin/audit`): newest first, by kind and by account,
// older pages through `before`. Its instants are shown in UTC (the column
// says so), in the reader's language.
import { api, el, data } from "../lib.js";
import { t, fmtWhen } from "../i18n.js";
import { subnav, adminProblem } from "./common.js";

export const KINDS = [
  "auth.sign_in", "user.create", "user.update",
  "showtime.create", "showtime.update", "showtime.delete", "showtime.cancel",
  "city.create", "city.update", "cinema.create", "cinema.update",
  "movie.create", "movie.update", "movie.archive", "auditorium.create", "auditorium.update",
  "refund.retry", "refund.resolve", "sandbox.control", "seats.block", "seats.unblock",
];
const PAGE = 50;

const json = (value) => (value === null || value === undefined ? "" : JSON.stringify(value));
const kindText = (kind) => (KINDS.includes(kind) ? t(`admin.audit.kind.${kind}`) : data(kind));

export async function auditPage() {
  const users = await api("GET", "/admin/users").catch(() => []);
  const kind = el("select", { id: "audit-kind", "data-filter": "kind" },
    el("option", { value: "" }, t("admin.audit.kindAll")),
    KINDS.map((k) => el("option", { value: k }, t(`admin.audit.kind.${k}`))));
  const user = el("select", { id: "audit-user", "data-filter": "user" },
    el("option", { value: "" }, t("admin.audit.userAll")),
    users.map((u) => el("option", { value: u.id, translate: "no" }, u.email)));
  const body = el("tbody");
  const table = el("div", { class: "table-scroll" }, el("table", { class: "admin-table audit" },
    el("thead", {}, el("tr", {}, ["admin.audit.at", "admin.audit.who", "admin.audit.kind", "admin.audit.target", "admin.audit.change"]
      .map((k) => el("th", { scope: "col" }, t(k))))),
    body));
  const empty = el("p", { hidden: true }, t("admin.audit.none"));
  const error = el("p", { class: "field-error", role: "alert" });
  const older = el("button", { type: "button", class: "secondary", "data-action": "older" }, t("admin.audit.older"));
  const end = el("p", { class: "muted", hidden: true }, t("admin.audit.end"));
  let last = null;

  const row = (entry) => el("tr", { "data-audit": entry.id, "data-kind": entry.kind },
    el("td", {}, data(fmtWhen(entry.at, "UTC"))),
    el("td", {}, entry.user_email ? data(entry.user_email) : t("admin.audit.system")),
    el("td", {}, kindText(entry.kind)),
    el("td", {}, data(entry.target)),
    el("td", { class: "audit-change" },
      entry.before !== null && entry.before !== undefined ? el("div", {}, el("span", { class: "muted" }, t("admin.audit.before")), " ", el("code", { translate: "no" }, json(entry.before))) : null,
      entry.after !== null && entry.after !== undefined ? el("div", {}, el("span", { class: "muted" }, t("admin.audit.after")), " ", el("code", { translate: "no" }, json(entry.after))) : null,
      entry.changed === false ? el("div", { class: "muted", "data-unchanged": true }, t("admin.audit.unchanged")) : null));

  async function load(append) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (append && last !== null) query.set("before", String(last));
    if (kind.value) query.set("kind", kind.value);
    if (user.value) query.set("user_id", user.value);
    error.replaceChildren();
    try {
      const entries = await api("GET", `/admin/audit?${query}`);
      if (!append) body.replaceChildren();
      body.append(...entries.map(row));
      if (entries.length) last = entries[entries.length - 1].id;
      const none = body.children.length === 0;
      empty.hidden = !none;
      table.hidden = none;
      older.hidden = entries.length < PAGE;
      end.hidden = !(append && entries.length < PAGE);
    } catch (e) { error.replaceChildren(adminProblem(e)); }
  }
  const reload = () => { last = null; load(false); };
  kind.addEventListener("change", reload);
  user.addEventListener("change", reload);
  older.addEventListener("click", () => load(true));
  await load(false);

  return [subnav("#/admin/audit"), el("h1", {}, t("admin.audit.title")),
    el("div", { class: "inline-fields" },
      el("label", { for: "audit-kind" }, t("admin.audit.kind")), kind,
      el("label", { for: "audit-user" }, t("admin.audit.user")), user),
    error, empty, table, el("div", { class: "buttons" }, older), end];
}
