// /metrics in the Prometheus text format, from a Registry of our own (no global default registry).
import { redact } from "../model/redact.js";
import type { Finding } from "../model/finding.js";
import type { Incomplete } from "../model/snapshot.js";

export interface ServerMetrics {
  /** Findings now, counted by pitfall, severity, zone and namespace. */
  setFindings(findings: readonly Finding[]): void;
  setIncomplete(incomplete: readonly Incomplete[]): void;
  observeScan(seconds: number): void;
  observeEvaluation(kind: string, seconds: number): void;
  /** A Kubernetes API call that failed: the resource and the HTTP status (or `none` when there was no answer). */
  apiError(resource: string, code: string): void;
  render(): Promise<{ contentType: string; body: string }>;
  close(): void;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop). Default true. */
  processMetrics?: boolean;
}

export async function createMetrics(opts: MetricsOptions = {}): Promise<ServerMetrics> {
  const prom = await import("prom-client");
  const registry = new prom.Registry();
  const findings = new prom.Gauge({
    name: "pitfall_findings",
    help: "Current findings, by pitfall, severity, zone and namespace",
    labelNames: ["pitfall", "severity", "zone", "namespace"] as const,
    registers: [registry],
  });
  const incomplete = new prom.Gauge({
    name: "pitfall_incomplete_resources",
    help: "Resources that could not be read in the last scan or are failing in the watch (1 per resource)",
    labelNames: ["resource"] as const,
    registers: [registry],
  });
  const scanDuration = new prom.Histogram({
    name: "pitfall_scan_duration_seconds",
    help: "Time a scan took: reading the cluster and evaluating it (with --watch: the first list and evaluation)",
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const evaluation = new prom.Histogram({
    name: "pitfall_watch_evaluation_duration_seconds",
    help: "Time an evaluation of changed objects (objects), of the whole-snapshot rules (sweep) or of everything (full) took",
    labelNames: ["kind"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const apiErrors = new prom.Counter({
    name: "pitfall_kubernetes_api_errors_total",
    help: "Kubernetes API calls that failed, by resource and HTTP status (none: no answer)",
    labelNames: ["resource", "code"] as const,
    registers: [registry],
  });
  if (opts.processMetrics !== false) {
    prom.collectDefaultMetrics({ register: registry, prefix: "pitfall_" });
    // Gauges named `_total` (handles, requests, resources): promtool rejects them, and the per-type gauges stay.
    for (const name of [
      "nodejs_active_handles_total",
      "nodejs_active_requests_total",
      "nodejs_active_resources_total",
    ])
      registry.removeSingleMetric(`pitfall_${name}`);
  }

  return {
    setFindings(list) {
      findings.reset();
      for (const f of list)
        findings.inc({
          pitfall: redact(f.pitfall),
          severity: f.severity,
          zone: redact(f.zone ?? ""),
          namespace: redact(f.object.namespace ?? ""),
        });
    },
    setIncomplete(list) {
      incomplete.reset();
      for (const i of list) incomplete.set({ resource: redact(i.resource) }, 1);
    },
    observeScan: (seconds) => scanDuration.observe(seconds),
    observeEvaluation: (kind, seconds) => evaluation.observe({ kind }, seconds),
    apiError: (resource, code) => apiErrors.inc({ resource: redact(resource), code: redact(code) }),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close: () => registry.clear(),
  };
}
