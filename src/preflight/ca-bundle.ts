// The CA bundle handed to werf as SSL_CERT_FILE: werf's registry API verifies mirrors with Go's
// system roots only (never certs.d), and Go reads SSL_CERT_FILE instead of its built-in list of
// bundle files. So the bundle is the system roots werf would have used plus each mirror's CA.
import { readTextFile, type ReadText } from "./credentials.js";

/** Go's crypto/x509 bundle files on Linux (root_linux.go), the first existing one is used. */
export const GO_SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/pki/tls/cacert.pem",
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

/** The bundle text, or an error naming the CA file that cannot be read. */
export async function buildCaBundle(
  caFiles: string[],
  env: Record<string, string | undefined>,
  read: ReadText = readTextFile,
): Promise<{ text: string; roots?: string } | { error: string }> {
  let roots: string | undefined;
  let rootsText = "";
  for (const candidate of env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : GO_SYSTEM_BUNDLES) {
    const text = await read(candidate);
    if (text !== undefined) {
      roots = candidate;
      rootsText = text;
      break;
    }
  }
  let text = rootsText.endsWith("\n") || rootsText === "" ? rootsText : `${rootsText}\n`;
  for (const ca of caFiles) {
    const pem = await read(ca);
    if (pem === undefined || !pem.includes("-----BEGIN CERTIFICATE-----")) return { error: `the CA file ${ca} cannot be read or holds no PEM certificate` };
    text += `# ${ca.replace(/[\r\n]/g, "?")}\n${pem.endsWith("\n") ? pem : `${pem}\n`}`;
  }
  return roots ? { text, roots } : { text };
}
