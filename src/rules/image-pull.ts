// Image pull failures on k3s: there is no registry, images are imported into containerd, and a pull policy that
// makes the kubelet pull anyway fails.
import { containersOf } from "../k8s/containers.js";
import { isK3sNode } from "../k8s/distribution.js";
import { asRecord, asString, metaString, pathText } from "../k8s/fields.js";
import { effectivePullPolicy, type ImageRef, parseImage, type PullPolicyReason } from "../k8s/image.js";
import { type ContainerStatusAt, containerStatusesOf, waitingReason } from "../k8s/status.js";
import type { Evidence } from "../model/finding.js";
import { clip } from "../model/redact.js";
import { eventContainer } from "../k8s/events.js";
import { eventEvidence, eventsOf } from "./live-evidence.js";
import { defineRule, type ReportOf } from "./types.js";

export const IMAGE_PULL_PITFALL = "image-pull-failures-zone-1";

const PULL_FAILURES = new Set(["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull"]);

/** How the pull policy came about, in words for the message. */
const POLICY_SOURCES: Record<PullPolicyReason, string> = {
  explicit: "set in the spec",
  "latest-tag": "the default for a :latest tag",
  "no-tag": "the default for an image without a tag",
  default: "the default",
};

/** `{image}` without tag or digest (the page appends `:latest`) and `{image-name}`, the last path segment. */
export function imageValues(image: string): { image: string; "image-name": string } | undefined {
  const ref: ImageRef | undefined = parseImage(image);
  if (!ref) return undefined;
  const name = ref.repository.split("/").pop() ?? ref.repository;
  return { image: ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository, "image-name": name };
}

const MESSAGES = {
  "pull-policy-always":
    "container {{container}} of pod {{pod}} cannot get image {{image}} ({{reason}}): its pull policy is Always ({{policySource}}), but a k3s node has no registry to pull from; import the image and use IfNotPresent or Never",
  "image-not-imported":
    "container {{container}} of pod {{pod}} cannot get image {{image}} ({{reason}}, pull policy {{policy}}, {{policySource}}): the image is not imported into the node's containerd",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const imagePullRule = defineRule({
  meta: {
    id: "image-pull",
    pitfall: IMAGE_PULL_PITFALL,
    runs: ["live"],
    needs: ["events"],
    distribution: "k3s",
    description:
      "Containers on a k3s node that cannot get their image (ErrImagePull, ImagePullBackOff, ErrImageNeverPull), with the pull policy that made the kubelet try.",
    looksAt: "status.containerStatuses[].state.waiting, spec.containers[].image/imagePullPolicy, pull events",
    kinds: ["Pod"],
    messages: MESSAGES,
  },
  check(ctx, object) {
    const pod = object.object;
    // Most pods pull fine: look no further than their statuses.
    const failing: { at: ContainerStatusAt; reason: string }[] = [];
    for (const at of containerStatusesOf(pod)) {
      const reason = waitingReason(at.status);
      if (reason && PULL_FAILURES.has(reason) && at.name) failing.push({ at, reason });
    }
    if (!failing.length) return [];
    const spec = asRecord(pod.spec);
    const nodeName = asString(spec?.nodeName);
    // A pod on a node the snapshot shows to be something else than k3s is not this pitfall.
    const node = nodeName ? ctx.lookup.get("Node", undefined, nodeName) : undefined;
    if (node && !isK3sNode(node.object)) return [];
    const podName = metaString(pod, "name") ?? "";
    const namespace = metaString(pod, "namespace") ?? "";
    const containers = containersOf(spec);
    const out: Reported[] = [];
    for (const { at, reason } of failing) {
      const c = containers.find((x) => x.name === at.name);
      const image = asString(c?.container.image) ?? asString(at.status.image) ?? "";
      const decision = effectivePullPolicy(c?.container ?? { image });
      const policy = decision?.policy ?? String(c?.container.imagePullPolicy ?? "unknown");
      const waitingPath = [...at.path, "state", "waiting"];
      const message = asString(asRecord(asRecord(at.status.state)?.waiting)?.message);
      const evidence: Evidence[] = [
        {
          kind: "status",
          text: `${reason}${message ? `: ${clip(message)}` : ""}`,
          source: pathText(waitingPath),
        },
      ];
      if (c) {
        evidence.push({
          kind: "status",
          text: `image ${image}, imagePullPolicy ${policy} (${decision ? POLICY_SOURCES[decision.reason] : "not a valid policy"})`,
          source: pathText(["spec", ...c.path]),
        });
      }
      const event = lastPullEvent(eventsOf(ctx.lookup, pod), at.name, image);
      if (event) evidence.push(eventEvidence(event, ctx.now));
      out.push({
        messageId: policy === "Always" ? "pull-policy-always" : "image-not-imported",
        data: {
          container: at.name,
          pod: podName,
          image,
          reason,
          policy,
          policySource: decision ? POLICY_SOURCES[decision.reason] : "not a valid policy",
        },
        path: waitingPath,
        container: at.name,
        evidence,
        values: { "pod-name": podName, namespace, container: at.name, ...imageValues(image) },
      });
    }
    return out;
  },
});

/** The registry's answer (`Failed to pull image …`) when there is one, else the latest pull-related event. */
function lastPullEvent(events: ReturnType<typeof eventsOf>, container: string, image: string) {
  const mine = events.filter(
    (e) => eventContainer(e) === container || (image !== "" && e.message.includes(`"${image}"`)),
  );
  const failed = mine.filter((e) =>
    /Failed to pull image|ErrImageNeverPull|is not present with pull policy/.test(e.message),
  );
  if (failed.length) return failed[failed.length - 1];
  const pulls = mine.filter((e) => /pull/i.test(e.message) || e.reason === "ErrImageNeverPull");
  return pulls[pulls.length - 1];
}
