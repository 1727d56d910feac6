// Organization > Audit Log: filters kept in the URL, the activity chart of the view, entries
// that expand (newest or oldest first), the history of one resource, "Load more" over the keyset
// cursor, CSV / JSON Lines export of the current view, the downloads that verify the log offline,
// and how long the log is kept (where its history begins).

import { ApiError, api } from "../../api.js";
import { ctx } from "../../context.js";
import { lastDays, MAX_DAYS } from "../../date_range.js";
import { h } from "../../dom.js";
import { pager } from "../../pager.js";
import { alertBox, button, emptyState } from "../../ui.js";
import { filterView } from "../../url_state.js";
import { zoneSwitch } from "../../zone.js";
import { activityChart } from "./activity.js";
import { filterForm } from "./filters.js";
import { historyChip } from "./history.js";
import { entryTable } from "./list.js";
import { offlinePanel } from "./offline.js";
import { outcomeLine } from "./outcomes.js";
import { retentionLine } from "./retention.js";
import { DATES, DEFAULTS, apiQuery, describeView, normalise, useVocabulary } from "./state.js";

const exportLink = (format, label) =>
  h("a", { class: "button button-secondary button-small", download: "", "data-export": format }, label);

/** What an empty view says, with the one-click ways to widen it. */
function emptyView(view) {
  const { state } = view;
  const reads = state.action_type === "modifications";
  const actions = [];
  if (reads) actions.push(button("Include reads", () => view.apply({ ...state, action_type: "all" }), { kind: "primary" }));
  if (state.range === "today") actions.push(button("Last 7 days", () => view.apply({ ...state, range: "7d" })));
  if (view.query() !== "") actions.push(button("Clear filters", view.reset));
  return emptyState(`${reads ? "No modifications" : "No entries"}${state.range === "today" ? " today" : " in this period"}`,
    reads
      ? "Creates, edits and deletes made in Call Manager, through the API, by System tasks or by Partner staff appear here. Reads are hidden in this view."
      : "Nothing matches these filters. Widen the date range or clear a filter.",
    ...actions);
}

const useLastYear = (view) => button(`Use the last ${MAX_DAYS} days`, () => view.apply({ ...view.state, ...lastDays() }), { kind: "primary" });

/** What a view that failed to load says: refused filters, a range too long, a role without access, or retry. */
function errorView(err, view, retry) {
  let text = `The audit log couldn't be loaded: ${err.message}`;
  let actions = [button("Try again", retry, { kind: "primary" })];
  const status = err instanceof ApiError ? err.status : 0;
  if (status === 400 && ["from", "to"].includes(err.problem?.parameter) && /span/.test(err.message)) {
    text = `These dates can't be searched: ${err.message}`;
    actions = [useLastYear(view)];
  } else if (status === 400) {
    text = `These filters can't be used: ${err.message}`;
    actions = [button("Clear filters", view.reset), ...actions];
  } else if (status === 403) {
    text = "Your role can't view the audit log of this tenant.";
    actions = [];
  } else if (status === 404) {
    text = "The audit log isn't available here yet.";
  }
  return h("div", { class: "error-state", role: "alert" }, h("h2", null, "Couldn't show the audit log"),
    h("p", null, text), h("div", { class: "empty-actions" }, actions));
}

/** A range longer than the API searches, refused here before asking (it could never succeed). */
const rangeError = (view) => errorView(new ApiError(400, {
  detail: `A search may span at most ${MAX_DAYS} days; ${DATES.describe(view.state)} is longer.`, parameter: "to",
}), view, null);

/** Says which URL parameters were dropped because this page doesn't know them. */
function droppedNotice(keys) {
  const one = keys.length === 1;
  return alertBox(`Ignored ${one ? "a parameter" : "parameters"} of this link that the Audit Log doesn't know `
    + `(${keys.map((k) => `“${k}”`).join(", ")}); ${one ? "it was" : "they were"} removed from the address.`, "info");
}

export async function mount(root) {
  try {
    useVocabulary(await api("GET", ctx.tenantApi("/audit-log/vocabulary")));
  } catch (err) {
    root.replaceChildren(errorView(err, { reset: () => mount(root) }, () => mount(root)));
    return;
  }
  const notices = h("div", { class: "notices" });
  const filters = filterForm({ onReset: () => view.reset() });
  const csv = exportLink("csv", "Export CSV");
  const jsonl = exportLink("jsonl", "Export JSON Lines");
  const summary = h("p", { class: "result-summary", id: "result-summary", "aria-live": "polite" });
  const outcomes = outcomeLine();
  const region = h("div", { class: "audit-region" });
  const retention = retentionLine();
  const chip = historyChip({
    remove: () => view.apply({ ...view.state, resource_id: "", resource_type: "" }),
    reorder: () => view.apply({ ...view.state, order: view.state.order === "asc" ? "desc" : "asc" }),
  });
  const list = entryTable({
    history(resource) {
      chip.learn(resource);
      view.apply({ ...DEFAULTS, ...lastDays(), action_type: "all", resource_type: resource.type, resource_id: resource.id, order: view.state.order });
    },
  });
  const chart = activityChart({ narrow: (range) => view.apply({ ...view.state, ...range }) });
  const entries = pager({
    region, summary, path: ctx.tenantApi("/audit-log"), query: () => apiQuery(view.state),
    list: list.table, clear: () => { outcomes.resetRows(); list.clear(); },
    add: (items, more) => { list.add(items); chip.learn(...items.map((e) => e.resource)); outcomes.count(items, more); },
    empty: () => emptyView(view), failed: (err) => errorView(err, view, () => entries.load()),
    describe: (shown, more) => describeView(view.state, shown, more), noun: "entries", endNote: "End of results.",
  });
  const view = filterView({
    defaults: DEFAULTS, normalise, form: filters.form, searchInput: filters.searchInput,
    formState: () => filters.read(view.state),
    show(state, typing, reload = true) {
      showState(state, typing);
      if (reload) load();
    },
    dropped: (keys) => notices.replaceChildren(droppedNotice(keys)),
  });

  /** The list and the chart of the view; a range too long is explained without asking the server. */
  function load() {
    if (DATES.tooLong(view.state)) {
      region.replaceChildren(rangeError(view));
      summary.textContent = "";
      outcomes.reset();
      chart.node.hidden = true;
      return Promise.resolve();
    }
    outcomes.reset();
    chart.load(apiQuery(view.state, { order: false })).then(outcomes.useTotals, () => {});
    return entries.load();
  }

  /** The filters, chip and export links of `state`. */
  function showState(state, typing) {
    filters.sync(state, typing);
    chip.show(state);
    const exported = `/api/v1${ctx.tenantApi("/audit-log/export")}`;
    csv.href = `${exported}?format=csv&${apiQuery(state)}`;
    jsonl.href = `${exported}?format=jsonl&${apiQuery(state)}`;
  }

  root.replaceChildren(notices, retention.node, filters.form, chip.node, chart.node,
    h("div", { class: "result-bar" }, h("div", { class: "result-count" }, summary, outcomes.node),
      h("div", { class: "result-tools" },
        button("Refresh", load, { class: "button button-secondary button-small" }), csv, jsonl)),
    zoneSwitch(load), region, entries.footer, offlinePanel());
  filters.setUsers([], view.state);
  api("GET", ctx.tenantApi("/portal-users")).then((users) => filters.setUsers(users, view.state)).catch(() => {});
  showState(view.state);
  retention.load();
  await load();
}
