// The page model: what a pitfalls page says, with the source line of every piece.
import type { Diagnostic } from "../model/diagnostic.js";
import type { StepKind } from "../model/finding.js";
import type { Severity } from "../model/severity.js";
import type { Distribution } from "../model/snapshot.js";

export interface Location {
  file: string;
  line: number;
  column?: number;
}

/** `1 (k3s)`, `ALL`, `2+3`: the zones a pitfall applies to. */
export interface ZoneSpec {
  all: boolean;
  zones: number[];
  /** Parenthesised remark, e.g. `k3s` in `1 (k3s)`. */
  note?: string;
  /** The value as written on the page. */
  text: string;
}

export interface Step {
  kind: StepKind;
  /** Verbatim text after `KIND: `. */
  text: string;
  line: number;
  /** Index of the IF block this step belongs to; -1 when it stands alone (CHECK, FIX, a THEN before any IF). */
  group: number;
}

export type Block =
  | { type: "prose"; text: string; line: number }
  | { type: "code"; text: string; lang?: string; line: number }
  | { type: "list"; intro?: string; items: string[]; line: number };

/** `ADDED_FROM: incident-id, note`. */
export interface Provenance {
  incident: string;
  note?: string;
  line: number;
}

/** `DETECT: <CEL expression>` with `object` bound to the Kubernetes object under test. */
export interface DetectRule {
  expr: string;
  line: number;
}

/** `GUARD: <CEL expression>` with `command` bound to a command an agent is about to run. */
export interface GuardRule {
  expr: string;
  line: number;
}

export interface Pitfall {
  /** Slug of the title, or the page's explicit `ID:` line. */
  id: string;
  title: string;
  severity: Severity;
  zones: ZoneSpec;
  /** Prose, snippets and lists, in page order. */
  blocks: Block[];
  steps: Step[];
  addedFrom: Provenance[];
  detect: DetectRule[];
  /** `GUARD` rules: the commands that repeat this pitfall's anti-pattern. */
  guard: GuardRule[];
  /** `KEY: value` lines of the entry that are not steps: `Severity`, `Zone`, `ID` and any other. */
  meta: MetaField[];
  /** The title line. */
  source: Location;
}

export interface PlainSection {
  title: string;
  blocks: Block[];
  steps: Step[];
  line: number;
}

export type Section =
  | { kind: "pitfall"; pitfall: Pitfall; start: number; end: number }
  | { kind: "plain"; section: PlainSection; start: number; end: number };

export interface MetaField {
  key: string;
  value: string;
  line: number;
}

/** Which zone runs which distribution, as the page header says. */
export interface ZoneDistribution {
  zone: number;
  distribution: Distribution;
  /** The phrase it came from, e.g. `k3s v1.34.x (Zone 1)`. */
  text: string;
}

export interface Page {
  file: string;
  /** `markdown` for the wiki source, `text` for the rendered page. */
  form: "markdown" | "text";
  title: string;
  /** Line of the title (0 when the page has none). */
  titleLine: number;
  /** Lines before the title, kept as they are (e.g. wiki chrome such as `Skip to content`). */
  preamble: string[];
  /** Header fields between the title and the first section: OWNER, LAST_VERIFIED, GE_STACK_VERSION, … */
  meta: MetaField[];
  /** Other header content (prose) in page order. */
  intro: Block[];
  /** Sections in page order; `start`/`end` are 1-based line numbers, end inclusive. */
  sections: Section[];
  zoneMap: ZoneDistribution[];
  diagnostics: Diagnostic[];
  /** The page text as read, kept so writers can preserve it byte for byte. */
  text: string;
  /** Whether the text ends with a line break (kept when printing). */
  finalNewline: boolean;
}

export function pitfallsOf(page: Page): Pitfall[] {
  const out: Pitfall[] = [];
  for (const s of page.sections) if (s.kind === "pitfall") out.push(s.pitfall);
  return out;
}
