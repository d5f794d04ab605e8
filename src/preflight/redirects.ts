// Following redirects by hand, a bounded number of times. Credentials (the Authorization
// header) go only to the origin they were meant for: a redirect to another scheme, host or
// port drops them, as the Go and browser HTTP clients do.
import { HttpError, type HttpRequest, type HttpResponse, type Transport } from "./http.js";

export const MAX_REDIRECTS = 5;

export interface FollowResult {
  response: HttpResponse;
  /** URL that gave the final answer. */
  url: URL;
}

export async function requestFollowingRedirects(req: HttpRequest, transport: Transport, now: () => number, authorization?: string): Promise<FollowResult> {
  const origin = req.url.origin;
  let url = req.url;
  const seen = new Set<string>();
  for (let hop = 0; ; hop++) {
    const headers = { ...req.headers };
    if (authorization && url.origin === origin) headers.Authorization = authorization;
    const response = await transport({ ...req, url, headers }, now);
    if (![301, 302, 303, 307, 308].includes(response.status)) return { response, url };
    const location = header(response, "location");
    if (!location) throw new HttpError(`answered ${response.status} (redirect) without a Location header`, "EREDIRECT");
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new HttpError(`answered ${response.status} with an unusable Location header`, "EREDIRECT");
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new HttpError(`redirects to a ${next.protocol} URL`, "EREDIRECT");
    }
    if (seen.has(next.href) || next.href === url.href) {
      throw new HttpError(`redirect loop (${url.host}${url.pathname} → ${next.host}${next.pathname})`, "EREDIRECT");
    }
    if (hop + 1 > MAX_REDIRECTS) throw new HttpError(`too many redirects (more than ${MAX_REDIRECTS})`, "EREDIRECT");
    seen.add(url.href);
    url = next;
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
