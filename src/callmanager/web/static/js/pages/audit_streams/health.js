// A stream's health as words: its status (an icon and a word, not colour alone), last success,
// last error with the receiver's status and excerpt, lag in entries and seconds, and what a
// failing stream left undelivered.

import { h } from "../../dom.js";
import { dateTime, fullTime } from "../../time.js";
import { shownZone } from "../../zone.js";

export const STATUSES = {
  active: { icon: "✓", word: "Active", tone: "success", says: "Delivering entries as they are recorded." },
  paused: { icon: "‖", word: "Paused", tone: "neutral", says: "Paused by an Owner; entries wait in the log and are sent on resume." },
  retrying: { icon: "↻", word: "Retrying", tone: "warning", says: "The receiver failed; retrying with backoff, nothing is lost." },
  failing: { icon: "✕", word: "Failing", tone: "danger", says: "Delivery stopped: fix the receiver, then resume." },
};

/** "✓ Active" as a badge; the sentence beside it explains the status. */
export function statusBadge(status) {
  const s = STATUSES[status] || { icon: "?", word: status, tone: "neutral" };
  return h("span", { class: `badge badge-${s.tone} stream-status`, "data-status": status },
    h("span", { class: "status-icon", "aria-hidden": "true" }, s.icon), ` ${s.word}`);
}

const when = (iso) => h("time", { datetime: iso, title: fullTime(iso, shownZone()) }, dateTime(iso, shownZone()));
const plural = (n, one, many) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

function seconds(value) {
  if (value < 60) return `${value < 10 ? value.toFixed(1) : Math.round(value)} s`;
  if (value < 3600) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

/** "Up to date" or "3 entries behind (1.2 s)". */
export function lagText(health) {
  if (!health.lag_entries) return "Up to date";
  return `${plural(health.lag_entries, "entry", "entries")} behind (${seconds(health.lag_seconds ?? 0)})`;
}

function errorText(error) {
  const status = error.status === null || error.status === undefined ? "No answer" : `Status ${error.status}`;
  return [when(error.at), ` · ${status}`, error.excerpt ? h("span", { class: "stream-excerpt mono" }, error.excerpt) : null];
}

/** The health facts of one stream, as a definition list. */
export function healthFacts(health) {
  const facts = [
    ["Last success", health.last_success_at ? when(health.last_success_at) : h("span", { class: "muted" }, "Never")],
    ["Lag", h("span", { "data-lag": health.lag_entries ?? 0 }, lagText(health))],
    ["Delivered up to", health.cursor_seq === null || health.cursor_seq === undefined ? h("span", { class: "muted" }, "Nothing yet") : `seq ${health.cursor_seq}`],
  ];
  if (health.last_error) facts.push(["Last error", h("span", { class: "stream-error", "data-last-error": "" }, errorText(health.last_error))]);
  if (health.status === "failing" && health.undelivered) {
    facts.push(["Undelivered", h("strong", { class: "stream-undelivered" }, `${plural(health.undelivered, "entry", "entries")} not delivered`)]);
  }
  return h("dl", { class: "facts stream-health" }, facts.map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

/** Does this stream have work in hand, so the page should look again soon? */
export const unsettled = (health) => health.status === "retrying" || (health.status === "active" && health.lag_entries > 0);
