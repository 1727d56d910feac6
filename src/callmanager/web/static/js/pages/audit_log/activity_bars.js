// The activity chart's bars as SVG: one stacked bar per bucket (modifications, reads, refused,
// failed, unknown), each a button with a spoken label; a click on a bar, or a drag across bars,
// picks the buckets to narrow the dates to. No DOM beyond the chart itself.

import { h } from "../../dom.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 80;
const SLOT = 10;
const GAP = 2;

/** The categories, bottom to top: key, label, fill (refused is hatched, so not colour alone). */
export const CATEGORIES = [
  ["modifications", "Modifications", "var(--chart-modifications)"],
  ["reads", "Reads", "var(--chart-reads)"],
  ["refused", "Refused", "url(#activity-hatch)"],
  ["failed", "Failed", "var(--chart-failed)"],
  ["unknown", "Unknown", "var(--chart-unknown)"],
];

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

function hatch() {
  return svg("defs", {}, svg("pattern", { id: "activity-hatch", width: 4, height: 4, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
    svg("rect", { width: 4, height: 4, fill: "var(--chart-refused-soft)" }),
    svg("rect", { width: 2, height: 4, fill: "var(--chart-refused)" })));
}

/** "3 modifications, 1 refused" for a bucket's non-zero counts. */
export function counts(bucket) {
  const parts = CATEGORIES.filter(([key]) => bucket[key] > 0).map(([key, label]) => `${bucket[key]} ${label.toLowerCase()}`);
  return parts.length ? parts.join(", ") : "nothing";
}

function bar(bucket, index, scale, label) {
  const x = index * SLOT + GAP / 2;
  let y = HEIGHT;
  const pieces = CATEGORIES.filter(([key]) => bucket[key] > 0).map(([key, , fill]) => {
    const height = Math.max(1, bucket[key] * scale);
    y -= height;
    return svg("rect", { class: `bar-${key}`, x, y, width: SLOT - GAP, height, fill });
  });
  const text = `${label}: ${bucket.total} ${bucket.total === 1 ? "entry" : "entries"} (${counts(bucket)})`;
  return svg("g", { class: "bar", role: "button", tabindex: index === 0 ? 0 : -1, "aria-label": text, "data-index": index },
    svg("title", {}, text), svg("rect", { class: "bar-hit", x: index * SLOT, y: 0, width: SLOT, height: HEIGHT }), pieces);
}

/**
 * The bars of `buckets`, labelled by `labelOf(bucket)`; `pick(first, last)` is called with the
 * indexes a click, a drag or Enter chose.
 */
export function bars(buckets, labelOf, pick) {
  const top = Math.max(1, ...buckets.map((b) => b.total));
  const scale = (HEIGHT - 4) / top;
  const width = Math.max(1, buckets.length) * SLOT;
  const chart = svg("svg", { class: "activity-bars", viewBox: `0 0 ${width} ${HEIGHT}`, preserveAspectRatio: "none", role: "group", "aria-label": "Entries per period" },
    hatch(), buckets.map((b, i) => bar(b, i, scale, labelOf(b))));
  const groups = [...chart.querySelectorAll(".bar")];
  const indexAt = (clientX) => {
    const box = chart.getBoundingClientRect();
    return Math.min(buckets.length - 1, Math.max(0, Math.floor(((clientX - box.left) / box.width) * buckets.length)));
  };
  const mark = (a, b) => groups.forEach((g, i) => g.classList.toggle("selected", a !== null && i >= Math.min(a, b) && i <= Math.max(a, b)));
  let anchor = null;
  chart.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    anchor = indexAt(event.clientX);
    chart.setPointerCapture?.(event.pointerId);
    mark(anchor, anchor);
  });
  chart.addEventListener("pointermove", (event) => { if (anchor !== null) mark(anchor, indexAt(event.clientX)); });
  chart.addEventListener("pointerup", (event) => {
    if (anchor === null) return;
    const [first, last] = [anchor, indexAt(event.clientX)].sort((a, b) => a - b);
    anchor = null;
    pick(first, last);
  });
  chart.addEventListener("pointercancel", () => { anchor = null; mark(null); });
  chart.addEventListener("keydown", (event) => {
    const index = groups.indexOf(event.target);
    if (index < 0) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      pick(index, index);
    } else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const next = groups[index + (event.key === "ArrowRight" ? 1 : -1)];
      if (!next) return;
      groups.forEach((g) => g.setAttribute("tabindex", g === next ? "0" : "-1"));
      next.focus();
    }
  });
  return h("div", { class: "activity-plot" }, chart);
}
