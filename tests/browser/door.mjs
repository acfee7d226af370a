// The door page in headless Chromium: the admin makes a staff account in
// #/admin/users; the staff member signs in (and lands on #/door), picks the
// showtime and types a ticket's code: admitted, with its seat; the same code
// again: already used, at its time; an unknown code, first with the network
// down (and "try again"), then unknown. In Bahasa Indonesia (the default),
// then in English (the nav's language switch), each with its own ticket; the
// texts shown are the catalogue's of that language. Then the admin's sales
// report and its chart. Run by tests/browser.rs; screenshots go to SHOTS.
import { chromium } from "playwright-core";
import id from "../../web/i18n/id.js";
import en from "../../web/i18n/en.js";

const [base, showtime, date, seatId, codeId, seatEn, codeEn, adminEmail, adminPassword, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const catalogues = { id, en };
const step = (text) => console.log(`step: ${text}`);
const failures = [];

// ---- the texts of a catalogue as patterns (as languages.mjs reads them)
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const pattern = (value) => new RegExp(`^${escape(value.trim()).replace(/\\\{\w+\\\}/g, ".+?")}$`, "s");
const known = Object.fromEntries(Object.entries(catalogues).map(([code, c]) => [code,
  Object.values(c).filter((v) => /\p{L}/u.test(v.replace(/\{\w+\}/g, ""))).map(pattern)]));
const fill = (text, params) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));

