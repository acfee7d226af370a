// Bioskop's customer pages and the router: plain JavaScript modules over the
// public JSON API and the live seat map (Server-Sent Events). No build step:
// the server embeds these files. The admin pages are in `admin.js`.
import { API, api, el, data, show, say, token, page, nav, badge, fail } from "./lib.js";
import { t, lang, setLang, fmtDay, fmtTime, fmtWhen, fmtDate, fmtMoney, today, problemText } from "./i18n.js";
import { routes as adminRoutes } from "./admin.js";

function money(amount, currency) {
  if (currency === "IDR") return "Rp" + Number(amount).toLocaleString("id-ID");
  return amount + " " + currency;
}

// Times come with the cinema's own offset (+07:00 in Jakarta, +08:00 in
// Makassar): shown as the cinema's local time, whatever the browser's zone.
function clock(iso) { return String(iso).slice(11, 16); }

function when(iso) {
  const day = new Date(String(iso).slice(0, 10) + "T12:00:00");
  return `${day.toLocaleDateString("id-ID", { weekday: "short", day: "numeric", month: "short" })}, ${clock(iso)}`;
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
  ...adminRoutes,
];

async function route() {
  const current = ++page.generation;
  for (const stop of page.cleanup) stop();
  page.cleanup = [];
  const hash = location.hash || "#/";
  if (!page.me && token()) {
    try { page.me = await api("GET", "/me"); } catch { localStorage.removeItem("bioskop.token"); }
  }
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
  show([el("h1", {}, "Not found"), el("a", { href: "#/" }, "Start again")]);
}

function drawNav() {
  nav.replaceChildren(
    ...(page.me ? [
      el("a", { href: "#/" }, "Cinemas"),
      el("a", { href: "#/me" }, "My bookings"),
      page.me.role === "admin" ? el("a", { href: "#/admin" }, "Admin") : null,
      el("span", { class: "muted" }, page.me.name),
      el("button", { class: "secondary", onclick: logout }, "Log out"),
    ] : [el("a", { href: "#/login" }, "Log in")]).filter(Boolean),
  );
}

async function logout() {
  try { await api("POST", "/auth/logout"); } catch { /* already gone */ }
  localStorage.removeItem("bioskop.token");
  page.me = null;
  location.hash = "#/login";
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);

// ---------------------------------------------------------------- pages

function loginPage() {
  const login = el("form", { class: "card", "aria-label": "Log in" },
    el("h2", {}, "Log in"),
    el("label", {}, "E-mail", el("input", { name: "email", type: "email", required: true, autocomplete: "username" })),
    el("label", {}, "Password", el("input", { name: "password", type: "password", required: true, autocomplete: "current-password" })),
    el("button", { type: "submit" }, "Log in"));
  const register = el("form", { class: "card", "aria-label": "Register" },
    el("h2", {}, "New here? Register"),
    el("label", {}, "Name", el("input", { name: "name", required: true, autocomplete: "name" })),
    el("label", {}, "E-mail", el("input", { name: "email", type: "email", required: true, autocomplete: "email" })),
    el("label", {}, "Phone (optional, for WhatsApp)", el("input", { name: "phone", type: "tel", autocomplete: "tel" })),
    el("label", {}, "Password (8+ characters)", el("input", { name: "password", type: "password", required: true, minlength: 8, autocomplete: "new-password" })),
    el("button", { type: "submit" }, "Register"));
  const submit = (path, form) => async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    if (!body.phone) delete body.phone;
    try {
      const session = await api("POST", path, body);
      localStorage.setItem("bioskop.token", session.token);
      page.me = session.user;
      location.hash = "#/";
    } catch (error) { fail(error); }
  };
  login.addEventListener("submit", submit("/auth/login", login));
  register.addEventListener("submit", submit("/auth/register", register));
  return [el("h1", {}, "Welcome to Bioskop"), login, register];
}

async function citiesPage() {
  const cities = await api("GET", "/cities");
  return [el("h1", {}, "Choose your city"),
    el("div", { class: "grid-list" }, cities.map((c) => el("a", { class: "button-link", href: `#/city/${c.id}` }, c.name)))];
}

async function cinemasPage(cityId) {
  const cinemas = await api("GET", `/cinemas?city_id=${cityId}`);
  return [el("h1", {}, "Choose a cinema"),
    el("div", { class: "grid-list" }, cinemas.map((c) =>
      el("a", { class: "button-link", href: `#/cinema/${c.id}` },
        el("strong", {}, c.name), el("br"), el("span", { class: "muted" }, c.address))))];
}

