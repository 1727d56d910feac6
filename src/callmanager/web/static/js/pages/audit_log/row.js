// One entry as table rows: a day heading when the day changes, the summary row whose first
// cell holds the button that opens it, and the (empty, hidden) row its detail goes in. A refused
// or failed call says so in words and with an icon, never by colour alone.

import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { addDays, fullTime, isoDay, parseDay, today, zonedParts } from "../../time.js";
import { shownZone } from "../../zone.js";
import { ACTION_LABELS } from "./state.js";

const COLUMNS = 6;

/** An email that, when it must wrap, wraps before its "@" rather than mid-word. */
function breakableEmail(text) {
  const at = String(text).indexOf("@");
  return at > 0 ? [text.slice(0, at), h("wbr"), text.slice(at)] : text;
}

function whoCell(actor) {
  switch (actor?.type) {
    case "user": return h("span", { class: "who-user", title: actor.name || actor.email }, breakableEmail(actor.email || actor.name || actor.id));
    case "system": return [h("span", { class: "badge badge-system", title: "A background task of Call Manager" }, "System"),
      actor.id ? h("span", { class: "who-task" }, actor.id) : null];
    case "partner": return h("span", { class: "badge badge-partner", title: "Partner staff via Access Service" }, "Partner");
    default: return h("span", { class: "badge badge-anonymous", title: "No session or API token for this tenant" }, "Anonymous");
  }
}

/** "succeeded", "refused" (401, 403), "failed" (any other status ≥ 400) or "unknown". */
export function outcomeOf(entry) {
  if (entry.outcome === "unknown" || entry.status === null || entry.status === undefined) return "unknown";
  if (entry.status === 401 || entry.status === 403) return "refused";
  return entry.status >= 400 ? "failed" : "succeeded";
}

const OUTCOMES = {
  refused: ["⊘", "Refused", "The call was refused: nothing was changed"],
  failed: ["✕", "Failed", "The call failed: nothing was changed"],
  unknown: ["?", "Unknown", "The response was never recorded: the call may or may not have taken effect"],
};

function statusCell(entry, outcome) {
  if (outcome === "succeeded") {
    return h("span", { class: "status status-success", title: "Succeeded" },
      h("span", { class: "status-dot", "aria-hidden": "true" }), String(entry.status));
  }
  const [icon, word, title] = OUTCOMES[outcome];
  return h("span", { class: `status status-${outcome}`, title },
    h("span", { class: "status-icon", "aria-hidden": "true" }, icon), h("span", { class: "status-word" }, word),
    outcome === "unknown" ? null : h("span", { class: "status-code" }, String(entry.status)));
}

/** The Source cell; left blank where the Who badge already says it (System, Partner). */
function sourceCell(entry) {
  const repeats = ["system", "partner"].includes(entry.actor?.type) && entry.source?.toLowerCase() === entry.actor.type;
  return h("td", { class: repeats ? "col-source source-repeat" : "col-source" },
    repeats ? h("span", { class: "visually-hidden" }, entry.source) : entry.source);
}

/** The path without the tenant prefix, for the compact line under a summary. */
function shortPath(path) {
  const prefix = `/api/v1/tenants/${ctx.tenantId}`;
  return path.startsWith(prefix) ? path.slice(prefix.length) || "/" : path;
}

/** The calendar day of `iso` in the tenant's zone, as "2026-03-12". */
export function dayKey(iso) {
  const p = zonedParts(new Date(iso), shownZone());
  return isoDay({ y: p.y, m: p.m, d: p.d });
}

function dayLabel(key) {
  const t = today(shownZone());
  const day = parseDay(key);
  const date = new Date(Date.UTC(day.y, day.m - 1, day.d, 12));
  const text = `${date.toLocaleDateString("en-GB", { weekday: "long", timeZone: "UTC" })} ${key}`;
  if (key === isoDay(t)) return `Today · ${text}`;
  if (key === isoDay(addDays(t, -1))) return `Yesterday · ${text}`;
  return text;
}

export function dayRow(key) {
  return h("tr", { class: "day-row" }, h("th", { colspan: COLUMNS, scope: "colgroup" }, dayLabel(key)));
}

function timeOfDay(iso) {
  const p = zonedParts(new Date(iso), shownZone());
  return [p.hh, p.mm, p.ss].map((n) => String(n).padStart(2, "0")).join(":");
}

/** The button that opens and closes the entry's detail row; its name is the time and summary. */
function toggleButton(entry, ids) {
  return h("button", {
    type: "button", class: "row-toggle", id: ids.toggle,
    "aria-expanded": "false", "aria-controls": ids.detail, "aria-labelledby": `${ids.toggle} ${ids.summary}`,
  },
  h("span", { class: "expander", "aria-hidden": "true" }),
  h("time", { datetime: entry.occurred_at, title: fullTime(entry.occurred_at, shownZone()) }, timeOfDay(entry.occurred_at)));
}

/** The entry's summary row and its hidden detail row. */
export function entryRows(entry) {
  const ids = { toggle: `entry-toggle-${entry.id}`, summary: `entry-summary-${entry.id}`, detail: `entry-detail-${entry.id}` };
  const call = `${entry.method} ${shortPath(entry.path)}`;
  const outcome = outcomeOf(entry);
  const tried = outcome === "succeeded" ? "" : " action-tried";
  return [
    h("tr", { class: `entry entry-${entry.action} entry-${outcome}`, "data-entry-id": entry.id, "data-outcome": outcome },
      h("td", { class: "col-time" }, toggleButton(entry, ids)),
      h("td", { class: "col-who" }, whoCell(entry.actor)),
      h("td", { class: "col-action" }, h("span", { class: `badge action action-${entry.action}${tried}` }, ACTION_LABELS[entry.action] || entry.action)),
      h("td", { class: "col-summary" },
        h("span", { class: "summary-text", id: ids.summary }, entry.summary || call),
        h("span", { class: "summary-path" }, call)),
      sourceCell(entry),
      h("td", { class: "col-status" }, statusCell(entry, outcome))),
    h("tr", { class: "entry-detail", id: ids.detail, hidden: true }, h("td", { colspan: COLUMNS })),
  ];
}
