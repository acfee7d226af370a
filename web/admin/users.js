// The staff and admin accounts (`#/admin/users`): a new account, and for each
// one its role, disabled or enabled, and a new password. The server keeps
// one active admin at least (409 `last_admin`, shown next to the account).
import { api, el, data, say, page } from "../lib.js";
import { t, fmtWhen } from "../i18n.js";
import { subnav, field, formError, showErrors, clearErrors, adminProblem } from "./common.js";

const ROLES = ["staff", "admin"];
const redraw = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

// The words for a failed change of an account.
function userProblem(error) {
  if (error && error.code === "email_taken") return t("admin.users.emailTaken");
  if (error && error.code === "last_admin") return t("admin.users.lastAdmin");
  return adminProblem(error);
}

export async function usersPage() {
  const users = await api("GET", "/admin/users");

  // ---- a new account
  const email = el("input", { type: "email", required: true, maxlength: 254, autocomplete: "off" });
  const name = el("input", { required: true, maxlength: 100, autocomplete: "off" });
  const role = el("select", {}, ROLES.map((r) => el("option", { value: r }, t(`admin.role.${r}`))));
  const password = el("input", { type: "password", required: true, minlength: 8, maxlength: 128, autocomplete: "new-password" });
  const create = el("form", { class: "card admin-form", novalidate: true, "aria-labelledby": "admin-new-user", "data-form": "new-user" },
    formError(),
    el("h2", { id: "admin-new-user" }, t("admin.users.new")),
    field(t("admin.users.email"), email, "email"),
    field(t("admin.users.name"), name, "name"),
    field(t("admin.users.role"), role, "role"),
    field(t("admin.users.password"), password, "password", t("admin.users.passwordHint")),
    el("button", { type: "submit" }, t("admin.users.create")));
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(create);
    try {
      await api("POST", "/admin/users", { email: email.value, name: name.value, role: role.value, password: password.value });
      say(t("admin.users.created"));
      redraw();
    } catch (error) {
      if (error.code === "email_taken") {
        const slot = create.querySelector('[data-error-for="email"]');
        slot.replaceChildren(userProblem(error));
        email.setAttribute("aria-invalid", "true");
        email.focus();
      } else showErrors(create, error);
    }
  });

  // ---- the accounts
  const row = (user) => {
    const error = el("p", { class: "field-error", role: "alert", "data-error-for": "", "data-user-error": user.id });
    const fail = (e) => { error.replaceChildren(userProblem(e)); };
    const patch = async (body, done) => {
      error.replaceChildren();
      try { await api("PATCH", `/admin/users/${user.id}`, body); say(done); redraw(); } catch (e) { fail(e); }
    };
    const roles = [...new Set([...ROLES, user.role])];
    const roleSelect = el("select", { "aria-label": t("admin.users.roleOf", { email: user.email }), "data-action": "role" },
      roles.map((r) => el("option", { value: r, selected: r === user.role }, t(`admin.role.${r}`))));
    // Changed with its button, not on `change`: the arrow keys on a select would send each step.
    const roleForm = el("form", { class: "inline-form", "data-form": "role" }, roleSelect,
      el("button", { type: "submit", class: "secondary" }, t("admin.users.setRole")));
    roleForm.addEventListener("submit", (event) => {
      event.preventDefault();
      if (roleSelect.value !== user.role) patch({ role: roleSelect.value }, t("admin.saved"));
    });
    const newPassword = el("input", { type: "password", minlength: 8, maxlength: 128, autocomplete: "new-password",
      "aria-label": t("admin.users.passwordOf", { email: user.email }), placeholder: t("admin.users.newPassword") });
    const passwordForm = el("form", { class: "inline-form", "data-form": "password" }, newPassword,
      el("button", { type: "submit", class: "secondary" }, t("admin.users.setPassword")));
    passwordForm.addEventListener("submit", (event) => {
      event.preventDefault();
      patch({ password: newPassword.value }, t("admin.users.passwordSet"));
    });
    const me = page.me && page.me.id === user.id;
    return el("tr", { "data-user": user.id, "data-email": user.email },
      el("td", {}, data(user.email), me ? [" ", el("span", { class: "badge" }, t("admin.users.you"))] : null, el("br"), data(user.name, { class: "muted" })),
      el("td", {}, roleForm),
      el("td", {}, el("span", { class: `badge ${user.disabled ? "cancelled" : "valid"}`, "data-state": user.disabled ? "disabled" : "active" },
        t(user.disabled ? "admin.users.disabled" : "admin.users.active"))),
      el("td", {}, data(fmtWhen(user.created_at, "UTC"))),
      el("td", {},
        el("button", { type: "button", class: user.disabled ? "secondary" : "danger", "data-action": user.disabled ? "enable" : "disable",
          onclick: () => patch({ disabled: !user.disabled }, t("admin.saved")) },
        t(user.disabled ? "admin.users.enable" : "admin.users.disable")),
        passwordForm, error));
  };

  return [subnav("#/admin/users"), el("h1", {}, t("admin.users.title")),
    create,
    el("section", { "aria-labelledby": "admin-users" },
      el("h2", { id: "admin-users" }, t("admin.users.list")),
      users.length === 0 ? el("p", {}, t("admin.users.none")) : el("div", { class: "table-scroll" }, el("table", { class: "admin-table" },
        el("thead", {}, el("tr", {}, ["admin.users.account", "admin.users.role", "admin.users.state", "admin.users.since", "admin.users.actions"]
          .map((k) => el("th", { scope: "col" }, t(k))))),
        el("tbody", {}, users.map(row)))))];
}
