// The buying journey in headless Chromium, two customers and an admin in
// separate browser contexts, in one language (`id`, the default, or `en`,
// chosen with the nav's switch). Run by tests/browser.rs with the server's
// address and the showtime to use; screenshots go to SCREENSHOTS. The
// session is checked on the way: an HttpOnly cookie, no token in
// localStorage, a change without the CSRF header refused, and signing out
// clears the cookies.
//
// Elements are found by role and accessible name or label taken from the
// catalogues (`web/i18n/*.js`), or by `data-` attributes: never by English
// written here.
import { chromium } from "playwright-core";
import id from "../../web/i18n/id.js";
import en from "../../web/i18n/en.js";

const [base, showtime, cinemaId, cityName, cinemaName, date, startsLocal, adminEmail, adminPassword, shots, language] = process.argv.slice(2);
const T = { id, en }[language];
if (!T) throw new Error(`no catalogue for ${language}`);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (text) => console.log(`step (${language}): ${text}`);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// A catalogue text as a whole-string pattern: `{name}` stands for anything.
const template = (key) => new RegExp(`^${escape(T[key]).replace(/\\\{\w+\\\}/g, ".+?")}$`);
const fill = (key, params) => T[key].replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
const shot = (name) => `${shots}/${language}-${name}.png`;

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const pages = [];
try {
  // Every context's browser speaks Indonesian and lives in another zone than
  // the cinema's: the pages must show the cinema's times anyway.
  const newPage = async (mobile) => {
    const context = await browser.newContext({
      locale: "id-ID",
      timezoneId: "America/New_York",
      viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    pages.push(page);
    page.setDefaultTimeout(15000);
    page.on("pageerror", (error) => { console.error(`page error: ${error}`); process.exitCode = 1; });
    page.on("console", (message) => { if (message.type() === "error") console.error(`console: ${message.text()}`); });
    return page;
  };
  // Waits (10 s at most) until `locator` shows `pattern` (a text or a RegExp).
  const expectText = async (locator, pattern) => {
    let text = "";
    for (const until = Date.now() + 10000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      text = ((await locator.textContent()) || "").trim();
      if (pattern instanceof RegExp ? pattern.test(text) : text === pattern) return;
    }
    throw new Error(`expected ${pattern}, found ${JSON.stringify(text)}`);
  };
  // The language: Indonesian on a first visit (the default); English when
  // chosen with the nav's switch, and still English after a reload.
  const speak = async (page) => {
    await page.locator("html[lang=id]").waitFor({ state: "attached" });
    if (language === "en") {
      await page.getByRole("combobox", { name: id["nav.language"] }).selectOption("en");
      await page.locator("html[lang=en]").waitFor({ state: "attached" });
      await page.reload();
      await page.getByRole("combobox", { name: en["nav.language"] }).waitFor();
      await page.locator("html[lang=en]").waitFor({ state: "attached" });
    }
    await page.getByRole("heading", { level: 1, name: T["login.welcome"] }).waitFor();
  };
  const register = async (page, name) => {
    await page.goto(`${base}/`);
    await page.waitForURL(/#\/login$/);
    await speak(page);
    const form = page.getByRole("form", { name: T["register.title"] });
    await form.getByLabel(T["register.name"], { exact: true }).fill(name);
    await form.getByLabel(T["register.email"], { exact: true }).fill(`${name.toLowerCase()}-${Date.now()}@example.com`);
    await form.getByLabel(T["register.password"], { exact: true }).fill("correct horse");
    await form.getByRole("button", { name: T["register.submit"], exact: true }).click();
    await page.waitForURL(/#\/$/);
    await page.getByRole("heading", { level: 1, name: T["cities.title"] }).waitFor();
  };
  const seat = (page, id) => page.locator(`button[data-seat="${id}"]`);
  const hasClass = async (locator, name) => {
    await locator.waitFor();
    await locator.evaluate((node, name) => new Promise((resolve) => {
      const check = () => node.classList.contains(name) && resolve();
      check();
      new MutationObserver(check).observe(node, { attributes: true });
    }), name);
  };

  step("customer A picks city, cinema, date and showtime, on a phone-sized screen");
  const ani = await newPage(true);
  await register(ani, "Ani");

  step("A's session is an HttpOnly cookie: no script reads it, and a change without its CSRF token is refused");
  const seen = await ani.evaluate(() => ({ cookie: document.cookie, stored: Object.keys(localStorage) }));
  if (seen.cookie.includes("bioskop_session")) throw new Error(`a script reads the session: ${seen.cookie}`);
  if (!/(^|; )bioskop_csrf=[0-9a-f]{64}($|;)/.test(seen.cookie)) throw new Error(`no CSRF cookie: ${seen.cookie}`);
  if (seen.stored.some((key) => /token|session/i.test(key))) throw new Error(`a token in localStorage: ${seen.stored}`);
  const jar = Object.fromEntries((await ani.context().cookies()).map((c) => [c.name, c]));
  const session = jar.bioskop_session;
  if (!session || !session.httpOnly || session.sameSite !== "Strict" || session.path !== "/") {
    throw new Error(`the session cookie: ${JSON.stringify(session)}`);
  }
  // As an injected script (or another page) would try it: the cookie goes
  // along, the CSRF header does not.
  const forged = await ani.evaluate(async (id) => {
    const response = await fetch("/api/v1/bookings", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ showtime_id: Number(id), seats: ["A1"] }),
    });
    return { status: response.status, code: (await response.json()).code };
  }, showtime);
  if (forged.status !== 403 || forged.code !== "csrf_failed") throw new Error(`a change without the CSRF token: ${JSON.stringify(forged)}`);
  await ani.getByRole("link", { name: cityName }).click();
  await ani.getByRole("heading", { level: 1, name: T["cinemas.title"] }).waitFor();
  await ani.getByRole("link", { name: cinemaName }).click();
  await ani.waitForURL(new RegExp(`#/cinema/${cinemaId}$`));
  await ani.getByRole("group", { name: T["cinema.dates"] }).getByRole("button", { name: T["cinema.today"] }).waitFor();
  await ani.goto(`${base}/#/cinema/${cinemaId}/${date}`);
  const time = ani.locator(`a[data-showtime="${showtime}"]`);
  // The cinema's own clock (`12.00` in Indonesian, `12:00` in English).
  const clock = language === "id" ? startsLocal.replace(":", ".") : startsLocal;
  await expectText(time.locator("[translate=no]").first(), clock);
  await time.click();
  await seat(ani, "C5").waitFor();
  await ani.getByRole("group", { name: T["seats.map"] }).waitFor();

  step("customer B opens the same showtime in another browser (which kept a bearer token of an older version)");
  const budi = await newPage(false);
  await budi.goto(`${base}/healthz`);
  await budi.evaluate(() => localStorage.setItem("bioskop.token", "an-old-bearer-token"));
  await register(budi, "Budi");
  if (await budi.evaluate(() => localStorage.getItem("bioskop.token")) !== null) throw new Error("the old token stayed in localStorage");
  await budi.goto(`${base}/#/showtime/${showtime}`);
  await hasClass(seat(budi, "C5"), "available");

  step("A clicks C5 (with the keyboard): held at once");
  await seat(ani, "C5").focus();
  await ani.keyboard.press("Enter");
  await hasClass(seat(ani, "C5"), "mine");
  await expectText(ani.locator("[data-countdown]"), template("seats.heldFor"));
  await ani.getByRole("complementary", { name: T["seats.side"] }).getByRole("heading", { name: T["seats.summary"] }).waitFor();
  const label = await seat(ani, "C5").getAttribute("aria-label");
  if (!template("seats.seat").test(label) || !label.includes(T["seats.state.mine"])) throw new Error(`the seat's label: ${label}`);

  step("B sees C5 taken without reloading");
  await hasClass(seat(budi, "C5"), "locked");
  await budi.screenshot({ path: shot("seat-map-live"), fullPage: true });

  step("A pays in the sandbox and sees the e-ticket with its QR");
  await ani.getByRole("button", { name: T["seats.pay"], exact: true }).click();
  await ani.waitForURL(/\/sandbox\/pay\//);
  await ani.getByRole("heading", { level: 1, name: T["sandbox.heading"] }).waitFor();
  const pay = ani.locator('button[data-action="pay"]');
  await expectText(pay, template("sandbox.pay"));
  await pay.click();
  await expectText(ani.locator('h1[data-outcome="paid"]'), fill("sandbox.result", { outcome: T["sandbox.outcome.paid"] }));
  await ani.getByRole("link", { name: T["sandbox.back"] }).waitFor();
  // The result page sends the payer back to the booking's page by itself.
  await ani.waitForURL(/\/#\/bookings\/[\w-]+$/);
  await ani.locator("article[data-ticket] .qr svg").first().waitFor();
  await expectText(ani.locator('article[data-ticket] h3[data-seat="C5"]'), new RegExp(`^${escape(fill("ticket.seat", { seat: "C5" }))}\\s+${escape(T["status.valid"])}$`));
  await ani.getByRole("heading", { name: T["booking.eticket"] }).waitFor();
  await ani.screenshot({ path: shot("e-ticket"), fullPage: true });

  step("B sees C5 sold");
  await hasClass(seat(budi, "C5"), "sold");

  step("the admin cancels the showtime, with a reason");
  const admin = await newPage(false);
  await admin.goto(`${base}/#/login`);
  const login = admin.getByRole("form", { name: id["login.title"] });
  await login.getByLabel(id["login.email"], { exact: true }).fill(adminEmail);
  await login.getByLabel(id["login.password"], { exact: true }).fill(adminPassword);
  await login.getByRole("button", { name: id["login.submit"], exact: true }).click();
  await admin.waitForURL(/#\/$/);
  await admin.goto(`${base}/#/admin`);
  // The admin pages are translated in their own branch: found here by their
  // structure and data- attributes only.
  await admin.locator("#main select").first().selectOption(cinemaId);
  const day = admin.locator('#main input[type="date"]').first();
  await day.fill(date);
  await day.dispatchEvent("change");
  await admin.locator(`#main [data-shows="${cinemaId}/${date}"]`).waitFor();
  const row = admin.locator(`tr[data-showtime="${showtime}"]`);
  await row.getByRole("button").first().click();
  await row.locator("input").first().fill("projector failure");
  await row.locator('button[type="submit"]').click();
  await admin.locator(`tr[data-showtime="${showtime}"] [data-status="cancelled"]`).waitFor();

  step("B's seat map says the showtime was cancelled, live");
  await budi.getByRole("alert").getByText(T["seats.cancelled"], { exact: true }).waitFor();
  await hasClass(seat(budi, "C5"), "available");

  step("A sees the refund");
  await ani.goto(`${base}/#/me`);
  await ani.getByRole("heading", { level: 1, name: T["me.title"] }).waitFor();
  for (let i = 0; ; i++) {
    const refund = await ani.locator('tbody tr td[data-cell="refund"] [data-status]').first().getAttribute("data-status", { timeout: 2000 }).catch(() => "");
    if (refund === "succeeded") break;
    if (i > 50) throw new Error(`the refund never succeeded: ${refund}`);
    await ani.waitForTimeout(200);
    await ani.reload();
  }
  await expectText(ani.locator('td[data-cell="refund"] [data-status="succeeded"]').first(), T["status.succeeded"]);
  await expectText(ani.locator('td[data-cell="status"] [data-status="refunded"]').first(), T["status.refunded"]);
  await ani.screenshot({ path: shot("refund"), fullPage: true });

  step("A signs out: both cookies are gone and the page asks to sign in");
  await ani.getByRole("button", { name: T["nav.logout"], exact: true }).click();
  await ani.waitForURL(/#\/login$/);
  await ani.getByRole("heading", { level: 1, name: T["login.welcome"] }).waitFor();
  const left = (await ani.context().cookies()).map((c) => c.name).filter((name) => name.startsWith("bioskop_"));
  if (left.length) throw new Error(`cookies left after signing out: ${left}`);
  await admin.reload();
  await admin.locator('tr[data-refund] [data-status="succeeded"]').first().waitFor();
  await admin.screenshot({ path: shot("admin"), fullPage: true });
  step("done");
} catch (error) {
  // What each browser showed when it went wrong.
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: `${shots}/${language}-failure-${i}.png`, fullPage: true }).catch(() => {});
    console.error(`page ${i} at ${page.url()}: ${(await page.locator("#status").textContent().catch(() => "")) || ""}`);
  }
  throw error;
} finally {
  await browser.close();
}
