// The buying journey in headless Chromium, two customers and an admin in
// separate browser contexts. Run by tests/browser.rs with the server's
// address and the showtime to use; screenshots go to SCREENSHOTS.
import { chromium } from "playwright-core";

const [base, showtime, cinemaId, cityName, cinemaName, date, adminEmail, adminPassword, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (text) => console.log(`step: ${text}`);

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const pages = [];
try {
  const newPage = async (mobile) => {
    const context = await browser.newContext(mobile ? { viewport: { width: 390, height: 844 } } : { viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    pages.push(page);
    page.setDefaultTimeout(15000);
    page.on("pageerror", (error) => { console.error(`page error: ${error}`); process.exitCode = 1; });
    return page;
  };
  const register = async (page, name) => {
    await page.goto(`${base}/`);
    await page.waitForURL(/#\/login$/);
    const form = page.locator('form[aria-label="Register"]');
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("E-mail").fill(`${name.toLowerCase()}-${Date.now()}@example.com`);
    await form.getByLabel("Password (8+ characters)").fill("correct horse");
    await form.getByRole("button", { name: "Register" }).click();
    await page.waitForURL(/#\/$/);
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
  await ani.getByRole("link", { name: cityName }).click();
  await ani.getByRole("link", { name: cinemaName }).click();
  await ani.waitForURL(new RegExp(`#/cinema/${cinemaId}$`));
  await ani.goto(`${base}/#/cinema/${cinemaId}/${date}`);
  await ani.locator(`a[href="#/showtime/${showtime}"]`).click();
  await seat(ani, "C5").waitFor();

  step("customer B opens the same showtime in another browser");
  const budi = await newPage(false);
  await register(budi, "Budi");
  await budi.goto(`${base}/#/showtime/${showtime}`);
  await hasClass(seat(budi, "C5"), "available");

  step("A clicks C5 (with the keyboard): held at once");
  await seat(ani, "C5").focus();
  await ani.keyboard.press("Enter");
  await hasClass(seat(ani, "C5"), "mine");
  await ani.getByText(/Held for \d+:\d\d/).waitFor();

  step("B sees C5 taken without reloading");
  await hasClass(seat(budi, "C5"), "locked");
  await budi.screenshot({ path: `${shots}/seat-map-live.png`, fullPage: true });

  step("A pays in the sandbox and sees the e-ticket with its QR");
  await ani.getByRole("button", { name: "Pay", exact: true }).click();
  await ani.waitForURL(/\/sandbox\/pay\//);
  await ani.getByRole("button", { name: /^Pay / }).click();
  await ani.getByText("Payment: paid").waitFor();
  await ani.getByRole("link", { name: "Back to Bioskop" }).waitFor();
  // The result page sends the payer back to the booking's page by itself.
  await ani.waitForURL(/\/#\/bookings\/[\w-]+$/);
  await ani.locator("article[data-ticket] .qr svg").first().waitFor();
  await ani.getByText("Seat C5").waitFor();
  await ani.screenshot({ path: `${shots}/e-ticket.png`, fullPage: true });

  step("B sees C5 sold");
  await hasClass(seat(budi, "C5"), "sold");

  step("the admin cancels the showtime, with a reason");
  const admin = await newPage(false);
  await admin.goto(`${base}/#/login`);
  const login = admin.locator('form[aria-label="Log in"]');
  await login.getByLabel("E-mail").fill(adminEmail);
  await login.getByLabel("Password").fill(adminPassword);
  await login.getByRole("button", { name: "Log in" }).click();
  await admin.waitForURL(/#\/$/);
  await admin.goto(`${base}/#/admin`);
  await admin.getByLabel("Cinema").selectOption(cinemaId);
  await admin.getByLabel("Date").fill(date);
  await admin.getByLabel("Date").dispatchEvent("change");
  const row = admin.locator(`tr[data-showtime="${showtime}"]`);
  await row.getByRole("button", { name: "Cancel…" }).click();
  await row.getByLabel("Reason").fill("projector failure");
  await row.getByRole("button", { name: "Confirm cancellation" }).click();
  await admin.getByText(/Cancelled: 1 tickets refunded, 1 refunds queued/).waitFor();

  step("B's seat map says the showtime was cancelled, live");
  await budi.getByText("This showtime was cancelled.").waitFor();
  await hasClass(seat(budi, "C5"), "available");

  step("A sees the refund");
  await ani.goto(`${base}/#/me`);
  for (let i = 0; ; i++) {
    const refund = await ani.locator("tbody tr td:last-child .badge").first().textContent().catch(() => "");
    if (refund === "succeeded") break;
    if (i > 50) throw new Error(`the refund never succeeded: ${refund}`);
    await ani.waitForTimeout(200);
    await ani.reload();
  }
  await ani.getByText("refunded").first().waitFor();
  await ani.screenshot({ path: `${shots}/refund.png`, fullPage: true });
  await admin.reload();
  await admin.locator("section[aria-label=Refunds] .badge.succeeded").first().waitFor();
  await admin.screenshot({ path: `${shots}/admin.png`, fullPage: true });
  step("done");
} catch (error) {
  // What each browser showed when it went wrong.
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: `${shots}/failure-${i}.png`, fullPage: true }).catch(() => {});
    console.error(`page ${i} at ${page.url()}: ${(await page.locator("#status").textContent().catch(() => "")) || ""}`);
  }
  throw error;
} finally {
  await browser.close();
}
