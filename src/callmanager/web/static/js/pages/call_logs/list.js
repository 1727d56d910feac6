// The call logs table: one row a call, newest first, each cell labelled for the narrow layout.

import { h } from "../../dom.js";
import { fullTime, shortTime } from "../../time.js";
import { dataTable } from "../../ui.js";
import { shownZone } from "../../zone.js";
import { RESULTS, TYPES } from "./filters.js";

const RESULT_BADGES = { answered: "badge-success", missed: "badge-warning", voicemail: "badge-info", busy: "badge-neutral", failed: "badge-danger" };
const label = (list, value) => (list.find(([v]) => v === value) || [value, value])[1];

function duration(seconds) {
  if (!seconds) return "0:00";
  const hours = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return hours ? `${hours}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function callRow(call) {
  const inbound = call.direction === "inbound";
  const time = h("time", { datetime: call.started_at, title: fullTime(call.started_at, shownZone()) }, shortTime(call.started_at, shownZone()));
  return h("tr", null,
    h("td", { "data-label": "Time", class: "c-time" }, time),
    h("td", { "data-label": "Direction", class: "c-dir" }, h("span", { class: `badge ${inbound ? "badge-info" : "badge-neutral"}` }, inbound ? "↓ Inbound" : "↑ Outbound")),
    h("td", { "data-label": "From", class: "mono c-from" }, call.from_number),
    h("td", { "data-label": "To", class: "mono c-to" }, call.to_number),
    h("td", { "data-label": "User", class: "c-user", title: call.user_principal_name }, call.user_name),
    h("td", { "data-label": "Duration", class: "num c-dur" }, duration(call.duration_s)),
    h("td", { "data-label": "Type", class: "c-type" }, label(TYPES, call.call_type)),
    h("td", { "data-label": "Result", class: "c-result" }, h("span", { class: `badge ${RESULT_BADGES[call.result] || "badge-neutral"}` }, label(RESULTS, call.result))));
}

/** The table, with `clear()` and `add(calls)` for the pager. */
export function callTable() {
  const table = dataTable("PSTN calls, newest first", ["Time", "Direction", "From", "To", "User", "Duration", "Type", "Result"],
    [], "table calls-table custom-cards");
  const tbody = table.tBodies[0];
  return {
    table,
    clear: () => tbody.replaceChildren(),
    add: (calls) => tbody.append(...calls.map(callRow)),
  };
}
