// Call Logs (placeholder until the call log API lands).

import { comingSoon } from "./coming_soon.js";

export async function mount(root) {
  comingSoon(root, "Call Logs",
    "PSTN calls to and from your tenant (Calling Plan, Operator Connect and Direct Routing) will be listed here.");
}
