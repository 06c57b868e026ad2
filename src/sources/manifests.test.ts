import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourcedObject } from "../model/snapshot.js";
import { MAX_NESTING, parseManifests, readManifests } from "./manifests.js";
import path from "node:path";

const FIXTURES = fileURLToPath(new URL("../../test/fixtures/manifests/", import.meta.url));

async function fixture(name: string): Promise<{ text: string; parsed: ReturnType<typeof parseManifests> }> {
  const text = await readFile(path.join(FIXTURES, name), "utf8");
  return { text, parsed: parseManifests(text, name) };
}

/** 1-based line and column of the nth occurrence of `needle`, found without YAML. */
function where(text: string, needle: string, nth = 1): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`fixture has no ${nth}. ${JSON.stringify(needle)}`);
  }
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  return { line, column: at - before.lastIndexOf("\n") };
}

const noStdin = () => Promise.reject(new Error("stdin not expected"));

describe("parseManifests: positions", () => {
  it("points at hostNetwork and at the second container's image in a Deployment", async () => {
    const { text, parsed } = await fixture("deployment-host-network.yaml");
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.objects).toHaveLength(1);
    const { object, origin } = parsed.objects[0]!;
    expect(object.kind).toBe("Deployment");
    expect(origin).toMatchObject({ file: "deployment-host-network.yaml", line: 2, column: 1 });
    expect(origin.locate?.(["spec", "template", "spec", "hostNetwork"])).toEqual(
      where(text, "hostNetwork: true"),
    );
    expect(origin.locate?.(["spec", "template", "spec", "containers", 1, "image"])).toEqual(
      where(text, "image: fluent/fluent-bit"),
    );
    // A sequence item is placed at its start (after `- `).
    expect(origin.locate?.(["spec", "template", "spec", "containers", 1])).toEqual(
      where(text, "name: log-shipper"),
    );
  });

  it("falls back to the deepest existing ancestor when the path goes further", async () => {
    const { text, parsed } = await fixture("deployment-host-network.yaml");
    const locate = parsed.objects[0]!.origin.locate!;
    expect(locate(["spec", "template", "spec", "containers", 0, "securityContext", "privileged"])).toEqual(
      where(text, "name: proxy"),
    );
    expect(locate(["spec", "template", "spec", "containers", 7])).toEqual(where(text, "containers:"));
    expect(locate(["spec", "replicas", "deeper"])).toEqual(where(text, "replicas:"));
    expect(locate([])).toEqual({ line: 2, column: 1 });
  });

  it("places each List item at its own line, with positions inside it", async () => {
    const { text, parsed } = await fixture("list-of-two.yaml");
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.objects.map((o) => o.object.kind)).toEqual(["ConfigMap", "StatefulSet"]);
    const [configMap, statefulSet] = parsed.objects;
    expect(configMap!.origin.line).toBe(where(text, "apiVersion: v1", 2).line);
    expect(statefulSet!.origin).toMatchObject(where(text, "apiVersion: apps/v1"));
    expect(statefulSet!.origin.locate?.(["spec", "template", "spec", "hostNetwork"])).toEqual(
      where(text, "hostNetwork: true"),
    );
    expect(configMap!.origin.locate?.(["data", "currency"])).toEqual(where(text, "currency: EUR"));
  });

  it("reads `--- # comment`, empty and comment-only documents, and places the third object", async () => {
    const { text, parsed } = await fixture("three-documents.yaml");
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.objects.map((o) => o.object.kind)).toEqual(["Namespace", "ServiceAccount", "Pod"]);
    const pod = parsed.objects[2]!;
    expect(pod.origin.line).toBe(where(text, "apiVersion: v1", 3).line);
    expect(pod.origin.locate?.(["spec", "containers", 0, "image"])).toEqual(where(text, "image: busybox"));
    expect(pod.origin.locate?.(["spec", "containers", 0, "command", 1])).toEqual(where(text, '"3600"'));
  });

  it("takes the template file from Helm's `# Source:` comment", async () => {
    const { text, parsed } = await fixture("helm-rendered.yaml");
    expect(parsed.diagnostics).toEqual([]);
    const [service, deployment] = parsed.objects;
    expect(service!.origin.helmSource).toBe("shop/templates/service.yaml");
    expect(deployment!.origin.helmSource).toBe("shop/templates/deployment.yaml");
    expect(deployment!.origin.line).toBe(where(text, "apiVersion: apps/v1").line);
    expect(deployment!.origin.locate?.(["spec", "template", "spec", "containers", 0, "image"])).toEqual(
      where(text, "image: shop/web"),
    );
  });

  it("keeps positions right in a JSON file", async () => {
    const { text, parsed } = await fixture("pod.json");
    expect(parsed.diagnostics).toEqual([]);
    const locate = parsed.objects[0]!.origin.locate!;
    expect(locate(["spec", "hostNetwork"])).toEqual(where(text, '"hostNetwork"'));
    expect(locate(["spec", "containers", 0, "image"])).toEqual(where(text, '"image": "nginx'));
    expect(locate(["spec", "containers", 1, "image"])).toEqual(where(text, '"image": "redis'));
    expect(parsed.objects[0]!.object.metadata?.labels).toEqual({ app: "json" });
  });

  it("places the items of a kubectl-style JSON List, keys with escapes included", () => {
    const items = [0, 1, 2].map((i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `p${i}`, annotations: { 'a\\b/"q"': "x" } },
      spec: { hostNetwork: i === 2 },
    }));
    const text = JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2);
    const { objects, diagnostics } = parseManifests(text, "pods.json");
    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => o.object.metadata?.name)).toEqual(["p0", "p1", "p2"]);
    // An item starts at its `{`, the line before its "apiVersion" (the List's own comes first).
    expect(objects[2]!.origin).toMatchObject({ line: where(text, '"apiVersion"', 4).line - 1, column: 5 });
    expect(objects[2]!.origin.locate?.(["spec", "hostNetwork"])).toEqual(where(text, '"hostNetwork": true'));
    expect(objects[1]!.origin.locate?.(["metadata", "annotations", 'a\\b/"q"'])).toEqual(
      where(text, '"a\\\\b', 2),
    );
  });

  it("reads JSON that JSON.parse refuses through the YAML reader, with the line of the problem", () => {
    const trailingComma =
      '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "spec": {"hostNetwork": true,},\n}\n';
    const lenient = parseManifests(trailingComma, "lenient.json");
    expect(lenient.diagnostics).toEqual([]);
    expect(lenient.objects[0]!.origin.locate?.(["spec", "hostNetwork"])).toEqual({ line: 4, column: 12 });

    const broken = parseManifests(
      '{\n  "apiVersion": "v1",\n  "kind": "Pod"\n  "spec": {}\n}\n',
      "broken.json",
    );
    expect(broken.objects).toEqual([]);
    expect(broken.diagnostics).toEqual([
      expect.objectContaining({ severity: "error", code: "yaml-syntax", line: 4 }),
    ]);

    const deep = parseManifests(
      `{"apiVersion": "v1", "kind": "X", "a": ${"[".repeat(5000)}${"]".repeat(5000)}}`,
      "d.json",
    );
    expect(deep.objects).toEqual([]);
    expect(deep.diagnostics).toEqual([expect.objectContaining({ code: "yaml-too-deep", line: 1 })]);
  });

  it("counts lines right with CRLF line endings", () => {
    const text = "apiVersion: v1\r\nkind: Pod\r\nspec:\r\n  hostNetwork: true\r\n";
    const { objects } = parseManifests(text, "crlf.yaml");
    expect(objects[0]!.origin.locate?.(["spec", "hostNetwork"])).toEqual({ line: 4, column: 3 });
  });

  it("places the last of duplicate keys, whose value is the one kept", () => {
    const text = "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: false\n  hostNetwork: true\n";
    const { objects, diagnostics } = parseManifests(text, "dup.yaml");
    expect((objects[0]!.object.spec as { hostNetwork?: unknown } | undefined)?.hostNetwork).toBe(true);
    expect(objects[0]!.origin.locate?.(["spec", "hostNetwork"])).toEqual({ line: 5, column: 3 });
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: "warning", code: "duplicate-key", line: 5, column: 3 }),
    ]);
    expect(diagnostics[0]!.message).toContain('"hostNetwork"');
  });
});

