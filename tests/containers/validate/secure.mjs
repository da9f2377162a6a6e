// Offline checks of the secure deployment (docs/SECURITY-DEPLOY.md), beside
// validate.mjs's of the plain one. Exit 1 on any finding.
//
//   node secure.mjs plain RENDERED SEED.yaml...
//       `kubectl kustomize k8s` holds exactly the objects of the seed's files
//       (k8s/server-deployment.yaml, k8s/client-deployment.yaml), and nothing
//       of the secure overlay: no Secret, volume, TLS or token setting; the
//       Service carries 5001 alone.
//   node secure.mjs kube RENDERED GENERATED_DIR
//       `kubectl kustomize k8s/secure`: the schema and the project's rules, and
//       TLS only (5443; never 5001 nor the admin port on the Service), every
//       Secret mounted read-only and found where the flags point, the client's
//       token from a file, no secret in env, and no token or key anywhere in
//       the output except the generated Secrets' data.
//   node secure.mjs compose compose.secure.yaml GENERATED_DIR
//       the same for compose: only 5443 published, the generated files mounted
//       read-only and found where the flags point, no token in env.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { models, problems, fail, unknownFields, podRules } from "./rules.mjs";

const [mode, file, ...rest] = process.argv.slice(2);
const TLS_PORT = 5443;
const ADMIN_PORT = 9090;
const envOf = (c) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
const b64 = (s) => Buffer.from(s).toString("base64");

// The secrets the dev script made: the rendered text may hold them only as
// Secret data (base64). CA key: nowhere at all.
function secretsIn(dir) {
  const read = (f) => fs.readFileSync(path.join(dir, f), "utf8");
  const out = [];
  for (const f of ["member.token", "watcher.token"]) {
    const token = read(f).split("\n")[0].trim();
    out.push({ what: f, text: token, forms: [token, b64(token), b64(token + "\n")] });
  }
  for (const f of ["server.key", "Client1.key", "Client2.key", "ca.key"]) {
    const pem = read(f);
    // The PEM body without its first 48 characters (the same in every P-256
    // key), and the key's part of the whole file in base64, as a Secret holds it.
    const body = pem.split("\n").filter((l) => l && !l.startsWith("-----")).join("");
    out.push({ what: f, text: pem, forms: [body.slice(48), b64(pem).slice(96, 160)], nowhere: f === "ca.key" });
  }
  return out;
}

// leaks(where, text, secrets, allowed): every secret form found in text.
// Line breaks and JSON escapes aside (kustomize folds long base64 lines).
function leaks(where, text, secrets, { inSecretData = false } = {}) {
  if (!inSecretData && /PRIVATE KEY/.test(text)) fail(where, "holds a private key in the clear");
  const flat = text.replace(/\\n|\s/g, "");
  for (const s of secrets) {
    if (inSecretData && !s.nowhere) continue;
    for (const form of s.forms) if (form && flat.includes(form)) { fail(where, `holds ${s.what}`); break; }
  }
}

function loadDocs(f) {
  return yaml.loadAll(fs.readFileSync(f, "utf8")).filter(Boolean);
}

function byId(docs) {
  return Object.fromEntries(docs.map((d) => [`${d.kind}/${d.metadata?.name}`, d]));
}

// Deep equality of two parsed objects, key order aside.
function same(a, b) {
  if (Array.isArray(a) !== Array.isArray(b) || typeof a !== typeof b) return false;
  if (a === null || typeof a !== "object") return a === b;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && same(a[k], b[k]));
}

function schema(doc, id) {
  const Model = models[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) { fail(id, `unexpected kind ${doc.apiVersion}/${doc.kind}`); return false; }
  // Secret data as the API server reads it: base64 with its line breaks ignored.
  const data = doc.kind === "Secret" && doc.data
    ? Object.fromEntries(Object.entries(doc.data).map(([k, v]) => [k, String(v).replace(/\s/g, "")])) : doc.data;
  try { new Model({ ...doc, data }).validate(); } catch (e) { fail(id, `schema: ${e.message}`); }
  unknownFields(doc, doc.kind, id);
  return true;
}

