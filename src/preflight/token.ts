// An access token from a Bearer challenge's realm (Registry token auth): anonymous, or with
// the mirror's credentials as Basic auth. Credentials go to the realm only over https or when
// the realm is the mirror's own host, never in the clear to a third party.
import type { Challenge } from "./challenge.js";
import { HttpError, type Transport } from "./http.js";
import { requestFollowingRedirects } from "./redirects.js";
import { basicAuthorization, type Credentials } from "./credentials.js";

export interface TokenRequest {
  challenge: Challenge;
  /** Repository to ask pull access for, e.g. `library/alpine`. */
  repository: string;
  credentials?: Credentials;
  mirrorUrl: URL;
  deadline: number;
  ca?: string[];
  verifyTls: boolean;
}

export interface Token {
  token: string;
  /** Whether the mirror's credentials went to the realm (not over plain http to another host). */
  credentialsSent: boolean;
  /** The realm's origin, for messages. */
  realm: string;
}

export async function fetchToken(req: TokenRequest, transport: Transport, now: () => number): Promise<Token> {
  const realm = req.challenge.params.realm;
  if (!realm) throw new HttpError("the Bearer challenge names no realm", "ETOKEN");
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new HttpError("the Bearer challenge's realm is not a URL", "ETOKEN");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new HttpError("the token realm is not an http(s) URL", "ETOKEN");
  if (req.challenge.params.service) url.searchParams.set("service", req.challenge.params.service);
  url.searchParams.set("scope", `repository:${req.repository}:pull`);
  const sendCredentials = !!req.credentials && (url.protocol === "https:" || url.host === req.mirrorUrl.host);
  const { response } = await requestFollowingRedirects(
    { url, method: "GET", deadline: req.deadline, ca: req.ca, verifyTls: req.verifyTls, headers: { Accept: "application/json" } },
    transport,
    now,
    sendCredentials && req.credentials ? basicAuthorization(req.credentials) : undefined,
  );
  if (response.status === 401 || response.status === 403) {
    throw new HttpError(`the token service refused ${sendCredentials ? "the credentials" : "anonymous access"} (${response.status})`, "ETOKEN");
  }
  if (response.status !== 200) throw new HttpError(`the token service answered ${response.status}`, "ETOKEN");
  if (response.truncated) throw new HttpError("the token response is too large", "ETOKEN");
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body.toString("utf8"));
  } catch {
    throw new HttpError("the token response is not JSON", "ETOKEN");
  }
  const p = parsed as { token?: unknown; access_token?: unknown };
  const token = typeof p.token === "string" && p.token ? p.token : typeof p.access_token === "string" ? p.access_token : "";
  if (!token) throw new HttpError("the token response holds no `token` or `access_token`", "ETOKEN");
  return { token, credentialsSent: sendCredentials, realm: url.origin };
}
