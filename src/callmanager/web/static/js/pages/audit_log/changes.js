// What an edit changed, field by field, from the entry's `changes` document: before → after,
// and lists as "+ added" / "− removed". When the log knew no earlier state, it says so rather
// than guessing.

import { h } from "../../dom.js";

/** "business_hours.monday" → "business hours › monday". */
const fieldName = (path) => String(path).split(".").map((part) => part.replaceAll("_", " ")).join(" › ");

function valueText(value) {
  if (value === undefined || value === null) return h("span", { class: "muted" }, "(none)");
  if (value === "") return h("span", { class: "muted" }, "(empty)");
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** "+ a, b" and "− c" as <ins>/<del> with the sign in the text, so colour is not the only cue. */
function listChange(added = [], removed = []) {
  const items = (values) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
  return [
    added.length ? h("ins", { class: "change-added" }, `+ ${items(added)}`) : null,
    removed.length ? h("del", { class: "change-removed" }, `− ${items(removed)}`) : null,
  ];
}

function changeRow(change) {
  const name = h("th", { scope: "row" }, fieldName(change.field));
  if ("added" in change || "removed" in change) {
    return h("tr", { "data-field": change.field }, name,
      h("td", { colspan: 2, class: "change-list" }, listChange(change.added, change.removed)));
  }
  return h("tr", { "data-field": change.field }, name,
    h("td", { class: "change-before" }, valueText(change.before)),
    h("td", { class: "change-after" }, h("span", { class: "change-arrow", "aria-hidden": "true" }, "→ "), valueText(change.after)));
}

/** The "What changed" section of an entry, or null when the entry carries no `changes`. */
export function changesView(changes) {
  if (!changes || typeof changes !== "object") return null;
  const section = (...content) => h("section", { class: "changes", "aria-label": "What changed" },
    h("h3", null, "What changed"), content);
  if (changes.basis !== "captured") return section(h("p", { class: "muted" }, "No earlier state is known for this change."));
  const fields = Array.isArray(changes.fields) ? changes.fields : [];
  if (fields.length === 0) return section(h("p", { class: "muted" }, "Nothing changed: the new state equals the earlier one."));
  return section(h("table", { class: "table table-compact changes-table" },
    h("caption", { class: "visually-hidden" }, "Each changed field, before and after"),
    h("thead", null, h("tr", null, ["Field", "Before", "After"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, fields.map(changeRow))));
}
