// The generated corpus the lint benchmarks share: Kubernetes resources of a few kinds, about one workload in six
// carrying a pitfall, written as a folder of multi-document files or as one big multi-document file.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

const KINDS = [
  "Deployment",
  "Service",
  "ConfigMap",
  "StatefulSet",
  "Deployment",
  "Pod",
  "Service",
  "ExternalSecret",
  "DaemonSet",
  "ConfigMap",
];

function container(i, { pitfall }) {
  const policy = pitfall === "always" ? "Always" : "IfNotPresent";
  const resources =
    pitfall === "no-resources"
      ? ""
      : `
          resources:
            requests: {cpu: ${50 + (i % 5) * 10}m, memory: ${64 + (i % 4) * 32}Mi}
            limits: {cpu: ${200 + (i % 3) * 100}m, memory: ${256 + (i % 4) * 64}Mi}`;
  return `        - name: main
          image: registry.example.com/team/app-${i % 97}:1.${i % 13}.${i % 7}
          imagePullPolicy: ${policy}
          ports:
            - containerPort: ${8000 + (i % 50)}
          env:
            - name: REDIS_URL
              value: redis://redis.ge-system:${pitfall === "redis-port" ? 6379 : 6381}
            - name: MODE
              value: "prod"${resources}
        - name: sidecar
          image: envoyproxy/envoy:v1.30.${i % 9}
          imagePullPolicy: IfNotPresent
          resources:
            requests: {cpu: 10m, memory: 32Mi}
            limits: {cpu: 100m, memory: 64Mi}`;
}

function podSpec(i, opts, indent) {
  const body = `hostNetwork: ${opts.pitfall === "host-network"}
serviceAccountName: default
containers:
${container(i, opts).replace(/^ {8}/gm, "")}`;
  return body
    .split("\n")
    .map((l) => indent + l)
    .join("\n");
}

export function resource(i) {
  const kind = KINDS[i % KINDS.length];
  const name = `app-${i}`;
  const ns = `team-${i % 11}`;
  // About one workload in six carries a pitfall.
  const pitfall = ["host-network", "no-resources", "always", "redis-port", undefined, undefined][
    Math.floor(i / KINDS.length) % 6
  ];
  const opts = { pitfall };
  const meta = `metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app: ${name}, tier: ${i % 2 ? "web" : "worker"}}`;
  switch (kind) {
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
      return `apiVersion: apps/v1
kind: ${kind}
${meta}
spec:
${kind === "DaemonSet" ? "" : `  replicas: ${1 + (i % 3)}\n`}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
${podSpec(i, opts, "      ")}`;
    case "Pod":
      return `apiVersion: v1
kind: Pod
${meta}
spec:
${podSpec(i, opts, "  ")}`;
    case "Service":
      return `apiVersion: v1
kind: Service
${meta}
spec:
  selector:
    app: app-${i - 1}
  ports:
    - port: 80
      targetPort: ${8000 + (i % 50)}`;
    case "ConfigMap":
      return `apiVersion: v1
kind: ConfigMap
${meta}
data:
  settings.yaml: |
    level: info
    redis: redis.ge-system:6381
  FEATURE_FLAGS: "a,b,c"`;
    default:
      return `apiVersion: external-secrets.io/v1beta1
kind: ExternalSecret
${meta}
spec:
  refreshInterval: ${i % 4 === 0 ? "5m" : "1h"}
  secretStoreRef:
    name: vault
    kind: ClusterSecretStore
  target:
    name: ${name}-secrets
  dataFrom:
    - extract:
        key: ge/${ns}/${name}`;
  }
}

/** `count` resources, `perFile` to a multi-document file, under team folders of `dir`. */
export function writeCorpus(dir, count, perFile) {
  let n = 0;
  for (let f = 0; n < count; f++) {
    const docs = [];
    for (let k = 0; k < perFile && n < count; k++) docs.push(resource(n++));
    const folder = join(dir, `team-${f % 11}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `release-${f}.yaml`), `---\n${docs.join("\n---\n")}\n`);
  }
}

/**
 * One multi-document file of at least `bytes` bytes, like a `helm template` of a large platform; its resource
 * count. `clean`: only the resources that carry no pitfall (no finding), to see memory without findings.
 */
export function writeBigFile(file, bytes, { clean = false } = {}) {
  const fd = openSync(file, "w");
  let written = 0;
  let n = 0;
  try {
    for (let i = 0; written < bytes; ) {
      const docs = [];
      while (docs.length < 1000) {
        const index = i++;
        if (
          clean &&
          (Math.floor(index / KINDS.length) % 6 < 4 || KINDS[index % KINDS.length] === "ExternalSecret")
        )
          continue;
        docs.push(`---\n# Source: platform/templates/r-${index}.yaml\n${resource(index)}\n`);
        n++;
      }
      written += writeSync(fd, docs.join(""));
    }
  } finally {
    closeSync(fd);
  }
  return n;
}
