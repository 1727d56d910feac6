// The one way pages talk to the server: JSON over fetch, with the session's CSRF header.

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(describe(status, problem));
    this.status = status;
    this.problem = problem ?? {};
    /** Seconds the server asked to wait before trying again (Retry-After), or null. */
    this.retryAfter = Number.parseInt(headers?.get("retry-after") ?? "", 10) || null;
  }
}

function describe(status, problem) {
  if (status === 0) return "Can't reach the server. Check your connection and try again.";
  if (!problem || typeof problem !== "object") return `The server answered ${status}.`;
  const parts = [problem.detail || problem.title || `The server answered ${status}.`];
  if (Array.isArray(problem.errors)) {
    for (const err of problem.errors.slice(0, 5)) {
      const field = (err.loc || []).filter((p) => p !== "body").join(".");
      parts.push(field ? `${field}: ${err.msg}` : err.msg);
    }
  }
  return parts.join(" ");
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

/**
 * Call the JSON API. `path` is relative to /api/v1 unless it starts with /api/.
 * Resolves to the parsed body (null for 204); rejects with ApiError.
 * A 401 sends the person to the login page unless `allowUnauthenticated` is set.
 */
export async function api(method, path, body, options = {}) {
  const url = path.startsWith("/api/") ? path : `/api/v1${path}`;
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) headers["X-CSRF-Token"] = cookie("cm_csrf");
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, null);
  }
  if (response.status === 401 && !options.allowUnauthenticated) {
    const here = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(here)}`);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data, response.headers);
  return data;
}

/** A same-site path to return to after login, or "/" (never another origin). */
export function safeNext(value) {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return "/";
  }
  return value;
}
