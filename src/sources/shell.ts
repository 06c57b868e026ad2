// A command line as a shell would run it: split into the simple commands it runs (pipelines, `&&`/`||`/`;` chains,
// subshells, `$(…)`, `sh -c '…'`), each without the wrappers around it (`FOO=1`, `sudo`, `env`, `timeout`, `xargs`).
import { parse, quote } from "shell-quote";

export interface SimpleCommand {
  /** Program and arguments, wrappers and assignments removed; `$VAR` stays as written. */
  argv: string[];
  /** `FOO=1` assignments before the program (and `env FOO=1`). */
  env: Record<string, string>;
  /** How it is reached when not typed directly: `sh -c`, `$(…)`, `sudo`. */
  via: string[];
}

export interface SplitOptions {
  /** `k` → `kubectl`: names the shell would expand (the config's `guard.aliases`). */
  aliases?: Record<string, string>;
}

const SEPARATORS = new Set(["||", "&&", ";;", "|&", "&", ";", "(", ")", "|", "<("]);
const REDIRECTS = new Set([">>", ">&", "<", ">"]);
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ash", "ksh"]);
/** Depth limit for `sh -c "sh -c …"` and nested `$(…)`. */
const MAX_DEPTH = 8;

/** The simple commands of a line, in the order they appear (substitutions before the command that uses them). */
export function splitCommandLine(line: string, opts: SplitOptions = {}): SimpleCommand[] {
  return splitAt(line, opts, [], 0);
}

/** An argv typed after `--` (already split by the user's shell) as the line it would be. */
export function lineOf(argv: readonly string[]): string {
  return argv.length === 1 ? argv[0]! : quote(argv);
}

function splitAt(line: string, opts: SplitOptions, via: string[], depth: number): SimpleCommand[] {
  if (depth > MAX_DEPTH) return [];
  const { text, substitutions } = liftSubstitutions(line);
  const out: SimpleCommand[] = [];
  for (const inner of substitutions) out.push(...splitAt(inner, opts, [...via, "$(…)"], depth + 1));
  for (const words of segmentsOf(text)) out.push(...unwrap(words, opts, via, depth));
  return out;
}

/** `$(…)` and backquoted commands replaced by a placeholder word; their text returned to be split too. */
function liftSubstitutions(line: string): { text: string; substitutions: string[] } {
  const substitutions: string[] = [];
  let out = "";
  let single = false;
  let double = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && !single) {
      out += c + (line[i + 1] ?? "");
      i++;
      continue;
    }
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    if (!single && c === "$" && line[i + 1] === "(" && line[i + 2] !== "(") {
      const end = closingParen(line, i + 1);
      substitutions.push(line.slice(i + 2, end));
      out += "$PITFALL_SUBSTITUTION";
      i = end;
      continue;
    }
    if (!single && c === "`") {
      const end = line.indexOf("`", i + 1);
      const stop = end < 0 ? line.length : end;
      substitutions.push(line.slice(i + 1, stop));
      out += "$PITFALL_SUBSTITUTION";
      i = stop;
      continue;
    }
    out += c;
  }
  return { text: out, substitutions };
}

/** Offset of the `)` closing the `(` at `open`, quotes respected; the end of the line when unclosed. */
function closingParen(line: string, open: number): number {
  let depth = 0;
  let single = false;
  let double = false;
  for (let i = open; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && !single) {
      i++;
      continue;
    }
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    else if (!single && !double && c === "(") depth++;
    else if (!single && !double && c === ")" && --depth === 0) return i;
  }
  return line.length;
}

