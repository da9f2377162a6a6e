// Offline validation of the Kubernetes manifests: the Kubernetes schema
// (kubernetes-models 4.5.1), then what that validator accepts silently —
// unknown fields, and this project's rules for security, probes and names.
// Usage: node validate.mjs FILE.yaml...   Exit 1 on any finding.
import fs from "node:fs";
import yaml from "js-yaml";
import { models, problems, fail, unknownFields, podRules } from "./rules.mjs";

const seen = {};
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, "utf8")).filter(Boolean)) {
    const id = `${file}: ${doc.kind}/${doc.metadata?.name}`;
    const Model = ["Deployment", "Service"].includes(doc.kind) && models[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) { fail(id, `unexpected kind ${doc.apiVersion}/${doc.kind}`); continue; }
    try { new Model(doc).validate(); } catch (e) { fail(id, `schema: ${e.message}`); }
    unknownFields(doc, doc.kind, id);
    seen[`${doc.kind}/${doc.metadata?.name}`] = doc;
    if (doc.kind === "Deployment") podRules(id, doc.spec.template.spec, { server: doc.metadata.name === "server-deployment" });
    console.log(`checked ${id}`);
  }
}
// The seed's names and labels, so its kubectl commands work verbatim.
const sd = seen["Deployment/server-deployment"], cd = seen["Deployment/client-deployment"], ss = seen["Service/server-service"];
if (!sd || sd.spec.replicas !== 1 || sd.spec.selector.matchLabels.app !== "server") fail("server-deployment", "missing, or not 1 replica with app=server");
if (sd && sd.spec.strategy?.type !== "Recreate") fail("server-deployment", "strategy must be Recreate: two servers must never overlap");
if (!cd || cd.spec.replicas !== 2 || cd.spec.selector.matchLabels.app !== "client") fail("client-deployment", "missing, or not 2 replicas with app=client");
if (!ss || ss.spec.type !== "NodePort" || ss.spec.selector.app !== "server" || ss.spec.ports[0].port !== 5001) fail("server-service", "must be a NodePort on 5001 selecting app=server");
if (seen["Service/client-service"]) fail("client-service", "no client Service: nothing connects to clients");
if (problems.length) { console.log(problems.map((p) => `FAIL ${p}`).join("\n")); process.exit(1); }
console.log("PASS: every manifest is valid against the Kubernetes schema and the project's rules");
