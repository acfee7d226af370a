// The seating rules on the seat map (DESIGN 4c), in headless Chromium, in
// Bahasa Indonesia: with `booking.no_single_gap` on, the seat a click would
// strand is greyed out before the click, the one beside the row's end is
// not, and "pick the best seats for me" holds a block at once. Run by
// tests/browser.rs with the server's address, the showtime, and the first
// two seats of a row that starts with regular seats.
import { chromium } from "playwright-core";
import T from "../../web/i18n/id.js";

const [base, showtime, first, second, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (text) => console.log(`step: ${text}`);

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ locale: "id-ID", viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (error) => { console.error(`page error: ${error}`); process.exitCode = 1; });

  step("a customer signs up and opens the showtime");
  await page.goto(`${base}/`);
  await page.waitForURL(/#\/login$/);
  const form = page.getByRole("form", { name: T["register.title"] });
  await form.getByLabel(T["register.name"], { exact: true }).fill("Sari");
  await form.getByLabel(T["register.email"], { exact: true }).fill(`sari-${Date.now()}@example.com`);
  await form.getByLabel(T["register.password"], { exact: true }).fill("correct horse");
  await form.getByRole("button", { name: T["register.submit"], exact: true }).click();
  await page.waitForURL(/#\/$/);
  await page.goto(`${base}/#/showtime/${showtime}`);
  const seat = (id) => page.locator(`button[data-seat="${id}"]`);
  await seat(first).waitFor();

  step("the seat beside the row's first one is greyed: a click would leave the first alone");
  if ((await seat(second).getAttribute("data-strands")) !== "true") throw new Error(`${second} is not greyed`);
  if ((await seat(first).getAttribute("data-strands")) !== "false") throw new Error(`${first} is greyed`);
  const label = await seat(second).getAttribute("aria-label");
  if (!label.includes(T["seats.wouldStrand"])) throw new Error(`the label does not say why: ${label}`);

  step("pick the best seats for me: two seats held at once");
  await page.getByRole("button", { name: T["seats.best"], exact: true }).click();
  const summary = page.locator("[data-summary]");
  await summary.locator("[data-total]").waitFor();
  const mine = await page.locator("button.seat.mine").count();
  if (mine !== 2) throw new Error(`${mine} seats are the customer's`);
  await page.screenshot({ path: `${shots}/id-best-seats.png`, fullPage: true });
  step("done");
} finally {
  await browser.close();
}
