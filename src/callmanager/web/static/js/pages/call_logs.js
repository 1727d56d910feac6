// Call Logs: PSTN calls of the tenant, newest first, filtered (filters live in the URL), paged.

import { api } from "../api.js";
import { ctx } from "../context.js";
import { h, replace } from "../dom.js";
import { addDays, fullTime, isoDay, parseDay, shortTime, today, zonedMidnight } from "../time.js";
import { alertBox, button, emptyState, toast } from "../ui.js";
import { stateQuery } from "../url_state.js";

const PAGE_SIZE = 50;
const RANGES = [["today", "Today"], ["7d", "Last 7 days"], ["30d", "Last 30 days"], ["90d", "Last 90 days"], ["custom", "Custom"]];
const RANGE_DAYS = { today: 1, "7d": 7, "30d": 30, "90d": 90 };
const DIRECTIONS = [["", "Any direction"], ["inbound", "Inbound"], ["outbound", "Outbound"]];
const TYPES = [["", "Any type"], ["calling_plan", "Calling Plan"], ["operator_connect", "Operator Connect"], ["direct_routing", "Direct Routing"]];
const RESULTS = [["", "Any result"], ["answered", "Answered"], ["missed", "Missed"], ["voicemail", "Voicemail"], ["busy", "Busy"], ["failed", "Failed"]];
const RESULT_BADGES = { answered: "badge-success", missed: "badge-warning", voicemail: "badge-info", busy: "badge-neutral", failed: "badge-danger" };
const DEFAULTS = Object.freeze({ range: "7d", from: "", to: "", direction: "", call_type: "", result: "", q: "" });

const label = (list, value) => (list.find(([v]) => v === value) || [value, value])[1];

function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = params.get(key);
    if (value !== null) state[key] = value.trim();
  }
  if (!RANGES.some(([v]) => v === state.range)) state.range = DEFAULTS.range;
  for (const [key, list] of [["direction", DIRECTIONS], ["call_type", TYPES], ["result", RESULTS]]) {
    if (!list.some(([v]) => v === state[key])) state[key] = "";
  }
  if (state.range === "custom") {
    const t = isoDay(today(ctx.timeZone));
    if (!parseDay(state.from)) state.from = t;
    if (!parseDay(state.to)) state.to = t;
  } else {
    state.from = "";
    state.to = "";
  }
  return state;
}

function pageQuery(state) {
  return stateQuery(state, DEFAULTS);
}

function apiQuery(state) {
  const tz = ctx.timeZone;
  const params = new URLSearchParams();
  let start;
  let end;
  if (state.range === "custom") {
    let first = parseDay(state.from);
    let last = parseDay(state.to);
    if (isoDay(first) > isoDay(last)) [first, last] = [last, first];
    start = zonedMidnight(first, tz);
    end = zonedMidnight(addDays(last, 1), tz);
  } else {
    const t = today(tz);
    start = zonedMidnight(addDays(t, 1 - RANGE_DAYS[state.range]), tz);
    end = zonedMidnight(addDays(t, 1), tz);
  }
  params.set("start", start.toISOString());
  params.set("end", end.toISOString());
  for (const key of ["direction", "call_type", "result", "q"]) if (state[key]) params.set(key, state[key]);
  return params;
}

