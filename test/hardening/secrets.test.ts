// No secret ever leaves: distinctive secrets are planted in every place a user or a server can
// put one (auth files via DOCKER_CONFIG and REGISTRY_AUTH_FILE, Bearer tokens from a token
// realm, Authorization headers, the proxy URL's user info, user info in mirror URLs from the
// file, the environment and flags), every command runs in every format, and then stdout and
// stderr of every run and EVERY file under output.dir, the render out dir and the daemon.json
// directory are searched for each secret, raw and base64-encoded.
// Files preflight/env/exec write are private (0600); rendered configs are not secrets (0644).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { freePort, makeTempDir, removeTempDir } from "../e2e/harness/tools.js";
import { cli, httpServer, type CliResult, type FaultServer } from "../preflight/helpers.js";

const PW_DOCKER = "pw-DOCKERCONFIG-7f3a9c";
const PW_AUTHFILE = "pw-AUTHFILE-b81e2d";
const PW_REFUSED = "pw-REFUSED-55aa01";
const TOKEN = "tok-BEARER-9d0c4e";
const PROXY_PW = "pw-PROXY-c0ffee";
const URL_SECRETS = ["url-FILE-s3cr3t", "url-ENVWERF-s3cr3t", "url-ENVADD-s3cr3t", "url-FLAGMIRROR-s3cr3t", "url-FLAGCRM-s3cr3t"];

const b64 = (s: string) => Buffer.from(s).toString("base64");
/** Every form a planted secret could leak in. */
const NEEDLES = [
  PW_DOCKER,
  PW_AUTHFILE,
  PW_REFUSED,
  TOKEN,
  PROXY_PW,
  ...URL_SECRETS,
  b64(`robot:${PW_DOCKER}`),
  b64(`robot2:${PW_AUTHFILE}`),
  b64(`robot3:${PW_REFUSED}`),
  b64(`proxyuser:${PROXY_PW}`),
  b64(TOKEN),
];

function walk(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function assertNoSecret(where: string, text: string): void {
  for (const n of NEEDLES) assert.ok(!text.includes(n), `${where} contains the secret ${n}`);
}

const servers: FaultServer[] = [];
let dir: string;
before(() => {
  dir = makeTempDir("hardening-secrets");
});
after(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  removeTempDir(dir);
});

