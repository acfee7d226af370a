// The sales report (`#/admin/reports`): cinema-local days from/to (the last
// seven days of the first cinema by default), by day, movie or showtime, one
// cinema or all; a table with the total, the CSV (fetched with the session
// cookie and offered as a file), and a chart drawn here as inline SVG: gross
// per day as bars, occupancy per day as a line with dots.
import { api, API, el, data } from "../lib.js";
import { t, fmtMoney, fmtPercent, fmtDate, today } from "../i18n.js";
import { subnav, adminProblem } from "./common.js";

const GROUPS = ["day", "movie", "showtime"];
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

export async function reportsPage() {
  const cinemas = await api("GET", "/admin/cinemas");
  const zone = cinemas.length ? cinemas[0].timezone : undefined;
  const from = el("input", { id: "report-from", type: "date", value: today(-6, zone), required: true });
  const to = el("input", { id: "report-to", type: "date", value: today(0, zone), required: true });
  const group = el("select", { id: "report-group" }, GROUPS.map((g) => el("option", { value: g }, t(`admin.reports.group.${g}`))));
  const cinema = el("select", { id: "report-cinema" },
    el("option", { value: "" }, t("admin.reports.cinemaAll")),
    cinemas.map((c) => el("option", { value: c.id, translate: "no" }, c.name)));
  const error = el("p", { class: "field-error", role: "alert" });
  const tableBox = el("div", { "data-report": "table" });
  const chartBox = el("section", { class: "card", "aria-labelledby": "report-chart" });
  const csv = el("button", { type: "button", class: "secondary", "data-action": "csv" }, t("admin.reports.csv"));

  const query = (groupBy) => {
    const q = new URLSearchParams({ from: from.value, to: to.value, group_by: groupBy });
    if (cinema.value) q.set("cinema_id", cinema.value);
    return q;
  };

  async function draw() {
    error.replaceChildren();
    try {
      const report = await api("GET", `/admin/reports/sales?${query(group.value)}`);
      const byDay = group.value === "day" ? report : await api("GET", `/admin/reports/sales?${query("day")}`);
      tableBox.replaceChildren(table(report, group.value));
      chartBox.replaceChildren(el("h2", { id: "report-chart" }, t("admin.reports.chart.title")), chart(byDay.rows));
    } catch (e) { error.replaceChildren(adminProblem(e)); }
  }

  // The CSV: fetched here (with the session cookie), then offered as a file
  // with its name.
  csv.addEventListener("click", async () => {
    error.replaceChildren();
    try {
      const q = query(group.value);
      q.set("format", "csv");
      const response = await fetch(`${API}/admin/reports/sales?${q}`, { credentials: "same-origin" });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        throw Object.assign(new Error(problem.detail || response.statusText), { code: problem.code, status: response.status });
      }
      const url = URL.createObjectURL(await response.blob());
      const link = el("a", { href: url, download: `sales-${from.value}-${to.value}-${group.value}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { error.replaceChildren(adminProblem(e)); }
  });

  const form = el("form", { class: "card inline-fields", "data-form": "report" },
    el("label", { for: "report-from" }, t("admin.reports.from")), from,
    el("label", { for: "report-to" }, t("admin.reports.to")), to,
    el("label", { for: "report-group" }, t("admin.reports.groupBy")), group,
    el("label", { for: "report-cinema" }, t("admin.reports.cinema")), cinema,
    el("button", { type: "submit" }, t("admin.reports.show")), csv);
  form.addEventListener("submit", (event) => { event.preventDefault(); draw(); });
  group.addEventListener("change", draw);
  cinema.addEventListener("change", draw);
  await draw();

  return [subnav("#/admin/reports"), el("h1", {}, t("admin.reports.title")), form, error, tableBox, chartBox];
}

function label(row, groupBy) {
  return groupBy === "day" ? fmtDate(row.key) : row.label;
}

function table(report, groupBy) {
  if (report.rows.length === 0) return el("p", {}, t("admin.reports.none"));
  const cells = (row) => [
    el("td", { class: "num" }, data(row.tickets_sold)),
    el("td", { class: "num" }, data(row.capacity)),
    el("td", { class: "num" }, data(fmtPercent(row.occupancy))),
    el("td", { class: "num" }, data(fmtMoney(row.gross, row.currency))),
    el("td", { class: "num" }, data(fmtMoney(row.refunded, row.currency))),
    el("td", { class: "num" }, data(fmtMoney(row.net, row.currency)))];
  return el("div", { class: "table-scroll" }, el("table", { class: "admin-table report" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t(`admin.reports.col.${groupBy}`)),
      ["sold", "capacity", "occupancy", "gross", "refunded", "net"].map((k) => el("th", { scope: "col", class: "num" }, t(`admin.reports.col.${k}`))))),
    el("tbody", {}, report.rows.map((row) => el("tr", { "data-row": row.key }, el("th", { scope: "row" }, data(label(row, groupBy))), cells(row)))),
    el("tfoot", {}, el("tr", { "data-row": "total" }, el("th", { scope: "row" }, t("admin.reports.total")), cells(report.total)))));
}

// Gross per day as bars (left scale), occupancy per day as a line with dots
// (right scale, 0–100 %).
function chart(rows) {
  if (rows.length === 0) return el("p", {}, t("admin.reports.none"));
  const width = 640;
  const height = 260;
  const pad = { left: 84, right: 48, top: 16, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const maxGross = Math.max(1, ...rows.map((r) => r.gross));
  const step = plotW / rows.length;
  const barW = Math.max(2, Math.min(48, step * 0.6));
  const currency = rows[0].currency;
  const y = (gross) => pad.top + plotH - (gross / maxGross) * plotH;
  const yOcc = (share) => pad.top + plotH - Math.min(1, Math.max(0, share)) * plotH;
  const cx = (i) => pad.left + step * i + step / 2;
  const labelEvery = Math.ceil(rows.length / 10);
  const points = rows.map((r, i) => `${cx(i).toFixed(1)},${yOcc(r.occupancy).toFixed(1)}`).join(" ");

  const picture = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": t("admin.reports.chart.label"), "data-chart": "sales", preserveAspectRatio: "xMidYMid meet" },
    svg("g", { translate: "no", class: "axis" },
      svg("line", { x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH }),
      svg("line", { x1: pad.left, y1: pad.top, x2: pad.left, y2: pad.top + plotH }),
      svg("text", { x: pad.left - 6, y: pad.top + 4, "text-anchor": "end" }, fmtMoney(maxGross, currency)),
      svg("text", { x: pad.left - 6, y: pad.top + plotH, "text-anchor": "end" }, fmtMoney(0, currency)),
      svg("text", { x: width - pad.right + 6, y: pad.top + 4, "text-anchor": "start" }, fmtPercent(1)),
      svg("text", { x: width - pad.right + 6, y: pad.top + plotH, "text-anchor": "start" }, fmtPercent(0)),
      rows.map((r, i) => (i % labelEvery === 0
        ? svg("text", { x: cx(i), y: height - pad.bottom + 18, "text-anchor": "middle" }, fmtDate(r.key)) : null))),
    svg("g", { class: "bars", translate: "no" }, rows.map((r, i) => svg("rect", {
      x: (cx(i) - barW / 2).toFixed(1), y: y(r.gross).toFixed(1), width: barW.toFixed(1),
      height: Math.max(0, pad.top + plotH - y(r.gross)).toFixed(1), "data-day": r.key, "data-gross": r.gross,
    }, svg("title", {}, `${fmtDate(r.key)}: ${fmtMoney(r.gross, r.currency)}`)))),
    svg("polyline", { class: "occupancy", points, fill: "none" }),
    svg("g", { class: "dots", translate: "no" }, rows.map((r, i) => svg("circle", { cx: cx(i).toFixed(1), cy: yOcc(r.occupancy).toFixed(1), r: 4, "data-occupancy": r.occupancy },
      svg("title", {}, `${fmtDate(r.key)}: ${fmtPercent(r.occupancy)}`)))));
  const legend = el("p", { class: "chart-legend" },
    el("span", { class: "key-bar", "aria-hidden": "true" }), " ", t("admin.reports.col.gross"), " ",
    el("span", { class: "key-line", "aria-hidden": "true" }), " ", t("admin.reports.col.occupancy"));
  return el("div", { class: "chart-box" }, picture, legend);
}
