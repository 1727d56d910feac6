// Organization > Audit Log: filters kept in the URL, newest-first entries that expand, "Load more"
// over the keyset cursor, CSV / JSON Lines export of the current view, and the downloads that
// verify the log offline.

import { ApiError, api } from "../../api.js";
import { ctx } from "../../context.js";
import { h } from "../../dom.js";
import { pager } from "../../pager.js";
import { button, emptyState } from "../../ui.js";
import { filterView } from "../../url_state.js";
import { filterForm } from "./filters.js";
import { entryTable } from "./list.js";
import { offlinePanel } from "./offline.js";
import { DEFAULTS, apiQuery, describeView, normalise, useVocabulary } from "./state.js";

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

/** What a view that failed to load says: refused filters, a role without access, or retry. */
function errorView(err, view, retry) {
  let text = `The audit log couldn't be loaded: ${err.message}`;
  let actions = [button("Try again", retry, { kind: "primary" })];
  const status = err instanceof ApiError ? err.status : 0;
  if (status === 400) {
    text = `These filters can't be used: ${err.message}`;
    actions.unshift(button("Clear filters", view.reset));
  } else if (status === 403) {
    text = "Your role can't view the audit log of this tenant.";
    actions = [];
  } else if (status === 404) {
    text = "The audit log isn't available here yet.";
  }
  return h("div", { class: "error-state", role: "alert" }, h("h2", null, "Couldn't show the audit log"),
    h("p", null, text), h("div", { class: "empty-actions" }, actions));
}

export async function mount(root) {
  try {
    useVocabulary(await api("GET", ctx.tenantApi("/audit-log/vocabulary")));
  } catch (err) {
    root.replaceChildren(errorView(err, { reset: () => mount(root) }, () => mount(root)));
    return;
  }
  const filters = filterForm({ onReset: () => view.reset() });
  const csv = exportLink("csv", "Export CSV");
  const jsonl = exportLink("jsonl", "Export JSON Lines");
  const summary = h("p", { class: "result-summary", id: "result-summary", "aria-live": "polite" });
  const region = h("div", { class: "audit-region" });
  const list = entryTable();
  const entries = pager({
    region, summary, path: ctx.tenantApi("/audit-log"), query: () => apiQuery(view.state),
    list: list.table, clear: list.clear, add: list.add,
    empty: () => emptyView(view), failed: (err) => errorView(err, view, () => entries.load()),
    describe: (shown, more) => describeView(view.state, shown, more), noun: "entries", endNote: "End of results.",
  });
  const view = filterView({
    defaults: DEFAULTS, normalise, form: filters.form, searchInput: filters.searchInput,
    formState: () => filters.read(view.state),
    show(state, typing) {
      showState(state, typing);
      entries.load();
    },
  });

  /** The filters and export links of `state`. */
  function showState(state, typing) {
    filters.sync(state, typing);
    const exported = `/api/v1${ctx.tenantApi("/audit-log/export")}`;
    csv.href = `${exported}?format=csv&${apiQuery(state)}`;
    jsonl.href = `${exported}?format=jsonl&${apiQuery(state)}`;
  }

  root.replaceChildren(filters.form,
    h("div", { class: "result-bar" }, summary, h("div", { class: "result-tools" },
      button("Refresh", () => entries.load(), { class: "button button-secondary button-small" }), csv, jsonl)),
    region, entries.footer,
    offlinePanel(),
    h("p", { class: "muted zone-note" }, `Times in ${ctx.timeZone}. Hover a time for the full timestamp.`));
  filters.setUsers([], view.state);
  api("GET", ctx.tenantApi("/portal-users")).then((users) => filters.setUsers(users, view.state)).catch(() => {});
  showState(view.state);
  await entries.load();
}