/** Words of each simple command: operators split, redirections and comments dropped, globs kept as written. */
function segmentsOf(text: string): string[][] {
  // Variables stay as written (`$REDIS_PASSWORD`): the guard reads what the command says, not this shell's values.
  const entries = parse(text, (name: string) => (name === "PITFALL_SUBSTITUTION" ? "$(…)" : `$${name}`));
  const segments: string[][] = [];
  let current: string[] = [];
  let skipNext = false;
  for (const e of entries) {
    if (typeof e === "string") {
      if (skipNext) skipNext = false;
      else current.push(e);
      continue;
    }
    if ("comment" in e) break;
    if (e.op === "glob") {
      if (skipNext) skipNext = false;
      else current.push((e as { pattern: string }).pattern);
      continue;
    }
    if (REDIRECTS.has(e.op)) {
      // `2>&1`, `2> err.log`: the file descriptor before the operator is not an argument.
      if (/^\d$/.test(current.at(-1) ?? "")) current.pop();
      skipNext = true;
      continue;
    }
    if (SEPARATORS.has(e.op)) {
      if (current.length) segments.push(current);
      current = [];
    }
  }
  if (current.length) segments.push(current);
  return segments;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** Leading assignments and wrapper programs removed; `sh -c` scripts and `watch`/`xargs` commands split again. */
function unwrap(words: string[], opts: SplitOptions, via: string[], depth: number): SimpleCommand[] {
  const env: Record<string, string> = {};
  let argv = [...words];
  const seen = [...via];
  for (let guard = 0; guard < 16 && argv.length; guard++) {
    const assignment = ASSIGNMENT.exec(argv[0]!);
    if (assignment) {
      env[assignment[1]!] = assignment[2]!;
      argv.shift();
      continue;
    }
    const program = basename(argv[0]!);
    const alias = opts.aliases?.[argv[0]!];
    if (alias !== undefined && !seen.includes(`alias ${argv[0]}`)) {
      seen.push(`alias ${argv[0]}`);
      argv = [...aliasWords(alias), ...argv.slice(1)];
      continue;
    }
    const rest = wrapped(program, argv.slice(1));
    if (rest) {
      seen.push(program);
      argv = rest;
      continue;
    }
    if (SHELLS.has(program)) {
      const script = shellScript(argv.slice(1));
      if (script !== undefined) return splitAt(script, opts, [...seen, `${program} -c`], depth + 1);
    }
    break;
  }
  return argv.length ? [{ argv, env, via: seen }] : [];
}

function aliasWords(alias: string): string[] {
  return parse(alias, (name: string) => `$${name}`).filter((e): e is string => typeof e === "string");
}

export function basename(program: string): string {
  const slash = program.lastIndexOf("/");
  return slash < 0 ? program : program.slice(slash + 1);
}

/** Flags of wrapper programs that take a value, so the wrapped command starts after them. */
const WRAPPER_VALUE_FLAGS: Record<string, Set<string>> = {
  sudo: new Set([
    "-u",
    "-g",
    "-h",
    "-p",
    "-C",
    "-D",
    "-r",
    "-t",
    "-U",
    "--user",
    "--group",
    "--host",
    "--prompt",
    "--chdir",
  ]),
  env: new Set(["-u", "--unset", "-C", "--chdir", "-S", "--split-string"]),
  nice: new Set(["-n", "--adjustment"]),
  timeout: new Set(["-s", "--signal", "-k", "--kill-after"]),
  xargs: new Set([
    "-n",
    "-L",
    "-I",
    "-P",
    "-d",
    "-E",
    "-s",
    "-a",
    "--max-args",
    "--max-lines",
    "--replace",
    "--max-procs",
    "--delimiter",
    "--arg-file",
  ]),
  watch: new Set(["-n", "--interval", "-d"]),
  nohup: new Set(),
  time: new Set(["-f", "-o"]),
  exec: new Set(["-a"]),
  command: new Set(),
  stdbuf: new Set(["-i", "-o", "-e"]),
};

/** The command a wrapper runs (`sudo -u x kubectl …` → `kubectl …`), or undefined when it is no wrapper. */
function wrapped(program: string, args: string[]): string[] | undefined {
  const valueFlags = WRAPPER_VALUE_FLAGS[program];
  if (!valueFlags) return undefined;
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (program === "env" && ASSIGNMENT.test(a)) {
      i++;
      continue;
    }
    if (!a.startsWith("-") || a === "-") break;
    i += valueFlags.has(a) ? 2 : 1;
  }
  let rest = args.slice(i);
  // `timeout 30s cmd`: the duration comes first.
  if (program === "timeout" && rest.length) rest = rest.slice(1);
  // `watch 'kubectl get pods'`: one word holding a whole command line.
  if (program === "watch" && rest.length === 1)
    rest = parse(rest[0]!, (n: string) => `$${n}`).filter((e): e is string => typeof e === "string");
  if (program === "env") {
    // `env FOO=1 cmd`: the assignments are handed to unwrap as words.
    const assignments = args.slice(0, i).filter((a) => ASSIGNMENT.test(a));
    return [...assignments, ...rest];
  }
  return rest;
}

/** The script of `sh -c 'script'` (flags such as `-e`, `-l`, `-x` may come first, or be joined: `-lc`). */
function shellScript(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) return undefined;
    if (/^-[a-z]*c[a-z]*$/i.test(a)) return args[i + 1];
    if (a === "-o" || a === "+o") i++;
  }
  return undefined;
}
