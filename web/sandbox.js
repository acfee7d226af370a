// The sandbox checkout pages (served by the server, `src/payments/sandbox.rs`):
// their texts from the same catalogues as every other page, in the reader's
// language; the amount and the times formatted for it, in the cinema's zone.
import { t, lang, fmtWhen, fmtMoney } from "./i18n.js";

document.documentElement.lang = lang();
for (const node of document.querySelectorAll("[data-i18n]")) {
  const params = {};
  if (node.dataset.amount) params.amount = fmtMoney(Number(node.dataset.amount), node.dataset.currency);
  if (node.dataset.outcome !== undefined) params.outcome = t(`sandbox.outcome.${node.dataset.outcome}`);
  node.textContent = t(node.dataset.i18n, params);
}
for (const node of document.querySelectorAll("[data-when]")) {
  node.textContent = fmtWhen(node.dataset.when, node.dataset.timezone || undefined);
}
for (const node of document.querySelectorAll("[data-money]")) {
  node.textContent = fmtMoney(Number(node.dataset.amount), node.dataset.currency);
}
