// Texts and formats in the reader's language: Bahasa Indonesia by default,
// English on the switch (remembered), the browser's language on a first
// visit. Every text of every page comes from one catalogue per language
// (`i18n/id.js`, `i18n/en.js`). Dates, times and amounts are formatted with
// Intl for that language, always in the cinema's time zone (an IANA name from
// the API's `timezone`), never the browser's.
import id from "./i18n/id.js";
import en from "./i18n/en.js";

export const catalogues = { id, en };
const KEY = "bioskop.lang";

export function lang() {
  const chosen = localStorage.getItem(KEY);
  if (chosen && catalogues[chosen]) return chosen;
  const browser = (navigator.languages || [navigator.language || ""])
    .map((l) => String(l).slice(0, 2).toLowerCase())
    .find((l) => catalogues[l]);
  return browser || "id";
}

export function setLang(chosen) {
  if (!catalogues[chosen]) return;
  localStorage.setItem(KEY, chosen);
  document.documentElement.lang = chosen;
}

// The catalogue's text for `key`, with `{name}` filled from `params`. A key
// missing from the catalogue is a bug: it shows as the key and is logged.
export function t(key, params = {}) {
  const text = catalogues[lang()][key];
  if (text === undefined) {
    console.error(`no text ${key} in the ${lang()} catalogue`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

const locale = () => (lang() === "id" ? "id-ID" : "en-GB");

// `Sab, 29 Nov` (id) or `Sat 29 Nov` (en): the day of an instant in `timeZone`.
export function fmtDay(iso, timeZone) {
  return new Intl.DateTimeFormat(locale(), { weekday: "short", day: "numeric", month: "short", timeZone }).format(new Date(iso));
}

// `12.00` (id) or `12:00` (en): the time of an instant in `timeZone`.
export function fmtTime(iso, timeZone) {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(new Date(iso));
}

export function fmtWhen(iso, timeZone) {
  return `${fmtDay(iso, timeZone)}, ${fmtTime(iso, timeZone)}`;
}

// A calendar date (`YYYY-MM-DD`, no instant) as the day buttons show it.
export function fmtDate(date) {
  return new Intl.DateTimeFormat(locale(), { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" }).format(new Date(`${date}T00:00:00Z`));
}

// `Rp 90.000` (id) or `IDR 90,000` (en).
export function fmtMoney(amount, currency) {
  return new Intl.NumberFormat(locale(), { style: "currency", currency, maximumFractionDigits: 0, minimumFractionDigits: 0 }).format(amount);
}

// A date (YYYY-MM-DD) in a cinema's time zone: its today, or a day after.
export function today(offsetDays = 0, timeZone = undefined) {
  const at = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
}

// What to tell the reader about a failed call: the catalogue's words for the
// problem's stable `code` (never the server's English `detail`).
export function problemText(error) {
  if (error && error.code && catalogues[lang()][`problem.${error.code}`] !== undefined) {
    return t(`problem.${error.code}`);
  }
  if (error && error.status === undefined) return t("problem.network");
  return t("problem.other");
}

// `45,5%` (id) or `45.5%` (en): a share from 0 to 1.
export function fmtPercent(share) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(share);
}
