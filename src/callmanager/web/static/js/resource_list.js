// A page's list of one resource: fetched from the API, shown as a table, an empty state, or
// what went wrong with a Retry button.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { alertBox, button } from "./ui.js";

/** `path` answers {items}; `table(items)` and `empty()` make what to show; `what` names it. */
export function resourceList({ path, what, table, empty }) {
  const region = h("div", { class: "table-region" });
  async function load() {
    try {
      const { items } = await api("GET", path);
      replace(region, items.length > 0 ? table(items) : empty());
    } catch (err) {
      replace(region, alertBox(`Couldn't load ${what}: ${err.message}`), button("Retry", load));
    }
  }
  return { region, load };
}