function plain() {
  const rendered = byId(loadDocs(file));
  const seed = byId(rest.flatMap(loadDocs));
  for (const id of new Set([...Object.keys(rendered), ...Object.keys(seed)])) {
    if (!rendered[id]) fail(id, "in the seed's files but not in kubectl kustomize k8s");
    else if (!seed[id]) fail(id, "rendered by kubectl kustomize k8s but in none of the seed's files");
    else if (!same(rendered[id], seed[id])) fail(id, "kubectl kustomize k8s differs from the seed's file");
  }
  for (const [id, d] of Object.entries(rendered)) {
    if (!["Deployment", "Service"].includes(d.kind)) fail(id, "the plain deployment has no Secret or ConfigMap");
    const pod = d.spec?.template?.spec;
    if (pod?.volumes?.length) fail(id, "the plain deployment mounts no volume");
    for (const c of pod?.containers ?? []) {
      const env = envOf(c);
      for (const k of ["BATON_AUTH_FILE", "BATON_TLS_PORT", "BATON_NO_PLAIN", "BATON_TLS", "BATON_TOKEN", "BATON_TOKEN_FILE"])
        if (env[k]) fail(id, `the plain deployment sets ${k}`);
    }
  }
  const ports = rendered["Service/server-service"]?.spec?.ports ?? [];
  if (ports.length !== 1 || ports[0].port !== 5001) fail("Service/server-service", "the plain Service carries 5001 alone");
  console.log(`checked ${Object.keys(rendered).length} objects of the plain deployment against the seed's files`);
}

// The mount of a volume holding `key` that `file` (a flag's path) names:
// { volume, mount } or a failure.
function mountFor(where, pod, c, filePath, what) {
  if (typeof filePath !== "string") { fail(where, `${what} is not set`); return null; }
  const mount = (c.volumeMounts ?? []).find((m) => path.dirname(filePath) === m.mountPath.replace(/\/$/, ""));
  if (!mount) { fail(where, `${what} ${filePath} is not in a mounted volume`); return null; }
  const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
  if (!volume) { fail(where, `${what}: no volume ${mount.name}`); return null; }
  return { volume, mount, key: path.basename(filePath) };
}

