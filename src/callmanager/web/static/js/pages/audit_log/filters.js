// The audit log's filter form: Action Type (with "Hide views of the audit log" when reads
// show), dates, and (folded away on a phone) who, resource, result, search and order; it shows
// a view's state and reads the one the person chose.

import { h, replace } from "../../dom.js";
import { button } from "../../ui.js";
import { stateQuery } from "../../url_state.js";
import { ACTION_TYPES, ACTOR_KINDS, DATES, DEFAULTS, ORDERS, OWN_VIEWS, RESOURCE_TYPES, STATUSES, isActorKind } from "./state.js";

function select(id, label, options) {
  const el = h("select", { id, name: id }, options.map(([v, text]) => h("option", { value: v }, text)));
  return h("div", { class: "filter" }, h("label", { for: id }, label), el);
}

// The "( / )" hint is for keyboards: a touch screen has no "/" key to press.
const hasKeyboard = () => window.matchMedia?.("(hover: hover) and (pointer: fine)").matches ?? true;

function searchBox() {
  const words = "People, tasks, summaries, paths";
  const input = h("input", {
    type: "search", id: "filter-q", name: "q", placeholder: hasKeyboard() ? `${words}  ( / )` : words,
    autocomplete: "off", maxlength: 200, "aria-keyshortcuts": "/",
    title: "Matches emails and names, System tasks (\"holiday\"), \"partner\", resource names, summaries and paths. Press / to search from anywhere on the page.",
  });
  // As on GitHub: "/" jumps to the search box unless the person is already typing somewhere.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    input.focus();
  });
  return input;
}

/** On a phone the less-used filters fold away behind one button; on a desktop all show. */
function foldable(form, fields) {
  const more = h("div", { class: "more-filters", id: "more-filters" }, fields);
  const toggle = h("button", {
    type: "button", class: "button button-secondary button-small filters-toggle",
    "aria-expanded": "false", "aria-controls": "more-filters",
  }, "More filters");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    form.classList.toggle("show-more", open);
  });
  return { toggle, more };
}

/** Who: anyone, the kinds of caller that are not a person, and the portal users' emails. */
function whoOptions(emails, current) {
  const listed = [...emails];
  if (current && !isActorKind(current) && !listed.includes(current)) listed.push(current);
  return [h("option", { value: "" }, "Anyone"),
    h("optgroup", { label: "Not a person" }, ACTOR_KINDS.map(([v, t]) => h("option", { value: v }, t))),
    listed.length ? h("optgroup", { label: "Portal users" }, listed.sort().map((e) => h("option", { value: e }, e))) : null];
}

/** The form; `onReset` clears every filter. */
/** "Hide views of the audit log": your own reading of the log, left out of "All" (off by default). */
function ownViewsToggle() {
  const box = h("input", { type: "checkbox", id: "filter-own-views", name: "exclude_resource_type" });
  return [box, h("div", { class: "filter filter-toggle" }, h("label", { class: "checkbox" }, box, "Hide views of the audit log"))];
}

export function filterForm({ onReset }) {
  const dates = DATES.field("filter");
  const [ownViews, ownViewsField] = ownViewsToggle();
  const who = h("select", { id: "filter-who", name: "who" });
  const searchInput = searchBox();
  const reset = button("Clear filters", () => { searchInput.value = ""; onReset(); }, { class: "button button-secondary button-small filter-reset" });
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter the audit log" });
  const fold = foldable(form, [
    h("div", { class: "filter" }, h("label", { for: "filter-who" }, "Who"), who),
    select("filter-resource", "Resource", [["", "Any resource"], ...RESOURCE_TYPES]),
    select("filter-status", "Result", STATUSES),
    h("div", { class: "filter filter-search" }, h("label", { for: "filter-q" }, "Search"), searchInput),
    select("filter-order", "Order", ORDERS)]);
  form.append(select("filter-action", "Action Type", ACTION_TYPES), ownViewsField, ...dates.nodes, fold.toggle, fold.more,
    h("div", { class: "filter filter-actions" }, reset));
  const control = (id) => form.querySelector(`#${id}`);
  let emails = [];

  return {
    form,
    searchInput,
    /** Offer these portal users' emails under Who. */
    setUsers(users, state) {
      emails = users.map((u) => u.email);
      replace(who, whoOptions(emails, state.who));
      who.value = state.who;
    },
    /** Show `state`; `typing` keeps the search box alone while someone types in it. */
    sync(state, typing = true) {
      control("filter-action").value = state.action_type;
      ownViews.checked = state.exclude_resource_type === OWN_VIEWS;
      ownViewsField.hidden = !["all", "read"].includes(state.action_type);
      control("filter-order").value = state.order;
      dates.sync(state);
      if (![...who.options].some((o) => o.value === state.who)) replace(who, whoOptions(emails, state.who));
      who.value = state.who;
      control("filter-resource").value = state.resource_type;
      control("filter-status").value = state.status;
      if (!typing || document.activeElement !== searchInput) searchInput.value = state.q;
      reset.hidden = stateQuery(state, DEFAULTS) === "";
      const active = ["who", "resource_type", "status", "q"].filter((key) => state[key]).length + (state.order === "asc" ? 1 : 0);
      fold.toggle.textContent = active ? `More filters (${active} on)` : "More filters";
    },
    /** The state the form shows (an emptied custom date keeps `state`'s). */
    read(state) {
      const type = control("filter-resource").value;
      return {
        action_type: control("filter-action").value,
        exclude_resource_type: ownViews.checked ? OWN_VIEWS : "",
        ...dates.read(state, DEFAULTS.range),
        who: who.value,
        resource_type: type,
        // Another resource type ends the history of one thing.
        resource_id: type === state.resource_type ? state.resource_id : "",
        status: control("filter-status").value,
        q: searchInput.value.trim(),
        order: control("filter-order").value,
      };
    },
  };
}
