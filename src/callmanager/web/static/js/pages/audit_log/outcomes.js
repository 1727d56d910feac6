// The count line's second half: how many of the view's calls succeeded and how many were refused
// or failed, from the activity chart's totals (the whole view) or else from the rows loaded.

import { h } from "../../dom.js";
import { outcomeOf } from "./row.js";

const EMPTY = () => ({ succeeded: 0, refused: 0, failed: 0, unknown: 0 });

/** `node` shows the line; `reset()`, `count(entries)` and `useTotals(totals)` feed it. */
export function outcomeLine() {
  const node = h("p", { class: "result-outcomes", id: "result-outcomes", "aria-live": "polite" });
  let tally = EMPTY();
  let totals = null;
  let partial = false;

  function show() {
    const whole = totals
      ? { succeeded: totals.total - totals.refused - totals.failed - totals.unknown, bad: totals.refused + totals.failed, unknown: totals.unknown }
      : { succeeded: tally.succeeded, bad: tally.refused + tally.failed, unknown: tally.unknown };
    const any = whole.succeeded + whole.bad + whole.unknown > 0;
    node.dataset.refusedOrFailed = String(whole.bad);
    node.textContent = !any ? "" : `${whole.succeeded} succeeded, ${whole.bad} refused or failed`
      + `${whole.unknown ? `, ${whole.unknown} outcome unknown` : ""}${!totals && partial ? " (of those loaded)" : ""}`;
  }

  return {
    node,
    /** A new view: forget what the last one counted. */
    reset() {
      tally = EMPTY();
      totals = null;
      node.textContent = "";
    },
    /** The list starts again (the chart's totals, if any, still hold). */
    resetRows() {
      tally = EMPTY();
    },
    /** Count a page of entries; `more` says whether the view holds more than was loaded. */
    count(entries, more) {
      for (const entry of entries) tally[outcomeOf(entry)] += 1;
      partial = more;
      show();
    },
    /** The activity endpoint's totals for the whole view (null: keep counting rows). */
    useTotals(value) {
      totals = value;
      show();
    },
  };
}
