// A list page's filters kept in its URL: read on load, written on each change, followed on Back.

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

/**
 * A filtered view whose state lives in the URL. `normalise(raw)` makes any state valid;
 * `formState()` reads the form; `show(state, typing)` puts a state in the form and loads it
 * (`typing`: leave the search box alone while someone types in it).
 */
export function filterView({ defaults, normalise, form, searchInput, formState, show }) {
  const read = (search) => normalise(readQuery(search, defaults));
  const view = {
    state: read(location.search),
    /** This view's query string, "" for the defaults. */
    query: () => stateQuery(view.state, defaults),
    /** Show a new view: remember it in the URL (so Back returns here), then load it. */
    apply(next) {
      view.state = read(stateQuery(next, defaults));
      const url = location.pathname + view.query();
      if (url !== location.pathname + location.search) history.pushState(null, "", url);
      show(view.state, true);
    },
    reset: () => view.apply({ ...defaults }),
  };
  const applyForm = () => view.apply(formState());
  form.addEventListener("change", (event) => { if (event.target !== searchInput) applyForm(); });
  let searchTimer = 0;
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(applyForm, 450);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    applyForm();
  });
  window.addEventListener("popstate", () => {
    view.state = read(location.search);
    show(view.state, false);
  });
  return view;
}
