// A page's filters kept in its URL: only the values that differ from the defaults are written.

/** `?key=value&…` for the entries of `state` that are set and not their default, or "". */
export function stateQuery(state, defaults) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (value && value !== defaults[key]) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
