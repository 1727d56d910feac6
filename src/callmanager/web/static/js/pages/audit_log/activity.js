// The shape of the filtered period above the list: entries per hour or per day from
// GET …/audit-log/activity (the same filters), stacked by kind with a legend; clicking a bar or
// dragging across bars narrows the dates to them. A server without the endpoint shows no chart.

import { ApiError, api } from "../../api.js";
import { ctx } from "../../context.js";
import { h, replace } from "../../dom.js";
import { isoDay, wallMinute, zonedParts } from "../../time.js";
import { CATEGORIES, bars } from "./activity_bars.js";

const hourOf = (iso) => wallMinute(new Date(iso), ctx.timeZone);
const dayOf = (iso) => isoDay(zonedParts(new Date(iso), ctx.timeZone));

/** "2026-03-12 14:00–15:00" or "2026-03-12", in the tenant's zone (as the date filter is). */
function bucketLabel(kind, bucket) {
  if (kind === "day") return dayOf(bucket.start);
  return `${hourOf(bucket.start)}–${hourOf(bucket.end).slice(11)}`;
}

/** The custom date range that covers buckets `first`..`last`: whole days, or hours to the minute. */
export function rangeOf(answer, first, last) {
  const [start, end] = [answer.buckets[first].start, answer.buckets[last].end];
  if (answer.bucket === "day") {
    return { range: "custom", from: dayOf(start), to: dayOf(new Date(new Date(end).getTime() - 1).toISOString()) };
  }
  return { range: "custom", from: hourOf(start).replace(" ", "T"), to: hourOf(end).replace(" ", "T") };
}

function legend(totals) {
  return h("ul", { class: "activity-legend", "aria-label": "Legend" }, CATEGORIES.map(([key, label]) =>
    h("li", { "data-kind": key }, h("span", { class: `swatch swatch-${key}`, "aria-hidden": "true" }),
      `${label} `, h("strong", null, String(totals?.[key] ?? 0)))));
}

function axis(answer) {
  const { buckets } = answer;
  const label = (b) => (answer.bucket === "day" ? dayOf(b.start).slice(5) : hourOf(b.start).slice(11));
  const ticks = buckets.length > 1 ? [buckets[0], buckets[Math.floor(buckets.length / 2)], buckets.at(-1)] : buckets;
  return h("div", { class: "activity-axis", "aria-hidden": "true" }, ticks.map((b) => h("span", null, label(b))));
}

/**
 * The chart. `load(query)` fetches and draws it (resolving to the answer's totals, or null when
 * there is no chart); `narrow(range)` is called with the custom range a click or drag chose.
 */
export function activityChart({ narrow }) {
  const node = h("section", { class: "activity", "aria-labelledby": "activity-title", hidden: true });
  let controller = null;

  function draw(answer) {
    const per = answer.bucket === "day" ? "day" : "hour";
    const pick = (first, last) => narrow(rangeOf(answer, first, last));
    replace(node,
      h("div", { class: "activity-head" },
        h("h2", { id: "activity-title" }, `Activity per ${per}`),
        h("span", { class: "muted activity-hint" }, `${answer.time_zone || ctx.timeZone} · click a bar or drag across bars to narrow the dates`)),
      bars(answer.buckets, (b) => bucketLabel(answer.bucket, b), pick), axis(answer), legend(answer.totals));
    node.hidden = false;
  }

  async function load(query) {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    node.setAttribute("aria-busy", "true");
    try {
      const answer = await api("GET", `${ctx.tenantApi("/audit-log/activity")}?${query}`, undefined, { signal: mine.signal });
      if (mine.signal.aborted) return null;
      draw(answer);
      return answer.totals || null;
    } catch (err) {
      if (err.name === "AbortError") throw err;
      // No endpoint (an older server), a refused range (the list explains it), or a failure:
      // the list still answers, so the chart steps aside.
      if (!(err instanceof ApiError) || err.status !== 404) console.warn("Activity chart:", err.message);
      node.hidden = true;
      return null;
    } finally {
      if (controller === mine) node.removeAttribute("aria-busy");
    }
  }

  return { node, load };
}
