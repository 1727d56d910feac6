// Accepting an invitation: set a password with the token from the link, then log in.

import { api } from "./api.js";

const form = document.getElementById("accept-form");
const error = document.getElementById("accept-error");
const params = new URLSearchParams(location.search);
const tenant = params.get("tenant") || "";
const token = params.get("token") || "";

// Keep the one-time token out of the address bar, history and any later Referer.
if (token) history.replaceState(null, "", "/accept-invitation");

function fail(message) {
  error.textContent = message;
  error.hidden = false;
  error.focus?.();
}

if (!tenant || !token) {
  fail("This invitation link is incomplete. Open the full link from your invitation.");
  form.querySelector("button[type=submit]").disabled = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const password = form.password.value;
  if (password.length < 10) return fail("Choose a password of at least 10 characters.");
  if (password !== form.password2.value) return fail("The two passwords are not the same.");
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  const body = { token, password };
  const name = form.name.value.trim();
  if (name) body.name = name;
  try {
    const joined = await api("POST", `/tenants/${encodeURIComponent(tenant)}/invitations/accept`,
      body, { allowUnauthenticated: true });
    await api("POST", "/auth/login", { email: joined.email, password }, { allowUnauthenticated: true });
    location.assign(`/tenants/${encodeURIComponent(tenant)}`);
  } catch (err) {
    fail(err.status === 404 ? "This invitation link is not valid. Check that you opened the whole link."
      : err.message);
    submit.disabled = false;
  }
});
