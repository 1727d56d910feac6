// "History of group 'Sales'": the removable chip shown while the list holds one resource's
// history (resource_type + resource_id in the URL), with its order toggle.

import { h } from "../../dom.js";
import { resourceNoun } from "./state.js";

/** `node` is the chip bar; `show(state)` draws it, `learn(entries)` picks up the resource's name. */
export function historyChip({ remove, reorder }) {
  const node = h("div", { class: "history-bar", hidden: true });
  const names = new Map();
  let current = null;

  function show(state) {
    current = state;
    node.hidden = !state.resource_id;
    if (node.hidden) return;
    const noun = resourceNoun(state.resource_type);
    const name = names.get(`${state.resource_type}/${state.resource_id}`);
    const label = `History of ${noun} ${name ? `'${name}'` : state.resource_id}`;
    const asc = state.order === "asc";
    node.replaceChildren(
      h("span", { class: "chip", "data-chip": "history" },
        h("span", { class: "chip-text" }, label),
        h("button", { type: "button", class: "chip-remove", "aria-label": `Remove filter: ${label}`, title: "Show every resource again", onclick: remove }, "×")),
      h("button", { type: "button", class: "button button-secondary button-small", "data-action": "reorder", onclick: reorder },
        asc ? "Show newest first" : "Show oldest first"));
  }

  return {
    node,
    show,
    /** Remember `resource`'s name (from the entry it was opened from, or a loaded entry). */
    learn(...resources) {
      let learnt = false;
      for (const r of resources) {
        if (r?.type && r.id && r.name && !names.has(`${r.type}/${r.id}`)) {
          names.set(`${r.type}/${r.id}`, r.name);
          learnt = true;
        }
      }
      if (learnt && current) show(current);
    },
  };
}
