// Parsing and normalizing the addresses in a config: registry keys, mirror URLs, insecure
// registries (host[:port] or CIDR). Done once here; every renderer reads the parsed form.
import type { RuleId } from "../lint/rules-catalog.js";
import type { MirrorUrl, RegistryPrefix } from "./types.js";

const IPV4 = /^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

/** 4, 6 or 0, like node:net's isIP, without loading node:net (it costs start-up time). */
export function isIP(host: string): 0 | 4 | 6 {
  if (IPV4.test(host)) return 4;
  if (!host.includes(":") || !/^[0-9a-fA-F:.]+$/.test(host)) return 0;
  try {
    // The WHATWG URL parser implements the IPv6 address grammar (with embedded IPv4).
    new URL(`http://[${host}]/`);
    return 6;
  } catch {
    return 0;
  }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; rule: RuleId; message: string };

const fail = (rule: RuleId, message: string) => ({ ok: false as const, rule, message });
const hostFail = (message: string) => ({ ok: false as const, message });

/** Docker Hub's other names; werf and every consumer treat them as docker.io. */
export const DOCKER_HUB_ALIASES = ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"];

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const NAMESPACE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const URL_PATH = /^(?:\/[A-Za-z0-9._~-]+)*$/;
// Control characters, whitespace, quotes, and the metacharacters of TOML/YAML/JSON/shell; and
// code points that are not text: noncharacters (YAML forbids U+FFFE and U+FFFF outright, so a
// registries.yaml holding one does not parse) and lone surrogates (no UTF-8 encoding at all).
const UNSAFE = /[\u0000-\u0020\u007f-\u009f"'`\\<>{}|^\u2028\u2029\p{Noncharacter_Code_Point}\p{Cs}]/u;

export function hasUnsafeCharacters(value: string): boolean {
  return UNSAFE.test(value);
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`. Host is returned lower-case, IPv6 without brackets. */
/** A host[:port]; a failure is only a message, which each caller files under its own rule. */
export function parseHostPort(input: string): { ok: true; value: { host: string; port?: number; hostPort: string } } | { ok: false; message: string } {
  let host: string;
  let portText: string | undefined;
  if (input.startsWith("[")) {
    const end = input.indexOf("]");
    if (end === -1) return hostFail("an IPv6 address must be closed with `]`, as in `[fd00::1]:5000`");
    host = input.slice(1, end).toLowerCase();
    const rest = input.slice(end + 1);
    if (rest !== "" && !rest.startsWith(":")) return hostFail("after `]` only `:port` may follow");
    portText = rest ? rest.slice(1) : undefined;
    if (isIP(host) !== 6) return hostFail(`\`${host}\` is not an IPv6 address`);
  } else {
    const parts = input.split(":");
    if (parts.length > 2) {
      return hostFail("an IPv6 address must be written in brackets, as in `[fd00::1]:5000`");
    }
    host = (parts[0] ?? "").toLowerCase();
    portText = parts[1];
    if (host === "") return hostFail("the host is empty");
    if (isIP(host) !== 4 && !host.split(".").every((label) => DNS_LABEL.test(label))) {
      return hostFail("a host is a DNS name (letters, digits, `-` and `.`) or an IP address; remove any other characters");
    }
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return hostFail("the port must be a number from 1 to 65535");
    }
    port = Number(portText);
  }
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return { ok: true, value: { host, port, hostPort: port === undefined ? shown : `${shown}:${port}` } };
}

/** A registry key: `docker.io`, `host:5000`, `quay.io/org/repo`, `*.example.com`. */
export function parseRegistryKey(input: string): Parsed<RegistryPrefix> {
  if (input.length > 255) {
    return fail("invalid-registry", "a registry key is at most 255 characters, as image references are; shorten the namespace");
  }
  if (hasUnsafeCharacters(input)) {
    return fail("unsafe-value", "a registry key may not contain spaces, quotes, control or markup characters");
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) {
    return fail("invalid-registry", "a registry key has no scheme: write `docker.io`, not `https://docker.io`");
  }
  if (input.includes("@") || /\/[^/]*:[^/]*$/.test(input)) {
    return fail("invalid-registry", "a registry key may not name a tag or digest; use `host[:port][/namespace]`");
  }
  if (input.includes("*")) {
    if (!/^\*\.[^*/:@]+$/.test(input)) {
      return fail("invalid-wildcard", "a wildcard key must be `*.example.com`: one leading `*.`, then a domain, no port and no path");
    }
    const rest = parseHostPort(input.slice(2));
    if (!rest.ok) return fail("invalid-wildcard", `after \`*.\`: ${rest.message}`);
    const key = `*.${rest.value.host}`;
    return { ok: true, value: { key, host: key, hostPort: key, namespace: "", wildcard: true } };
  }
  if (input.endsWith("/")) return fail("invalid-registry", "remove the trailing `/` from the registry key");
  const slash = input.indexOf("/");
  const hostPart = slash === -1 ? input : input.slice(0, slash);
  const namespace = slash === -1 ? "" : input.slice(slash + 1);
  const hp = parseHostPort(hostPart);
  if (!hp.ok) return fail("invalid-registry", hp.message);
  if (namespace !== "" && !NAMESPACE.test(namespace)) {
    return fail("invalid-registry", "a namespace prefix is lower-case repository path segments, as in `docker.io/library/alpine`");
  }
  let { host, hostPort } = hp.value;
  if (hp.value.port === undefined && DOCKER_HUB_ALIASES.includes(host)) host = hostPort = "docker.io";
  const key = namespace ? `${hostPort}/${namespace}` : hostPort;
  return { ok: true, value: { key, host, port: hp.value.port, hostPort, namespace, wildcard: false } };
}

