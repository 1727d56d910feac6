// The audit log's view: its vocabulary, its state read from the URL, the API query it makes,
// and the words that describe it.

import { dateRange } from "../../date_range.js";

// Filled from GET …/audit-log/vocabulary before the page mounts (`useVocabulary`): the
// server declares these words once, for the API and this page alike.
export let ACTION_TYPES = [];
export let RESOURCE_TYPES = [];
export let STATUSES = [];
export let ACTOR_KINDS = [];
export let ACTION_LABELS = {};
let NOUNS = {};

const pairs = (choices) => choices.map(({ value, label }) => [value, label]);

/** Take the server's vocabulary; the "who" filter offers the kinds of caller that are not a person. */
export function useVocabulary(words) {
  ACTION_TYPES = pairs(words.action_types);
  RESOURCE_TYPES = pairs(words.resource_types);
  STATUSES = pairs(words.statuses);
  // One word per concept: whatever an older server calls it, a caller without a session is "Anonymous".
  ACTOR_KINDS = pairs(words.actor_types.filter(({ value }) => value !== "user"))
    .map(([value, label]) => [value, value === "anonymous" ? "Anonymous" : label]);
  ACTION_LABELS = Object.fromEntries(pairs(words.actions));
  NOUNS = Object.fromEntries(words.action_types.map(({ value, nouns }) => [value, nouns]));
}

export const DATES = dateRange([1, 7, 30]);
export const DEFAULTS = Object.freeze({
  action_type: "modifications", range: "today", from: "", to: "", who: "", resource_type: "", resource_id: "",
  status: "", q: "", order: "desc", exclude_resource_type: "",
});
/** The one resource type the "Hide views of the audit log" toggle leaves out. */
export const OWN_VIEWS = "audit_log";
export const ORDERS = [["desc", "Newest first"], ["asc", "Oldest first"]];

const known = (list, value) => list.some(([v]) => v === value);
const labelOf = (list, value) => (list.find(([v]) => v === value) || [value, value])[1];

/** Any state read from a URL made valid: unknown choices fall back to their defaults. */
export function normalise(state) {
  if (!known(ACTION_TYPES, state.action_type)) state.action_type = DEFAULTS.action_type;
  if (!known(STATUSES, state.status)) state.status = "";
  if (!known(ORDERS, state.order)) state.order = DEFAULTS.order;
  if (state.exclude_resource_type !== OWN_VIEWS) state.exclude_resource_type = "";
  // A resource id means "the history of a thing": it needs the thing's type.
  if (!state.resource_type || state.resource_id.length > 200) state.resource_id = "";
  return DATES.normalise(state, DEFAULTS.range);
}

/** Is `who` a kind of caller (System, Partner, unauthenticated) rather than an email? */
export const isActorKind = (who) => known(ACTOR_KINDS, who);

/** The API's query for this view (without limit and cursor; `order` is for lists, not the chart). */
export function apiQuery(state, { order = true } = {}) {
  const params = new URLSearchParams();
  params.set("action_type", state.action_type);
  const [start, end] = DATES.bounds(state);
  params.set("from", start.toISOString());
  params.set("to", end.toISOString());
  if (state.who) params.set(isActorKind(state.who) ? "actor_type" : "actor", state.who);
  if (state.resource_type) params.set("resource_type", state.resource_type);
  if (state.resource_id) params.set("resource_id", state.resource_id);
  if (state.exclude_resource_type) params.set("exclude_resource_type", state.exclude_resource_type);
  if (state.status) params.set("status", state.status);
  if (state.q) params.set("q", state.q);
  if (order && state.order !== DEFAULTS.order) params.set("order", state.order);
  return params;
}

/** "history of this group", from the vocabulary's plural label ("Call flows" → "call flow"). */
export function resourceNoun(type) {
  return labelOf(RESOURCE_TYPES, type).toLowerCase().replace(/s$/, "");
}

/** "12+ modifications · today · by System · on groups · refused (4xx) · matching “x”". */
export function describeView(state, shown, more) {
  const noun = NOUNS[state.action_type][!more && shown === 1 ? 0 : 1];
  const parts = [DATES.describe(state)];
  if (state.who) parts.push(`by ${labelOf(ACTOR_KINDS, state.who)}`);
  if (state.resource_type) parts.push(`on ${labelOf(RESOURCE_TYPES, state.resource_type).toLowerCase()}`);
  if (state.status) parts.push(labelOf(STATUSES, state.status).toLowerCase());
  if (state.q) parts.push(`matching “${state.q}”`);
  if (state.exclude_resource_type) parts.push("views of the audit log hidden");
  if (state.order === "asc") parts.push("oldest first");
  return `${shown}${more ? "+" : ""} ${noun} · ${parts.join(" · ")}`;
}
