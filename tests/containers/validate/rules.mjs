// What validate.mjs (the plain manifests) and secure.mjs (the secure overlay,
// compose.secure.yaml) check alike: the Kubernetes schema (kubernetes-models
// 4.5.1), the fields that validator accepts silently, and this project's rules
// for security, probes and names. Findings go to problems.
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { Secret } from "kubernetes-models/v1/Secret";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";

export const models = { "apps/v1/Deployment": Deployment, "v1/Service": Service, "v1/Secret": Secret, "v1/ConfigMap": ConfigMap };
export const problems = [];
export const fail = (where, what) => problems.push(`${where}: ${what}`);

// Known fields of the API types these manifests use (k8s 1.29 API). A key not
// listed here is a typo or a field of another type: the schema check above
// accepts it silently, so it is refused here.
export const T = {
  Deployment: { apiVersion: 0, kind: 0, metadata: "Meta", spec: "DeploymentSpec", status: 0 },
  Service: { apiVersion: 0, kind: 0, metadata: "Meta", spec: "ServiceSpec", status: 0 },
  Secret: { apiVersion: 0, kind: 0, metadata: "Meta", type: 0, data: 0, stringData: 0, immutable: 0 },
  ConfigMap: { apiVersion: 0, kind: 0, metadata: "Meta", data: 0, binaryData: 0, immutable: 0 },
  Meta: { name: 0, namespace: 0, labels: 0, annotations: 0, generateName: 0 },
  DeploymentSpec: { replicas: 0, selector: "Selector", template: "Template", strategy: "Strategy",
    minReadySeconds: 0, revisionHistoryLimit: 0, progressDeadlineSeconds: 0, paused: 0 },
  Selector: { matchLabels: 0, matchExpressions: 0 },
  Strategy: { type: 0, rollingUpdate: 0 },
  Template: { metadata: "Meta", spec: "PodSpec" },
  PodSpec: { containers: ["Container"], initContainers: ["Container"], securityContext: "PodSecurity",
    terminationGracePeriodSeconds: 0, restartPolicy: 0, serviceAccountName: 0, nodeSelector: 0,
    affinity: 0, tolerations: 0, volumes: ["Volume"], hostAliases: 0, hostNetwork: 0, dnsPolicy: 0,
    automountServiceAccountToken: 0, enableServiceLinks: 0 },
  PodSecurity: { runAsNonRoot: 0, runAsUser: 0, runAsGroup: 0, fsGroup: 0, seccompProfile: "Seccomp",
    supplementalGroups: 0 },
  Seccomp: { type: 0, localhostProfile: 0 },
  Container: { name: 0, image: 0, imagePullPolicy: 0, command: 0, args: 0, env: ["Env"], ports: ["Port"],
    resources: "Resources", securityContext: "Security", startupProbe: "Probe", readinessProbe: "Probe",
    livenessProbe: "Probe", volumeMounts: ["VolumeMount"], workingDir: 0, lifecycle: 0 },
  VolumeMount: { name: 0, mountPath: 0, readOnly: 0, subPath: 0, subPathExpr: 0, mountPropagation: 0,
    recursiveReadOnly: 0 },
  Volume: { name: 0, secret: "SecretVolume", configMap: "ConfigMapVolume", emptyDir: 0, projected: 0,
    hostPath: 0, downwardAPI: 0, persistentVolumeClaim: 0, csi: 0 },
  SecretVolume: { secretName: 0, items: 0, defaultMode: 0, optional: 0 },
  ConfigMapVolume: { name: 0, items: 0, defaultMode: 0, optional: 0 },
  Env: { name: 0, value: 0, valueFrom: "EnvFrom" },
  EnvFrom: { fieldRef: "FieldRef", configMapKeyRef: 0, secretKeyRef: 0, resourceFieldRef: 0 },
  FieldRef: { fieldPath: 0, apiVersion: 0 },
  Port: { name: 0, containerPort: 0, protocol: 0, hostPort: 0, hostIP: 0 },
  Resources: { requests: 0, limits: 0 },
  Security: { allowPrivilegeEscalation: 0, readOnlyRootFilesystem: 0, runAsNonRoot: 0, runAsUser: 0,
    runAsGroup: 0, capabilities: "Caps", privileged: 0, seccompProfile: "Seccomp" },
  Caps: { add: 0, drop: 0 },
  Probe: { httpGet: "HttpGet", tcpSocket: 0, exec: 0, grpc: 0, initialDelaySeconds: 0, periodSeconds: 0,
    timeoutSeconds: 0, failureThreshold: 0, successThreshold: 0, terminationGracePeriodSeconds: 0 },
  HttpGet: { path: 0, port: 0, host: 0, scheme: 0, httpHeaders: 0 },
  ServiceSpec: { selector: 0, ports: ["ServicePort"], type: 0, clusterIP: 0, externalTrafficPolicy: 0,
    sessionAffinity: 0 },
  ServicePort: { name: 0, protocol: 0, port: 0, targetPort: 0, nodePort: 0 },
};

