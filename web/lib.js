// What every page of the front end shares: the API client, building DOM,
// the page's shared state and the status line. No build step: the server
// embeds these modules as they are.
import { t, problemText } from "./i18n.js";

export const API = "/api/v1";
export const main = document.getElementById("main");
export const nav = document.getElementById("nav");
const statusLine = document.getElementById("status");

// The signed-in user, what to stop when the page changes, and which
// navigation may draw (pages load asynchronously: only the latest).
export const page = { me: null, cleanup: [], generation: 0 };

// The session is the `bioskop_session` cookie the server sets at sign-in:
// HttpOnly, so no script (nor one injected into the page) can read it. The
// page reads only `bioskop_csrf`, the token the server wants back in
// `X-CSRF-Token` on every change, which another site's page cannot know.
// Sessions of older versions kept their bearer token in localStorage, where
// any script could read it: forgotten once, here.
localStorage.removeItem("bioskop.token");

export function csrfToken() {
  const found = document.cookie.split(";").map((c) => c.trim()).find((c) => c.startsWith("bioskop_csrf="));
  return found ? decodeURIComponent(found.slice("bioskop_csrf=".length)) : "";
}

// Whether this browser may be signed in (its session cookie may still have
// ended on the server: `GET /me` says).
export function mayBeSignedIn() { return csrfToken() !== ""; }

// Calls the JSON API; a 4xx/5xx throws an Error carrying the problem
// document's stable `code`, `status`, field `errors` and the whole `problem`.
export async function api(method, path, body) {
  const headers = {};
  if (method !== "GET" && csrfToken()) headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? (() => { try { return JSON.parse(text); } catch { return text; } })() : null;
  if (!response.ok) {
    const error = new Error((data && data.detail) || response.statusText);
    error.code = data && data.code;
    error.status = response.status;
    error.errors = (data && data.errors) || [];
    error.problem = data;
    throw error;
  }
  return data;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    // Through the CSSOM, which the Content-Security-Policy allows (a `style`
    // attribute written into the markup is an inline style it refuses).
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A value from the data (a name, a seat id, a formatted time or amount), not
// a text of the catalogue: marked so the language check skips it.
export function data(value, attrs = {}) {
  return el("span", { translate: "no", ...attrs }, value);
}

export function show(...nodes) {
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
  main.focus({ preventScroll: true });
}

export function say(message) {
  statusLine.textContent = message || "";
  if (message) setTimeout(() => { if (statusLine.textContent === message) statusLine.textContent = ""; }, 6000);
}

// A status (`paid`, `refunded`, …) as a badge, in the reader's language.
export function badge(status) {
  return el("span", { class: "badge " + status, "data-status": status }, t(`status.${status}`));
}

// Tells the reader why a call failed, by the problem's `code`.
export function fail(error) { say(problemText(error)); }
