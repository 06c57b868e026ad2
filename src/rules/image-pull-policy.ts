// k3s zones run images imported into containerd; a pull policy of Always asks a registry that is not there.
import { containerLabel } from "../k8s/containers.js";
import { asString } from "../k8s/fields.js";
import { effectivePullPolicy } from "../k8s/image.js";
import { templateContainersOf } from "../k8s/pod-template.js";
import { defineRule, type ReportOf } from "./types.js";

const MESSAGES = {
  always:
    "{{container}} sets imagePullPolicy: Always for {{image}}: k3s has no registry to pull from, so the pod ends in ImagePullBackOff; use IfNotPresent or Never with an imported image",
  "defaults-to-always":
    "{{container}} uses {{image}} (the :latest tag) with no imagePullPolicy: the API server defaults that to Always, and k3s has no registry to pull from; set imagePullPolicy: IfNotPresent or Never and pin a tag",
  "defaults-to-always-untagged":
    "{{container}} uses {{image}} (no tag) with no imagePullPolicy: the API server defaults that to Always, and k3s has no registry to pull from; set imagePullPolicy: IfNotPresent or Never and pin a tag",
} as const;

type Reported = ReportOf<typeof MESSAGES>;

export const imagePullPolicyRule = defineRule({
  meta: {
    id: "image-pull-policy",
    pitfall: "image-pull-failures-zone-1",
    runs: ["manifest"],
    distribution: "k3s",
    description:
      "A container that pulls on every start (imagePullPolicy: Always, or :latest / no tag without a policy) on k3s.",
    looksAt: "containers[].imagePullPolicy, containers[].image (init and sidecars too)",
    messages: MESSAGES,
  },
  check(_ctx, o) {
    const out: Reported[] = [];
    for (const c of templateContainersOf(o.object)) {
      const decision = effectivePullPolicy(c.container);
      if (decision?.policy !== "Always") continue;
      const image = asString(c.container.image) ?? "(no image)";
      const named = c.name ? { container: c.name } : {};
      if (decision.reason === "explicit") {
        out.push({
          messageId: "always",
          data: { container: containerLabel(c), image },
          path: [...c.path, "imagePullPolicy"],
          ...named,
        });
      } else {
        out.push({
          messageId: decision.reason === "latest-tag" ? "defaults-to-always" : "defaults-to-always-untagged",
          data: { container: containerLabel(c), image },
          path: [...c.path, "image"],
          ...named,
        });
      }
    }
    return out;
  },
});
