// Pretty-printed, collapsible JSON built from text nodes only (bodies are untrusted data).

import { h } from "./dom.js";

function scalar(value) {
  if (value === null) return h("span", { class: "json-null" }, "null");
  switch (typeof value) {
    case "string": return h("span", { class: "json-string" }, JSON.stringify(value));
    case "number": return h("span", { class: "json-number" }, String(value));
    case "boolean": return h("span", { class: "json-boolean" }, String(value));
    default: return h("span", null, String(value));
  }
}

function keyLabel(key) {
  if (key === undefined) return null;
  if (typeof key === "number") return null;
  return [h("span", { class: "json-key" }, JSON.stringify(key)), h("span", { class: "json-punct" }, ": ")];
}

function render(key, value, depth, openDepth, last) {
  const comma = last ? null : h("span", { class: "json-punct" }, ",");
  const isArray = Array.isArray(value);
  if (value === null || typeof value !== "object") {
    return h("div", { class: "json-line" }, keyLabel(key), scalar(value), comma);
  }
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0) {
    return h("div", { class: "json-line" }, keyLabel(key), h("span", { class: "json-punct" }, open + close), comma);
  }
  const count = isArray ? `${entries.length} item${entries.length === 1 ? "" : "s"}`
    : `${entries.length} key${entries.length === 1 ? "" : "s"}`;
  return h("details", { class: "json-node", open: depth < openDepth },
    h("summary", null, keyLabel(key), h("span", { class: "json-punct" }, open),
      // Folded it reads "{ … } 2 keys": the count stands in for the contents, so no comma.
      h("span", { class: "json-fold" }, ` … ${close}`, h("span", { class: "json-count" }, ` ${count}`))),
    h("div", { class: "json-children" },
      entries.map(([k, v], i) => render(isArray ? i : k, v, depth + 1, openDepth, i === entries.length - 1))),
    h("div", { class: "json-line json-close" }, h("span", { class: "json-punct" }, close), comma));
}

/** A collapsible view of `value`; levels deeper than `openDepth` start folded. */
export function jsonView(value, { openDepth = 3 } = {}) {
  return h("div", { class: "json" }, render(undefined, value, 0, openDepth, true));
}
