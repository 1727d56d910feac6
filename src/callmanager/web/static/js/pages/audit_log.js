// Organization > Audit Log: filters kept in the URL, newest-first entries, expandable rows,
// "Load more" over the keyset cursor, and CSV / JSON Lines export of the current view.

import { ApiError, api } from "../api.js";
import { ctx } from "../context.js";
import { h, replace } from "../dom.js";
import { jsonView } from "../json_view.js";
import { addDays, fullTime, isoDay, parseDay, today, zonedMidnight, zonedParts } from "../time.js";
import { alertBox, button, copyButton, emptyState, toast } from "../ui.js";
import { stateQuery } from "../url_state.js";

const PAGE_SIZE = 50;

const ACTION_TYPES = [
  ["modifications", "Modifications (create, edit, delete)"],
  ["all", "All (including reads)"],
  ["create", "Create"],
  ["edit", "Edit"],
  ["delete", "Delete"],
  ["read", "Read"],
];
const RANGES = [["today", "Today"], ["7d", "Last 7 days"], ["30d", "Last 30 days"], ["custom", "Custom"]];
const RANGE_DAYS = { today: 1, "7d": 7, "30d": 30 };
const RESOURCE_TYPES = [
  ["group", "Groups"],
  ["call_flow", "Call flows"],
  ["call_log", "Call logs"],
  ["portal_user", "Portal users"],
  ["invitation", "Invitations"],
  ["admin_setup", "Admin setup"],
  ["tenant", "Tenant"],
  ["audit_log", "Audit log"],
];
const STATUSES = [["", "Any result"], ["2xx", "Succeeded (2xx)"], ["4xx", "Refused (4xx)"], ["5xx", "Server errors (5xx)"]];
const ACTOR_KINDS = [["system", "System"], ["partner", "Partner"], ["anonymous", "Unauthenticated"]];
const ACTION_LABELS = { create: "Create", edit: "Edit", delete: "Delete", read: "Read" };

const DEFAULTS = Object.freeze({
  action_type: "modifications", range: "today", from: "", to: "", who: "", resource_type: "", status: "", q: "",
});

// ---- the view's state, and its two encodings: the page URL and the API query -----------------