// The visible texts of #main and the nav outside `[translate=no]`.
function shownTexts() {
  const out = [];
  for (const root of [document.getElementById("nav"), document.getElementById("main")]) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let text; (text = walker.nextNode());) {
      const parent = text.parentElement;
      if (!parent || parent.closest("script, style, [translate=no]")) continue;
      const shown = parent.closest("option") ? parent.closest("select") : parent;
      if (!shown.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      out.push(text.textContent.trim());
    }
    for (const node of root.querySelectorAll("[aria-label], [placeholder], [title]")) {
      if (node.closest("[translate=no]") || !node.checkVisibility()) continue;
      for (const name of ["aria-label", "placeholder", "title"]) if (node.hasAttribute(name)) out.push(node.getAttribute(name).trim());
    }
  }
  return out.filter((text) => /\p{L}/u.test(text));
}
async function onlyCatalogue(page, language, where) {
  const strange = [...new Set(await page.evaluate(shownTexts))].filter((text) => !known[language].some((p) => p.test(text)));
  for (const text of strange) failures.push(`${language} ${where}: ${JSON.stringify(text)} is not in ${language}.js`);
}

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const newPage = async (viewport) => {
    const context = await browser.newContext({ locale: "id-ID", timezoneId: "America/New_York", viewport });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on("pageerror", (error) => failures.push(`page error: ${error}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !/favicon\.ico/.test(message.location().url || "") && !/ERR_FAILED|Failed to load resource/.test(message.text())) {
        failures.push(`console: ${message.text()}`);
      }
    });
    return page;
  };
  const signIn = async (page, email, password, T) => {
    await page.goto(`${base}/#/login`);
    const form = page.getByRole("form", { name: T["login.title"] });
    await form.getByLabel(T["login.email"], { exact: true }).fill(email);
    await form.getByLabel(T["login.password"], { exact: true }).fill(password);
    await form.getByRole("button", { name: T["login.submit"], exact: true }).click();
  };

  step("the admin makes a staff account in #/admin/users (a short password first: 422 next to it)");
  const admin = await newPage({ width: 1280, height: 900 });
  await signIn(admin, adminEmail, adminPassword, id);
  await admin.waitForURL(/#\/$/);
  await admin.goto(`${base}/#/admin/users`);
  await admin.getByRole("heading", { level: 1, name: id["admin.users.title"], exact: true }).waitFor();
  const staffEmail = `door-${Date.now().toString(36)}@example.com`;
  const staffPassword = "staff password 1";
  const create = admin.locator('form[data-form="new-user"]');
  await create.getByLabel(id["admin.users.email"], { exact: true }).fill(staffEmail);
  await create.getByLabel(id["admin.users.name"], { exact: true }).fill("Sari Pintu");
  await create.getByLabel(id["admin.users.role"], { exact: true }).selectOption("staff");
  await create.getByLabel(id["admin.users.password"], { exact: true }).fill("short");
  await create.getByRole("button", { name: id["admin.users.create"], exact: true }).click();
  await create.locator('[data-error-for="password"]', { hasText: id["admin.field.password"] }).waitFor();
  await create.getByLabel(id["admin.users.password"], { exact: true }).fill(staffPassword);
  await create.getByRole("button", { name: id["admin.users.create"], exact: true }).click();
  await admin.locator(`tr[data-email="${staffEmail}"]`).waitFor();
  await onlyCatalogue(admin, "id", "#/admin/users");
  step("the only admin cannot be disabled: last_admin shown by the account");
  const self = admin.locator(`tr[data-email="${adminEmail}"]`);
  await self.locator('button[data-action="disable"]').click();
  await self.locator("[data-user-error]", { hasText: id["admin.users.lastAdmin"] }).waitFor();
  await self.locator('[data-state="active"]').waitFor();
  await admin.screenshot({ path: `${shots}/users.png`, fullPage: true });

  for (const [language, seat, code] of [["id", seatId, codeId], ["en", seatEn, codeEn]]) {
    const T = catalogues[language];
    step(`(${language}) the staff member signs in and lands on the door page`);
    const door = await newPage({ width: 390, height: 844 });
    await signIn(door, staffEmail, staffPassword, id);
    await door.waitForURL(/#\/door$/);
    await door.getByRole("heading", { level: 1, name: id["door.title"], exact: true }).waitFor();
    if (await door.locator('#nav a[href="#/admin"]').count()) failures.push("staff see the admin link");
    await door.locator('#nav a[href="#/door"]').waitFor();
    if (language === "en") {
      await door.locator("select[data-lang-switch]").selectOption("en");
      await door.getByRole("heading", { level: 1, name: en["door.title"], exact: true }).waitFor();
    }

    step(`(${language}) picks the showtime and types the code: admitted, with the seat`);
    await door.getByLabel(T["door.showtime"], { exact: true }).selectOption(showtime);
    const admittedBefore = Number(await door.locator("[data-count]").getAttribute("data-admitted"));
    const input = door.getByLabel(T["door.code"], { exact: true });
    await input.fill(code);
    await input.press("Enter");
    const result = door.locator(".door-result");
    await door.locator('[data-result="admitted"]').waitFor();
    await result.getByText(T["door.admitted"], { exact: true }).waitFor();
    await result.getByText(fill(T["door.seat"], { seat }), { exact: true }).waitFor();
    await door.locator(`[data-count][data-admitted="${admittedBefore + 1}"]`).waitFor();
    await door.locator("[data-count]", { hasText: pattern(fill(T["door.count"], { admitted: admittedBefore + 1, sold: 2 })) }).waitFor();
    await onlyCatalogue(door, language, "door, admitted");

    step(`(${language}) the same code again: already used, at its time`);
    await door.getByRole("button", { name: T["door.check"], exact: true }).click();
    await door.locator('[data-result="already_used"]').waitFor();
    await result.getByText(T["door.already_used"], { exact: true }).waitFor();
    const usedAt = new RegExp(`^${escape(T["door.usedAt"]).replace("\\{time\\}", "\\d{2}[.:]\\d{2}")}$`);
    await result.getByText(usedAt).waitFor();
    await onlyCatalogue(door, language, "door, already used");
    await door.screenshot({ path: `${shots}/door-${language}.png`, fullPage: true });

    step(`(${language}) an unknown code with the network down: says so, tries again: unknown`);
    await door.route("**/api/v1/checkin", (route) => route.abort());
    await input.fill("NOSUCHCODE1");
    await input.press("Enter");
    await door.locator('[data-result="network"]').waitFor();
    await result.getByText(T["door.network"], { exact: true }).waitFor();
    await onlyCatalogue(door, language, "door, network");
    await door.unroute("**/api/v1/checkin");
    await result.getByRole("button", { name: T["door.retry"], exact: true }).click();
    await door.locator('[data-result="not_found"]').waitFor();
    await result.getByText(T["door.not_found"], { exact: true }).waitFor();
    await onlyCatalogue(door, language, "door, not found");
    await door.context().close();
  }

  step("the audit trail, newest first, by kind: the staff account's creation");
  await admin.goto(`${base}/#/admin/audit`);
  await admin.getByRole("heading", { level: 1, name: id["admin.audit.title"], exact: true }).waitFor();
  await admin.locator("tr[data-audit]").first().waitFor();
  const ids = await admin.locator("tr[data-audit]").evaluateAll((rows) => rows.map((r) => Number(r.dataset.audit)));
  if (ids.some((n, i) => i > 0 && n >= ids[i - 1])) failures.push(`the audit trail is not newest first: ${ids}`);
  await admin.getByLabel(id["admin.audit.kind"], { exact: true }).selectOption("user.create");
  // The unfiltered list shows the creation too: wait for the filtered one to replace it.
  const filtered = await admin
    .waitForFunction(() => document.querySelectorAll('tr[data-audit]:not([data-kind="user.create"])').length === 0, null, { timeout: 10000 })
    .then(() => true, () => false);
  if (!filtered) failures.push("the kind filter left other kinds");
  await admin.locator('tr[data-audit][data-kind="user.create"]', { hasText: staffEmail }).waitFor();
  await onlyCatalogue(admin, "id", "#/admin/audit");
  await admin.screenshot({ path: `${shots}/audit.png`, fullPage: true });

  step("the admin's sales report of the showtime's day: a table and the chart's bars");
  await admin.goto(`${base}/#/admin/reports`);
  await admin.getByRole("heading", { level: 1, name: id["admin.reports.title"], exact: true }).waitFor();
  await admin.getByLabel(id["admin.reports.from"], { exact: true }).fill(date);
  await admin.getByLabel(id["admin.reports.to"], { exact: true }).fill(date);
  await admin.getByRole("button", { name: id["admin.reports.show"], exact: true }).click();
  await admin.locator(`tr[data-row="${date}"]`).waitFor();
  const chart = admin.locator('svg[data-chart="sales"][role="img"]');
  await chart.waitFor();
  if (await chart.getAttribute("aria-label") !== id["admin.reports.chart.label"]) failures.push("the chart's label");
  const bars = await chart.locator("rect").count();
  if (bars < 1) failures.push("the chart has no bar");
  const gross = Number(await chart.locator(`rect[data-day="${date}"]`).getAttribute("data-gross"));
  if (!(gross > 0)) failures.push(`the day's bar shows no gross (${gross})`);
  await onlyCatalogue(admin, "id", "#/admin/reports");
  step("the CSV: fetched with the session cookie, offered as a file");
  const [download] = await Promise.all([admin.waitForEvent("download"),
    admin.getByRole("button", { name: id["admin.reports.csv"], exact: true }).click()]);
  if (!/\.csv$/.test(download.suggestedFilename())) failures.push(`the CSV file's name: ${download.suggestedFilename()}`);
  await admin.screenshot({ path: `${shots}/report.png`, fullPage: true });
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`failures:\n${failures.join("\n")}`);
  process.exit(1);
}
console.log("door: done");
