/**
 * The client script's way to the dashboard's server: the JSON API under
 * /_router/dashboard/api (the session's CSRF token on every write; a 401
 * goes to the sign-in page), and the toasts that report an action.
 *
 * Layer: HTTP edge (dashboard client, in the browser).
 */

export const BASE = "/_router/dashboard";

const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const CSRF = csrfMeta ? (csrfMeta.getAttribute("content") ?? "") : "";

/** What a refusal's body says. */
export interface Refusal {
  error?: string;
  message?: string | null;
}

/** An answer: the body the route documents when ok (as far as it is JSON), else its refusal. */
export type Answer<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; body: Refusal };

function signInAgain(): void {
  location.href = `${BASE}/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export async function api<T>(
  path: string,
  options: { method?: string; body?: unknown } = {},
): Promise<Answer<T>> {
  const method = options.method || "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-dashboard-csrf"] = CSRF;
  const res = await fetch(`${BASE}/api${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (res.status === 401) {
    signInAgain();
    return { ok: false, status: 401, body: { message: "signed out" } };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { ok: res.ok, status: res.status, body: body || {} } as Answer<T>;
}

export function toast(text: string, bad = false): void {
  const box = document.getElementById("toasts");
  if (!box) return;
  const el = document.createElement("div");
  el.className = `toast${bad ? " bad" : ""}`;
  el.textContent = text;
  box.appendChild(el);
  setTimeout(
    () => {
      el.remove();
    },
    bad ? 9000 : 6000,
  );
}
