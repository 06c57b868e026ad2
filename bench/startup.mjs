// Start-up time of the CLI against bare Node, measured in one run: `node bench/startup.mjs` (after `npm run build`).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../bin/pitfall.js", import.meta.url));
const runs = Number(process.env.RUNS ?? 15);

function median(args, input) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, {
      stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"],
      ...(input === undefined ? {} : { input }),
      env: { ...process.env, NO_COLOR: "1" },
    });
    if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const HOOK_INPUT = JSON.stringify({
  hook_event_name: "PreToolUse",
  tool_name: "Bash",
  tool_input: { command: "kubectl get pods -n ge-agents" },
  cwd: process.cwd(),
});

const bare = median(["-e", "0"]);
const cases = [
  ["pitfall --help", [bin, "--help"]],
  ["pitfall kb list", [bin, "kb", "list"]],
  ['pitfall kb search "messages stuck pending"', [bin, "kb", "search", "messages stuck pending"]],
  // Runs before every agent command (a PreToolUse hook): its start-up is the cost an agent pays each time.
  ["pitfall guard -- kubectl get pods", [bin, "guard", "--", "kubectl", "get", "pods"]],
  ["pitfall guard --hook (a Bash kubectl get pods)", [bin, "guard", "--hook"], HOOK_INPUT],
];
console.log(`median of ${runs} runs each`);
console.log(`${"node -e 0".padEnd(44)} ${bare.toFixed(1).padStart(7)} ms`);
for (const [name, args, input] of cases) {
  const t = median(args, input);
  console.log(
    `${name.padEnd(44)} ${t.toFixed(1).padStart(7)} ms  (${(t / bare).toFixed(2)}× bare node, +${(t - bare).toFixed(1)} ms)`,
  );
}
