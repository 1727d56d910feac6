// A list page's filters kept in its URL: read on load, written once a change settles (so a
// burst of keystrokes or clicks makes one query), followed on Back; unknown parameters dropped.

/** `?key=value&…` for the entries of `state` that are set and not their default, or "". */
export function stateQuery(state, defaults) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (value && value !== defaults[key]) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The keys of `defaults` read from `search` (trimmed), the defaults for the rest. */
function readQuery(search, defaults) {
  const params = new URLSearchParams(search);
  const state = { ...defaults };
  for (const key of Object.keys(defaults)) {
    const value = params.get(key);
    if (value !== null) state[key] = value.trim();
  }
  return state;
}

/** The parameters of `search` that are not keys of `defaults`. */
function unknownKeys(search, defaults) {
  return [...new Set(new URLSearchParams(search).keys())].filter((key) => !Object.hasOwn(defaults, key));
}

const SETTLE_MS = 400;

/**
 * A filtered view whose state lives in the URL. `normalise(raw)` makes any state valid;
 * `formState()` reads the form; `show(state, typing)` puts a state in the form and loads it
 * (`typing`: leave the search box alone while someone types in it); `dropped(keys)` is told of
 * URL parameters this page doesn't know, which are removed from the address bar.
 */
export function filterView({ defaults, normalise, form, searchInput, formState, show, dropped = () => {} }) {
  const read = (search) => normalise(readQuery(search, defaults));
  const view = {
    state: read(location.search),
    /** This view's query string, "" for the defaults. */
    query: () => stateQuery(view.state, defaults),
    /** Show a new view: remember it in the URL (so Back returns here), then load it. A view
     * equal to the one shown loads nothing: the log records every query this page makes. */
    apply(next) {
      const before = view.query();
      view.state = read(stateQuery(next, defaults));
      if (view.query() === before) {
        show(view.state, true, false);
        return;
      }
      history.pushState(null, "", location.pathname + view.query());
      show(view.state, true);
    },
    reset: () => view.apply({ ...defaults }),
  };
  const unknown = unknownKeys(location.search, defaults);
  if (unknown.length) {
    history.replaceState(null, "", location.pathname + stateQuery(readQuery(location.search, defaults), defaults));
    dropped(unknown);
  }
  let timer = 0;
  const applyForm = () => {
    clearTimeout(timer);
    view.apply(formState());
  };
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(applyForm, SETTLE_MS);
  };
  form.addEventListener("change", (event) => { if (event.target !== searchInput) settle(); });
  searchInput.addEventListener("input", settle);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applyForm();
  });
  window.addEventListener("popstate", () => {
    clearTimeout(timer);
    view.state = read(location.search);
    show(view.state, false);
  });
  return view;
}
