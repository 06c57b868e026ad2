// A page's `kubectl logs` steps fitted to the container a finding is about: kubectl needs `-c` to pick one of
// several containers (and for an init container), and a container that never ran has no log to read, so the
// pod's description and events take its place.
import type { RunbookStep } from "../model/finding.js";
import { shellQuote } from "./fill.js";

export interface LogStepTarget {
  /** The container the finding is about. */
  container?: string;
  /** The pod has more than one container, or the container is an init container: kubectl must be told which. */
  needsContainer: boolean;
  /** The container never started a process (a config error, a command that does not exist): no log exists. */
  neverRan?: boolean;
  pod?: string;
  namespace?: string;
}

/** `kubectl logs …` up to the end of its command (a pipe, `&&`, `;` or the end of the line). */
const KUBECTL_LOGS = /\bkubectl\s+logs\b[^|;&]*/g;
/** The flags by which a logs command already chooses its container(s). */
const CHOSEN = /(?:^|\s)(?:-c|--container)(?:[\s=]|$)|(?:^|\s)(?:--all-containers|-l|--selector)(?:[\s=]|$)/;

export function fitLogSteps(steps: RunbookStep[], t: LogStepTarget): RunbookStep[] {
  let described = false;
  return steps.flatMap((s) => {
    if (s.kind !== "RUN" || !/\bkubectl\s+logs\b/.test(s.text)) return [s];
    if (t.neverRan && t.pod) {
      if (described) return [];
      described = true;
      return describeSteps(t.pod, t.namespace);
    }
    if (!t.needsContainer || !t.container) return [s];
    const container = t.container;
    const text = s.text.replace(KUBECTL_LOGS, (command) => {
      if (CHOSEN.test(command)) return command;
      const trimmed = command.trimEnd();
      return `${trimmed} -c ${shellQuote(container)}${command.slice(trimmed.length)}`;
    });
    return [{ ...s, text }];
  });
}

/** What to read about a container that never ran: the pod's state and events, which say why. */
function describeSteps(pod: string, namespace: string | undefined): RunbookStep[] {
  const ns = namespace ? ` -n ${shellQuote(namespace)}` : "";
  return [
    { kind: "RUN", text: `kubectl describe pod ${shellQuote(pod)}${ns}` },
    {
      kind: "RUN",
      text: `kubectl get events${ns} --field-selector ${shellQuote(`involvedObject.name=${pod}`)}`,
    },
  ];
}