function dateButtons(selected, href, timeZone) {
  return el("div", { class: "dates", role: "group", "aria-label": "Date" },
    [0, 1, 2, 3, 4, 5, 6].map((n) => {
      const date = today(n, timeZone);
      const label = n === 0 ? "Today" : n === 1 ? "Tomorrow" : new Date(date).toLocaleDateString("id-ID", { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
      return el("button", { "aria-pressed": date === selected ? "true" : "false", onclick: () => { location.hash = href(date); } }, label);
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
  return [el("h1", {}, cinema ? cinema.name : "Movies now showing"),
    dateButtons(date, (d) => `#/cinema/${cinemaId}/${d}`, timeZone),
    movies.length === 0 ? el("p", {}, "No showtimes on this date.") : null,
    movies.map((movie) => el("section", { class: "card" },
      el("h2", {}, movie.title, " ", el("span", { class: "badge" }, movie.rating)),
      el("p", { class: "muted" }, `${movie.duration_minutes} min · ${(movie.genres || []).join(", ")} · ${movie.language}`),
      el("p", {}, movie.synopsis),
      el("div", { class: "times" }, showtimes.filter((s) => s.movie_id === movie.id).map((s) =>
        el("a", { class: "time-link" + (s.status === "cancelled" ? " cancelled" : ""), href: `#/showtime/${s.id}`,
          "aria-label": `${movie.title} at ${when(s.starts_at)}, ${s.auditorium}, ${s.seats_available} seats free` },
          clock(s.starts_at),
          " · ", s.auditorium, s.status === "cancelled" ? " (cancelled)" : ""))))),
  ];
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
  const grid = el("div", { class: "seatmap", role: "group", "aria-label": "Seat map" });
  const side = el("aside", { class: "card", "aria-label": "Your booking" });
  const banner = el("p", { role: "alert" });
  const buttons = new Map();

  const rows = Math.max(...map.seats.map((s) => s.grid_row)) + 1;
  const cols = Math.max(...map.seats.map((s) => s.grid_col)) + 1;
  grid.style.gridTemplateRows = `repeat(${rows}, 2.1rem)`;
  grid.style.gridTemplateColumns = `repeat(${cols}, 2.1rem)`;
  for (const seat of map.seats) {
    const button = el("button", { class: "seat", "data-seat": seat.id, onclick: () => clickSeat(seat.id) }, seat.id);
    button.style.gridRow = String(seat.grid_row + 1);
    button.style.gridColumn = seat.class === "couple" ? `${seat.grid_col + 1} / span 2` : String(seat.grid_col + 1);
    buttons.set(seat.id, button);
    grid.append(button);
  }

  const mine = (id) => !!state.booking && state.booking.seats.some((s) => s.id === id);
  function paintSeat(id) {
    const seat = state.seats.get(id);
    const button = buttons.get(id);
    const status = mine(id) ? "mine" : seat.status;
    button.className = `seat ${seat.class} ${status}`;
    const words = { available: "available", locked: "taken", sold: "sold", mine: "held by you" }[status];
    button.setAttribute("aria-label", `Seat ${id}, ${seat.class}, ${money(prices[seat.class] || 0, showtime.currency)}, ${words}`);
    button.setAttribute("aria-pressed", status === "mine" ? "true" : "false");
    button.disabled = state.status === "cancelled" || status === "sold";
  }
  const paintAll = () => { for (const id of state.seats.keys()) paintSeat(id); drawSide(); };

  let timer = null;
  function drawSide() {
    clearInterval(timer);
    banner.textContent = state.status === "cancelled" ? "This showtime was cancelled." : "";
    const b = state.booking;
    if (!b || b.seats.length === 0) {
      side.replaceChildren(el("h2", {}, "Your seats"), el("p", { class: "muted" }, "Click a free seat to hold it for 10 minutes."));
      return;
    }
    const countdown = el("p", { class: "countdown", "aria-live": "off" });
    const tick = () => {
      const left = Math.max(0, Math.floor((new Date(b.expires_at) - Date.now()) / 1000));
      countdown.textContent = `Held for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      if (left === 0) { clearInterval(timer); say("Your hold ran out; the seats are free again."); reload(); }
    };
    tick();
    timer = setInterval(tick, 1000);
    side.replaceChildren(
      el("h2", {}, "Booking summary"),
      countdown,
      el("p", {}, showtime.movie.title, el("br"), `${showtime.cinema.name} · ${showtime.auditorium.name}`, el("br"), when(showtime.starts_at)),
      el("table", {}, el("tbody", {},
        b.price_lines.map((l) => el("tr", {}, el("td", {}, `${l.quantity} × ${l.class}`), el("td", {}, money(l.amount, b.currency)))),
        el("tr", {}, el("th", {}, "Total"), el("th", {}, money(b.total, b.currency))))),
      el("p", {}, "Seats: ", b.seats.map((s) => s.id).join(", ")),
      el("button", { onclick: pay }, b.status === "awaiting_payment" ? "Continue to payment" : "Pay"),
      " ",
      el("button", { class: "secondary", onclick: release }, "Give up the seats"));
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
        state.booking = await api("POST", "/bookings", { showtime_id: Number(showtimeId), seats: [id] });
      } else {
        state.booking = await api("POST", `/bookings/${state.booking.id}/seats`, { seat: id });
      }
      if (state.seats.get(id).status === "available" && mine(id)) state.seats.get(id).status = "locked";
      paintAll();
      say(mine(id) ? `Seat ${id} is yours for now.` : `Seat ${id} released.`);
    } catch (error) {
      if (error.code === "seat_unavailable") say(`Seat ${id} was just taken by someone else.`);
      else if (error.code === "booking_awaiting_payment") say("Your booking is waiting for payment; its seats are frozen.");
      else fail(error);
    }
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
      say("Your seats were released.");
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
  events.addEventListener("showtime_cancelled", (event) => { apply(event); say("The cinema cancelled this showtime."); });
  page.cleanup.push(() => events.close());

  const legend = el("div", { class: "legend", "aria-label": "Legend" },
    el("span", { style: "--c:var(--free)" }, "Available"),
    el("span", { style: "--c:var(--mine)" }, "Yours"),
    el("span", { style: "--c:var(--locked)" }, "Taken"),
    el("span", { style: "--c:var(--sold)" }, "Sold"),
    showtime.prices.map((p) => el("span", { style: "--c:transparent" }, `${p.class}: ${money(p.amount, p.currency)}`)));
  paintAll();
  return [
    el("h1", {}, showtime.movie.title),
    el("p", { class: "muted" }, `${showtime.cinema.name} · ${showtime.auditorium.name} · ${when(showtime.starts_at)}`),
    banner,
    el("div", { class: "layout" },
      el("section", { "aria-label": "Seats" }, el("div", { class: "screen" }, "SCREEN"), grid, legend),
      side)];
}

async function ticketCard(ticket) {
  const qr = el("div", { class: "qr", "aria-label": `QR code of seat ${ticket.seat}` });
  try {
    const response = await fetch(`${API}/tickets/${ticket.id}/qr.svg`, { headers: { Authorization: "Bearer " + token() } });
    if (response.ok) qr.innerHTML = await response.text();
  } catch { /* the code below still admits */ }
  return el("article", { class: "card", "data-ticket": ticket.id },
    el("h3", {}, `Seat ${ticket.seat} `, badge(ticket.status)),
    qr,
    el("p", {}, el("code", {}, ticket.checkin_code)));
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
        say(b.status === "paid" ? "Payment received: your e-ticket is ready." : `Booking ${b.status.replace(/_/g, " ")}.`);
        return;
      }
    } catch { /* asked again below */ }
    if (here() && Date.now() < until) timer = setTimeout(tick, PAYMENT_POLL_MS);
  };
  timer = setTimeout(tick, PAYMENT_POLL_MS);
}

async function bookingView(b) {
  const tickets = b.status === "paid" || b.status === "refunded"
    ? (await api("GET", "/tickets")).filter((t) => t.booking_id === b.id) : [];
  const refund = b.refund ? el("p", { class: "refund" }, "Refund: ", badge(b.refund.status), " ",
    money(b.refund.amount, b.refund.currency),
    b.refund.status === "manual" ? " — our staff will contact you." : "") : null;
  return [
    el("h1", {}, b.movie_title, " ", badge(b.status)),
    el("p", { class: "muted" }, `${b.cinema} · ${b.auditorium} · ${when(b.starts_at)}`),
    b.showtime_status === "cancelled" ? el("p", { role: "alert" }, "The cinema cancelled this showtime.") : null,
    refund,
    el("p", {}, "Seats: ", b.seats.map((s) => s.id).join(", "), " · Total ", money(b.total, b.currency)),
    b.status === "paid" ? el("h2", {}, "Your e-ticket") : null,
    el("div", { class: "tickets" }, await Promise.all(tickets.map(ticketCard))),
    b.status === "held" || b.status === "awaiting_payment" ? el("a", { href: `#/showtime/${b.showtime_id}` }, "Back to the seat map") : null];
}

async function myPage() {
  const bookings = await api("GET", "/bookings");
  return [el("h1", {}, "My bookings"),
    bookings.length === 0 ? el("p", {}, "No bookings yet.") : el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "Movie"), el("th", {}, "When"), el("th", {}, "Seats"), el("th", {}, "Status"), el("th", {}, "Refund"))),
      el("tbody", {}, bookings.map((b) => el("tr", { "data-booking": b.id },
        el("td", {}, el("a", { href: `#/bookings/${b.id}` }, b.movie_title)),
        el("td", {}, when(b.starts_at)),
        el("td", {}, b.seats.map((s) => s.id).join(", ")),
        el("td", {}, badge(b.status)),
        el("td", {}, b.refund ? badge(b.refund.status) : "")))))];
}