describe("secrets never appear in any output or file", () => {
  it("credentials from auth files, tokens and proxy user info: every command, every format, every file", async () => {
    // A token-auth registry: /v2/ challenges, the realm (same host) wants Basic, the manifest wants the token.
    const tokenMirror = await httpServer((req, res, self) => {
      if (req.url === "/v2/") return void res.writeHead(401, { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${self.port}/token",service="reg"` }).end();
      if (req.url?.startsWith("/token")) {
        if (req.headers.authorization !== `Basic ${b64(`robot:${PW_DOCKER}`)}`)
          return void res.writeHead(401).end(`bad credentials ${req.headers.authorization}`);
        return void res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token: TOKEN, access_token: TOKEN }));
      }
      if (req.headers.authorization === `Bearer ${TOKEN}`) return void res.writeHead(200, { "Docker-Content-Digest": `sha256:${"e".repeat(64)}` }).end();
      res
        .writeHead(401, { "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${self.port}/token?echo=${TOKEN}"` })
        .end(`denied, you sent ${req.headers.authorization}`);
    });
    // A Basic-auth registry whose credentials come from REGISTRY_AUTH_FILE.
    const basicMirror = await httpServer((req, res) => {
      if (req.headers.authorization !== `Basic ${b64(`robot2:${PW_AUTHFILE}`)}`)
        return void res.writeHead(401, { "WWW-Authenticate": 'Basic realm="r"' }).end();
      res.writeHead(200, { "Docker-Content-Digest": `sha256:${"f".repeat(64)}` }).end("{}");
    });
    // A registry that refuses the credentials it is given (the error path names the file, never the secret).
    const refusing = await httpServer((req, res) => {
      res
        .writeHead(req.url === "/v2/" && !req.headers.authorization ? 401 : 403, { "WWW-Authenticate": 'Basic realm="r"' })
        .end(`refused ${req.headers.authorization ?? ""}`);
    });
    servers.push(tokenMirror, basicMirror, refusing);

    const dockerCfg = join(dir, "docker");
    mkdirSync(dockerCfg, { recursive: true });
    writeFileSync(
      join(dockerCfg, "config.json"),
      JSON.stringify({
        auths: {
          [`127.0.0.1:${tokenMirror.port}`]: { auth: b64(`robot:${PW_DOCKER}`) },
          [`http://127.0.0.1:${refusing.port}/v1/`]: { username: "robot3", password: PW_REFUSED },
        },
      }),
    );
    const authFile = join(dir, "auth.json");
    writeFileSync(authFile, JSON.stringify({ auths: { [`127.0.0.1:${basicMirror.port}`]: { auth: b64(`robot2:${PW_AUTHFILE}`) } } }));
    const deadProxy = await freePort();

    const project = join(dir, "project");
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, "werf-mirror.yaml"),
      [
        "version: 1",
        "backend: buildah",
        "registries:",
        "  docker.io:",
        `    mirrors: [${tokenMirror.url}, ${basicMirror.url}, ${refusing.url}, https://behind-proxy.test]`,
        `  quay.io:`,
        `    mirrors: [${basicMirror.url}/quay]`,
        "preflight:",
        "  timeout: 2s",
        "  probe: library/alpine:latest",
        "  minHealthy: 0",
        "  unhealthy: warn",
        "output:",
        "  dir: state",
        "",
      ].join("\n"),
    );
    const env = {
      DOCKER_CONFIG: dockerCfg,
      REGISTRY_AUTH_FILE: authFile,
      HTTPS_PROXY: `http://proxyuser:${PROXY_PW}@127.0.0.1:${deadProxy}`,
      DOCKER_HOST: `unix://${join(dir, "no-docker.sock")}`,
    };
    const runs: [string, CliResult][] = [];
    const run = async (args: string[]) => {
      const r = await cli(args, { cwd: project, env });
      runs.push([args.join(" "), r]);
      return r;
    };

    const pf = await run(["preflight", "--format", "json", "--verbose"]);
    assert.equal(pf.code, 0, pf.stderr);
    const report = JSON.parse(pf.stdout);
    const byUrl = Object.fromEntries(report.registries[0].mirrors.map((m: { url: string }) => [m.url, m]));
    // The planted credentials really were used: the secrets were in play, not just absent.
    assert.equal(byUrl[tokenMirror.url].status, "healthy", byUrl[tokenMirror.url].reason);
    assert.equal(byUrl[tokenMirror.url].credentials, true);
    assert.equal(byUrl[basicMirror.url].status, "healthy", byUrl[basicMirror.url].reason);
    assert.match(byUrl[refusing.url].reason, /were refused|refused/);
    assert.match(byUrl["https://behind-proxy.test"].reason, /proxy 127\.0\.0\.1:\d+/);
    assert.ok(tokenMirror.requests.some((r) => r.authorization === `Bearer ${TOKEN}`));

    for (const format of ["text", "json", "markdown", "junit"]) await run(["preflight", "--format", format, "--refresh"]);
    await run(["preflight", "--offline"]);
    for (const format of ["stylish", "json", "sarif", "github"]) await run(["lint", "--format", format]);
    await run(["config", "--explain"]);
    await run(["config", "--format", "json"]);
    await run(["config", "--explain", "--format", "json"]);
    await run(["render", "--out-dir", "rendered", "--base", "/dev/null", "--verbose"]);
    await run(["render", "--stdout", "--base", "/dev/null"]);
    await run(["env"]);
    await run(["env", "--refresh", "--verbose"]);
    await run(["env", "--shell", "powershell"]);
    await run(["env", "--as-file"]);
    await run(["env", "--as-file", "--shell", "powershell"]);
    await run(["env", "--as-env-file"]);
    await run(["env", "--output-file-path", "handoff-out.sh"]);
    const execOut = join(project, "exec-env.txt");
    const e = await run([
      "exec",
      "--",
      process.execPath,
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(execOut)}, Object.entries(process.env).filter(([k]) => /^(WERF_|CONTAINERS_)/.test(k)).map(([k, v]) => k + "=" + v).join("\\n"))`,
    ]);
    assert.equal(e.code, 0, e.stderr);
    await run(["apply", "docker", "--dry-run", "--daemon-json", join(project, "etc", "daemon.json")]);
    await run(["apply", "docker", "--daemon-json", join(project, "etc", "daemon.json")]);
    await run(["preflight"]); // apply docker discarded the stored result: written again, and checked below

    for (const [args, r] of runs) {
      assertNoSecret(`stdout of \`${args}\``, r.stdout);
      assertNoSecret(`stderr of \`${args}\``, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, /Authorization:|Proxy-Authorization/i, args);
    }
    const files = walk(project);
    assert.ok(files.length >= 12, `only ${files.length} files written`);
    for (const f of files) {
      if (f.endsWith("werf-mirror.yaml")) continue;
      assertNoSecret(f, readFileSync(f, "latin1"));
      assertNoSecret(f, readFileSync(f, "utf8"));
    }

    // Modes: what preflight, env and exec write is private; rendered consumer configs are not secrets.
    const mode = (p: string) => statSync(join(project, p)).mode & 0o777;
    for (const p of [
      "state/preflight.json",
      "state/handoff/env.sh",
      "state/handoff/env.ps1",
      "state/handoff/werf-mirror.env",
      "state/handoff/registries.conf",
      "handoff-out.sh",
    ]) {
      assert.equal(mode(p).toString(8), "600", `${p} must be 0600`);
    }
    for (const p of ["rendered/registries.conf", "rendered/daemon.json", "rendered/kaniko.args"]) assert.equal(mode(p).toString(8), "644", p);
  });

  it("user info in a mirror URL, from the file, WERF_CONTAINER_REGISTRY_MIRROR_*, WERF_MIRROR_ADD_*, --mirror, --container-registry-mirror: refused, never echoed, nothing written", async () => {
    const project = join(dir, "urls");
    mkdirSync(project, { recursive: true });
    const cases: { name: string; file?: string; env?: Record<string, string>; flags?: string[] }[] = [
      { name: "file", file: `version: 1\nregistries:\n  docker.io:\n    mirrors: [https://robot:${URL_SECRETS[0]}@m.example.com]\noutput:\n  dir: state\n` },
      { name: "broken YAML", file: `version: 1\nregistries:\n  docker.io:\n    mirrors: [https://robot:${URL_SECRETS[0]}@m.example.com, \n  quay.io: {\n` },
      { name: "werf env", env: { WERF_CONTAINER_REGISTRY_MIRROR_X: `https://robot:${URL_SECRETS[1]}@m.example.com` } },
      { name: "add env", env: { WERF_MIRROR_ADD_Q: `quay.io=https://${URL_SECRETS[2]}@m.example.com` } },
      { name: "--mirror", flags: ["--mirror", `quay.io=robot:${URL_SECRETS[3]}@m.example.com`] },
      { name: "--container-registry-mirror", flags: ["--container-registry-mirror", `https://u:${URL_SECRETS[4]}@m.example.com/`] },
    ];
    const base = "version: 1\nregistries:\n  docker.io:\n    mirrors: [https://ok.example.com]\noutput:\n  dir: state\n";
    for (const c of cases) {
      writeFileSync(join(project, "werf-mirror.yaml"), c.file ?? base);
      const commands = [
        ["lint"],
        ["lint", "--format", "json"],
        ["lint", "--format", "sarif"],
        ["lint", "--format", "github"],
        ["config", "--explain"],
        ["config", "--format", "json"],
        ["render", "--base", "/dev/null"],
        ["render", "--stdout", "--base", "/dev/null"],
        ["preflight", "--offline", "--format", "json"],
        ["env", "--offline", "--verbose"],
        ["exec", "--offline", "--", "true"],
        ["apply", "docker", "--dry-run", "--daemon-json", join(project, "daemon.json")],
      ];
      for (const args of commands) {
        const dash = args.indexOf("--");
        const argv = dash === -1 ? [...args, ...(c.flags ?? [])] : [...args.slice(0, dash), ...(c.flags ?? []), ...args.slice(dash)];
        const r = await cli(argv, { cwd: project, env: c.env ?? {} });
        const what = `${c.name}: ${args.join(" ")}`;
        assert.equal(r.code, args[0] === "lint" ? 1 : 2, `${what}: exit ${r.code}\n${r.stderr}`);
        assert.match(r.stdout + r.stderr, c.name === "broken YAML" ? /yaml-syntax|YAML syntax error/ : /credentials|url-credentials/, `${what}: says why`);
        assertNoSecret(what, r.stdout + r.stderr);
      }
      assert.deepEqual(walk(join(project, "state")), [], `${c.name}: nothing may be written`);
      assert.ok(!existsSync(join(project, "daemon.json")));
    }
  });
  it("user info in DOCKER_HOST: shown and stored as scheme://host:port only, never sent to the daemon", async () => {
    const SECRET = "pw-DOCKERHOST-5e7a11";
    const needles = [SECRET, b64(`robot:${SECRET}`), "robot:"];
    const mirror = await httpServer((_req, res) => res.writeHead(200).end("{}"));
    const daemon = await httpServer((_req, res) =>
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ RegistryConfig: { Mirrors: [] } })),
    );
    servers.push(mirror, daemon);
    const deadPort = await freePort();
    const project = join(dir, "docker-host");
    mkdirSync(project, { recursive: true });
    writeFileSync(
      join(project, "werf-mirror.yaml"),
      `version: 1\nbackend: docker\nregistries:\n  docker.io:\n    mirrors: [${mirror.url}]\npreflight:\n  timeout: 2s\noutput:\n  dir: state\n`,
    );
    const cases: [string, string][] = [
      [`tcp://robot:${SECRET}@127.0.0.1:${daemon.port}`, `tcp://127.0.0.1:${daemon.port}`], // reachable, lacks the mirror
      [`tcp://robot:${SECRET}@127.0.0.1:${deadPort}`, `tcp://127.0.0.1:${deadPort}`], // unreachable
      [`tcp://robot:a/b@${SECRET}@127.0.0.1:${deadPort}`, `tcp://127.0.0.1:${deadPort}`], // '/' and '@' in the password
      [`ssh://robot:${SECRET}@127.0.0.1`, "ssh://127.0.0.1"], // not supported, still named
    ];
    for (const [dockerHost, shown] of cases) {
      const env = { DOCKER_HOST: dockerHost };
      const runs: [string, CliResult][] = [];
      for (const format of ["text", "json", "markdown", "junit"])
        runs.push([`preflight ${format}`, await cli(["preflight", "--format", format], { cwd: project, env })]);
      for (const args of [["env"], ["env", "--as-env-file"], ["exec", "--", "true"]]) runs.push([args.join(" "), await cli(args, { cwd: project, env })]);
      for (const [what, r] of runs) {
        assert.equal(r.code, 1, `${dockerHost}: ${what}: ${r.stdout}${r.stderr}`);
        for (const n of needles) assert.ok(!(r.stdout + r.stderr).includes(n), `${dockerHost}: ${what} shows ${n}`);
      }
      assert.ok(runs[0]![1].stdout.includes(`docker daemon ${shown}`), runs[0]![1].stdout);
      assert.equal(JSON.parse(runs[1]![1].stdout).docker.host, shown);
      for (const f of walk(project)) {
        if (f.endsWith("werf-mirror.yaml")) continue;
        for (const n of needles) assert.ok(!readFileSync(f, "utf8").includes(n), `${f} holds ${n} (DOCKER_HOST=${dockerHost})`);
      }
    }
    assert.ok(daemon.requests.length > 0, "the daemon was never asked");
    assert.deepEqual(
      daemon.requests.filter((r) => r.authorization),
      [],
      "DOCKER_HOST's user info was sent to the daemon",
    );
  });
});
