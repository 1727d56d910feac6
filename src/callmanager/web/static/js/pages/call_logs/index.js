// Call Logs: PSTN calls of the tenant, newest first, filtered (filters live in the URL), paged.

import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { pager } from "../../pager.js";
import { alertBox, button, emptyState } from "../../ui.js";
import { filterView } from "../../url_state.js";
import { zoneSwitch } from "../../zone.js";
import { DATES, DEFAULTS, apiQuery, filterForm, normalise } from "./filters.js";
import { callTable } from "./list.js";

export async function mount(root) {
  const filters = filterForm();
  const summary = h("p", { class: "result-summary", "aria-live": "polite" });
  const region = h("div", { class: "table-region" });
  const list = callTable();
  const calls = pager({
    region, summary, path: ctx.tenantApi("/call-logs"), query: () => apiQuery(view.state),
    list: list.table, clear: list.clear, add: list.add, noun: "calls",
    empty: () => emptyState("No calls", "No PSTN calls match these filters. Widen the date range or clear a filter.",
      view.query() ? button("Clear filters", view.reset) : null),
    failed: (err) => [alertBox(`Couldn't load call logs: ${err.message}`), button("Try again", () => calls.load())],
    describe: (shown, more) => `${shown}${more ? "+" : ""} calls · ${DATES.describe(view.state)}`,
  });
  const view = filterView({
    defaults: DEFAULTS, normalise, form: filters.form, searchInput: filters.searchInput,
    formState: () => filters.read(view.state),
    show(state, typing, load = true) {
      filters.sync(state, typing);
      if (load) calls.load();
    },
  });
  replace(root, filters.form, h("div", { class: "result-bar" }, summary), zoneSwitch(() => calls.load()), region, calls.footer,
    h("p", { class: "muted zone-note" }, "Demo data: there is no live Teams connection."));
  filters.sync(view.state);
  await calls.load();
}
