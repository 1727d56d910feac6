// The login form: POST /api/v1/auth/login, then on to where the person was going.

import { api, safeNext } from "./api.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) {
    error.textContent = "Enter your email and password.";
    error.hidden = false;
    return;
  }
  const submit = form.querySelector("button[type=submit]");
  submit.disabled = true;
  try {
    await api("POST", "/auth/login", { email, password }, { allowUnauthenticated: true });
    location.assign(safeNext(new URLSearchParams(location.search).get("next")));
  } catch (err) {
    error.textContent = err.status === 401 ? "Wrong email or password." : err.message;
    error.hidden = false;
    submit.disabled = false;
    form.password.select();
  }
});
