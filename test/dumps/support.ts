// What the dump tests share: objects counted per kind, findings made comparable across files, scan -o json run.
import { expect } from "vitest";
import type { Snapshot } from "../../src/model/snapshot.js";
import { runCli } from "../support/cli.js";

export interface Finding {
  pitfall: string;
  severity: string;
  object: { kind: string; namespace?: string; name: string };
  container?: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  [k: string]: unknown;
}

export interface ScanOut {
  targets: { zone?: string; distribution?: string; objects?: number }[];
  findings: Finding[];
  errors: unknown[];
  incomplete?: { resource: string; reason: string }[];
}

export function counts(s: Snapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of s.objects) out[String(o.object.kind)] = (out[String(o.object.kind)] ?? 0) + 1;
  return out;
}

/** Findings without where they were read (the file differs per layout); ages and the rest stay. */
export function placeless(findings: Finding[]): string[] {
  return findings.map(({ file: _f, line: _l, column: _c, ...rest }) => JSON.stringify(rest)).sort();
}

/**
 * `scan --from <path> -o json` in `dir`, with one line per finding (`SEVERITY pitfall Kind/ns/name container`;
 * `SEVERITY latent pitfall …` for a latent risk).
 */
export async function scanFrom(dir: string, path: string, ...flags: string[]) {
  const r = await runCli(["scan", "--from", path, "-o", "json", ...flags], { cwd: dir, env: { HOME: dir } });
  expect(r.out, r.err).not.toBe("");
  const json = JSON.parse(r.out) as ScanOut;
  const found = json.findings
    .map(
      (f) =>
        `${f.severity} ${f.kind === "latent" ? "latent " : ""}${f.pitfall} ${f.object.kind}/${f.object.namespace ?? ""}/${f.object.name}${f.container ? ` ${f.container}` : ""}`,
    )
    .sort();
  return { code: r.code, err: r.err, json, found, missing: (json.incomplete ?? []).map((i) => i.resource) };
}