async function kube() {
  const docs = loadDocs(file);
  const text = fs.readFileSync(file, "utf8");
  const secrets = secretsIn(rest[0]);
  const seen = {};
  for (const doc of docs) {
    const id = `${doc.kind}/${doc.metadata?.name}`;
    if (!schema(doc, id)) continue;
    seen[id] = doc;
    if (doc.kind === "Secret") {
      if (doc.stringData) fail(id, "stringData: Secret values in the clear");
      leaks(id, JSON.stringify({ ...doc, data: undefined }), secrets);
      const decoded = Object.values(doc.data ?? {}).map((v) => Buffer.from(String(v), "base64").toString());
      leaks(`${id} data`, JSON.stringify(doc.data ?? {}) + decoded.join(""), secrets, { inSecretData: true });
    } else {
      leaks(id, JSON.stringify(doc), secrets);
    }
    console.log(`checked ${id}`);
  }
  if (/PRIVATE KEY/.test(text)) fail(file, "a private key in the clear");
  const sd = seen["Deployment/server-deployment"], cd = seen["Deployment/client-deployment"], ss = seen["Service/server-service"];
  if (!sd || sd.spec.replicas !== 1 || sd.spec.strategy?.type !== "Recreate") fail("server-deployment", "missing, or not 1 replica with strategy Recreate");
  if (!cd || cd.spec.replicas !== 2) fail("client-deployment", "missing, or not 2 replicas");
  if (!sd || !cd || !ss) { report(); return; }

  // The Service: the TLS port and nothing else.
  const sp = ss.spec.ports ?? [];
  if (ss.spec.selector?.app !== "server") fail("server-service", "must select app=server");
  if (sp.length !== 1 || sp[0].port !== TLS_PORT) fail("server-service", `must carry ${TLS_PORT} alone, carries ${sp.map((p) => p.port)}`);
  const container = sd.spec.template.spec.containers[0];
  for (const p of sp) {
    const target = typeof p.targetPort === "string"
      ? container.ports?.find((q) => q.name === p.targetPort)?.containerPort : p.targetPort ?? p.port;
    if (target !== TLS_PORT) fail("server-service", `port ${p.port} leads to ${p.targetPort}, not the TLS port`);
    if ([ADMIN_PORT, 5001].includes(p.port) || [ADMIN_PORT, 5001, "admin", "baton"].includes(p.targetPort))
      fail("server-service", `must not carry the admin or the plain port (${p.port} -> ${p.targetPort})`);
  }

  // Both pods: the project's rules, no service-account token, Secrets read-only.
  for (const [name, d, server] of [["server-deployment", sd, true], ["client-deployment", cd, false]]) {
    const pod = d.spec.template.spec;
    podRules(name, pod, { server, port: TLS_PORT });
    if (pod.automountServiceAccountToken !== false) fail(name, "automountServiceAccountToken must be false");
    for (const v of pod.volumes ?? []) {
      const src = v.secret ?? v.configMap;
      if (!src) continue;
      const ref = v.secret ? `Secret/${v.secret.secretName}` : `ConfigMap/${v.configMap.name}`;
      if (!seen[ref]) fail(name, `volume ${v.name}: ${ref} is not generated by the overlay`);
      const mode = src.defaultMode ?? 0o644;
      if (v.secret && (mode & 0o007) !== 0) fail(name, `volume ${v.name}: Secret files must not be world-readable (defaultMode ${mode.toString(8)})`);
      if (v.secret && (mode & 0o040) && pod.securityContext?.fsGroup === undefined)
        fail(name, `volume ${v.name}: group-readable Secret files need the pod's fsGroup`);
      for (const c of pod.containers) for (const m of c.volumeMounts ?? []) {
        if (m.name !== v.name) continue;
        if (m.readOnly !== true) fail(name, `${ref} must be mounted readOnly`);
        if (m.subPath || m.subPathExpr) fail(name, `${ref} mounted with subPath: the kubelet would never refresh it (SIGHUP reload)`);
      }
    }
    for (const c of pod.containers) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef) fail(name, `env ${e.name} from a Secret: secrets go in files, not the environment`);
        if (e.name === "BATON_TOKEN") fail(name, "BATON_TOKEN: the token goes in a file (BATON_TOKEN_FILE)");
      }
      if (c.envFrom) fail(name, "envFrom: every variable is spelt out");
      if ((c.args ?? []).some((a) => /token/i.test(a) && !/token-file/.test(a))) fail(name, "a token on the command line");
    }
  }

  // The server: TLS only, its files where the flags point.
  const spod = sd.spec.template.spec, senv = envOf(container);
  const want = (k, v) => { if (senv[k]?.value !== v) fail("server-deployment", `${k} must be "${v}"`); };
  want("BATON_NO_PLAIN", "true");
  want("BATON_TLS_PORT", String(TLS_PORT));
  if (senv.BATON_LEGACY_RING && senv.BATON_LEGACY_RING.value !== "none") fail("server-deployment", "no legacy ring on a TLS-only server");
  if ((container.ports ?? []).some((p) => p.containerPort === 5001)) fail("server-deployment", "declares 5001, which --no-plain does not open");
  for (const [k, secret] of [["BATON_TLS_CERT", "baton-tls"], ["BATON_TLS_KEY", "baton-tls"], ["BATON_AUTH_FILE", "baton-auth"]]) {
    const m = mountFor("server-deployment", spod, container, senv[k]?.value, k);
    if (!m) continue;
    if (m.volume.secret?.secretName !== secret) { fail("server-deployment", `${k} must come from Secret ${secret}`); continue; }
    const s = seen[`Secret/${secret}`];
    if (!s?.data?.[m.key]) fail("server-deployment", `${k}: Secret ${secret} has no key ${m.key}`);
  }
  if (seen["Secret/baton-tls"]?.type !== "kubernetes.io/tls") fail("Secret/baton-tls", "type must be kubernetes.io/tls");
  if (senv.BATON_TLS_CLIENT_CA) mountFor("server-deployment", spod, container, senv.BATON_TLS_CLIENT_CA.value, "BATON_TLS_CLIENT_CA");
  // The auth file: hashes only, one for the clients' token.
  const auth = Buffer.from(seen["Secret/baton-auth"]?.data?.auth ?? "", "base64").toString();
  for (const s of secrets) if (s.what.endsWith(".token") && auth.includes(s.text)) fail("Secret/baton-auth", `holds ${s.what} itself`);

  // The clients: TLS, the CA to verify with, the token from a file.
  const cpod = cd.spec.template.spec, cc = cpod.containers[0], cenv = envOf(cc);
  if (cenv.BATON_TLS?.value !== "true") fail("client-deployment", 'BATON_TLS must be "true"');
  if (cenv.BATON_PORT?.value !== String(TLS_PORT)) fail("client-deployment", `BATON_PORT must be ${TLS_PORT}`);
  const ca = mountFor("client-deployment", cpod, cc, cenv.BATON_CA?.value, "BATON_CA");
  if (ca) {
    const src = ca.volume.configMap ? seen[`ConfigMap/${ca.volume.configMap.name}`]?.data?.[ca.key]
      : Buffer.from(seen[`Secret/${ca.volume.secret?.secretName}`]?.data?.[ca.key] ?? "", "base64").toString();
    if (!/BEGIN CERTIFICATE/.test(src ?? "")) fail("client-deployment", "BATON_CA names no certificate");
  }
  const tok = mountFor("client-deployment", cpod, cc, cenv.BATON_TOKEN_FILE?.value, "BATON_TOKEN_FILE");
  if (tok) {
    const s = seen[`Secret/${tok.volume.secret?.secretName}`];
    if (!s?.data?.[tok.key]) fail("client-deployment", "BATON_TOKEN_FILE must name a key of a generated Secret");
    else {
      const token = Buffer.from(s.data[tok.key], "base64").toString().split("\n")[0];
      const hash = "sha256:" + (await import("node:crypto")).createHash("sha256").update(token).digest("hex");
      if (!auth.split("\n").some((l) => l.startsWith(hash + " ") && /\bmember\b/.test(l)))
        fail("client-deployment", "its token's hash is not granted member in Secret/baton-auth");
    }
  }
  report();
}

