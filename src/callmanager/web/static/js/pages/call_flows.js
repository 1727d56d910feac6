// Wizard Call Flows (placeholder until the call flow API lands).

import { comingSoon } from "./coming_soon.js";

export async function mount(root) {
  comingSoon(root, "Wizard Call Flows",
    "Business hours, routing and public and custom holidays for your phone numbers will be managed here.");
}
