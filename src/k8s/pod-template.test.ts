// Issue 13, point 6: the pods an object runs, in every shape lint knows, with paths that point into the object.
import { describe, expect, it } from "vitest";
import { valueAt } from "./fields.js";
import { podTemplatesOf, runningPodSpecOf, templateContainersOf } from "./pod-template.js";

const container = (name: string) => ({ name, image: `${name}:1` });

describe("podTemplatesOf", () => {
  it.each([
    [
      "an Argo Rollout",
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        spec: { template: { spec: { containers: [container("a")] } } },
      },
      ["spec", "template", "spec", "containers", 0],
    ],
    [
      "a Knative Service",
      {
        apiVersion: "serving.knative.dev/v1",
        kind: "Service",
        spec: { template: { spec: { containers: [container("a")] } } },
      },
      ["spec", "template", "spec", "containers", 0],
    ],
    [
      "a Knative Revision",
      { apiVersion: "serving.knative.dev/v1", kind: "Revision", spec: { containers: [container("a")] } },
      ["spec", "containers", 0],
    ],
    [
      "a KEDA ScaledJob",
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledJob",
        spec: { jobTargetRef: { template: { spec: { containers: [container("a")] } } } },
      },
      ["spec", "jobTargetRef", "template", "spec", "containers", 0],
    ],
  ])("reads %s", (_what, object, path) => {
    const templates = podTemplatesOf(object);
    expect(templates).toHaveLength(1);
    expect(templates[0]!.containers.map((c) => c.path)).toEqual([path]);
    expect(valueAt(object, path)).toBe(templates[0]!.containers[0]!.container);
  });

  it("reads each container template of an Argo Workflow as a pod, with the workflow's pod fields", () => {
    const wf = {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "CronWorkflow",
      spec: {
        workflowSpec: {
          serviceAccountName: "runner",
          hostNetwork: true,
          templates: [
            { name: "main", steps: [[{ name: "a", template: "a" }]] },
            {
              name: "a",
              container: { image: "a:1" },
              sidecars: [container("proxy")],
              serviceAccountName: "own",
            },
            {
              name: "b",
              script: { image: "python:3", source: "print(1)" },
              initContainers: [container("init")],
            },
            { name: "c", containerSet: { containers: [container("x"), container("y")] } },
          ],
        },
      },
    };
    const templates = podTemplatesOf(wf);
    expect(templates.map((t) => t.containers.map((c) => `${c.role}:${c.name}`))).toEqual([
      ["regular:main", "sidecar:proxy"],
      ["init:init", "regular:main"],
      ["regular:x", "regular:y"],
    ]);
    expect(templates.map((t) => t.spec.serviceAccountName)).toEqual(["own", "runner", "runner"]);
    expect(templates[0]!.fieldPath("serviceAccountName")).toEqual([
      "spec",
      "workflowSpec",
      "templates",
      1,
      "serviceAccountName",
    ]);
    expect(templates[1]!.fieldPath("hostNetwork")).toEqual(["spec", "workflowSpec", "hostNetwork"]);
    for (const c of templates.flatMap((t) => t.containers)) expect(valueAt(wf, c.path)).toBe(c.container);
  });

  it("finds none in a template without containers, a Rollout by workloadRef, or another group's ScaledJob", () => {
    expect(podTemplatesOf({ kind: "ReportTemplate", spec: { template: { spec: { title: "x" } } } })).toEqual(
      [],
    );
    expect(
      podTemplatesOf({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", spec: { workloadRef: {} } }),
    ).toEqual([]);
    const other = {
      apiVersion: "example.com/v1",
      kind: "ScaledJob",
      spec: { jobTargetRef: { template: { spec: { containers: [] } } } },
    };
    expect(runningPodSpecOf(other)).toBeUndefined();
  });

  it("leaves ephemeral containers out of what a manifest runs", () => {
    const pod = {
      kind: "Pod",
      spec: { containers: [container("a")], ephemeralContainers: [container("debug")] },
    };
    expect(templateContainersOf(pod).map((c) => c.name)).toEqual(["a"]);
  });
});
