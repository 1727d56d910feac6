// "Load more" over a keyset cursor: the newest request wins, a first page replaces the list
// and a next page extends it, and the footer says whether more remain.

import { api } from "./api.js";
import { h, replace } from "./dom.js";
import { button, toast } from "./ui.js";

const PAGE_SIZE = 50;

/**
 * Pages of `path` into `region`. `query()` gives the view's parameters; `clear()` empties the
 * list, `add(items, more)` extends it (`more`: the view holds more than was loaded) and `list` is the node to show; `empty()` and `failed(err)` give
 * what to show instead; `describe(shown, more)` is the text of the `summary` line; `noun`
 * ("entries") is for the messages; `endNote` is shown when the end is reached.
 */
export function pager({ region, summary, path, query, list, clear, add, empty, failed, describe, noun, endNote }) {
  let cursor = null;
  let shown = 0;
  let controller = null;
  // One persistent button, so keyboard focus stays on it while more entries arrive.
  const more = button("Load more", () => load(true), { class: "button button-secondary load-more", "data-action": "load-more" });
  const end = endNote ? h("p", { class: "muted end-note" }, endNote) : null;
  const footer = h("div", { class: "audit-footer" }, more, end);

  function showFooter(ok = true) {
    more.disabled = false;
    more.hidden = !ok || shown === 0 || !cursor;
    if (end) end.hidden = !ok || shown === 0 || Boolean(cursor);
  }

  function showPage(page, next) {
    if (!next) {
      shown = 0;
      clear();
    }
    add(page.items, Boolean(page.next_cursor));
    shown += page.items.length;
    cursor = page.next_cursor || null;
    if (shown === 0) replace(region, empty());
    else if (!region.contains(list)) replace(region, list);
    summary.textContent = shown === 0 ? "" : describe(shown, Boolean(cursor));
    if (next) toast(`Loaded ${page.items.length} more ${noun}.`);
    showFooter();
  }

  async function load(next = false) {
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    const params = query();
    params.set("limit", String(PAGE_SIZE));
    if (next && cursor) params.set("cursor", cursor);
    region.setAttribute("aria-busy", "true");
    if (next) {
      more.disabled = true;
    } else {
      summary.textContent = "Loading…";
      if (!region.contains(list)) replace(region, h("p", { class: "loading" }, `Loading ${noun}…`));
    }
    try {
      const page = await api("GET", `${path}?${params}`, undefined, { signal: mine.signal });
      if (!mine.signal.aborted) showPage(page, next);
    } catch (err) {
      if (err.name === "AbortError") return;
      if (next) toast(`Couldn't load more: ${err.message}`);
      else {
        replace(region, failed(err));
        summary.textContent = "";
      }
      showFooter(next);
    } finally {
      if (controller === mine) region.removeAttribute("aria-busy");
    }
  }

  return { load, footer };
}