describe("parseManifests: documents that are not objects", () => {
  it("skips a values file with a warning at its line and loads the rest", async () => {
    const { parsed } = await fixture("chart-values.yaml");
    expect(parsed.objects.map((o) => o.object.metadata?.name)).toEqual(["after-values"]);
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({
        file: "chart-values.yaml",
        line: 2,
        severity: "warning",
        code: "not-kubernetes",
      }),
    ]);
  });

  it("skips scalars, sequences and List items without kind", () => {
    const text = [
      "just text",
      "- a\n- b",
      "apiVersion: v1\nkind: List\nitems:\n  - 42\n  - apiVersion: v1\n    kind: Secret",
    ].join("\n---\n");
    const { objects, diagnostics } = parseManifests(text, "odd.yaml");
    expect(objects.map((o) => o.object.kind)).toEqual(["Secret"]);
    expect(objects[0]!.origin.line).toBe(10);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["not-kubernetes", 1],
      ["not-kubernetes", 3],
      ["not-kubernetes", 9],
    ]);
  });

  it("says nothing about an empty file", () => {
    expect(parseManifests("", "empty.yaml")).toEqual({ objects: [], diagnostics: [] });
    expect(parseManifests("# only a comment\n---\n", "c.yaml")).toEqual({ objects: [], diagnostics: [] });
  });
});

