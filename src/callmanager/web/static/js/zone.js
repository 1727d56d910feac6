// The time zone times are shown in: the tenant's by default, or the viewer's own once they choose
// it (remembered in this browser), and the switch that says which one is in use.

import { ctx } from "./context.js";
import { h } from "./dom.js";

const KEY = "callmanager.timeZone";

/** The browser's own zone, e.g. "America/New_York". */
export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function wantsOwnZone() {
  try {
    return localStorage.getItem(KEY) === "viewer";
  } catch {
    return false; // storage may be off (private windows, policies): the tenant's zone it is
  }
}

/** The zone to show times in. Date filters stay in the tenant's zone whatever this says. */
export function shownZone() {
  return wantsOwnZone() ? viewerZone() : ctx.timeZone;
}

/**
 * "Times in Europe/London (the tenant's zone) · Show in my time zone (America/New_York)"; the
 * button flips the choice and calls `changed()` so the page redraws its times.
 */
export function zoneSwitch(changed) {
  const text = h("span", { class: "zone-text" });
  const flip = h("button", { type: "button", class: "link-button zone-flip", "data-action": "switch-zone" });
  const node = h("p", { class: "zone-switch", "data-zone": "" }, text, " ", flip);
  function show() {
    const own = wantsOwnZone() && viewerZone() !== ctx.timeZone;
    node.dataset.zone = shownZone();
    text.textContent = own ? `Times in ${viewerZone()} (your time zone).` : `Times in ${ctx.timeZone} (the tenant's time zone).`;
    flip.textContent = own ? `Show in the tenant's time zone (${ctx.timeZone})` : `Show in my time zone (${viewerZone()})`;
    flip.hidden = viewerZone() === ctx.timeZone && !wantsOwnZone();
  }
  flip.addEventListener("click", () => {
    try {
      if (wantsOwnZone()) localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, "viewer");
    } catch {
      return;
    }
    show();
    changed();
  });
  show();
  return node;
}
