// One entry as table rows: a day heading when the day changes, the summary row whose first
// cell holds the button that opens it, and the (empty, hidden) row its detail goes in.

import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { addDays, fullTime, isoDay, parseDay, today, zonedParts } from "../../time.js";
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
    default: return h("span", { class: "badge badge-anonymous", title: "Not authenticated" }, "Anonymous");
  }
}

function statusCell(entry) {
  if (entry.outcome === "unknown" || entry.status === null || entry.status === undefined) {
    return h("span", { class: "badge badge-warning", title: "The response was never recorded: the call may or may not have taken effect" }, "Unknown");
  }
  const kind = entry.status >= 400 ? "danger" : "success";
  return h("span", { class: `status status-${kind}`, title: entry.outcome === "failed" ? "Failed" : "Succeeded" },
    h("span", { class: "status-dot", "aria-hidden": "true" }), String(entry.status));
}

/** The path without the tenant prefix, for the compact line under a summary. */
function shortPath(path) {
  const prefix = `/api/v1/tenants/${ctx.tenantId}`;
  return path.startsWith(prefix) ? path.slice(prefix.length) || "/" : path;
}

/** The calendar day of `iso` in the tenant's zone, as "2026-03-12". */
export function dayKey(iso) {
  const p = zonedParts(new Date(iso), ctx.timeZone);
  return isoDay({ y: p.y, m: p.m, d: p.d });
}

function dayLabel(key) {
  const t = today(ctx.timeZone);
  const day = parseDay(key);
  const date = new Date(Date.UTC(day.y, day.m - 1, day.d, 12));
  const text = date.toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  if (key === isoDay(t)) return `Today · ${text}`;
  if (key === isoDay(addDays(t, -1))) return `Yesterday · ${text}`;
  return text;
}

export function dayRow(key) {
  return h("tr", { class: "day-row" }, h("th", { colspan: COLUMNS, scope: "colgroup" }, dayLabel(key)));
}

function timeOfDay(iso) {
  const p = zonedParts(new Date(iso), ctx.timeZone);
  return [p.hh, p.mm, p.ss].map((n) => String(n).padStart(2, "0")).join(":");
}

/** The button that opens and closes the entry's detail row; its name is the time and summary. */
function toggleButton(entry, ids) {
  return h("button", {
    type: "button", class: "row-toggle", id: ids.toggle,
    "aria-expanded": "false", "aria-controls": ids.detail, "aria-labelledby": `${ids.toggle} ${ids.summary}`,
  },
  h("span", { class: "expander", "aria-hidden": "true" }),
  h("time", { datetime: entry.occurred_at, title: fullTime(entry.occurred_at, ctx.timeZone) }, timeOfDay(entry.occurred_at)));
}

/** The entry's summary row and its hidden detail row. */
export function entryRows(entry) {
  const ids = { toggle: `entry-toggle-${entry.id}`, summary: `entry-summary-${entry.id}`, detail: `entry-detail-${entry.id}` };
  const call = `${entry.method} ${shortPath(entry.path)}`;
  return [
    h("tr", { class: `entry entry-${entry.action}`, "data-entry-id": entry.id },
      h("td", { class: "col-time" }, toggleButton(entry, ids)),
      h("td", { class: "col-who" }, whoCell(entry.actor)),
      h("td", { class: "col-action" }, h("span", { class: `badge action action-${entry.action}` }, ACTION_LABELS[entry.action] || entry.action)),
      h("td", { class: "col-summary" },
        h("span", { class: "summary-text", id: ids.summary }, entry.summary || call),
        h("span", { class: "summary-path" }, call)),
      h("td", { class: "col-source" }, entry.source),
      h("td", { class: "col-status" }, statusCell(entry))),
    h("tr", { class: "entry-detail", id: ids.detail, hidden: true }, h("td", { colspan: COLUMNS })),
  ];
}
