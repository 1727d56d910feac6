// The audit log's table: entries under day headings (newest or oldest first); a row's button
// (or a click anywhere on the row) shows its detail, Escape hides it again, and the arrow keys
// move between rows.

import { h } from "../../dom.js";
import { loadDetail } from "./detail.js";
import { dayKey, dayRow, entryRows } from "./row.js";

const HEADINGS = [["col-time", "Time"], ["col-who", "Who"], ["col-action", "Action"],
  ["col-summary", "Summary"], ["col-source", "Source"], ["col-status", "Status"]];

let showHistory = null;
let lastOpened = null;

function setOpen(toggle, open) {
  const row = toggle.closest("tr");
  const detailRow = document.getElementById(toggle.getAttribute("aria-controls"));
  toggle.setAttribute("aria-expanded", String(open));
  detailRow.hidden = !open;
  row.classList.toggle("open", open);
  if (open) lastOpened = toggle;
  if (open && !detailRow.dataset.loaded) loadDetail(row.dataset.entryId, detailRow, showHistory);
}

/** Escape closes the open entry that holds the focus, else the one opened last. */
function onEscape(event) {
  if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
  if (event.target.closest?.("input, select, textarea, [aria-expanded=true]:not(.row-toggle)")) return;
  const here = event.target.closest?.("tr.entry, tr.entry-detail");
  const toggle = here?.classList.contains("entry-detail")
    ? document.querySelector(`[aria-controls="${here.id}"]`)
    : here?.querySelector(".row-toggle") || lastOpened;
  if (!toggle?.isConnected || toggle.getAttribute("aria-expanded") !== "true") return;
  event.preventDefault();
  setOpen(toggle, false);
  toggle.focus();
}

function onClick(event) {
  const row = event.target.closest("tr.entry");
  if (!row) return;
  const toggle = row.querySelector(".row-toggle");
  const control = event.target.closest("a, button, input, select");
  if (control && control !== toggle) return;
  // A click on the row outside its button toggles it too, unless it ends a text selection.
  if (!control && String(window.getSelection?.() || "").length > 0) return;
  setOpen(toggle, toggle.getAttribute("aria-expanded") !== "true");
}

function onKeydown(event) {
  if (!event.target.matches?.(".row-toggle")) return;
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  event.preventDefault();
  const toggles = [...event.currentTarget.querySelectorAll(".row-toggle")];
  toggles[toggles.indexOf(event.target) + (event.key === "ArrowDown" ? 1 : -1)]?.focus();
}

/**
 * The table, with `clear()` and `add(entries)` for the pager; `history(resource)` shows what
 * happened to an entry's resource (the expanded entry's "History of this …" button).
 */
export function entryTable({ history = null } = {}) {
  showHistory = history;
  document.addEventListener("keydown", onEscape);
  const tbody = h("tbody", { onclick: onClick, onkeydown: onKeydown });
  const table = h("table", { class: "table audit-table custom-cards", "aria-describedby": "result-summary" },
    h("caption", { class: "visually-hidden" }, "Audit log entries. Select a row to show its request and response; Escape hides it."),
    h("thead", null, h("tr", null, HEADINGS.map(([col, text]) => h("th", { scope: "col", class: col }, text)))),
    tbody);
  let lastDay = null;
  return {
    table,
    clear() {
      lastDay = null;
      tbody.replaceChildren();
    },
    add(entries) {
      for (const entry of entries) {
        const key = dayKey(entry.occurred_at);
        if (key !== lastDay) tbody.append(dayRow(key));
        lastDay = key;
        tbody.append(...entryRows(entry));
      }
    },
  };
}