function compose() {
  const doc = yaml.load(fs.readFileSync(file, "utf8"));
  const gen = path.resolve(rest[0]);
  const secrets = secretsIn(gen);
  leaks(file, fs.readFileSync(file, "utf8"), secrets);
  const services = doc.services ?? {};
  const server = services.server;
  if (!server) { fail(file, "no server service"); report(); return; }
  // volumes: short syntax SRC:DST:ro; SRC a file of the generated folder.
  const mounts = (name, s) => (s.volumes ?? []).map((v) => {
    const [src, dst, opt] = typeof v === "string" ? v.split(":") : [v.source, v.target, v.read_only ? "ro" : ""];
    if (opt !== "ro") fail(name, `${dst} must be mounted read-only (:ro)`);
    if (!src.startsWith("./k8s/secure/generated/")) fail(name, `${src}: only the generated files are mounted`);
    if (path.basename(src) === "ca.key") fail(name, "the CA's key is never mounted");
    const local = path.join(gen, path.relative("./k8s/secure/generated", src));
    if (!fs.existsSync(local)) fail(name, `${src} is not a file the dev script writes`);
    return { src, dst, local };
  });
  const fileAt = (name, s, ms, k) => {
    const p = s.environment?.[k];
    const m = ms.find((x) => x.dst === p);
    if (!m) fail(name, `${k} ${p} is not a mounted file`);
    return m;
  };
  for (const [name, s] of Object.entries(services)) {
    const env = s.environment ?? {};
    if (Array.isArray(env)) { fail(name, "environment as a map, please"); continue; }
    if (env.BATON_TOKEN) fail(name, "BATON_TOKEN: the token goes in a file (BATON_TOKEN_FILE)");
    if (s.env_file) fail(name, "env_file: every variable is spelt out");
    if (s.read_only !== true) fail(name, "read_only: true");
    if (!(s.cap_drop ?? []).includes("ALL")) fail(name, "cap_drop: [ALL]");
    if (!(s.security_opt ?? []).some((o) => /^no-new-privileges(:true)?$/.test(o))) fail(name, "security_opt: [no-new-privileges:true]");
    const ms = mounts(name, s);
    if (name === "server") {
      const ports = (s.ports ?? []).map(String);
      if (ports.length !== 1 || !/(^|:)5443:5443(\/tcp)?$/.test(ports[0])) fail(name, `publishes ${ports}: only 5443`);
      if (ports.some((p) => /(^|:)(9090|5001)(\/tcp)?$/.test(p) || /(^|:)(9090|5001):/.test(p))) fail(name, "publishes the admin or plain port");
      if (String(env.BATON_NO_PLAIN) !== "true") fail(name, 'BATON_NO_PLAIN must be "true"');
      if (String(env.BATON_TLS_PORT) !== "5443") fail(name, "BATON_TLS_PORT must be 5443");
      for (const k of ["BATON_TLS_CERT", "BATON_TLS_KEY", "BATON_AUTH_FILE"]) fileAt(name, s, ms, k);
      if (env.BATON_TLS_CLIENT_CA) fileAt(name, s, ms, "BATON_TLS_CLIENT_CA");
      if (!(s.networks?.baton?.aliases ?? []).includes("server-service")) fail(name, "alias server-service, the name in its certificate");
    } else {
      if (s.ports) fail(name, "a client publishes no port");
      if (String(env.BATON_TLS) !== "true") fail(name, 'BATON_TLS must be "true"');
      if (String(env.BATON_PORT) !== "5443") fail(name, "BATON_PORT must be 5443");
      if (env.BATON_HOST !== "server-service") fail(name, "BATON_HOST must be server-service, the name in the server's certificate");
      fileAt(name, s, ms, "BATON_CA");
      if (env.BATON_CERT) {
        const cert = fileAt(name, s, ms, "BATON_CERT");
        fileAt(name, s, ms, "BATON_KEY");
        if (cert && path.basename(cert.src) !== `${env.BATON_NAME}.crt`) fail(name, "the certificate must be its member's (CN = BATON_NAME)");
      }
      if (env.BATON_TOKEN_FILE) fileAt(name, s, ms, "BATON_TOKEN_FILE");
      if (!env.BATON_CERT && !env.BATON_TOKEN_FILE) fail(name, "neither a certificate nor a token");
    }
    console.log(`checked ${file}: ${name}`);
  }
  report();
}

function report() {
  if (problems.length) { console.log(problems.map((p) => `FAIL ${p}`).join("\n")); process.exit(1); }
  console.log(`PASS: ${mode}: every check of docs/SECURITY-DEPLOY.md's ${mode} deployment holds`);
}

if (mode === "plain") { plain(); report(); }
else if (mode === "kube") await kube();
else if (mode === "compose") compose();
else { console.log("usage: node secure.mjs plain|kube|compose FILE ..."); process.exit(64); }
