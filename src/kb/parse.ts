// Read a pitfalls page in either of its forms: the wiki's markdown source or its rendered text.
import type {
  Block,
  DetectRule,
  GuardRule,
  MetaField,
  Page,
  Pitfall,
  PlainSection,
  Provenance,
  Section,
  Step,
} from "./model.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { type Severity, SEVERITIES } from "../model/severity.js";
import { type StepKind, STEP_KINDS } from "../model/finding.js";
import { parseZones, zoneMapOf } from "./zones.js";

interface Line {
  text: string;
  /** 1-based. */
  no: number;
}

/** One piece of a section body, in page order. */
type Item =
  | { type: "block"; block: Block }
  | { type: "step"; step: Step }
  | { type: "meta"; field: MetaField }
  | { type: "added"; added: Provenance }
  | { type: "detect"; detect: DetectRule }
  | { type: "guard"; guard: GuardRule };

const STEP_SET = new Set<string>(STEP_KINDS);
/** Field names written in title case on the page; everything else is upper case. */
const TITLE_CASE_KEYS = /^(severity|zone|zones|id)$/i;
const KEY_LINE = /^(?:\*\*)?([A-Z][A-Z0-9_]*|[Ss]everity|[Zz]ones?|I[Dd])(?::\*\*|\*\*:|:)(?:\s+(.*?))?\s*$/;
const LIST_ITEM = /^\s*[-*+]\s+(.*)$/;
const FENCE = /^\s*(```+|~~~+)\s*([\w+-]*)\s*$/;

/** What a line of prose would be read as if it stood alone on a page: a field, a heading, a fence; else undefined. */
export function structuralLine(text: string): string | undefined {
  const key = KEY_LINE.exec(text);
  if (key) return `a \`${key[1]}:\` line`;
  if (/^#{1,6}\s/.test(text)) return "a heading";
  if (FENCE.test(text)) return "a code fence";
  return undefined;
}

export function slugOf(title: string): string {
  return title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export function detectForm(text: string, file: string): "markdown" | "text" {
  if (/^#{1,2} \S/m.test(text)) return "markdown";
  if (/\.(md|markdown)$/i.test(file) && /^```/m.test(text)) return "markdown";
  return "text";
}

export function parsePage(text: string, file: string): Page {
  const finalNewline = text.endsWith("\n");
  const raw = text.replace(/\r\n/g, "\n").split("\n");
  if (finalNewline) raw.pop();
  const lines: Line[] = raw.map((t, i) => ({ text: t, no: i + 1 }));
  const form = detectForm(text, file);
  const diagnostics: Diagnostic[] = [];
  const layout = form === "markdown" ? markdownLayout(lines) : textLayout(lines);

  const headerItems = parseBody(layout.header, form, file, diagnostics);
  const meta: MetaField[] = [];
  const intro: Block[] = [];
  for (const it of headerItems) {
    if (it.type === "meta") meta.push(it.field);
    else if (it.type === "block") intro.push(it.block);
    else {
      const line = lineOfItem(it);
      diagnostics.push(
        error(
          file,
          line,
          "misplaced-line",
          "this line belongs inside a pitfall section, not in the page header",
        ),
      );
    }
  }

  const sections: Section[] = [];
  for (const s of layout.sections) {
    const items = parseBody(s.body, form, file, diagnostics);
    const isPitfall = items.some(
      (it) =>
        (it.type === "meta" && /^(Severity|Zones?)$/.test(it.field.key)) ||
        it.type === "added" ||
        it.type === "detect" ||
        it.type === "guard" ||
        (it.type === "step" && it.step.kind !== "READ_ALSO"),
    );
    if (isPitfall)
      sections.push({
        kind: "pitfall",
        pitfall: toPitfall(s.title, items, file, diagnostics),
        start: s.title.no,
        end: s.end,
      });
    else sections.push({ kind: "plain", section: toPlain(s.title, items), start: s.title.no, end: s.end });
  }

  const page: Page = {
    file,
    form,
    title: layout.title?.text.replace(/^#\s+/, "").trim() ?? "",
    titleLine: layout.title?.no ?? 0,
    preamble: layout.preamble.map((l) => l.text),
    meta,
    intro,
    sections,
    zoneMap: zoneMapOf(meta),
    diagnostics,
    text,
    finalNewline,
  };
  if (!layout.title)
    diagnostics.push(
      error(
        file,
        1,
        "missing-title",
        "the page has no title: start it with `# Kubernetes — Pitfalls` (markdown) or a title line",
      ),
    );
  return page;
}

interface Layout {
  preamble: Line[];
  title?: Line;
  header: Line[];
  sections: { title: Line; body: Line[]; end: number }[];
}

function markdownLayout(lines: Line[]): Layout {
  const layout: Layout = { preamble: [], header: [], sections: [] };
  let inFence = false;
  let current: Line[] | undefined;
  for (const line of lines) {
    if (FENCE.test(line.text)) inFence = !inFence;
    if (!inFence && /^# \S/.test(line.text) && !layout.title) {
      layout.title = line;
      current = layout.header;
      continue;
    }
    if (!inFence && /^## \S/.test(line.text)) {
      const section = {
        title: { text: line.text.replace(/^##\s+/, "").trim(), no: line.no },
        body: [] as Line[],
        end: line.no,
      };
      layout.sections.push(section);
      current = section.body;
      continue;
    }
    if (current) current.push(line);
    else layout.preamble.push(line);
  }
  closeSections(layout, lines.length);
  // A page with sections but no `# ` title: what came before the first section is its header.
  if (!layout.title) {
    layout.header = layout.preamble;
    layout.preamble = [];
  }
  return layout;
}

/** The rendered form has no markup: a title is a short line set apart by blank lines. */
function textLayout(lines: Line[]): Layout {
  const layout: Layout = { preamble: [], header: [], sections: [] };
  const blank = (i: number) => i < 0 || i >= lines.length || lines[i]!.text.trim() === "";
  const isKey = (i: number) => i >= 0 && i < lines.length && KEY_LINE.test(lines[i]!.text);
  const next = (i: number) => {
    let j = i + 1;
    while (j < lines.length && blank(j)) j++;
    return j;
  };
  const blanksBefore = (i: number) => {
    let n = 0;
    while (i - 1 - n >= 0 && blank(i - 1 - n)) n++;
    return i - n === 0 ? 2 : n;
  };
  const looksLikeTitle = (i: number) => {
    const t = lines[i]!.text;
    return (
      !blank(i) &&
      !/^\s/.test(t) &&
      !isKey(i) &&
      !LIST_ITEM.test(t) &&
      !/[.:,;]\s*$/.test(t) &&
      t.length <= 100 &&
      blank(i + 1)
    );
  };
  // The title is the line just above the first header field; what is above it is wiki chrome.
  const firstKey = lines.findIndex((_, i) => isKey(i));
  let titleIdx = -1;
  if (firstKey >= 0 && !/^severity/i.test(lines[firstKey]!.text)) {
    for (let i = firstKey - 1; i >= 0; i--)
      if (!blank(i)) {
        titleIdx = i;
        break;
      }
  }
  if (titleIdx < 0)
    titleIdx = lines.findIndex(
      (_, i) => !blank(i) && looksLikeTitle(i) && !/^severity/i.test(lines[next(i)]?.text ?? ""),
    );
  let start = 0;
  if (titleIdx >= 0) {
    layout.preamble = lines.slice(0, titleIdx);
    layout.title = lines[titleIdx];
    start = titleIdx + 1;
  }
  let current = layout.header;
  for (let i = start; i < lines.length; i++) {
    const j = next(i);
    const severityNext = j < lines.length && /^severity\s*:/i.test(lines[j]!.text) && j === i + 2;
    if (looksLikeTitle(i) && (severityNext || blanksBefore(i) >= 2)) {
      const section = { title: lines[i]!, body: [] as Line[], end: lines[i]!.no };
      layout.sections.push(section);
      current = section.body;
      continue;
    }
    current.push(lines[i]!);
  }
  closeSections(layout, lines.length);
  return layout;
}

function closeSections(layout: Layout, lastLine: number): void {
  layout.sections.forEach((s, i) => {
    const nextStart = layout.sections[i + 1]?.title.no;
    s.end = nextStart ? nextStart - 1 : lastLine;
  });
}

/** Split a section body into blocks, steps and fields, each with its line. */
function parseBody(body: Line[], form: "markdown" | "text", file: string, diagnostics: Diagnostic[]): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < body.length) {
    const line = body[i]!;
    if (line.text.trim() === "") {
      i++;
      continue;
    }
    if (form === "markdown") {
      const fence = FENCE.exec(line.text);
      if (fence) {
        const close = body.findIndex((l, j) => j > i && l.text.trim().startsWith(fence[1]!));
        const end = close < 0 ? body.length : close;
        if (close < 0)
          diagnostics.push(
            error(
              file,
              line.no,
              "unclosed-fence",
              `code block opened here is never closed: add a line \`${fence[1]}\``,
            ),
          );
        const code: Block = {
          type: "code",
          text: body
            .slice(i + 1, end)
            .map((l) => l.text)
            .join("\n"),
          line: line.no,
        };
        if (fence[2]) code.lang = fence[2];
        items.push({ type: "block", block: code });
        i = end + 1;
        continue;
      }
    }
    // A paragraph: consecutive non-blank lines.
    let j = i;
    while (j < body.length && body[j]!.text.trim() !== "") j++;
    const para = body.slice(i, j);
    if (form === "text" && isRenderedSnippet(para)) {
      items.push({
        type: "block",
        block: {
          type: "code",
          text: para.map((l) => l.text.replace(/[ \t]+$/, "")).join("\n"),
          line: para[0]!.no,
        },
      });
    } else {
      parseParagraph(para, items);
    }
    i = j;
  }
  return items;
}

/** The wiki renders code as lines with trailing spaces (hard breaks), often indented. */
function isRenderedSnippet(para: Line[]): boolean {
  return para.every((l) => /\S[ \t]{2,}$/.test(l.text) || /^\s+$/.test(l.text));
}

function parseParagraph(para: Line[], items: Item[]): void {
  let prose: Line[] = [];
  const flushProse = () => {
    if (prose.length)
      items.push({
        type: "block",
        block: { type: "prose", text: prose.map((l) => l.text).join("\n"), line: prose[0]!.no },
      });
    prose = [];
  };
  for (let k = 0; k < para.length; k++) {
    const line = para[k]!;
    const key = KEY_LINE.exec(line.text);
    if (key) {
      flushProse();
      items.push(keyItem(key[1]!, key[2] ?? "", line.no));
      continue;
    }
    if (LIST_ITEM.test(line.text)) {
      // A prose line ending in `:` right above the list is its intro ("Common causes in GE:").
      let intro: string | undefined;
      let first = line.no;
      const last = prose.at(-1);
      if (last && /:\s*$/.test(last.text)) {
        intro = last.text;
        first = last.no;
        prose.pop();
      }
      flushProse();
      const list: string[] = [];
      while (k < para.length) {
        const l = para[k]!;
        const m = LIST_ITEM.exec(l.text);
        if (m) list.push(m[1]!);
        else if (/^\s+\S/.test(l.text) && list.length) list[list.length - 1] += `\n${l.text.trim()}`;
        else break;
        k++;
      }
      k--;
      const block: Block = { type: "list", items: list, line: first };
      if (intro !== undefined) block.intro = intro;
      items.push({ type: "block", block });
      continue;
    }
    prose.push(line);
  }
  flushProse();
}

function keyItem(rawKey: string, value: string, line: number): Item {
  const key = TITLE_CASE_KEYS.test(rawKey)
    ? rawKey[0]!.toUpperCase() + rawKey.slice(1).toLowerCase()
    : rawKey;
  if (STEP_SET.has(key))
    return { type: "step", step: { kind: key as StepKind, text: value, line, group: -1 } };
  if (key === "ADDED_FROM") {
    const comma = value.indexOf(",");
    const added: Provenance = { incident: (comma < 0 ? value : value.slice(0, comma)).trim(), line };
    if (comma >= 0 && value.slice(comma + 1).trim()) added.note = value.slice(comma + 1).trim();
    return { type: "added", added };
  }
  if (key === "DETECT") return { type: "detect", detect: { expr: value, line } };
  if (key === "GUARD") return { type: "guard", guard: { expr: value, line } };
  return { type: "meta", field: { key: key === "Id" ? "ID" : key, value, line } };
}

function toPitfall(title: Line, items: Item[], file: string, diagnostics: Diagnostic[]): Pitfall {
  const p: Pitfall = {
    id: slugOf(title.text),
    title: title.text.trim(),
    severity: "LOW",
    zones: { all: false, zones: [], text: "" },
    blocks: [],
    steps: [],
    addedFrom: [],
    detect: [],
    guard: [],
    meta: [],
    source: { file, line: title.no },
  };
  let group = -1;
  let groups = 0;
  let prevLine = -1;
  for (const it of items) {
    if (it.type === "block") p.blocks.push(it.block);
    else if (it.type === "added") p.addedFrom.push(it.added);
    else if (it.type === "detect") p.detect.push(it.detect);
    else if (it.type === "guard") p.guard.push(it.guard);
    else if (it.type === "meta") p.meta.push(it.field);
    else {
      const s = it.step;
      // An IF opens a group; THEN/RUN lines right below it (no blank line) belong to it.
      if (s.kind === "IF") group = groups++;
      else if (!((s.kind === "THEN" || s.kind === "RUN") && s.line === prevLine + 1)) group = -1;
      s.group = group;
      p.steps.push(s);
      prevLine = s.line;
    }
  }
  const field = (re: RegExp) => p.meta.find((f) => re.test(f.key));
  const id = field(/^ID$/);
  if (id?.value) p.id = id.value.trim();
  const sev = field(/^Severity$/);
  const sevValue = sev?.value.trim().toUpperCase() ?? "";
  if ((SEVERITIES as readonly string[]).includes(sevValue)) p.severity = sevValue as Severity;
  else if (!sev)
    diagnostics.push(
      error(
        file,
        title.no,
        "missing-severity",
        `pitfall has no Severity line: add \`Severity: HIGH\` (one of ${SEVERITIES.join(", ")}) below the title`,
      ),
    );
  else
    diagnostics.push(
      error(
        file,
        sev?.line ?? title.no,
        "invalid-severity",
        `Severity ${JSON.stringify(sev?.value ?? "")} is not one of ${SEVERITIES.join(", ")}: write e.g. \`Severity: HIGH\``,
      ),
    );
  const zone = field(/^Zones?$/);
  if (!zone)
    diagnostics.push(
      error(
        file,
        sev?.line ?? title.no,
        "missing-zone",
        "pitfall has no Zone line: add `Zone: ALL` or e.g. `Zone: 1 (k3s)` below Severity",
      ),
    );
  else {
    const z = parseZones(zone.value);
    if (z) p.zones = z;
    else
      diagnostics.push(
        error(
          file,
          zone.line,
          "invalid-zone",
          `Zone ${JSON.stringify(zone.value)} is not understood: write ALL, a zone number (\`1 (k3s)\`), or several (\`2+3\`)`,
        ),
      );
  }
  return p;
}

function toPlain(title: Line, items: Item[]): PlainSection {
  const s: PlainSection = { title: title.text.trim(), blocks: [], steps: [], line: title.no };
  for (const it of items) {
    if (it.type === "block") s.blocks.push(it.block);
    else if (it.type === "step") s.steps.push(it.step);
    else if (it.type === "meta")
      s.blocks.push({ type: "prose", text: `${it.field.key}: ${it.field.value}`, line: it.field.line });
    else if (it.type === "added")
      s.blocks.push({
        type: "prose",
        text: `ADDED_FROM: ${it.added.incident}${it.added.note ? `, ${it.added.note}` : ""}`,
        line: it.added.line,
      });
    else if (it.type === "detect")
      s.blocks.push({ type: "prose", text: `DETECT: ${it.detect.expr}`, line: it.detect.line });
    else s.blocks.push({ type: "prose", text: `GUARD: ${it.guard.expr}`, line: it.guard.line });
  }
  return s;
}

function lineOfItem(it: Exclude<Item, { type: "block" | "meta" }>): number {
  if (it.type === "step") return it.step.line;
  if (it.type === "added") return it.added.line;
  return it.type === "detect" ? it.detect.line : it.guard.line;
}

export function error(file: string, line: number, code: string, message: string): Diagnostic {
  return { file, line, severity: "error", code, message };
}
