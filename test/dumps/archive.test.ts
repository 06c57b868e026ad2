// A support bundle is untrusted input: archives whose entries climb out of the dump, links, devices, too many
// entries or bytes, gzip bombs and garbage are refused with a diagnostic, never followed or written, and what is
// safe in them is still read. Nothing-Kubernetes inputs exit 2 and say what was looked for.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveTree } from "../../src/sources/dump-archive.js";
import { readDump } from "../../src/sources/dump.js";
import { runCli } from "../support/cli.js";

interface Entry {
  path: string;
  /** 0 file, 1 hard link, 2 symlink, 3 char device, 5 folder. */
  type?: "0" | "1" | "2" | "3" | "5";
  body?: string;
  link?: string;
}

/** A tar (ustar) written byte by byte, so entries can say what no well-behaved tool writes. */
function tarOf(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    const h = Buffer.alloc(512);
    const put = (text: string, at: number, len: number) => h.write(text.slice(0, len), at, len, "latin1");
    const octal = (n: number, len: number) => `${n.toString(8).padStart(len - 1, "0")}\0`;
    put(e.path, 0, 100);
    put(octal(0o644, 8), 100, 8);
    put(octal(0, 8), 108, 8);
    put(octal(0, 8), 116, 8);
    put(octal(body.length, 12), 124, 12);
    put(octal(1_700_000_000, 12), 136, 12);
    put("        ", 148, 8);
    put(e.type ?? "0", 156, 1);
    put(e.link ?? "", 157, 100);
    put("ustar\u000000", 257, 8);
    let sum = 0;
    for (const b of h) sum += b;
    put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const POD = JSON.stringify({
  apiVersion: "v1",
  kind: "PodList",
  items: [
    {
      metadata: { name: "web-1", namespace: "shop", creationTimestamp: "2026-01-01T00:00:00Z" },
      spec: { containers: [{ name: "web" }] },
    },
  ],
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pitfall-archive-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, entries: Entry[]): string {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(tarOf(entries)));
  return file;
}

describe("an untrusted archive", () => {
  it("refuses entries that climb out, are absolute, or are links and devices; reads the rest", async () => {
    const escaped = join(dir, "escaped.json");
    const file = write("evil.tar.gz", [
      { path: "support-bundle/version.yaml", body: "kind: SupportBundle\n" },
      { path: "support-bundle/cluster-resources/pods/shop.json", body: POD },
      { path: "support-bundle/../../escaped.json", body: POD },
      { path: "/etc/cron.d/evil", body: "* * * * * root id\n" },
      { path: "support-bundle/cluster-resources/nodes.json", type: "2", link: "/etc/passwd" },
      { path: "support-bundle/cluster-resources/events/shop.json", type: "1", link: "/etc/shadow" },
      { path: "support-bundle/cluster-resources/dev", type: "3" },
      {
        path: "support-bundle/cluster-resources/pods/logs/shop/web-1/web.log",
        body: "password=hunter2-Orchestr8 failed\n",
      },
    ]);
    const s = await readDump([file], { cwd: dir });
    expect(s.objects.map((o) => `${o.object.kind} ${o.object.metadata?.name}`)).toEqual(["Pod web-1"]);
    const refused = s.diagnostics.filter((d) => d.code === "dump-archive-path").map((d) => d.message);
    expect(refused).toEqual([
      'entry "support-bundle/../../escaped.json" climbs out with ..; refused',
      'entry "/etc/cron.d/evil" is absolute; refused',
    ]);
    expect(existsSync(escaped)).toBe(false);
    // The log is read, and redacted like every log.
    expect(s.currentLogs?.get("shop/web-1/web")).toBe("password=*** failed\n");
    expect(s.objects.some((o) => o.object.kind === "Node" || o.object.kind === "Event")).toBe(false);
  });

  it("stops at its limits: entries, bytes, and a decompression ratio past the gzip-bomb bound", async () => {
    const many = write(
      "many.tar.gz",
      Array.from({ length: 20 }, (_, i) => ({ path: `d/f${i}.json`, body: POD })),
    );
    const few = await archiveTree(many, dir, { limits: { entries: 5, totalBytes: 1e9, ratio: 1000 } });
    expect(few.files).toHaveLength(5);
    expect(few.problems.map((p) => p.message)).toEqual([
      "the archive has more than 5 entries; only the first 5 are read",
    ]);
    const small = await archiveTree(many, dir, {
      limits: { entries: 100, totalBytes: POD.length * 3, ratio: 1000 },
    });
    expect(small.files).toHaveLength(3);
    expect(small.problems[0]?.message).toMatch(/the archive's files add up to more than/);
    const zeros = join(dir, "zeros.tar.gz");
    writeFileSync(
      zeros,
      gzipSync(tarOf([{ path: "big.json", body: " ".repeat(4 * 1024 * 1024) }]), { level: 9 }),
    );
    const bomb = await archiveTree(zeros, dir, { limits: { entries: 100, totalBytes: 1e12, ratio: 50 } });
    expect(bomb.problems.map((p) => p.message).join("\n")).toMatch(/max decompression ratio exceeded/);
  });

  it("garbage behind a gzip header is reported, and a scan of it exits 2 saying what it looked for", async () => {
    const junk = join(dir, "junk.tar.gz");
    writeFileSync(junk, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(200, 7)]));
    const r = await runCli(["scan", "--from", junk], { cwd: dir, env: { HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/junk\.tar\.gz:1: not a readable tar archive/);
    expect(r.err).toContain("nothing was checked: no Kubernetes objects in");
    expect(r.err).toContain("a troubleshoot.sh support bundle (folder or .tar.gz)");
  });
});

describe("inputs with nothing Kubernetes in them exit 2 and say what pitfall looks for", () => {
  it.each([
    [
      "an empty folder",
      () => {
        mkdirSync(join(dir, "empty"), { recursive: true });
        return "empty";
      },
      "empty: an empty folder",
    ],
    [
      "a folder of non-Kubernetes JSON",
      () => {
        mkdirSync(join(dir, "json"), { recursive: true });
        writeFileSync(join(dir, "json", "settings.json"), '{"theme": "dark"}');
        writeFileSync(join(dir, "json", "list.json"), "[1, 2, 3]");
        return "json";
      },
      "json: a folder of 2 files, none holding a Kubernetes object",
    ],
    [
      "a binary file",
      () => {
        writeFileSync(join(dir, "blob.bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0, 3]));
        return "blob.bin";
      },
      "blob.bin: a binary file",
    ],
    [
      "an archive of non-Kubernetes files",
      () => {
        writeFileSync(
          join(dir, "other.tar.gz"),
          gzipSync(tarOf([{ path: "a/readme.json", body: '{"a": 1}' }])),
        );
        return "other.tar.gz";
      },
      "other.tar.gz: a tar archive of 1 file, none holding a Kubernetes object",
    ],
  ])("%s", async (_name, make, said) => {
    const input = make() as string;
    for (const cmd of ["scan", "watch"]) {
      const r = await runCli([cmd, "--from", input], { cwd: dir, env: { HOME: dir } });
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(
        `nothing was checked: no Kubernetes objects in ${said}. pitfall reads a folder or .tar.gz`,
      );
      expect(r.out).toBe("");
    }
  });

  it("a symlink in a dump folder is read only when it stays inside the folder", async () => {
    const outside = join(dir, "outside.json");
    writeFileSync(outside, POD);
    mkdirSync(join(dir, "linked"), { recursive: true });
    writeFileSync(join(dir, "linked", "inside.json"), POD.replace("web-1", "web-2"));
    symlinkSync(outside, join(dir, "linked", "out.json"));
    symlinkSync(join(dir, "linked", "inside.json"), join(dir, "linked", "again.json"));
    const s = await readDump(["linked"], { cwd: dir });
    expect(s.objects.map((o) => o.object.metadata?.name)).toEqual(["web-2", "web-2"]);
  });
});
