// A page whose API is not there yet: the menu item exists, the page says what is coming.

import { h, replace } from "../dom.js";
import { emptyState } from "../ui.js";

export function comingSoon(root, title, text) {
  replace(root, h("div", { class: "coming-soon" }, emptyState(`${title} — coming soon`, text)));
}