function duration(seconds) {
  if (!seconds) return "0:00";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export async function mount(root) {
  let state = readState();
  let cursor = null;
  let shown = 0;
  let controller = null;

  const select = (id, text, options) => h("div", { class: "filter" }, h("label", { for: id }, text),
    h("select", { id }, options.map(([v, t]) => h("option", { value: v }, t))));
  const rangeField = h("fieldset", { class: "filter filter-range" }, h("legend", null, "Date"),
    h("div", { class: "segmented segmented-5" }, RANGES.map(([v, t]) => h("label", { class: "segment" },
      h("input", { type: "radio", name: "range", value: v }), h("span", null, t)))));
  const fromInput = h("input", { type: "date", id: "calls-from" });
  const toInput = h("input", { type: "date", id: "calls-to" });
  const customDates = h("div", { class: "filter filter-dates" },
    h("div", { class: "filter-date" }, h("label", { for: "calls-from" }, "From"), fromInput),
    h("div", { class: "filter-date" }, h("label", { for: "calls-to" }, "To"), toInput));
  const searchInput = h("input", { type: "search", id: "calls-q", placeholder: "Number or user", autocomplete: "off", maxlength: 100 });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter call logs" },
    rangeField, customDates,
    select("calls-direction", "Direction", DIRECTIONS), select("calls-type", "Type", TYPES), select("calls-result", "Result", RESULTS),
    h("div", { class: "filter filter-search" }, h("label", { for: "calls-q" }, "Search"), searchInput));
  const summary = h("p", { class: "result-summary", "aria-live": "polite" });
  const tbody = h("tbody");
  const table = h("table", { class: "table calls-table custom-cards" },
    h("caption", { class: "visually-hidden" }, "PSTN calls, newest first"),
    h("thead", null, h("tr", null, ["Time", "Direction", "From", "To", "User", "Duration", "Type", "Result"].map((t) => h("th", { scope: "col" }, t)))),
    tbody);
  const region = h("div", { class: "table-region" });
  const loadMore = button("Load more", () => load(true), { class: "button button-secondary load-more" });
  const footer = h("div", { class: "audit-footer" }, loadMore);
  replace(root, form, h("div", { class: "result-bar" }, summary), region, footer,
    h("p", { class: "muted zone-note" }, `Times in ${ctx.timeZone}. Demo data: there is no live Teams connection.`));

  /** Show `state` in the form; `typing` keeps the search box alone while someone types in it. */
  function syncForm(typing = true) {
    for (const radio of form.querySelectorAll("input[name=range]")) radio.checked = radio.value === state.range;
    customDates.hidden = state.range !== "custom";
    fromInput.value = state.from;
    toInput.value = state.to;
    form.querySelector("#calls-direction").value = state.direction;
    form.querySelector("#calls-type").value = state.call_type;
    form.querySelector("#calls-result").value = state.result;
    if (!typing || document.activeElement !== searchInput) searchInput.value = state.q;
  }

  function formState() {
    const range = form.querySelector("input[name=range]:checked")?.value || DEFAULTS.range;
    const t = isoDay(today(ctx.timeZone));
    return {
      range,
      from: range === "custom" ? fromInput.value || t : "",
      to: range === "custom" ? toInput.value || t : "",
      direction: form.querySelector("#calls-direction").value,
      call_type: form.querySelector("#calls-type").value,
      result: form.querySelector("#calls-result").value,
      q: searchInput.value.trim(),
    };
  }

  function apply(next) {
    state = readState(pageQuery(next));
    const url = location.pathname + pageQuery(state);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
    syncForm();
    load(false);
  }

  form.addEventListener("change", (event) => { if (event.target !== searchInput) apply(formState()); });
  let timer = 0;
  searchInput.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => apply(formState()), 450); });
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); apply(formState()); });
  window.addEventListener("popstate", () => { state = readState(); syncForm(false); load(false); });

  function row(call) {
    const inbound = call.direction === "inbound";
    return h("tr", null,
      h("td", { "data-label": "Time", class: "c-time" }, h("time", { datetime: call.started_at, title: fullTime(call.started_at, ctx.timeZone) }, shortTime(call.started_at, ctx.timeZone))),
      h("td", { "data-label": "Direction", class: "c-dir" }, h("span", { class: `badge ${inbound ? "badge-info" : "badge-neutral"}` }, inbound ? "↓ Inbound" : "↑ Outbound")),
      h("td", { "data-label": "From", class: "mono c-from" }, call.from_number),
      h("td", { "data-label": "To", class: "mono c-to" }, call.to_number),
      h("td", { "data-label": "User", class: "c-user", title: call.user_principal_name }, call.user_name),
      h("td", { "data-label": "Duration", class: "num c-dur" }, duration(call.duration_s)),
      h("td", { "data-label": "Type", class: "c-type" }, label(TYPES, call.call_type)),
      h("td", { "data-label": "Result", class: "c-result" }, h("span", { class: `badge ${RESULT_BADGES[call.result] || "badge-neutral"}` }, label(RESULTS, call.result))));
  }

  async function load(more) {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const params = apiQuery(state);
    params.set("limit", String(PAGE_SIZE));
    if (more && cursor) params.set("cursor", cursor);
    region.setAttribute("aria-busy", "true");
    if (more) loadMore.disabled = true;
    else summary.textContent = "Loading…";
    try {
      const page = await api("GET", `${ctx.tenantApi("/call-logs")}?${params}`, undefined, { signal: mine.signal });
      if (!more) {
        tbody.replaceChildren();
        shown = 0;
      }
      tbody.append(...page.items.map(row));
      shown += page.items.length;
      cursor = page.next_cursor || null;
      if (shown === 0) {
        replace(region, emptyState("No calls", "No PSTN calls match these filters. Widen the date range or clear a filter.",
          pageQuery(state) ? button("Clear filters", () => apply({ ...DEFAULTS })) : null));
      } else if (!region.contains(table)) {
        replace(region, table);
      }
      summary.textContent = shown ? `${shown}${cursor ? "+" : ""} calls · ${label(RANGES, state.range).toLowerCase()}` : "";
      if (more) toast(`Loaded ${page.items.length} more calls.`);
    } catch (err) {
      if (err.name === "AbortError") return;
      if (more) toast(`Couldn't load more: ${err.message}`);
      else {
        replace(region, alertBox(`Couldn't load call logs: ${err.message}`), button("Try again", () => load(false)));
        summary.textContent = "";
      }
    } finally {
      loadMore.disabled = false;
      loadMore.hidden = shown === 0 || !cursor;
      if (controller === mine) region.removeAttribute("aria-busy");
    }
  }

  syncForm();
  await load(false);
}