describe("parseManifests: malformed and hostile input", () => {
  it("reports invalid YAML in document 2 of 3 and still loads documents 1 and 3", async () => {
    const { text, parsed } = await fixture("broken-second-document.yaml");
    expect(parsed.objects.map((o) => o.object.metadata?.name)).toEqual(["first", "third"]);
    expect(parsed.objects[1]!.origin.line).toBe(where(text, "apiVersion: v1", 3).line);
    expect(parsed.diagnostics).toHaveLength(1);
    const [error] = parsed.diagnostics;
    // yaml notices the `[` left open on the line before where the next key starts.
    expect(error).toMatchObject({ severity: "error", code: "yaml-syntax", ...where(text, "other: value") });
    expect(error!.message).toContain("document 2");
    expect(error!.message).toContain("end with a ]");
  });

  it("points at a tab used for indentation", () => {
    const text = "apiVersion: v1\nkind: Pod\nspec:\n\thostNetwork: true\n";
    const { objects, diagnostics } = parseManifests(text, "tab.yaml");
    expect(objects).toEqual([]);
    expect(diagnostics[0]).toMatchObject({ severity: "error", code: "yaml-syntax", line: 4 });
  });

  it("refuses a billion-laughs document without expanding it", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [prev, name] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi"]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const text = `apiVersion: v1\nkind: ConfigMap\ndata:\n${levels.map((l) => `  ${l}`).join("\n")}\n---\napiVersion: v1\nkind: Secret\n`;
    const { objects, diagnostics } = parseManifests(text, "lol.yaml");
    expect(objects.map((o) => o.object.kind)).toEqual(["Secret"]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: "error", code: "yaml-aliases" })]);
    expect(diagnostics[0]!.line).toBeGreaterThan(3);
  });

  it("refuses a merge-key bomb and an alias cycle", () => {
    let merges = "apiVersion: v1\nkind: X\nk0: &k0 {a: 1}\n";
    for (let i = 1; i <= 40; i++) merges += `k${i}: &k${i} {<<: [*k${i - 1}], l: [*k${i - 1}, *k${i - 1}]}\n`;
    expect(parseManifests(merges, "m.yaml").diagnostics).toEqual([
      expect.objectContaining({ code: "yaml-aliases" }),
    ]);
    const cycle = parseManifests("apiVersion: v1\nkind: X\nloop: &l [1, *l]\n", "c.yaml");
    expect(cycle.objects).toEqual([]);
    expect(cycle.diagnostics).toEqual([
      expect.objectContaining({ code: "yaml-aliases", line: 3, column: 14 }),
    ]);
  });

  it("refuses a map or list used as a key (an unrendered template), at the key, and reads the rest", () => {
    const text = [
      "apiVersion: v1",
      "kind: ReplicationController",
      "metadata:",
      "  name: etcd-{{cell}}",
      "spec:",
      "  replicas: {{replicas}}",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: ok}",
      "data: {[a, b]: c}",
      "---",
      "apiVersion: v1",
      "kind: Secret",
      "metadata: {name: kept}",
    ].join("\n");
    const { objects, diagnostics } = parseManifests(text, "template.yaml");
    expect(objects.map((o) => o.object.kind)).toEqual(["Secret"]);
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: "error", code: "yaml-key", line: 6, column: 14 }),
      expect.objectContaining({ severity: "error", code: "yaml-key", line: 11, column: 8 }),
    ]);
    expect(diagnostics[0]!.message).toMatch(/map used as a key.*render the template first/);
    expect(diagnostics[1]!.message).toMatch(/list used as a key/);
  });

  it("keeps ordinary anchors, aliases and merge keys", () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "defaults: &d {level: info, format: json}",
      "data:",
      "  <<: *d",
      "  level: debug",
      "  again: *d",
    ].join("\n");
    const { objects, diagnostics } = parseManifests(text, "anchors.yaml");
    expect(diagnostics).toEqual([]);
    expect(objects[0]!.object.data).toEqual({
      level: "debug",
      format: "json",
      again: { level: "info", format: "json" },
    });
    // A path through an alias stops at the alias: the field is written elsewhere.
    expect(objects[0]!.origin.locate?.(["data", "again", "level"])).toEqual({ line: 7, column: 3 });
  });

  it.each([
    ["open brackets", "[".repeat(100_000), 4],
    ["closed brackets", "[".repeat(100_000) + "]".repeat(100_000), 4],
    ["nested flow maps", "{a: ".repeat(100_000) + "}".repeat(100_000), 4],
    ["nested sequences", "- ".repeat(100_000) + "x", 4],
    // One level per line here: the limit is passed on the document's 200th line.
    ["indented maps", Array.from({ length: 2_000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"), 203],
  ])("reports deep nesting (%s) instead of overflowing the stack", (_name, deep, line) => {
    for (const end of ["\n---\n", "\n...\n"]) {
      const text = `apiVersion: v1\nkind: Before\n---\n${deep}${end}apiVersion: v1\nkind: After\n`;
      const { objects, diagnostics } = parseManifests(text, "deep.yaml");
      expect(objects.map((o) => o.object.kind)).toEqual(["Before", "After"]);
      // Lines are still counted right after the refused document.
      expect(objects[1]!.origin.line).toBe(where(text, "kind: After").line - 1);
      expect(objects[1]!.origin.locate?.(["kind"])).toEqual(where(text, "kind: After"));
      expect(diagnostics).toEqual([
        expect.objectContaining({ severity: "error", code: "yaml-too-deep", line }),
      ]);
      expect(diagnostics[0]!.message).toContain("document 2");
    }
  });

  it("skips an object the API server would refuse, with an error at its line: metadata.name that is not text", () => {
    const text =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: 5\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: ok\n";
    const { objects, diagnostics } = parseManifests(text, "bad.yaml");
    expect(objects.map((o) => o.object.metadata?.name)).toEqual(["ok"]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        line: 1,
        severity: "error",
        code: "invalid-object",
        message:
          "document 1 has a `metadata.name` that is not a string; the API server would refuse it; skipped",
      }),
    ]);
  });

  it("accepts nesting well below the limit", () => {
    const depth = MAX_NESTING / 2 - 5;
    const text = `apiVersion: v1\nkind: Deep\nspec: ${"[".repeat(depth)}1${"]".repeat(depth)}\n`;
    const { objects, diagnostics } = parseManifests(text, "ok.yaml");
    expect(diagnostics).toEqual([]);
    expect(objects).toHaveLength(1);
  });

  it("reads a map with 100,000 keys (duplicate detection stays linear)", () => {
    const lines = ["apiVersion: v1", "kind: ConfigMap", "data:"];
    for (let i = 0; i < 100_000; i++) lines.push(`  key-${i}: value-${i}`);
    lines.push("  key-7: again");
    const { objects, diagnostics } = parseManifests(lines.join("\n"), "big.yaml");
    expect(Object.keys(objects[0]!.object.data as object)).toHaveLength(100_000);
    expect(diagnostics).toEqual([expect.objectContaining({ code: "duplicate-key", line: 100_004 })]);
  });

  it("accepts non-string keys and reads YAML 1.1 values as Kubernetes does", () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "data:",
      "  1: one",
      "  true: yes",
      "  __proto__: polluted",
      "mode: 0644",
      "created: 2024-05-01",
      "time: 1:30",
      "flag: on",
    ].join("\n");
    const { objects, diagnostics } = parseManifests(text, "keys.yaml");
    expect(diagnostics).toEqual([]);
    const object = objects[0]!.object as Record<string, unknown>;
    const data = object.data as Record<string, unknown>;
    expect(data["1"]).toBe("one");
    expect(data.true).toBe(true);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, "__proto__")).toBe(true);
    expect(object).toMatchObject({ mode: 420, created: "2024-05-01", time: "1:30", flag: true });
    expect(objects[0]!.origin.locate?.(["data", "1"])).toEqual({ line: 4, column: 3 });
  });
});

