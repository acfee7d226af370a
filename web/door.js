// The door page (`#/door`, staff and admins): pick one of today's showtimes
// (or all of them), then check tickets in by the phone's camera (the
// browser's BarcodeDetector, else the vendored jsQR, loaded only then) or by
// typing the code. Each scan shows one large result; "admitted" only after
// the server said so (200).
import { api, el, data, page } from "./lib.js";
import { t, fmtTime, problemText } from "./i18n.js";
import { offsetOf } from "./admin/common.js";

export const routes = [[/^#\/door$/, doorPage]];

// The same code seen again within this time is the same frame: not sent again.
const SAME_CODE_MS = 3000;
const OUTCOMES = ["already_used", "ticket_refunded", "wrong_showtime", "doors_not_open", "showtime_over", "not_found"];
const ICONS = { admitted: "✔", network: "⚠", other: "⚠" };

async function doorPage() {
  let showtimes = await api("GET", "/checkin/showtimes");
  // Each showtime with its admitted/sold count (redrawn after each scan).
  const option = (s) => el("option", { value: s.id, translate: "no" },
    `${fmtTime(s.starts_at, s.timezone)} · ${s.movie_title} · ${s.auditorium} · ${s.cinema} · ${s.admitted}/${s.sold}`);
  const select = el("select", { id: "door-showtime", name: "showtime" },
    el("option", { value: "" }, t("door.all")), showtimes.map(option));
  function drawOptions() {
    const value = select.value;
    select.replaceChildren(el("option", { value: "" }, t("door.all")), ...showtimes.map(option));
    select.value = showtimes.some((s) => String(s.id) === value) ? value : "";
  }
  const count = el("p", { class: "door-count", "data-count": true, "aria-live": "polite" });
  const chosen = () => (select.value ? showtimes.find((s) => String(s.id) === select.value) : null);

  function drawCount() {
    const list = chosen() ? [chosen()] : showtimes;
    const admitted = list.reduce((sum, s) => sum + s.admitted, 0);
    const sold = list.reduce((sum, s) => sum + s.sold, 0);
    count.dataset.admitted = admitted;
    count.dataset.sold = sold;
    count.replaceChildren(t("door.count", { admitted, sold }));
  }
  async function refresh() {
    try { showtimes = await api("GET", "/checkin/showtimes"); drawOptions(); } catch { /* the counts stay as they were */ }
    drawCount();
  }
  select.addEventListener("change", drawCount);
  drawCount();

  // ---- the result panel
  const result = el("div", { class: "door-result", role: "status", "aria-live": "assertive", "aria-atomic": "true", "data-result": "" });
  function showResult(kind, title, ...lines) {
    result.dataset.result = kind;
    result.className = `door-result ${kind === "admitted" ? "ok" : kind === "network" ? "warn" : "bad"}`;
    result.replaceChildren(
      el("p", { class: "door-verdict" }, el("span", { class: "door-icon", "aria-hidden": "true" }, ICONS[kind] || "✖"), " ", el("span", {}, title)),
      ...lines.filter(Boolean));
  }

  // The zone of a time the server gave with its cinema's offset.
  function zoneOf(iso) {
    if (chosen()) return chosen().timezone;
    const offset = (String(iso).match(/([+-]\d{2}:\d{2}|Z)$/) || [])[1];
    const found = showtimes.find((s) => offsetOf(s.timezone, new Date(iso)) === (offset === "Z" ? "+00:00" : offset));
    return found ? found.timezone : "UTC";
  }

  let busy = false;
  async function check(code) {
    code = code.trim();
    if (!code || busy) return;
    busy = true;
    result.dataset.result = "";
    result.className = "door-result";
    result.replaceChildren(el("p", { class: "door-verdict" }, t("door.waiting")));
    const body = { code };
    if (select.value) body.showtime_id = Number(select.value);
    try {
      const admitted = await api("POST", "/checkin", body);
      const showtime = showtimes.find((s) => s.id === admitted.showtime_id);
      showResult("admitted", t("door.admitted"),
        el("p", { class: "door-seat" }, t("door.seat", { seat: admitted.seat })),
        showtime ? el("p", {}, data(showtime.movie_title), " · ", data(showtime.auditorium)) : null,
        el("p", { class: "door-code" }, data(code)));
    } catch (error) {
      if (error.status === undefined || error.status >= 500) {
        showResult("network", t("door.network"), el("p", {}, t("door.networkText")),
          el("p", { class: "door-code" }, data(code)),
          el("button", { type: "button", "data-action": "retry", onclick: () => check(code) }, t("door.retry")));
      } else if (OUTCOMES.includes(error.code)) {
        const at = error.code === "already_used" && error.problem && error.problem.checked_in_at;
        showResult(error.code, t(`door.${error.code}`),
          el("p", {}, at ? t("door.usedAt", { time: fmtTime(at, zoneOf(at)) }) : t(`door.${error.code}.text`)),
          el("p", { class: "door-code" }, data(code)));
      } else {
        showResult("other", t("door.other"), el("p", {}, problemText(error)), el("p", { class: "door-code" }, data(code)));
      }
    } finally {
      busy = false;
    }
    await refresh();
  }

  // ---- typing the code
  const input = el("input", { id: "door-code", name: "code", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", required: true });
  const form = el("form", { class: "door-form", "data-form": "door" },
    el("label", { for: "door-code" }, t("door.code")),
    el("div", { class: "inline-fields" }, input, el("button", { type: "submit" }, t("door.check"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = input.value;
    await check(code);
    input.select();
  });

  // ---- the camera
  const camera = el("section", { class: "door-camera", "aria-labelledby": "door-camera-title" },
    el("h2", { id: "door-camera-title" }, t("door.camera.title")));
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    camera.append(el("p", { class: "muted", "data-camera": "insecure" }, t("door.camera.insecure")));
  } else {
    const video = el("video", { class: "door-video", playsinline: true, muted: true, hidden: true, "aria-label": t("door.camera.video") });
    const note = el("p", { class: "muted", "aria-live": "polite" });
    const button = el("button", { type: "button", class: "secondary", "data-action": "camera" }, t("door.camera.start"));
    let stream = null;
    let timer = null;
    let last = { code: "", at: 0 };
    const stop = () => {
      clearTimeout(timer);
      if (stream) for (const track of stream.getTracks()) track.stop();
      stream = null;
      video.hidden = true;
      button.textContent = t("door.camera.start");
      note.textContent = "";
    };
    page.cleanup.push(stop);
    button.addEventListener("click", async () => {
      if (stream) { stop(); return; }
      try {
        const detect = await detector();
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
        video.srcObject = stream;
        video.hidden = false;
        await video.play();
        button.textContent = t("door.camera.stop");
        note.textContent = t("door.camera.on");
        const tick = async () => {
          if (!stream) return;
          try {
            const code = busy ? null : await detect(video);
            const now = Date.now();
            if (code && !(code === last.code && now - last.at < SAME_CODE_MS)) {
              last = { code, at: now };
              input.value = code;
              await check(code);
            } else if (code) {
              last.at = now;
            }
          } catch { /* a frame that could not be read */ }
          if (stream) timer = setTimeout(tick, 200);
        };
        tick();
      } catch {
        stop();
        note.textContent = t("door.camera.failed");
      }
    });
    camera.append(el("div", { class: "buttons" }, button), note, video);
  }

  return [el("h1", {}, t("door.title")),
    el("div", { class: "field" }, el("label", { for: "door-showtime" }, t("door.showtime")), select),
    showtimes.length === 0 ? el("p", { class: "muted" }, t("door.none")) : null,
    count, form, result, camera];
}

// Reads a QR code from a video frame: the browser's own detector where it
// has one, else jsQR (vendored in `vendor/jsqr/`, loaded now, once).
async function detector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const found = new window.BarcodeDetector({ formats: ["qr_code"] });
        return async (video) => {
          const codes = await found.detect(video);
          return codes.length ? codes[0].rawValue : null;
        };
      }
    } catch { /* use jsQR */ }
  }
  await loadJsQr();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return code ? code.data : null;
  };
}

let jsQrLoading = null;
function loadJsQr() {
  if (window.jsQR) return Promise.resolve();
  jsQrLoading = jsQrLoading || new Promise((resolve, reject) => {
    const script = el("script", { src: "/web/vendor/jsqr/jsQR.js" });
    script.onload = () => resolve();
    script.onerror = () => { jsQrLoading = null; reject(new Error("jsQR")); };
    document.head.append(script);
  });
  return jsQrLoading;
}
