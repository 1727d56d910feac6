// Call logs' view: its choices, its state read from the URL, the API query, and the filter form.

import { h } from "../../dom.js";
import { dateRange } from "../../date_range.js";

export const DATES = dateRange([1, 7, 30, 90]);
const DIRECTIONS = [["", "Any direction"], ["inbound", "Inbound"], ["outbound", "Outbound"]];
export const TYPES = [["", "Any type"], ["calling_plan", "Calling Plan"], ["operator_connect", "Operator Connect"], ["direct_routing", "Direct Routing"]];
export const RESULTS = [["", "Any result"], ["answered", "Answered"], ["missed", "Missed"], ["voicemail", "Voicemail"], ["busy", "Busy"], ["failed", "Failed"]];
export const DEFAULTS = Object.freeze({ range: "7d", from: "", to: "", direction: "", call_type: "", result: "", q: "" });
// Each select: its element id, the state key it sets, and its label and choices.
const SELECTS = [["calls-direction", "direction", "Direction", DIRECTIONS], ["calls-type", "call_type", "Type", TYPES],
  ["calls-result", "result", "Result", RESULTS]];

/** Any state read from a URL made valid: unknown choices fall back to "any". */
export function normalise(state) {
  for (const [, key, , list] of SELECTS) {
    if (!list.some(([v]) => v === state[key])) state[key] = "";
  }
  return DATES.normalise(state, DEFAULTS.range);
}

/** The API's query for this view (without limit and cursor). */
export function apiQuery(state) {
  const [start, end] = DATES.bounds(state);
  const params = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
  for (const key of ["direction", "call_type", "result", "q"]) if (state[key]) params.set(key, state[key]);
  return params;
}

/** The form: dates, direction, type, result and search; `sync` shows a state, `read` reads one. */
export function filterForm() {
  const dates = DATES.field("calls");
  const selects = SELECTS.map(([id, key, text, options]) =>
    [key, h("select", { id }, options.map(([v, t]) => h("option", { value: v }, t))), text]);
  const searchInput = h("input", { type: "search", id: "calls-q", placeholder: "Number or user", autocomplete: "off", maxlength: 100 });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter call logs" },
    ...dates.nodes,
    selects.map(([, select, text]) => h("div", { class: "filter" }, h("label", { for: select.id }, text), select)),
    h("div", { class: "filter filter-search" }, h("label", { for: "calls-q" }, "Search"), searchInput));
  return {
    form,
    searchInput,
    sync(state, typing = true) {
      dates.sync(state);
      for (const [key, select] of selects) select.value = state[key];
      if (!typing || document.activeElement !== searchInput) searchInput.value = state.q;
    },
    read(state) {
      return {
        ...dates.read(state, DEFAULTS.range),
        ...Object.fromEntries(selects.map(([key, select]) => [key, select.value])),
        q: searchInput.value.trim(),
      };
    },
  };
}
