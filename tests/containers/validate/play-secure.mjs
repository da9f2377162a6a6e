// The secure deployment as podman (or docker) can run it on one host, for
// run.sh's checks. Like play.mjs: host network, no Services, BATON_HOST at
// 127.0.0.1 (the clients still verify the certificate's name server-service,
// by BATON_SERVER_NAME).
//
//   node play-secure.mjs kube RENDERED SECRETS_DIR OUT [--server-only]
//       `kubectl kustomize k8s/secure` as a kube play file: podman 4.3 cannot
//       mount Secret or ConfigMap volumes (kube play crashes), so each one is
//       written out under SECRETS_DIR/<name>/<key> and mounted from there
//       (hostPath), at the overlay's own mount paths. OUT "-": only rewrite
//       the files (a Secret updated in place).
//   node play-secure.mjs compose compose.secure.yaml GENERATED_DIR SERVICE PREFIX
//       the `run` arguments of one compose service, NUL-separated: container
//       PREFIX-SERVICE, the service's environment, read-only mounts (from
//       GENERATED_DIR), read-only root, capabilities, image and command.
import fs from "node:fs";
import path from "node:path";
import yaml from "js-yaml";

const [mode, ...args] = process.argv.slice(2);

function writeSecrets(docs, dir) {
  for (const d of docs) {
    if (d.kind !== "Secret" && d.kind !== "ConfigMap") continue;
    const to = path.join(dir, `${d.kind}-${d.metadata.name}`);
    fs.mkdirSync(to, { recursive: true, mode: 0o755 });
    for (const [k, v] of Object.entries(d.data ?? {})) {
      const bytes = d.kind === "Secret" ? Buffer.from(String(v), "base64") : Buffer.from(String(v));
      // Written to a new name, then renamed: a reader sees the old file or the new one.
      fs.writeFileSync(path.join(to, `.${k}.new`), bytes, { mode: 0o644 });
      fs.renameSync(path.join(to, `.${k}.new`), path.join(to, k));
    }
  }
}

function kube() {
  const [rendered, dir, out, only] = args;
  const docs = yaml.loadAll(fs.readFileSync(rendered, "utf8")).filter(Boolean);
  writeSecrets(docs, path.resolve(dir));
  if (out === "-") return;
  const server = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "server-deployment");
  const client = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "client-deployment");
  const plays = [server];
  if (only !== "--server-only") {
    for (const i of [1, 2]) {
      const c = structuredClone(client);
      c.metadata.name = `client-deployment-${i}`;
      c.spec.replicas = 1;
      const env = c.spec.template.spec.containers[0].env;
      for (const e of env) if (e.name === "BATON_HOST") e.value = "127.0.0.1";
      env.push({ name: "BATON_SERVER_NAME", value: "server-service" });
      c.spec.template.spec.containers[0].args = ["--interval", "0.1", "--start", String(i)];
      plays.push(c);
    }
  }
  for (const d of plays) {
    const pod = d.spec.template.spec;
    pod.hostNetwork = true;
    pod.volumes = (pod.volumes ?? []).map((v) => {
      const kind = v.secret ? "Secret" : v.configMap ? "ConfigMap" : null;
      if (!kind) return v;
      const name = v.secret?.secretName ?? v.configMap.name;
      return { name: v.name, hostPath: { path: path.resolve(dir, `${kind}-${name}`), type: "Directory" } };
    });
    for (const c of pod.containers) {
      const byName = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
        if (c[probe]?.httpGet && typeof c[probe].httpGet.port === "string") c[probe].httpGet.port = byName[c[probe].httpGet.port];
      delete c.ports;
    }
  }
  fs.writeFileSync(out, plays.map((d) => yaml.dump(d)).join("---\n"));
}

function compose() {
  const [file, gen, name, prefix] = args;
  const s = yaml.load(fs.readFileSync(file, "utf8")).services[name];
  const out = ["--name", `${prefix}-${name}`, "--network", "host"];
  const env = { ...(s.environment ?? {}) };
  if (env.BATON_HOST === "server-service") {
    env.BATON_HOST = "127.0.0.1";
    env.BATON_SERVER_NAME = "server-service";
  }
  for (const [k, v] of Object.entries(env)) out.push("-e", `${k}=${v}`);
  for (const v of s.volumes ?? []) {
    const [src, dst, opt] = v.split(":");
    out.push("-v", `${path.resolve(gen, path.relative("./k8s/secure/generated", src))}:${dst}:${opt}`);
  }
  if (s.read_only) out.push("--read-only");
  for (const c of s.cap_drop ?? []) out.push("--cap-drop", c);
  for (const o of s.security_opt ?? []) out.push("--security-opt", o);
  out.push(s.image, ...(s.command ?? []));
  if (name !== "server") out.push("--interval", "0.1");
  process.stdout.write(out.join("\0") + "\0");
}

if (mode === "kube") kube();
else if (mode === "compose") compose();
else { console.error("usage: node play-secure.mjs kube|compose ..."); process.exit(64); }
