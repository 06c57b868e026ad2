// Where `.pitfall.yaml` is: kept apart from the loader so a run without a config file never loads the schema.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const CONFIG_NAMES = [".pitfall.yaml", ".pitfall.yml"];

/** The nearest config file upward from `cwd`, or undefined. */
export function findConfig(cwd: string): string | undefined {
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const p = join(dir, name);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
