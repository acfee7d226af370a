// Bioskop's customer pages and the router: plain JavaScript modules over the
// public JSON API and the live seat map (Server-Sent Events). No build step:
// the server embeds these files. The admin pages are in `admin.js`.
import { API, api, el, data, show, say, mayBeSignedIn, page, nav, badge, fail } from "./lib.js";
import { t, lang, setLang, catalogues, fmtTime, fmtWhen, fmtDate, fmtMoney, today } from "./i18n.js";
import { routes as adminRoutes } from "./admin.js";
import { routes as doorRoutes } from "./door.js";
import { runsOf, strands, companionsOf } from "./seating.js";

// A seat class (`regular`, `premium`, `couple`…) in the reader's language;
// a class an admin named otherwise shows as it is, as data.
function className(name) {
  const key = `class.${name}`;
  return catalogues[lang()][key] !== undefined ? t(key) : data(name);
}
const classWord = (name) => (catalogues[lang()][`class.${name}`] !== undefined ? t(`class.${name}`) : name);

// The document's language, title and the page's fixed parts, in the reader's language.
function drawFrame() {
  document.documentElement.lang = lang();
  document.title = t("app.title");
  nav.setAttribute("aria-label", t("nav.main"));
}

// ---------------------------------------------------------------- routing

const routes = [
  [/^#\/login$/, loginPage],
  [/^#\/?$/, citiesPage],
  [/^#\/city\/(\d+)$/, cinemasPage],
  [/^#\/cinema\/(\d+)(?:\/(\d{4}-\d{2}-\d{2}))?$/, cinemaPage],
  [/^#\/showtime\/(\d+)$/, showtimePage],
  // A gateway may append its own query (`?order_id=…`) after the hash when it sends the payer back.
  [/^#\/bookings\/([\w-]+)(?:\?.*)?$/, bookingPage],
  [/^#\/me$/, myPage],
  ...doorRoutes,
  ...adminRoutes,
];

async function route() {
  const current = ++page.generation;
  for (const stop of page.cleanup) stop();
  page.cleanup = [];
  const hash = location.hash || "#/";
  // Signed in is what `GET /me` says (200, or 401 for a session that ended
  // elsewhere); without the CSRF cookie there is no session to ask about.
  if (!page.me && mayBeSignedIn()) {
    try { page.me = await api("GET", "/me"); } catch { /* not signed in */ }
  }
  drawFrame();
  drawNav();
  // Booking needs an account: the flow asks for it first.
  if (!page.me && hash !== "#/login") { location.hash = "#/login"; return; }
  for (const [pattern, draw] of routes) {
    const match = hash.match(pattern);
    if (match) {
      try {
        const nodes = await draw(...match.slice(1));
        if (current === page.generation) show(nodes);
      } catch (error) { if (current === page.generation) fail(error); }
      return;
    }
  }
  show([el("h1", {}, t("notfound.title")), el("a", { href: "#/" }, t("notfound.back"))]);
}

function drawNav() {
  nav.replaceChildren(
    ...(page.me ? [
      el("a", { href: "#/" }, t("nav.cinemas")),
      el("a", { href: "#/me" }, t("nav.bookings")),
      page.me.role === "staff" || page.me.role === "admin" ? el("a", { href: "#/door", "data-nav": "door" }, t("nav.door")) : null,
      page.me.role === "admin" ? el("a", { href: "#/admin" }, t("nav.admin")) : null,
      data(page.me.name, { class: "muted" }),
      el("button", { class: "secondary", onclick: logout }, t("nav.logout")),
    ] : [el("a", { href: "#/login" }, t("nav.login"))]).filter(Boolean),
    languageSwitch(),
  );
}

// The language switch: remembered, and the current page is drawn again in
// the chosen language (the hold, the seat map and the booking stay as they are).
function languageSwitch() {
  const select = el("select", { "aria-label": t("nav.language"), "data-lang-switch": true },
    Object.keys(catalogues).map((code) =>
      el("option", { value: code, lang: code, "data-lang": code, selected: code === lang() }, t(`nav.lang.${code}`))));
  select.addEventListener("change", () => {
    setLang(select.value);
    route().then(() => {
      const again = nav.querySelector("[data-lang-switch]");
      if (again) again.focus();
    });
  });
  return select;
}

// The server ends the session and clears both cookies (also when the
// session had already ended); the page forgets who was signed in.
async function logout() {
  try { await api("POST", "/auth/logout"); } catch { /* already gone */ }
  page.me = null;
  location.hash = "#/login";
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
drawFrame();
main.replaceChildren(el("p", {}, t("app.loading")));

// ---------------------------------------------------------------- pages

function loginPage() {
  const login = el("form", { class: "card", "aria-label": t("login.title"), "data-form": "login" },
    el("h2", {}, t("login.title")),
    el("label", {}, t("login.email"), el("input", { name: "email", type: "email", required: true, autocomplete: "username" })),
    el("label", {}, t("login.password"), el("input", { name: "password", type: "password", required: true, autocomplete: "current-password" })),
    el("button", { type: "submit" }, t("login.submit")));
  const register = el("form", { class: "card", "aria-label": t("register.title"), "data-form": "register" },
    el("h2", {}, t("register.heading")),
    el("label", {}, t("register.name"), el("input", { name: "name", required: true, autocomplete: "name" })),
    el("label", {}, t("register.email"), el("input", { name: "email", type: "email", required: true, autocomplete: "email" })),
    el("label", {}, t("register.phone"), el("input", { name: "phone", type: "tel", autocomplete: "tel" })),
    el("label", {}, t("register.password"), el("input", { name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" })),
    el("button", { type: "submit" }, t("register.submit")));
  const submit = (path, form) => async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    if (!body.phone) delete body.phone;
    try {
      // The answer's token is for API clients: the browser's session is the
      // HttpOnly cookie the same answer set.
      const session = await api("POST", path, body);
      page.me = session.user;
      // Staff work at the door: they land there.
      location.hash = session.user && session.user.role === "staff" ? "#/door" : "#/";
    } catch (error) { fail(error); }
  };
  login.addEventListener("submit", submit("/auth/login", login));
  register.addEventListener("submit", submit("/auth/register", register));
  return [el("h1", {}, t("login.welcome")), login, register];
}

async function citiesPage() {
  const cities = await api("GET", "/cities");
  return [el("h1", {}, t("cities.title")),
    el("div", { class: "grid-list" }, cities.map((c) => el("a", { class: "button-link", href: `#/city/${c.id}`, "data-city": c.id }, data(c.name))))];
}

async function cinemasPage(cityId) {
  const cinemas = await api("GET", `/cinemas?city_id=${cityId}`);
  return [el("h1", {}, t("cinemas.title")),
    el("div", { class: "grid-list" }, cinemas.map((c) =>
      el("a", { class: "button-link", href: `#/cinema/${c.id}`, "data-cinema": c.id },
        el("strong", {}, data(c.name)), el("br"), data(c.address, { class: "muted" }))))];
}

function dateButtons(selected, href, timeZone) {
  return el("div", { class: "dates", role: "group", "aria-label": t("cinema.dates") },
    [0, 1, 2, 3, 4, 5, 6].map((n) => {
      const date = today(n, timeZone);
      const label = n === 0 ? t("cinema.today") : n === 1 ? t("cinema.tomorrow") : data(fmtDate(date));
      return el("button", { "aria-pressed": date === selected ? "true" : "false", "data-date": date, onclick: () => { location.hash = href(date); } }, label);
    }));
}

async function cinemaPage(cinemaId, date) {
  const cinema = await api("GET", "/cinemas").then((all) => all.find((c) => String(c.id) === cinemaId)).catch(() => null);
  const timeZone = cinema ? cinema.timezone : undefined;
  date = date || today(0, timeZone);
  const [movies, showtimes] = await Promise.all([
    api("GET", `/cinemas/${cinemaId}/movies?date=${date}`),
    api("GET", `/cinemas/${cinemaId}/showtimes?date=${date}`),
  ]);
  return [el("h1", {}, cinema ? data(cinema.name) : t("cinema.fallback")),
    dateButtons(date, (d) => `#/cinema/${cinemaId}/${d}`, timeZone),
    movies.length === 0 ? el("p", {}, t("cinema.none")) : null,
    movies.map((movie) => el("section", { class: "card movie", "data-movie": movie.id },
      poster(movie),
      el("div", {},
        el("h2", {}, data(movie.title), " ", data(movie.rating, { class: "badge" })),
        el("p", { class: "muted" }, t("cinema.minutes", { minutes: movie.duration_minutes }), " · ",
          data([...(movie.genres || []), movie.language].filter(Boolean).join(" · "))),
        movie.synopsis ? el("p", {}, data(movie.synopsis)) : null,
        el("div", { class: "times" }, showtimes.filter((s) => s.movie_id === movie.id).map((s) => {
          const cancelled = s.status === "cancelled";
          const params = { title: movie.title, when: fmtWhen(s.starts_at, s.timezone || timeZone), auditorium: s.auditorium, free: s.seats_available };
          return el("a", { class: "time-link" + (cancelled ? " cancelled" : ""), href: `#/showtime/${s.id}`, "data-showtime": s.id,
            "aria-label": t(cancelled ? "cinema.showtimeCancelled" : "cinema.showtime", params) },
            data(fmtTime(s.starts_at, s.timezone || timeZone)), " · ", data(s.auditorium),
            cancelled ? [" ", el("span", {}, t("cinema.cancelled"))] : null);
        }))))),
  ];
}

// A movie's poster, where it has one (only an https address is shown).
function poster(movie) {
  if (!movie.poster_url || !/^https:\/\//.test(movie.poster_url)) return null;
  return el("img", { class: "poster", src: movie.poster_url, alt: t("cinema.poster", { title: movie.title }),
    loading: "lazy", referrerpolicy: "no-referrer", width: 120, height: 180 });
}

// The seat map of a showtime: live, clickable, with the hold and its summary.
async function showtimePage(showtimeId) {
  const [showtime, map, bookings] = await Promise.all([
    api("GET", `/showtimes/${showtimeId}`),
    api("GET", `/showtimes/${showtimeId}/seats`),
    api("GET", "/bookings"),
  ]);
  const state = {
    seats: new Map(map.seats.map((s) => [s.id, s])),
    status: map.status,
    booking: bookings.find((b) => String(b.showtime_id) === showtimeId && (b.status === "held" || b.status === "awaiting_payment")) || null,
  };
  const prices = Object.fromEntries(showtime.prices.map((p) => [p.class, p.amount]));
  // Every time in the cinema's own zone, whatever the browser's.
  const zone = showtime.timezone || (showtime.cinema && showtime.cinema.timezone);
  const grid = el("div", { class: "seatmap", role: "group", "aria-label": t("seats.map") });
  const side = el("aside", { class: "card", "aria-label": t("seats.side"), "data-summary": true });
  const banner = el("p", { role: "alert" });
  const buttons = new Map();

  const rows = Math.max(...map.seats.map((s) => s.grid_row)) + 1;
  const cols = Math.max(...map.seats.map((s) => s.grid_col)) + 1;
  grid.style.gridTemplateRows = `repeat(${rows}, 2.1rem)`;
  grid.style.gridTemplateColumns = `repeat(${cols}, 2.1rem)`;
  // The runs of seats the no-lone-seat rule looks at.
  const runs = runsOf(map.seats);
  const runOf = new Map();
  runs.forEach((run, index) => run.ids.forEach((id) => runOf.set(id, index)));
  for (const seat of map.seats) {
    // A wheelchair space shows the accessibility symbol; its name is in its label.
    const face = seat.class === "wheelchair" ? data("♿") : data(seat.id);
    const button = el("button", { class: "seat", "data-seat": seat.id, onclick: () => clickSeat(seat.id) }, face);
    if (seat.class === "wheelchair") button.title = `${classWord(seat.class)} ${seat.id}`;
    button.style.gridRow = String(seat.grid_row + 1);
    button.style.gridColumn = seat.class === "couple" ? `${seat.grid_col + 1} / span 2` : String(seat.grid_col + 1);
    buttons.set(seat.id, button);
    grid.append(button);
  }

  const mine = (id) => !!state.booking && state.booking.seats.some((s) => s.id === id);
  // Whether clicking the seat would leave another alone (the server would
  // refuse it with `single_seat_gap`): greyed out before the click.
  const takenNow = (x) => mine(x) || state.seats.get(x).status !== "available";
  const fits = (seats) => !map.no_single_gap || strands(runs, runOf, takenNow, { take: seats }).length === 0;
  // A wheelchair space clicked first comes with a companion seat beside it,
  // one whose pair leaves nobody alone when there is one.
  const companionFor = (id) => (state.seats.get(id).class === "wheelchair" && !state.booking
    ? companionsOf(runs, runOf, state.seats, id, fits)[0] || null : null);
  function wouldStrand(id) {
    if (!map.no_single_gap) return false;
    if (mine(id)) return strands(runs, runOf, takenNow, { free: id }).length > 0;
    if (state.seats.get(id).status !== "available") return false;
    const companion = companionFor(id);
    return !fits(companion ? [id, companion] : [id]);
  }
  function paintSeat(id) {
    const seat = state.seats.get(id);
    const button = buttons.get(id);
    const status = mine(id) ? "mine" : seat.status;
    const stranding = wouldStrand(id);
    button.className = `seat ${seat.class} ${status}${stranding ? " strands" : ""}`;
    button.dataset.strands = stranding ? "true" : "false";
    button.setAttribute("aria-label", t("seats.seat", {
      seat: id, class: classWord(seat.class), price: fmtMoney(prices[seat.class] || 0, showtime.currency),
      state: stranding ? `${t(`seats.state.${status}`)}, ${t("seats.wouldStrand")}` : t(`seats.state.${status}`),
    }));
    button.setAttribute("aria-pressed", status === "mine" ? "true" : "false");
    // Sold and blocked (off sale: a broken seat, house seats) cannot be clicked.
    button.disabled = state.status === "cancelled" || status === "sold" || status === "blocked";
  }
  const paintAll = () => { for (const id of state.seats.keys()) paintSeat(id); drawSide(); };

  let timer = null;
  function drawSide() {
    clearInterval(timer);
    banner.textContent = state.status === "cancelled" ? t("seats.cancelled") : "";
    const b = state.booking;
    if (!b || b.seats.length === 0) {
      side.replaceChildren(el("h2", {}, t("seats.yours")), el("p", { class: "muted" }, t("seats.hint")), bestForm());
      return;
    }
    const countdown = el("p", { class: "countdown", "aria-live": "off", "data-countdown": true });
    const tick = () => {
      const left = Math.max(0, Math.floor((new Date(b.expires_at) - Date.now()) / 1000));
      countdown.textContent = t("seats.heldFor", { left: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` });
      if (left === 0) { clearInterval(timer); say(t("seats.ranOut")); reload(); }
    };
    tick();
    timer = setInterval(tick, 1000);
    side.replaceChildren(
      el("h2", {}, t("seats.summary")),
      countdown,
      el("p", {}, data(showtime.movie.title), el("br"), data(`${showtime.cinema.name} · ${showtime.auditorium.name}`), el("br"),
        data(fmtWhen(showtime.starts_at, b.timezone || zone))),
      el("table", {}, el("tbody", {},
        b.price_lines.map((l) => el("tr", {}, el("td", {}, data(`${l.quantity} ×`), " ", className(l.class)),
          el("td", {}, data(fmtMoney(l.amount, b.currency))))),
        el("tr", {}, el("th", {}, t("seats.total")), el("th", { "data-total": b.total }, data(fmtMoney(b.total, b.currency)))))),
      el("p", {}, t("seats.seats"), " ", data(b.seats.map((s) => s.id).join(", "))),
      el("button", { onclick: pay, "data-action": "pay" }, b.status === "awaiting_payment" ? t("seats.continue") : t("seats.pay")),
      " ",
      el("button", { class: "secondary", onclick: release, "data-action": "release" }, t("seats.release")));
  }
  page.cleanup.push(() => clearInterval(timer));

  async function reload() {
    const list = await api("GET", "/bookings");
    state.booking = list.find((x) => x.id === (state.booking && state.booking.id) && (x.status === "held" || x.status === "awaiting_payment")) || null;
    paintAll();
  }

  async function clickSeat(id) {
    if (state.status === "cancelled") return;
    try {
      if (mine(id)) {
        state.booking = await api("DELETE", `/bookings/${state.booking.id}/seats/${id}`);
      } else if (!state.booking) {
        // A wheelchair space comes with its companion seat.
        const companion = companionFor(id);
        const seats = companion ? [id, companion] : [id];
        state.booking = await api("POST", "/bookings", { showtime_id: Number(showtimeId), seats });
      } else {
        state.booking = await api("POST", `/bookings/${state.booking.id}/seats`, { seat: id });
      }
      if (state.seats.get(id).status === "available" && mine(id)) state.seats.get(id).status = "locked";
      paintAll();
      say(mine(id) ? t("seats.held", { seat: id }) : t("seats.unheld", { seat: id }));
    } catch (error) {
      if (error.code === "seat_unavailable") say(t("seats.taken", { seat: id }));
      else if (error.code === "single_seat_gap" && error.problem?.alternatives?.length) {
        const seats = error.problem.alternatives.map((set) => set.join(" + ")).join(", ");
        say(`${t("problem.single_seat_gap")} ${t("seats.insteadTry", { seats })}`);
      } else fail(error);
    }
  }

  // "Pick the best N seats for me": the server holds the best block at once.
  function bestForm() {
    const count = el("select", { id: "best-count", name: "count" },
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => el("option", { value: n, selected: n === 2 }, data(String(n)))));
    const form = el("form", { class: "best", "data-form": "best-seats" },
      el("label", { for: "best-count" }, t("seats.bestCount")), " ", count, " ",
      el("button", { type: "submit", "data-action": "best-seats" }, t("seats.best")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (state.status === "cancelled") return;
      try {
        state.booking = await api("POST", `/showtimes/${showtimeId}/best-seats`, { count: Number(count.value) });
        for (const s of state.booking.seats) if (state.seats.get(s.id).status === "available") state.seats.get(s.id).status = "locked";
        paintAll();
        say(t("seats.bestHeld", { seats: state.booking.seats.map((s) => s.id).join(", ") }));
      } catch (error) {
        if (error.code === "not_enough_adjacent") say(t("problem.not_enough_adjacent", { largest: error.problem?.largest_block ?? 0 }));
        else fail(error);
      }
    });
    return form;
  }

  async function pay() {
    try {
      const checkout = await api("POST", `/bookings/${state.booking.id}/payment`);
      location.href = checkout.redirect_url;
    } catch (error) { fail(error); }
  }

  async function release() {
    try {
      await api("DELETE", `/bookings/${state.booking.id}`);
      state.booking = null;
      paintAll();
      say(t("seats.released"));
    } catch (error) { fail(error); }
  }

  // Live: every change anyone makes shows here without reloading.
  const events = new EventSource(`${API}/showtimes/${showtimeId}/seats/events`);
  const apply = (event) => {
    const data = JSON.parse(event.data);
    state.status = data.showtime_status || state.status;
    for (const change of data.changes || []) {
      const seat = state.seats.get(change.seat);
      if (seat) seat.status = change.status;
    }
    paintAll();
  };
  events.addEventListener("snapshot", (event) => {
    const doc = JSON.parse(event.data);
    state.status = doc.status;
    for (const s of doc.seats) state.seats.set(s.id, { ...state.seats.get(s.id), status: s.status });
    paintAll();
  });
  events.addEventListener("seats", apply);
  events.addEventListener("showtime_cancelled", (event) => { apply(event); say(t("seats.cancelledLive")); });
  page.cleanup.push(() => events.close());

  const legend = el("div", { class: "legend", role: "group", "aria-label": t("seats.legend") },
    el("span", { style: "--c:var(--free)" }, t("seats.available")),
    el("span", { style: "--c:var(--mine)" }, t("seats.mine")),
    el("span", { style: "--c:var(--locked)" }, t("seats.locked")),
    el("span", { style: "--c:var(--sold)" }, t("seats.sold")),
    el("span", { style: "--c:var(--blocked)" }, t("seats.blocked")),
    map.no_single_gap ? el("span", { class: "strands-key", style: "--c:var(--free)" }, t("seats.strandsKey")) : null,
    map.seats.some((s) => s.class === "wheelchair") ? el("span", { style: "--c:transparent" }, data("♿"), " ", t("class.wheelchair")) : null,
    showtime.prices.map((p) => el("span", { style: "--c:transparent" }, className(p.class), ": ", data(fmtMoney(p.amount, p.currency)))));
  paintAll();
  return [
    el("h1", {}, data(showtime.movie.title)),
    el("p", { class: "muted" }, data(`${showtime.cinema.name} · ${showtime.auditorium.name} · ${fmtWhen(showtime.starts_at, zone)}`)),
    banner,
    el("div", { class: "layout" },
      el("section", { "aria-label": t("seats.section") }, el("div", { class: "screen" }, t("seats.screen")), grid, legend),
      side)];
}

async function ticketCard(ticket) {
  const heading = el("h3", { "data-seat": ticket.seat }, t("ticket.seat", { seat: ticket.seat }), " ", badge(ticket.status));
  // A refunded or moved ticket admits nobody: no code to show at the door.
  if (ticket.status !== "valid" && ticket.status !== "used") {
    return el("article", { class: "card", "data-ticket": ticket.id }, heading);
  }
  const qr = el("div", { class: "qr", role: "img", "aria-label": t("ticket.qr", { seat: ticket.seat }) });
  try {
    const response = await fetch(`${API}/tickets/${ticket.id}/qr.svg`, { credentials: "same-origin" });
    if (response.ok) qr.innerHTML = await response.text();
  } catch { /* the code below still admits */ }
  return el("article", { class: "card", "data-ticket": ticket.id },
    heading,
    qr,
    el("p", {}, el("code", { translate: "no" }, ticket.checkin_code)));
}

// How often, and how long at most, a booking waiting for its payment is asked again.
const PAYMENT_POLL_MS = 2000;
const PAYMENT_POLL_FOR_MS = 15 * 60 * 1000;

// Whichever gateway took the payment (the sandbox page, Midtrans), the payer
// comes back here, maybe before its result is known: while the booking waits
// for payment, ask again every two seconds and redraw when that changes.
async function bookingPage(bookingId) {
  const b = await api("GET", `/bookings/${bookingId}`);
  if (b.status === "awaiting_payment") watchPayment(b);
  return bookingView(b);
}

function watchPayment(first) {
  const started = page.generation;
  const until = Date.now() + PAYMENT_POLL_FOR_MS;
  let timer = null;
  const stop = () => { clearTimeout(timer); timer = null; };
  page.cleanup.push(stop);
  // Still this booking's page (the payer may have gone elsewhere meanwhile).
  const here = () => timer !== null && started === page.generation
    && (location.hash.match(/^#\/bookings\/([\w-]+)/) || [])[1] === first.id;
  const tick = async () => {
    try {
      const b = await api("GET", `/bookings/${first.id}`);
      if (!here()) return;
      if (b.status !== "awaiting_payment") {
        const nodes = await bookingView(b);
        if (!here()) return;
        stop();
        show(nodes);
        say(b.status === "paid" ? t("booking.paid") : t("booking.now", { status: t(`status.${b.status}`) }));
        return;
      }
    } catch { /* asked again below */ }
    if (here() && Date.now() < until) timer = setTimeout(tick, PAYMENT_POLL_MS);
  };
  timer = setTimeout(tick, PAYMENT_POLL_MS);
}

async function bookingView(b) {
  const tickets = b.status === "paid" || b.status === "refunded" || b.status === "moved"
    ? (await api("GET", "/tickets")).filter((t) => t.booking_id === b.id) : [];
  const refund = b.refund ? el("p", { class: "refund" }, t("booking.refund"), " ", badge(b.refund.status), " ",
    data(fmtMoney(b.refund.amount, b.refund.currency)),
    b.refund.status === "manual" ? [" ", el("span", {}, t("booking.refundManual"))] : null) : null;
  // While the refund is offered, the customer may move instead (DESIGN 4c).
  const offer = b.refund && b.refund.status === "offered"
    ? await api("GET", `/bookings/${b.id}/offer`).catch(() => null) : null;
  return [
    el("h1", { "data-booking": b.id }, data(b.movie_title), " ", badge(b.status)),
    el("p", { class: "muted" }, data(`${b.cinema} · ${b.auditorium} · ${fmtWhen(b.starts_at, b.timezone)}`)),
    b.showtime_status === "cancelled" ? el("p", { role: "alert" }, t("booking.cancelled")) : null,
    b.moved_to ? el("p", { "data-moved-to": b.moved_to }, t("booking.movedTo"), " ",
      el("a", { href: `#/bookings/${b.moved_to}` }, t("booking.openNew"))) : null,
    b.moved_from ? el("p", { "data-moved-from": b.moved_from }, t("booking.movedFrom"), " ",
      el("a", { href: `#/bookings/${b.moved_from}` }, t("booking.openOld"))) : null,
    refund,
    offer ? offerSection(b, offer) : null,
    el("p", {}, el("span", {}, t("booking.seats")), " ", data(b.seats.map((s) => s.id).join(", ")), " · ",
      el("span", {}, t("booking.total")), " ", data(fmtMoney(b.total, b.currency))),
    b.status === "paid" ? el("h2", {}, t("booking.eticket")) : null,
    el("div", { class: "tickets" }, await Promise.all(tickets.map(ticketCard))),
    b.status === "held" || b.status === "awaiting_payment" ? el("a", { href: `#/showtime/${b.showtime_id}` }, t("booking.back")) : null];
}

// The cancelled showtime's offer: the showtimes the customer may move to
// (with the seats suggested there), or the refund now. One decision: a move
// lands on the new booking; the refund, or a refused move, draws the page again.
function offerSection(b, offer) {
  const zone = offer.timezone || b.timezone;
  const buttons = [];
  const decide = (path, body, done) => async () => {
    for (const button of buttons) button.disabled = true;
    try {
      const answer = await api("POST", `/bookings/${b.id}/offer/${path}`, body);
      done(answer);
    } catch (error) {
      // Said in the status line; the choices may have changed (seats taken
      // meanwhile, or decided elsewhere): the page is drawn again.
      fail(error);
      route();
    }
  };
  const moved = (answer) => {
    if (answer.moved_to) {
      location.hash = `#/bookings/${answer.moved_to}`;
      say(t("offer.moved"));
    } else route();
  };
  const choice = (c) => {
    const id = `offer-choice-${c.showtime_id}`;
    const seats = c.suggested_seats || [];
    const move = seats.length > 0 ? el("button", { type: "button", "data-action": "move", "aria-describedby": id,
      onclick: decide("move", { showtime_id: c.showtime_id, seats }, moved) }, t("offer.move")) : null;
    if (move) buttons.push(move);
    return el("li", { "data-choice": c.showtime_id },
      el("p", { id },
        el("strong", {}, data(fmtWhen(c.starts_at, zone))), " · ", data(c.auditorium), " · ",
        t("offer.free", { free: c.free_seats }), el("br"),
        seats.length > 0 ? [el("span", {}, t("offer.seats")), " ", data(seats.join(", "), { "data-seats": seats.join(",") })]
          : el("span", {}, t("offer.noSeats"))),
      move);
  };
  const section = el("section", { class: "card offer", "aria-labelledby": "offer-title", "data-offer": offer.status },
    el("h2", { id: "offer-title" }, t("offer.title")));
  if (offer.status === "moving") {
    section.append(el("p", {}, t("offer.moving")));
    return section;
  }
  if (offer.status !== "pending") return null;
  const refund = el("button", { type: "button", class: "secondary", "data-action": "take-refund",
    onclick: decide("refund", undefined, () => { say(t("offer.refunding")); route(); }) }, t("offer.refund"));
  buttons.push(refund);
  const choices = offer.choices || [];
  section.append(
    el("p", {}, t("offer.intro", { amount: fmtMoney(offer.amount, offer.currency) })),
    el("p", { "data-decide-by": offer.decide_by }, t("offer.decideBy", { when: fmtWhen(offer.decide_by, zone) })),
    el("h3", {}, t("offer.choices")),
    choices.length === 0 ? el("p", {}, t("offer.noChoices")) : el("ul", { class: "offer-choices" }, choices.map(choice)),
    el("p", {}, refund));
  return section;
}

async function myPage() {
  const bookings = await api("GET", "/bookings");
  return [el("h1", {}, t("me.title")),
    bookings.length === 0 ? el("p", {}, t("me.none")) : el("div", { class: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, ["movie", "when", "seats", "status", "refund"].map((k) => el("th", { scope: "col" }, t(`me.${k}`))))),
      el("tbody", {}, bookings.map((b) => el("tr", { "data-booking": b.id },
        el("td", {}, el("a", { href: `#/bookings/${b.id}` }, data(b.movie_title))),
        el("td", {}, data(fmtWhen(b.starts_at, b.timezone))),
        el("td", {}, data(b.seats.map((s) => s.id).join(", "))),
        el("td", { "data-cell": "status" }, badge(b.status)),
        el("td", { "data-cell": "refund" }, b.refund ? badge(b.refund.status) : ""))))))];
}

