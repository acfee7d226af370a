// The back office in headless Chromium: the admin builds a city, a cinema in
// Makassar, an auditorium (layout editor, live preview), a movie and a
// showtime; a customer holds a seat of it; the admin blocks another seat and
// the customer's map shows it live. Run by tests/browser.rs with the server's
// address and the admin's credentials; screenshots go to SHOTS. Elements are
// found by role, by their label in the Indonesian catalogue, or by `data-`
// attributes: never by English words.
import { chromium } from "playwright-core";
import id from "../../web/i18n/id.js";

const [base, adminEmail, adminPassword, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const step = (text) => console.log(`step: ${text}`);
const T = (key) => { if (id[key] === undefined) throw new Error(`no ${key} in id.js`); return id[key]; };
const exact = (key) => ({ name: T(key), exact: true });

const ZONE = "Asia/Makassar";
const localDate = (days) => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
  .format(new Date(Date.now() + days * 86400000));
const tomorrow = localDate(1);
const stamp = Date.now().toString(36);

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const pages = [];
try {
  const newPage = async (mobile) => {
    const context = await browser.newContext({
      locale: "id-ID",
      viewport: mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    pages.push(page);
    page.setDefaultTimeout(15000);
    page.on("pageerror", (error) => { console.error(`page error: ${error}`); process.exitCode = 1; });
    page.on("console", (message) => {
      if (message.type() === "error" && /^no text /.test(message.text())) { console.error(`missing text: ${message.text()}`); process.exitCode = 1; }
    });
    return page;
  };
  const hasClass = async (locator, name) => {
    await locator.waitFor();
    await locator.evaluate((node, name) => new Promise((resolve) => {
      const check = () => node.classList.contains(name) && resolve();
      check();
      new MutationObserver(check).observe(node, { attributes: true });
    }), name);
  };

  step("the admin logs in through the login form");
  const admin = await newPage(false);
  await admin.goto(`${base}/`);
  await admin.waitForURL(/#\/login$/);
  const login = admin.locator("form").first();
  await login.locator("input[name=email]").fill(adminEmail);
  await login.locator("input[name=password]").fill(adminPassword);
  await login.locator("button[type=submit]").click();
  await admin.waitForURL(/#\/$/);

  step("a city and a cinema in Makassar (WITA)");
  await admin.goto(`${base}/#/admin/cinemas`);
  await admin.getByRole("heading", exact("admin.cinemas.title")).waitFor();
  const city = `Makassar ${stamp}`;
  const newCity = admin.locator('form[aria-labelledby="admin-new-city"]');
  await newCity.getByLabel(T("admin.cities.name")).fill(city);
  await newCity.getByRole("button", exact("admin.cities.create")).click();
  const newCinema = admin.locator('form[data-cinema-form="new"]');
  await newCinema.getByLabel(T("admin.cinemas.city")).locator(`option`, { hasText: city }).waitFor({ state: "attached" });
  await newCinema.getByLabel(T("admin.cinemas.city")).selectOption({ label: city });
  const cinema = `XXI Losari ${stamp}`;
  // A cinema without an address: the server's 422 shows next to the field.
  await newCinema.getByLabel(T("admin.cinemas.name"), { exact: true }).fill(cinema);
  await newCinema.getByLabel(T("admin.cinemas.timezone")).selectOption(ZONE);
  await newCinema.getByRole("button", exact("admin.cinemas.create")).click();
  await newCinema.locator('[data-error-for="address"]', { hasText: T("admin.field.address") }).waitFor();
  await newCinema.getByLabel(T("admin.cinemas.address")).fill("Jl. Penghibur 1");
  await newCinema.getByRole("button", exact("admin.cinemas.create")).click();
  await admin.waitForURL(/#\/admin\/cinemas\/\d+$/);
  await admin.getByText(T("admin.tz.makassar")).first().waitFor();

  step("an auditorium in the layout editor: the preview follows the typing");
  await admin.getByRole("link", exact("admin.auditoriums.new")).click();
  await admin.waitForURL(/auditoriums\/new$/);
  const editor = admin.locator("form.layout-editor");
  await editor.getByLabel(T("admin.layout.name")).fill("Studio 1");
  await editor.getByLabel(T("admin.layout.classes")).fill("R = regular\nP = premium\nC = couple");
  const rows = editor.locator("textarea[name=rows]");
  await rows.fill("");
  await rows.focus();
  await admin.keyboard.type("RRRR_RRRR");
  const preview = admin.locator("[data-preview]");
  await preview.locator('[data-seat="A8"]').waitFor();
  await admin.keyboard.press("Enter");
  await admin.keyboard.type("PPPPXPPPP");
  // X is not a class: the problem names row B, column 5, and the preview keeps the rest.
  const problem = editor.locator('[data-layout-problems] li[data-field="rows[1][4]"]');
  await problem.waitFor();
  if (!(await problem.textContent()).includes("5")) throw new Error("the problem does not name column 5");
  await preview.locator('[data-seat="B8"]').waitFor();
  // Sent as it is, the server's 422 `invalid_layout` shows next to the rows.
  await editor.getByRole("button", exact("admin.layout.create")).click();
  await editor.locator('[data-error-for="rows"]', { hasText: T("problem.invalid_layout") }).waitFor();
  await rows.evaluate((node) => { node.focus(); node.setSelectionRange(node.value.length, node.value.length); });
  await admin.keyboard.press("Backspace");
  await admin.keyboard.press("Backspace");
  await admin.keyboard.press("Backspace");
  await admin.keyboard.press("Backspace");
  await admin.keyboard.press("Backspace");
  await admin.keyboard.type("_PPPP");
  await problem.waitFor({ state: "detached" });
  await admin.keyboard.press("Enter");
  await admin.keyboard.type("CC__CC");
  await preview.locator('[data-seat="C4"].couple').waitFor();
  const couple = await preview.locator('[data-seat="C1"]').boundingBox();
  const single = await preview.locator('[data-seat="A1"]').boundingBox();
  if (!(couple.width > single.width * 1.8)) throw new Error(`a couple seat is not two cells wide: ${couple.width} vs ${single.width}`);
  await admin.screenshot({ path: `${shots}/admin-layout-editor.png`, fullPage: true });
  await editor.getByRole("button", exact("admin.layout.create")).click();
  await admin.waitForURL(/#\/admin\/auditoriums\/\d+$/);
  const auditorium = admin.url().match(/auditoriums\/(\d+)$/)[1];

  step("a movie");
  await admin.goto(`${base}/#/admin/movies`);
  const movieForm = admin.locator('form[data-movie-form="new"]');
  const title = `Laskar Pelangi ${stamp}`;
  await movieForm.getByLabel(T("admin.movies.titleField")).fill(title);
  await movieForm.getByLabel(T("admin.movies.duration")).fill("125");
  await movieForm.getByLabel(T("admin.movies.rating")).selectOption("SU");
  await movieForm.getByLabel(T("admin.movies.genres")).fill("drama, keluarga");
  await movieForm.getByLabel(T("admin.movies.poster")).fill("http://example.com/p.jpg");
  await movieForm.getByRole("button", exact("admin.movies.create")).click();
  await movieForm.locator('[data-error-for="poster_url"]', { hasText: T("admin.field.poster_url") }).waitFor();
  await movieForm.getByLabel(T("admin.movies.poster")).fill("https://example.com/p.jpg");
  await movieForm.getByRole("button", exact("admin.movies.create")).click();
  await admin.locator("tr[data-movie]", { hasText: title }).waitFor();

  step("a showtime tomorrow at 19:30 Makassar time, on the week's time line");
  await admin.goto(`${base}/#/admin/programme/${auditorium}/${tomorrow}`);
  const addOne = admin.locator('form[data-form="add-one"]');
  await addOne.getByLabel(T("admin.programme.movie")).selectOption({ label: title });
  await addOne.getByLabel(T("admin.programme.date")).fill(tomorrow);
  await addOne.getByLabel(T("admin.programme.time")).fill("19:30");
  await addOne.getByLabel("regular", { exact: true }).fill("50000");
  await addOne.getByLabel("premium", { exact: true }).fill("75000");
  await addOne.getByLabel("couple", { exact: true }).fill("120000");
  await addOne.getByRole("button", exact("admin.programme.add")).click();
  const block = admin.locator(`.tl-row[data-day="${tomorrow}"] .tl-block[data-showtime]`);
  await block.first().waitFor();
  const showtime = await block.first().getAttribute("data-showtime");
  console.log(`showtime: ${showtime}`);
  const blockText = await block.first().textContent();
  if (!/19[.:]30/.test(blockText)) throw new Error(`the block does not say 19.30: ${blockText}`);
  await admin.locator(`.tl-row[data-day="${tomorrow}"] .tl-gap`).first().waitFor();
  // Another one at 21:40: within the first's 125 minutes and cleaning gap: 409 next to the time.
  await addOne.getByLabel(T("admin.programme.time")).fill("21:40");
  await addOne.getByRole("button", exact("admin.programme.add")).click();
  await addOne.locator('[data-error-for="starts_at"]', { hasText: T("problem.showtime_overlap") }).waitFor();
  step("the admin changes a price of the chosen showtime");
  await block.first().click();
  const priceForm = admin.locator('form[aria-labelledby="admin-prices"]');
  await priceForm.getByLabel("regular", { exact: true }).fill("55000");
  await priceForm.getByRole("button", exact("admin.programme.savePrices")).click();
  await admin.locator('section[aria-labelledby="admin-chosen"] .price', { hasText: /55[.,]000/ }).waitFor();
  await admin.screenshot({ path: `${shots}/admin-programme.png`, fullPage: true });
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.screenshot({ path: `${shots}/admin-programme-phone.png`, fullPage: true });
  await admin.setViewportSize({ width: 1280, height: 900 });

  step("a customer on a phone holds a seat and sees the Makassar time");
  const customer = await newPage(true);
  await customer.goto(`${base}/`);
  await customer.waitForURL(/#\/login$/);
  const register = customer.locator("form").nth(1);
  await register.locator("input[name=name]").fill("Ani");
  await register.locator("input[name=email]").fill(`ani-${stamp}@example.com`);
  await register.locator("input[name=password]").fill("correct horse");
  await register.locator("button[type=submit]").click();
  await customer.waitForURL(/#\/$/);
  await customer.goto(`${base}/#/showtime/${showtime}`);
  const seat = (page, seatId) => page.locator(`button[data-seat="${seatId}"]`);
  await hasClass(seat(customer, "A1"), "available");
  await seat(customer, "A1").click();
  await hasClass(seat(customer, "A1"), "mine");
  await customer.getByText(/19[.:]30/).first().waitFor();

  step("the admin blocks A3 on the showtime's map; the customer's map shows it at once");
  await admin.goto(`${base}/#/admin/showtimes/${showtime}/seats`);
  await hasClass(seat(admin, "A1"), "locked");
  await seat(admin, "A3").focus();
  await admin.keyboard.press("Enter");
  await hasClass(seat(admin, "A3"), "picked");
  await admin.getByLabel(T("admin.seats.reason")).fill("kursi rusak");
  await admin.getByRole("button", exact("admin.seats.blockButton")).click();
  await hasClass(seat(admin, "A3"), "blocked");
  await admin.screenshot({ path: `${shots}/admin-blocked-seats.png`, fullPage: true });
  await seat(customer, "A3").evaluate((node) => new Promise((resolve) => {
    const check = () => (node.classList.contains("blocked") || node.disabled) && resolve();
    check();
    new MutationObserver(check).observe(node, { attributes: true });
  }));
  const customerA3 = await seat(customer, "A3").evaluate((node) => ({ className: node.className, disabled: node.disabled }));
  console.log(`customer's A3: ${JSON.stringify(customerA3)}`);
  step("done");
} catch (error) {
  for (const [i, page] of pages.entries()) {
    await page.screenshot({ path: `${shots}/admin-failure-${i}.png`, fullPage: true }).catch(() => {});
    console.error(`page ${i} at ${page.url()}: ${(await page.locator("#status").textContent().catch(() => "")) || ""}`);
  }
  throw error;
} finally {
  await browser.close();
}