export function unknownFields(obj, type, where) {
  const known = T[type];
  for (const [k, v] of Object.entries(obj ?? {})) {
    if (!(k in known)) { fail(where, `unknown field "${k}" in ${type}`); continue; }
    const sub = known[k];
    if (Array.isArray(sub)) (v ?? []).forEach((x, i) => unknownFields(x, sub[0], `${where}.${k}[${i}]`));
    else if (sub) unknownFields(v, sub, `${where}.${k}`);
  }
}

// port: the clients' port the server must declare (5001 plain, 5443 TLS).
export function podRules(where, spec, { server, port = 5001 }) {
  const pod = spec.securityContext ?? {};
  if (pod.seccompProfile?.type !== "RuntimeDefault") fail(where, "pod seccompProfile must be RuntimeDefault");
  if (!(spec.terminationGracePeriodSeconds >= 2)) fail(where, "terminationGracePeriodSeconds must fit the drain (>= 2)");
  if (spec.containers.length !== 1) fail(where, "one container per pod");
  for (const c of spec.containers) {
    const s = c.securityContext ?? {};
    const runAsNonRoot = s.runAsNonRoot ?? pod.runAsNonRoot;
    const user = s.runAsUser ?? pod.runAsUser;
    if (runAsNonRoot !== true) fail(where, "runAsNonRoot must be true");
    if (!Number.isInteger(user) || user === 0) fail(where, "runAsUser must be a numeric non-root user");
    if (s.allowPrivilegeEscalation !== false) fail(where, "allowPrivilegeEscalation must be false");
    if (!(s.capabilities?.drop ?? []).includes("ALL")) fail(where, "capabilities must drop ALL");
    if (s.readOnlyRootFilesystem !== true) fail(where, "readOnlyRootFilesystem must be true");
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) fail(where, "cpu and memory requests needed");
    if (!c.resources?.limits?.memory) fail(where, "a memory limit is needed");
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
    if (server) {
      const admin = (c.ports ?? []).find((p) => p.containerPort === 9090);
      if (!admin) fail(where, "the admin port 9090 must be declared");
      if (!(c.ports ?? []).some((p) => p.containerPort === port)) fail(where, `port ${port} must be declared`);
      for (const [probe, path] of [["startupProbe", "/livez"], ["readinessProbe", "/readyz"], ["livenessProbe", "/livez"]]) {
        const g = c[probe]?.httpGet;
        if (!g) { fail(where, `${probe} missing`); continue; }
        if (g.path !== path) fail(where, `${probe} must GET ${path}`);
        if (g.port !== 9090 && g.port !== admin?.name) fail(where, `${probe} must use the admin port`);
      }
    } else {
      if (env.BATON_HOST?.value !== "server-service") fail(where, "BATON_HOST must be server-service (seed §6.1)");
      if (env.BATON_NAME?.valueFrom?.fieldRef?.fieldPath !== "metadata.name") fail(where, "BATON_NAME must come from the pod name");
    }
  }
}