function readState(search = location.search) {
  const params = new URLSearchParams(search);
  const state = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const value = params.get(key);
    if (value !== null) state[key] = value.trim();
  }
  if (!ACTION_TYPES.some(([v]) => v === state.action_type)) state.action_type = DEFAULTS.action_type;
  if (!RANGES.some(([v]) => v === state.range)) state.range = DEFAULTS.range;
  if (!STATUSES.some(([v]) => v === state.status)) state.status = "";
  if (state.range === "custom") {
    const t = isoDay(today(ctx.timeZone));
    if (!parseDay(state.from)) state.from = parseDay(state.to) ? state.to : t;
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

/** The [start, end) instants of the view's dates in the tenant's time zone. */
function dateBounds(state) {
  const tz = ctx.timeZone;
  if (state.range === "custom") {
    let first = parseDay(state.from);
    let last = parseDay(state.to);
    if (isoDay(first) > isoDay(last)) [first, last] = [last, first];
    return [zonedMidnight(first, tz), zonedMidnight(addDays(last, 1), tz)];
  }
  const t = today(tz);
  return [zonedMidnight(addDays(t, 1 - RANGE_DAYS[state.range]), tz), zonedMidnight(addDays(t, 1), tz)];
}

/** The API's query for this view (without limit and cursor). */
function apiQuery(state) {
  const params = new URLSearchParams();
  params.set("action_type", state.action_type);
  const [start, end] = dateBounds(state);
  params.set("from", start.toISOString());
  params.set("to", end.toISOString());
  if (state.who) {
    if (ACTOR_KINDS.some(([v]) => v === state.who)) params.set("actor_type", state.who);
    else params.set("actor", state.who);
  }
  if (state.resource_type) params.set("resource_type", state.resource_type);
  if (state.status) params.set("status", state.status);
  if (state.q) params.set("q", state.q);
  return params;
}

const NOUNS = {
  modifications: ["modification", "modifications"], all: ["entry", "entries"], create: ["create", "creates"],
  edit: ["edit", "edits"], delete: ["delete", "deletes"], read: ["read", "reads"],
};

function describeView(state, count) {
  const action = NOUNS[state.action_type][count === 1 ? 0 : 1];
  let when = (RANGES.find(([v]) => v === state.range) || [])[1];
  if (state.range === "custom") when = state.from === state.to ? state.from : `${state.from} to ${state.to}`;
  const parts = [action, when.toLowerCase()];
  if (state.who) parts.push(`by ${(ACTOR_KINDS.find(([v]) => v === state.who) || [0, state.who])[1]}`);
  if (state.resource_type) {
    parts.push(`on ${(RESOURCE_TYPES.find(([v]) => v === state.resource_type) || [0, state.resource_type])[1].toLowerCase()}`);
  }
  if (state.status) parts.push(STATUSES.find(([v]) => v === state.status)[1].toLowerCase());
  if (state.q) parts.push(`matching “${state.q}”`);
  return parts;
}

// ---- small renderers ---------------------------------------------------------------------------

function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

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

function actionBadge(action) {
  return h("span", { class: `badge action action-${action}` }, ACTION_LABELS[action] || action);
}

function statusCell(entry) {
  if (entry.outcome === "unknown" || entry.status === null || entry.status === undefined) {
    return h("span", { class: "badge badge-warning", title: "The response was never recorded: the call may or may not have taken effect" }, "Unknown");
  }
  const kind = entry.status >= 500 ? "danger" : entry.status >= 400 ? "danger" : "success";
  return h("span", { class: `status status-${kind}`, title: entry.outcome === "failed" ? "Failed" : "Succeeded" },
    h("span", { class: "status-dot", "aria-hidden": "true" }), String(entry.status));
}

/** The path without the tenant prefix, for the compact line under a summary. */
function shortPath(path) {
  const prefix = `/api/v1/tenants/${ctx.tenantId}`;
  return path.startsWith(prefix) ? path.slice(prefix.length) || "/" : path;
}

function dayKey(iso) {
  const p = zonedParts(new Date(iso), ctx.timeZone);
  return isoDay({ y: p.y, m: p.m, d: p.d });
}

function dayLabel(key) {
  const t = isoDay(today(ctx.timeZone));
  const day = parseDay(key);
  const date = new Date(Date.UTC(day.y, day.m - 1, day.d, 12));
  const text = date.toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  if (key === t) return `Today · ${text}`;
  if (key === isoDay(addDays(today(ctx.timeZone), -1))) return `Yesterday · ${text}`;
  return text;
}

function timeOfDay(iso) {
  const p = zonedParts(new Date(iso), ctx.timeZone);
  return [p.hh, p.mm, p.ss].map((n) => String(n).padStart(2, "0")).join(":");
}

function bodyPanel(title, body, entry, isResponse) {
  const heading = h("h3", null, title);
  const meta = [];
  if (body?.content_type) meta.push(body.content_type);
  if (body && typeof body.size === "number") meta.push(formatSize(body.size));
  const content = [];
  const tools = [];
  if (!body) {
    content.push(h("p", { class: "muted" }, isResponse && entry.outcome === "unknown"
      ? "Not recorded: the outcome of this call is unknown."
      : "No body."));
  } else {
    if (body.sensitive) {
      content.push(h("div", { class: "marker marker-sensitive", "data-marker": "sensitive" },
        h("strong", null, "Response not stored — sensitive, summary only."),
        " Only the fields below were kept; the rest of the response (such as tokens) was never stored."));
    }
    if (body.truncated) {
      content.push(h("div", { class: "marker marker-truncated", "data-marker": "truncated" },
        h("strong", null, "Truncated."),
        ` The body (${formatSize(body.size)}) was larger than the capture limit; only its size${body.sha256 ? " and SHA-256" : ""} were kept.`));
    }
    if ("body" in body) {
      tools.push(copyButton(() => JSON.stringify(body.body, null, 2), "Copy JSON"));
      content.push(jsonView(body.body));
    } else if (!body.truncated) {
      content.push(h("p", { class: "muted" }, body.size ? "Not JSON: only its type, size and SHA-256 were kept." : "Empty body."));
    }
    if (body.sha256) content.push(h("p", { class: "sha" }, "SHA-256 ", h("code", null, body.sha256)));
  }
  return h("section", { class: "body-panel", "aria-label": title },
    h("div", { class: "body-panel-head" }, heading,
      meta.length ? h("span", { class: "muted body-meta" }, meta.join(" · ")) : null, tools),
    content);
}

function fact(label, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", null, label), h("dd", null, value)];
}

function detailView(entry) {
  const markers = [];
  if (entry.outcome === "unknown") {
    markers.push(h("div", { class: "marker marker-unknown", "data-marker": "unknown" },
      h("strong", null, "Outcome unknown."),
      " The call was recorded before it ran, but its response was never stored: the service stopped, or the audit store stayed unavailable. It may or may not have taken effect; check the resource itself. An outcome established later replaces this."));
  }
  const actor = entry.actor || {};
  let who = actor.email || actor.name || actor.id || "";
  if (actor.type === "system") who = `System${actor.id ? ` (task ${actor.id})` : ""}`;
  if (actor.type === "partner") who = "Partner (via Access Service)";
  if (actor.type === "anonymous") who = "Not authenticated";
  const resource = entry.resource?.type
    ? `${entry.resource.type}${entry.resource.id ? ` · ${entry.resource.id}` : ""}` : null;
  return h("div", { class: "detail" },
    h("div", { class: "detail-call" },
      h("span", { class: `method method-${entry.method.toLowerCase()}` }, entry.method),
      h("code", { class: "detail-path" }, entry.path),
      copyButton(() => `${entry.method} ${entry.path}`, "Copy")),
    markers,
    h("dl", { class: "detail-facts" },
      fact("When", fullTime(entry.occurred_at, ctx.timeZone)),
      fact("Duration", entry.duration_ms === null || entry.duration_ms === undefined ? "—" : `${entry.duration_ms} ms`),
      fact("Status", entry.status === null || entry.status === undefined ? "—" : `${entry.status} · ${entry.outcome}`),
      fact("Who", who),
      fact("Source", entry.source),
      fact("Resource", resource),
      fact("Route", entry.route ? `${entry.method} ${entry.route}` : null),
      fact("Client", entry.client_ip),
      fact("User agent", entry.user_agent),
      fact("Entry id", h("code", null, entry.id))),
    h("div", { class: "detail-bodies" },
      bodyPanel("Request", entry.request, entry, false),
      bodyPanel("Response", entry.response, entry, true)));
}

// ---- the page --------------------------------------------------------------------------------

export async function mount(root) {
  let state = readState();
  let cursor = null;
  let loadController = null;
  let shown = 0;
  let lastDay = null;

  const select = (id, label, options, value) => {
    const el = h("select", { id, name: id }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
    return h("div", { class: "filter" }, h("label", { for: id }, label), el);
  };

  // Filters
  const actionField = select("filter-action", "Action Type", ACTION_TYPES, state.action_type);
  const rangeField = h("fieldset", { class: "filter filter-range" },
    h("legend", null, "Date"),
    h("div", { class: "segmented" }, RANGES.map(([v, text]) => h("label", { class: "segment" },
      h("input", { type: "radio", name: "range", value: v, checked: v === state.range }), h("span", null, text)))));
  const fromInput = h("input", { type: "date", id: "filter-from", name: "from" });
  const toInput = h("input", { type: "date", id: "filter-to", name: "to" });
  const customDates = h("div", { class: "filter filter-dates" },
    h("div", { class: "filter-date" }, h("label", { for: "filter-from" }, "From"), fromInput),
    h("div", { class: "filter-date" }, h("label", { for: "filter-to" }, "To"), toInput));
  const whoSelect = h("select", { id: "filter-who", name: "who" });
  const whoField = h("div", { class: "filter" }, h("label", { for: "filter-who" }, "Who"), whoSelect);
  const resourceField = select("filter-resource", "Resource", [["", "Any resource"], ...RESOURCE_TYPES], state.resource_type);
  const statusField = select("filter-status", "Result", STATUSES, state.status);
  const searchInput = h("input", {
    type: "search", id: "filter-q", name: "q", placeholder: "Path or summary  ( / )", autocomplete: "off", maxlength: 200,
    "aria-keyshortcuts": "/", title: "Press / to search from anywhere on the page",
  });
  // As on GitHub: "/" jumps to the search box unless the person is already typing somewhere.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    searchInput.focus();
  });
  const searchField = h("div", { class: "filter filter-search" }, h("label", { for: "filter-q" }, "Search"), searchInput);
  const resetButton = button("Clear filters", () => { searchInput.value = ""; apply({ ...DEFAULTS }); }, { class: "button button-secondary button-small filter-reset" });
  // On a phone the less-used filters fold away behind one button; on a desktop all show.
  const moreFilters = h("div", { class: "more-filters", id: "more-filters" }, whoField, resourceField, statusField, searchField);
  const moreToggle = h("button", {
    type: "button", class: "button button-secondary button-small filters-toggle",
    "aria-expanded": "false", "aria-controls": "more-filters",
  }, "More filters");
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter the audit log" },
    actionField, rangeField, customDates, moreToggle, moreFilters,
    h("div", { class: "filter filter-actions" }, resetButton));
  moreToggle.addEventListener("click", () => {
    const open = moreToggle.getAttribute("aria-expanded") !== "true";
    moreToggle.setAttribute("aria-expanded", String(open));
    form.classList.toggle("show-more", open);
  });

  // Result bar, table, and footer
  const summary = h("p", { class: "result-summary", id: "result-summary", "aria-live": "polite" });
  const csvLink = h("a", { class: "button button-secondary button-small", download: "", "data-export": "csv" }, "Export CSV");
  const jsonlLink = h("a", { class: "button button-secondary button-small", download: "", "data-export": "jsonl" }, "Export JSON Lines");
  const refreshButton = button("Refresh", () => load(false), { class: "button button-secondary button-small" });
  const resultBar = h("div", { class: "result-bar" }, summary,
    h("div", { class: "result-tools" }, refreshButton, csvLink, jsonlLink));
  const tbody = h("tbody");
  const table = h("table", { class: "table audit-table custom-cards", "aria-describedby": "result-summary" },
    h("caption", { class: "visually-hidden" }, "Audit log entries, newest first. Select a row to show its request and response."),
    h("thead", null, h("tr", null,
      h("th", { scope: "col", class: "col-time" }, "Time"),
      h("th", { scope: "col", class: "col-who" }, "Who"),
      h("th", { scope: "col", class: "col-action" }, "Action"),
      h("th", { scope: "col", class: "col-summary" }, "Summary"),
      h("th", { scope: "col", class: "col-source" }, "Source"),
      h("th", { scope: "col", class: "col-status" }, "Status"))),
    tbody);
  const tableRegion = h("div", { class: "audit-region" });
  const footer = h("div", { class: "audit-footer" });
  const zoneNote = h("p", { class: "muted zone-note" }, `Times in ${ctx.timeZone}. Hover a time for the full timestamp.`);

  replace(root, form, resultBar, tableRegion, footer, zoneNote);

  // Who: everyone who can log in here, plus System, Partner and unauthenticated callers.
  function fillWho(users) {
    const options = [h("option", { value: "" }, "Anyone"),
      h("optgroup", { label: "Not a person" }, ACTOR_KINDS.map(([v, t]) => h("option", { value: v }, t)))];
    const emails = users.map((u) => u.email);
    if (state.who && !ACTOR_KINDS.some(([v]) => v === state.who) && !emails.includes(state.who)) emails.push(state.who);
    if (emails.length) options.push(h("optgroup", { label: "Portal users" }, emails.sort().map((e) => h("option", { value: e }, e))));
    replace(whoSelect, options);
    whoSelect.value = state.who;
  }
  fillWho([]);
  api("GET", ctx.tenantApi("/portal-users")).then(fillWho).catch(() => {});

  /** Show `state` in the form; `typing` keeps the search box alone while someone types in it. */
  function syncForm(typing = true) {
    form.querySelector("#filter-action").value = state.action_type;
    for (const radio of form.querySelectorAll("input[name=range]")) radio.checked = radio.value === state.range;
    const custom = state.range === "custom";
    customDates.hidden = !custom;
    const t = isoDay(today(ctx.timeZone));
    fromInput.value = custom ? state.from : "";
    toInput.value = custom ? state.to : "";
    fromInput.max = t;
    toInput.max = t;
    if (![...whoSelect.options].some((o) => o.value === state.who)) fillWho([]);
    whoSelect.value = state.who;
    form.querySelector("#filter-resource").value = state.resource_type;
    form.querySelector("#filter-status").value = state.status;
    if (!typing || document.activeElement !== searchInput) searchInput.value = state.q;
    resetButton.hidden = pageQuery(state) === "";
    const active = ["who", "resource_type", "status", "q"].filter((key) => state[key]).length;
    moreToggle.textContent = active ? `More filters (${active} on)` : "More filters";
    const query = apiQuery(state).toString();
    csvLink.href = `/api/v1${ctx.tenantApi("/audit-log/export")}?format=csv&${query}`;
    jsonlLink.href = `/api/v1${ctx.tenantApi("/audit-log/export")}?format=jsonl&${query}`;
  }

  function formState() {
    const range = form.querySelector("input[name=range]:checked")?.value || "today";
    const t = isoDay(today(ctx.timeZone));
    return {
      action_type: form.querySelector("#filter-action").value,
      range,
      from: range === "custom" ? fromInput.value || state.from || t : "",
      to: range === "custom" ? toInput.value || state.to || t : "",
      who: whoSelect.value,
      resource_type: form.querySelector("#filter-resource").value,
      status: form.querySelector("#filter-status").value,
      q: searchInput.value.trim(),
    };
  }

  /** Show a new view: remember it in the URL (so Back returns here), then load it. */
  function apply(next) {
    state = readState(pageQuery(next));
    const url = location.pathname + pageQuery(state);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
    syncForm();
    load(false);
  }

  form.addEventListener("change", (event) => {
    if (event.target === searchInput) return;
    apply(formState());
  });
  let searchTimer = 0;
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => apply(formState()), 450);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    apply(formState());
  });
  window.addEventListener("popstate", () => {
    state = readState();
    syncForm(false);
    load(false);
  });

  // Rows
  function toggle(row) {
    const open = row.getAttribute("aria-expanded") !== "true";
    row.setAttribute("aria-expanded", String(open));
    const detailRow = document.getElementById(row.getAttribute("aria-controls"));
    detailRow.hidden = !open;
    row.classList.toggle("open", open);
    if (open && !detailRow.dataset.loaded) loadDetail(row, detailRow);
  }

  async function loadDetail(row, detailRow) {
    const cell = detailRow.firstElementChild;
    detailRow.dataset.loaded = "loading";
    replace(cell, h("p", { class: "loading" }, "Loading the request and response…"));
    try {
      const entry = await api("GET", ctx.tenantApi(`/audit-log/${row.dataset.entryId}`));
      replace(cell, detailView(entry));
      detailRow.dataset.loaded = "yes";
    } catch (err) {
      delete detailRow.dataset.loaded;
      replace(cell, alertBox(`Couldn't load this entry: ${err.message}`),
        button("Try again", () => loadDetail(row, detailRow), { class: "button button-secondary button-small" }));
    }
  }

  tbody.addEventListener("click", (event) => {
    const row = event.target.closest("tr.entry");
    if (!row || event.target.closest("a, button, input, select")) return;
    if (String(window.getSelection?.() || "").length > 0) return;
    toggle(row);
  });
  tbody.addEventListener("keydown", (event) => {
    const row = event.target.closest?.("tr.entry");
    if (!row || event.target !== row) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      toggle(row);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const rows = [...tbody.querySelectorAll("tr.entry")];
      const next = rows[rows.indexOf(row) + (event.key === "ArrowDown" ? 1 : -1)];
      next?.focus();
    }
  });

  function entryRows(entry) {
    const detailId = `entry-detail-${entry.id}`;
    const rows = [];
    const key = dayKey(entry.occurred_at);
    if (key !== lastDay) {
      lastDay = key;
      rows.push(h("tr", { class: "day-row" }, h("th", { colspan: 6, scope: "colgroup" }, dayLabel(key))));
    }
    rows.push(h("tr", {
      class: `entry entry-${entry.action}`,
      tabindex: 0,
      "aria-expanded": "false",
      "aria-controls": detailId,
      "data-entry-id": entry.id,
    },
    h("td", { class: "col-time" },
      h("span", { class: "expander", "aria-hidden": "true" }),
      h("time", { datetime: entry.occurred_at, title: fullTime(entry.occurred_at, ctx.timeZone) }, timeOfDay(entry.occurred_at))),
    h("td", { class: "col-who" }, whoCell(entry.actor)),
    h("td", { class: "col-action" }, actionBadge(entry.action)),
    h("td", { class: "col-summary" },
      h("span", { class: "summary-text" }, entry.summary || `${entry.method} ${shortPath(entry.path)}`),
      h("span", { class: "summary-path" }, `${entry.method} ${shortPath(entry.path)}`)),
    h("td", { class: "col-source" }, entry.source),
    h("td", { class: "col-status" }, statusCell(entry))));
    rows.push(h("tr", { class: "entry-detail", id: detailId, hidden: true }, h("td", { colspan: 6 })));
    return rows;
  }

  function showEmpty() {
    const actions = [];
    if (state.action_type === "modifications") {
      actions.push(button("Include reads", () => apply({ ...state, action_type: "all" }), { kind: "primary" }));
    }
    if (state.range === "today") actions.push(button("Last 7 days", () => apply({ ...state, range: "7d" })));
    if (pageQuery(state) !== "") actions.push(button("Clear filters", () => apply({ ...DEFAULTS })));
    const what = state.action_type === "modifications" ? "No modifications" : "No entries";
    const when = state.range === "today" ? " today" : " in this period";
    replace(tableRegion, emptyState(`${what}${when}`,
      state.action_type === "modifications"
        ? "Creates, edits and deletes made in Call Manager, through the API, by System tasks or by Partner staff appear here. Reads are hidden in this view."
        : "Nothing matches these filters. Widen the date range or clear a filter.",
      ...actions));
  }

  function showError(err) {
    let text = `The audit log couldn't be loaded: ${err.message}`;
    const actions = [button("Try again", () => load(false), { kind: "primary" })];
    if (err instanceof ApiError && err.status === 400) {
      text = `These filters can't be used: ${err.message}`;
      actions.unshift(button("Clear filters", () => apply({ ...DEFAULTS })));
    } else if (err instanceof ApiError && err.status === 403) {
      text = "Your role can't view the audit log of this tenant.";
      actions.length = 0;
    } else if (err instanceof ApiError && err.status === 404) {
      text = "The audit log isn't available here yet.";
    }
    replace(tableRegion, h("div", { class: "error-state", role: "alert" }, h("h2", null, "Couldn't show the audit log"), h("p", null, text), h("div", { class: "empty-actions" }, actions)));
    replace(summary, "");
  }

  // One persistent button, so keyboard focus stays on it while more entries arrive.
  const loadMoreButton = button("Load more", () => load(true), { class: "button button-secondary load-more", "data-action": "load-more" });
  const endNote = h("p", { class: "muted end-note" }, "End of results.");
  footer.append(loadMoreButton, endNote);

  function updateFooter() {
    loadMoreButton.disabled = false;
    loadMoreButton.hidden = shown === 0 || !cursor;
    endNote.hidden = shown === 0 || Boolean(cursor);
  }

  async function load(more) {
    loadController?.abort();
    const controller = new AbortController();
    loadController = controller;
    const params = apiQuery(state);
    params.set("limit", String(PAGE_SIZE));
    if (more && cursor) params.set("cursor", cursor);
    tableRegion.setAttribute("aria-busy", "true");
    if (!more) {
      summary.textContent = "Loading…";
      if (!tableRegion.contains(table)) replace(tableRegion, h("p", { class: "loading" }, "Loading entries…"));
    } else {
      loadMoreButton.disabled = true;
    }
    try {
      const page = await api("GET", `${ctx.tenantApi("/audit-log")}?${params}`, undefined, { signal: controller.signal });
      if (controller.signal.aborted) return;
      if (!more) {
        shown = 0;
        lastDay = null;
        tbody.replaceChildren();
      }
      for (const entry of page.items) tbody.append(...entryRows(entry));
      shown += page.items.length;
      cursor = page.next_cursor || null;
      if (shown === 0) {
        showEmpty();
      } else if (!tableRegion.contains(table)) {
        replace(tableRegion, table);
      }
      const parts = describeView(state, cursor ? 2 : shown);
      const count = `${shown}${cursor ? "+" : ""} ${parts[0]}`;
      summary.textContent = shown === 0 ? "" : `${count} · ${parts.slice(1).join(" · ")}`;
      if (more) toast(`Loaded ${page.items.length} more entries.`);
      updateFooter();
    } catch (err) {
      if (err.name === "AbortError") return;
      if (more) {
        toast(`Couldn't load more: ${err.message}`);
        updateFooter();
      } else {
        showError(err);
        loadMoreButton.hidden = true;
        endNote.hidden = true;
      }
    } finally {
      if (loadController === controller) tableRegion.removeAttribute("aria-busy");
    }
  }

  syncForm();
  await load(false);
}
