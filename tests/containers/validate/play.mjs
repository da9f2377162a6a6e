// Writes the manifests as podman kube play can run them on one host: podman
// has no Services and makes one pod per Deployment, so: the server
// Deployment, two one-replica copies of the client Deployment, host network,
// and BATON_HOST pointed at the host instead of server-service. Usage: node play.mjs K8S_DIR OUT
import fs from "node:fs";
import yaml from "js-yaml";

const [dir, out] = process.argv.slice(2);
const server = yaml.loadAll(fs.readFileSync(`${dir}/server-deployment.yaml`, "utf8")).filter((d) => d?.kind === "Deployment");
const client = yaml.load(fs.readFileSync(`${dir}/client-deployment.yaml`, "utf8"));
const docs = [...server];
for (const i of [1, 2]) {
  const c = structuredClone(client);
  c.metadata.name = `client-deployment-${i}`;
  c.spec.replicas = 1;
  const pod = c.spec.template.spec;
  // No Service here: on the host network the server is at 127.0.0.1.
  for (const e of pod.containers[0].env) if (e.name === "BATON_HOST") e.value = "127.0.0.1";
  pod.containers[0].args = ["--interval", "0.1", "--start", String(i)];
  docs.push(c);
}
for (const d of docs) {
  const pod = d.spec.template.spec;
  pod.hostNetwork = true;
  // Port mappings mean nothing on the host network (podman refuses them):
  // name probe ports by number instead.
  for (const c of pod.containers) {
    const byName = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
      if (c[probe]?.httpGet && typeof c[probe].httpGet.port === "string") c[probe].httpGet.port = byName[c[probe].httpGet.port];
    delete c.ports;
  }
}
fs.writeFileSync(out, docs.map((d) => yaml.dump(d)).join("---\n"));