describe("readManifests", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "pitfall-manifests-"));
    const files: Record<string, string> = {
      "deploy/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
      "deploy/a.yml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
      "deploy/nested/c.json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}',
      "deploy/nested/deeper/d.YAML": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n",
      "deploy/notes.txt": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: txt}\n",
      "deploy/.cache/e.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hidden}\n",
      "deploy/node_modules/f.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: module}\n",
      "empty/README.md": "nothing here\n",
    };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), text);
    }
    await symlink(path.join(root, "deploy"), path.join(root, "deploy", "nested", "loop"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const names = (objects: SourcedObject[]) => objects.map((o) => o.object.metadata?.name);

  it("walks folders recursively in sorted order, skipping dot-folders, node_modules and other files", async () => {
    const snapshot = await readManifests(["deploy"], { cwd: root, readStdin: noStdin });
    expect(snapshot.target).toEqual({ kind: "manifests", name: "deploy" });
    expect(names(snapshot.objects)).toEqual(["a", "b", "c", "d"]);
    expect(snapshot.objects.map((o) => o.origin.file)).toEqual([
      "deploy/a.yml",
      "deploy/b.yaml",
      "deploy/nested/c.json",
      "deploy/nested/deeper/d.YAML",
    ]);
    expect(snapshot.diagnostics).toEqual([]);
    expect(snapshot.incomplete).toEqual([]);
  });

  it("reports a missing file and goes on with the other inputs", async () => {
    const snapshot = await readManifests(["nope.yaml", "deploy/a.yml"], { cwd: root, readStdin: noStdin });
    expect(names(snapshot.objects)).toEqual(["a"]);
    expect(snapshot.diagnostics).toEqual([
      expect.objectContaining({ file: "nope.yaml", line: 1, severity: "error", code: "input-missing" }),
    ]);
    expect(snapshot.target.name).toBe("nope.yaml deploy/a.yml");
  });

  it("warns about a folder without manifests", async () => {
    const snapshot = await readManifests(["empty"], { cwd: root, readStdin: noStdin });
    expect(snapshot.diagnostics).toEqual([
      expect.objectContaining({ code: "input-empty", severity: "warning" }),
    ]);
  });

  it("reads `-` from stdin as <stdin>, once", async () => {
    let reads = 0;
    const readStdin = async () => {
      reads++;
      return "apiVersion: v1\nkind: Pod\nmetadata: {name: piped}\nspec:\n  hostNetwork: true\n";
    };
    const snapshot = await readManifests(["-", "-"], { cwd: root, readStdin });
    expect(reads).toBe(1);
    expect(snapshot.objects).toHaveLength(2);
    expect(snapshot.objects[0]!.origin).toMatchObject({ file: "<stdin>", line: 1 });
    expect(snapshot.objects[0]!.origin.locate?.(["spec", "hostNetwork"])).toEqual({ line: 5, column: 3 });
  });

  it("reports stdin that cannot be read", async () => {
    const snapshot = await readManifests(["-"], { cwd: root, readStdin: noStdin });
    expect(snapshot.diagnostics).toEqual([
      expect.objectContaining({ file: "<stdin>", code: "input-unreadable" }),
    ]);
  });

  it("shows paths relative to cwd when inside it, absolute otherwise", async () => {
    const inside = await readManifests([path.join(root, "deploy", "a.yml")], {
      cwd: root,
      readStdin: noStdin,
    });
    expect(inside.objects[0]!.origin.file).toBe("deploy/a.yml");
    const outside = await readManifests([path.join(root, "deploy", "a.yml")], {
      cwd: path.join(root, "empty"),
      readStdin: noStdin,
    });
    expect(outside.objects[0]!.origin.file).toBe(path.join(root, "deploy", "a.yml"));
  });

  it("reads the fixture folder with every document in place", async () => {
    const snapshot = await readManifests([FIXTURES], { cwd: FIXTURES, readStdin: noStdin });
    expect(snapshot.objects.length).toBeGreaterThanOrEqual(12);
    expect(snapshot.diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`).sort()).toEqual([
      "broken-second-document.yaml:12 yaml-syntax",
      "chart-values.yaml:2 not-kubernetes",
    ]);
  });
});