/**
 * What "Docker Hub" means, decided once. `isDockerHub`: the key is on Docker Hub's host, a
 * namespaced key (`docker.io/library`) included. `isDockerHubKey`: the key is all of Docker Hub
 * (`docker.io`, any alias folded): the only key whose mirrors werf and dockerd use.
 */
export function isDockerHub(prefix: RegistryPrefix): boolean {
  return !prefix.wildcard && prefix.hostPort === "docker.io";
}

export function isDockerHubKey(prefix: RegistryPrefix): boolean {
  return isDockerHub(prefix) && prefix.namespace === "";
}

/** A mirror URL. No scheme means https. Credentials are refused and never echoed. */
export function parseMirrorUrl(input: string): Parsed<MirrorUrl> {
  if (input.length > 2048) return fail("url-invalid", "a mirror URL is at most 2048 characters; shorten its path");
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input);
  const explicitScheme = !!schemeMatch;
  const scheme = schemeMatch ? schemeMatch[1]!.toLowerCase() : "https";
  const rest = schemeMatch ? input.slice(schemeMatch[0].length) : input;
  const authority = rest.split(/[/?#]/, 1)[0] ?? "";
  if (authority.includes("@")) {
    return fail(
      "url-credentials",
      "a mirror URL must not contain credentials; remove them and log in with `docker login` or put them in the auth file (they are read from there)",
    );
  }
  if (scheme !== "http" && scheme !== "https") {
    return fail("url-scheme", `mirrors are reached over http or https, not \`${scheme}\`; write https://host[:port][/path]`);
  }
  if (rest.includes("?") || rest.includes("#")) {
    return fail("url-query-fragment", "a mirror URL may not have a query (`?`) or fragment (`#`); remove them");
  }
  if (hasUnsafeCharacters(input)) {
    return fail("unsafe-value", "a mirror URL may not contain spaces, quotes, control or markup characters");
  }
  const slash = rest.indexOf("/");
  const hp = parseHostPort(slash === -1 ? rest : rest.slice(0, slash));
  if (!hp.ok) return fail("url-invalid", `the mirror URL's host is invalid: ${hp.message}`);
  let path = slash === -1 ? "" : rest.slice(slash).replace(/\/+$/, "");
  if (!URL_PATH.test(path) || path.split("/").some((seg) => seg === "." || seg === "..")) {
    return fail("url-invalid", "a mirror path is plain segments of letters, digits, `.`, `_`, `~` and `-`, as in `/v2-cache/dockerhub`");
  }
  let { port, hostPort } = hp.value;
  if ((scheme === "https" && port === 443) || (scheme === "http" && port === 80)) {
    port = undefined;
    hostPort = isIP(hp.value.host) === 6 ? `[${hp.value.host}]` : hp.value.host;
  }
  return {
    ok: true,
    value: {
      scheme,
      host: hp.value.host,
      port,
      hostPort,
      path,
      href: `${scheme}://${hostPort}${path}`,
      explicitScheme,
    },
  };
}

/** An insecure registry: `host[:port]` or an IPv4/IPv6 CIDR such as `10.0.0.0/8`. */
export function parseInsecureRegistry(input: string): Parsed<string> {
  if (hasUnsafeCharacters(input)) {
    return fail("unsafe-value", "an insecure registry may not contain spaces, quotes, control or markup characters");
  }
  if (input.includes("/")) {
    const [addr = "", bits = ""] = input.split("/");
    const family = isIP(addr);
    const max = family === 4 ? 32 : family === 6 ? 128 : 0;
    if (!max || !/^[0-9]{1,3}$/.test(bits) || Number(bits) > max) {
      return fail("invalid-insecure-registry", "write an insecure registry as `host[:port]` or a CIDR such as `10.0.0.0/8`");
    }
    return { ok: true, value: `${addr.toLowerCase()}/${Number(bits)}` };
  }
  const hp = parseHostPort(input);
  if (!hp.ok) return fail("invalid-insecure-registry", hp.message);
  return { ok: true, value: hp.value.hostPort };
}

/** An unqualified-search registry: `host[:port]` only (containers-registries.conf). */
export function parseSearchRegistry(input: string): Parsed<string> {
  if (hasUnsafeCharacters(input)) {
    return fail("unsafe-value", "a search registry may not contain spaces, quotes, control or markup characters");
  }
  if (input.includes("/") || input.includes("*")) {
    return fail("invalid-search-registry", "unqualified-search registries are `host[:port]` only, without scheme, path or wildcard");
  }
  const hp = parseHostPort(input);
  if (!hp.ok) return fail("invalid-search-registry", hp.message);
  const value = hp.value.port === undefined && DOCKER_HUB_ALIASES.includes(hp.value.host) ? "docker.io" : hp.value.hostPort;
  return { ok: true, value };
}

/** `500ms`, `5s`, `1.5s`, `1m` → milliseconds. */
export function parseDuration(input: string): Parsed<number> {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(input);
  if (!m) return fail("invalid-duration", "write a duration as a number and a unit: `500ms`, `5s` or `1m`");
  const n = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60000);
  if (n <= 0) return fail("invalid-duration", "a duration must be greater than zero");
  return { ok: true, value: Math.round(n) };
}
