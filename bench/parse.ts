// Parse speed of parseManifests against the bare floor (yaml's parseAllDocuments + LineCounter + toJS),
// measured on the same generated corpus in one run; prints resources/s and the ratio.
// Run after compiling, e.g. `npx tsc -p tsconfig.json --outDir /tmp/pitfall-bench && node /tmp/pitfall-bench/bench/parse.js`.
import { LineCounter, parseAllDocuments } from "yaml";
import { parseManifests } from "../src/sources/manifests.js";

/** `count` resources (Deployments, Services, ConfigMaps) as one multi-document YAML stream. */
export function manifestCorpus(count: number): string {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `app-${i}`;
    if (i % 3 === 0) {
      parts.push(`# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: team-${i % 7}
  labels: {app: ${name}, tier: web}
spec:
  replicas: ${1 + (i % 4)}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      hostNetwork: ${i % 10 === 0}
      containers:
        - name: main
          image: registry.example.com/${name}:1.${i % 13}
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 256Mi}
          env:
            - name: MODE
              value: "prod"
        - name: sidecar
          image: envoyproxy/envoy:v1.30.0
`);
    } else if (i % 3 === 1) {
      parts.push(`apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - port: 80
      targetPort: 8080
`);
    } else {
      parts.push(`apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  config.yaml: |
    level: info
    name: ${name}
`);
    }
  }
  return parts.join("---\n");
}

function floor(text: string): number {
  const lines = new LineCounter();
  let n = 0;
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) if (doc.toJS()) n++;
  return n;
}

function best(run: () => unknown, rounds: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    run();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

export function measureParse(count: number, rounds = 5): { floorMs: number; parseMs: number; ratio: number } {
  const text = manifestCorpus(count);
  // Alternate so both see the same warm-up and GC pressure.
  best(() => floor(text), 1);
  best(() => parseManifests(text, "corpus.yaml"), 1);
  const floorMs = best(() => floor(text), rounds);
  const parseMs = best(() => parseManifests(text, "corpus.yaml"), rounds);
  return { floorMs, parseMs, ratio: parseMs / floorMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = 10_000;
  const { floorMs, parseMs, ratio } = measureParse(count);
  const perSecond = (ms: number) => Math.round((count / ms) * 1000);
  console.log(
    `floor (parseAllDocuments + LineCounter + toJS): ${floorMs.toFixed(0)} ms, ${perSecond(floorMs)} resources/s`,
  );
  console.log(`parseManifests: ${parseMs.toFixed(0)} ms, ${perSecond(parseMs)} resources/s`);
  console.log(`ratio: ${ratio.toFixed(2)}x`);
}
