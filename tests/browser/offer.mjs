// A cancelled showtime's offer (DESIGN 4c) in headless Chromium, in Bahasa
// Indonesia: the admin cancels a showtime in the overview with "offer a
// move" ticked and finds the offer among the refunds; the customer, who had
// paid two seats of it, opens the booking, sees the offer and moves to the
// next showtime of the movie with the seats suggested there, landing on the
// new booking, paid; the old booking says where it went; the admin finds the
// refund withdrawn. Run by tests/browser.rs, which checks the database
// afterwards; prints `moved_to: <booking id>`.
//
// Elements are found by role and accessible name taken from the catalogue,
// or by `data-` attributes: never by words written here.
import { chromium } from "playwright-core";
import T from "../../web/i18n/id.js";

const [base, showtime, target, cinemaId, date, email, password, booking, adminEmail, adminPassword, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (text) => console.log(`step: ${text}`);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
// A catalogue text as a whole-string pattern: `{name}` stands for anything.
const template = (key) => new RegExp(`^${escape(T[key]).replace(/\\\{\w+\\\}/g, ".+?")}$`);

async function expectText(locator, expected) {
  const text = (await locator.textContent()).trim();
  const ok = expected instanceof RegExp ? expected.test(text) : text === expected;
  if (!ok) throw new Error(`expected ${expected}, got ${JSON.stringify(text)}`);
}

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const pages = [];
try {
  const newPage = async () => {
    const context = await browser.newContext({ locale: "id-ID", timezoneId: "America/New_York", viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    pages.push(page);
    page.setDefaultTimeout(15000);
    page.on("pageerror", (error) => { console.error(`page error: ${error}`); process.exitCode = 1; });
    // A text missing from the catalogue is logged by `t()`.
    page.on("console", (message) => {
      if (message.type() === "error" && !/\/favicon\.ico$/.test(message.location().url || "")) {
        console.error(`console: ${message.text()}`);
        process.exitCode = 1;
      }
    });
    return page;
  };
  const signIn = async (page, who, secret) => {
    await page.goto(`${base}/#/login`);
    const login = page.getByRole("form", { name: T["login.title"] });
    await login.getByLabel(T["login.email"], { exact: true }).fill(who);
    await login.getByLabel(T["login.password"], { exact: true }).fill(secret);
    await login.getByRole("button", { name: T["login.submit"], exact: true }).click();
    await page.waitForURL(/#\/$/);
  };

  step("the admin cancels the showtime, offering a move");
  const admin = await newPage();
  await signIn(admin, adminEmail, adminPassword);
  await admin.goto(`${base}/#/admin`);
  await admin.getByLabel(T["admin.overview.cinema"], { exact: true }).selectOption(cinemaId);
  const day = admin.getByLabel(T["admin.overview.date"], { exact: true });
  await day.fill(date);
  await day.dispatchEvent("change");
  await admin.locator(`#main [data-shows="${cinemaId}/${date}"]`).waitFor();
  const row = admin.locator(`tr[data-showtime="${showtime}"]`);
  await row.getByRole("button", { name: T["admin.cancel.open"], exact: true }).click();
  await row.getByLabel(T["admin.cancel.reason"], { exact: true }).fill("projector failure");
  await row.getByLabel(T["admin.cancel.offerMove"], { exact: true }).check();
  await admin.screenshot({ path: `${shots}/offer-admin-cancel.png`, fullPage: true });
  await row.getByRole("button", { name: T["admin.cancel.confirm"], exact: true }).click();
  await admin.locator(`tr[data-showtime="${showtime}"] [data-status="cancelled"]`).waitFor();
  await expectText(admin.locator("#status"), template("admin.cancel.doneOffers"));

  step("the offer is among the refunds, as an offer");
  await admin.getByLabel(T["admin.refunds.filter"], { exact: true }).selectOption("offered");
  await admin.locator('[data-section="refunds"] [data-shows="offered"]').waitFor();
  await expectText(admin.locator('[data-section="refunds"] tr[data-refund] [data-status="offered"]'), T["status.offered"]);

  step("the customer opens the booking and sees the offer");
  const customer = await newPage();
  await signIn(customer, email, password);
  await customer.goto(`${base}/#/bookings/${booking}`);
  const offer = customer.locator('section[data-offer="pending"]');
  await offer.getByRole("heading", { name: T["offer.title"], exact: true }).waitFor();
  await expectText(customer.locator('p.refund [data-status="offered"]'), T["status.offered"]);
  await expectText(offer.locator("[data-decide-by]"), template("offer.decideBy"));
  const choice = offer.locator(`li[data-choice="${target}"]`);
  const seats = (await choice.locator("[data-seats]").getAttribute("data-seats")).split(",");
  if (seats.length !== 2) throw new Error(`two seats suggested, not ${seats}`);
  await offer.getByRole("button", { name: T["offer.refund"], exact: true }).waitFor();
  await customer.screenshot({ path: `${shots}/offer-booking.png`, fullPage: true });

  step(`the customer moves to showtime ${target}, seats ${seats.join(" and ")}`);
  await choice.getByRole("button", { name: T["offer.move"], exact: true }).click();
  await customer.waitForURL((url) => /#\/bookings\/[\w-]+$/.test(url.hash) && !url.hash.endsWith(`/${booking}`));
  const movedTo = customer.url().match(/#\/bookings\/([\w-]+)$/)[1];
  console.log(`moved_to: ${movedTo}`);
  await expectText(customer.locator(`h1[data-booking="${movedTo}"] [data-status]`), T["status.paid"]);
  await customer.locator(`p[data-moved-from="${booking}"]`).getByRole("link", { name: T["booking.openOld"], exact: true }).waitFor();
  for (const seat of seats) {
    await customer.locator(`article[data-ticket] h3[data-seat="${seat}"] [data-status="valid"]`).waitFor();
  }
  await customer.locator("article[data-ticket] .qr svg").first().waitFor();
  await customer.screenshot({ path: `${shots}/offer-moved.png`, fullPage: true });

  step("the old booking says where it went");
  await customer.getByRole("link", { name: T["booking.openOld"], exact: true }).click();
  await expectText(customer.locator(`h1[data-booking="${booking}"] [data-status]`), T["status.moved"]);
  await expectText(customer.locator('p.refund [data-status="withdrawn"]'), T["status.withdrawn"]);
  await customer.locator(`p[data-moved-to="${movedTo}"]`).getByRole("link", { name: T["booking.openNew"], exact: true }).waitFor();
  if (await customer.locator("section[data-offer]").count()) throw new Error("the offer is still shown");

  step("the admin finds the refund withdrawn");
  await admin.getByLabel(T["admin.refunds.filter"], { exact: true }).selectOption("withdrawn");
  await admin.locator('[data-section="refunds"] [data-shows="withdrawn"]').waitFor();
  await expectText(admin.locator('[data-section="refunds"] tr[data-refund] [data-status="withdrawn"]'), T["status.withdrawn"]);
  if (process.exitCode) throw new Error("the pages logged errors");
  step("done");
} catch (error) {
  // What each browser showed when it went wrong.
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: `${shots}/offer-failure-${i}.png`, fullPage: true }).catch(() => {});
    console.error(`page ${i} at ${page.url()}: ${(await page.locator("#status").textContent().catch(() => "")) || ""}`);
  }
  throw error;
} finally {
  await browser.close();
}
