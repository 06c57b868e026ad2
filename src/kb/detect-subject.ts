// One object as a DETECT line sees it: `object` and the bindings derived from it (`podSpec`, `containers`, `kind`,
// `metadata`) plus the target's `zone` and `distribution`. Each binding is converted once, when first read.
import type { CelInput } from "@bufbuild/cel";
import { asRecord, asString, type JsonPath } from "../k8s/fields.js";
import type { PodSpecAt } from "../k8s/podspec.js";
import {
  type ContainerEntry,
  containerEntriesOf,
  runningPodSpecOf,
  withPodDefaults,
} from "../k8s/pod-template.js";
import { toCelValue } from "./cel-value.js";

/** The variables a DETECT line may use, in the order the docs list them. */
export const DETECT_BINDINGS = [
  "object",
  "podSpec",
  "containers",
  "kind",
  "metadata",
  "zone",
  "distribution",
] as const;
export type DetectBinding = (typeof DETECT_BINDINGS)[number];
/** Bindings that only exist for objects with a pod spec: a line reading them says nothing about other objects. */
export const POD_BINDINGS: ReadonlySet<string> = new Set(["podSpec", "containers"]);
/** Bindings that come from the object (the rest come from the target). */
export const OBJECT_BINDINGS: ReadonlySet<string> = new Set([
  "object",
  "podSpec",
  "containers",
  "kind",
  "metadata",
]);

export interface DetectEnv {
  /** The target's zone (`1`); `zone` reads "" when unknown. */
  zone?: string;
  distribution?: string;
}

export class DetectSubject {
  readonly podSpecAt: PodSpecAt | undefined;
  private readonly values = new Map<string, CelInput>();
  private entries: ContainerEntry[] | undefined;
  private bound: Record<string, CelInput> | undefined;

  constructor(
    readonly object: unknown,
    readonly env: DetectEnv = {},
    containers?: ContainerEntry[],
  ) {
    this.podSpecAt = runningPodSpecOf(object);
    this.entries = containers;
  }

  get hasPodSpec(): boolean {
    return this.podSpecAt !== undefined;
  }

  /** `kind` as a line reads it: "" when the object has none. */
  get kind(): string {
    return asString(asRecord(this.object)?.kind) ?? "";
  }

  /** Every container (init, sidecars, regular, ephemeral), with where each is written. */
  containers(): ContainerEntry[] {
    this.entries ??= this.podSpecAt ? containerEntriesOf(this.object, this.podSpecAt) : [];
    return this.entries;
  }

  /** The CEL value of a binding; undefined when it is not bound for this object (`podSpec` of a Service). */
  value(name: string): CelInput | undefined {
    if (this.values.has(name)) return this.values.get(name);
    const v = this.compute(name);
    if (v !== undefined) this.values.set(name, v);
    return v;
  }

  private compute(name: string): CelInput | undefined {
    const rec = asRecord(this.object);
    switch (name) {
      case "object":
        return toCelValue(this.object);
      case "kind":
        return asString(rec?.kind) ?? "";
      case "metadata":
        return toCelValue(asRecord(rec?.metadata) ?? {});
      case "podSpec":
        return this.podSpecAt ? toCelValue(withPodDefaults(this.podSpecAt.spec)) : undefined;
      case "containers":
        return this.podSpecAt ? toCelValue(this.containers().map((c) => c.value)) : undefined;
      case "zone":
        return this.env.zone ?? "";
      case "distribution":
        return this.env.distribution ?? "";
      default:
        return undefined;
    }
  }

  /** The bindings for CEL's activation: computed when the expression first reads them. */
  activation(): Record<string, CelInput> {
    if (this.bound) return this.bound;
    const bound: Record<string, CelInput> = {};
    for (const name of DETECT_BINDINGS)
      Object.defineProperty(bound, name, { enumerable: true, get: () => this.value(name) });
    this.bound = bound;
    return bound;
  }

  /** The same object with `containers` narrowed to these (to find which container a line is about). */
  withContainers(entries: ContainerEntry[]): DetectSubject {
    return new DetectSubject(this.object, this.env, entries);
  }

  /** Another version of the object (a list narrowed), same target. */
  withObject(object: unknown): DetectSubject {
    return new DetectSubject(object, this.env);
  }

  /** Where a binding's field lives in the object: `podSpec.hostNetwork` → `spec.template.spec.hostNetwork`. */
  objectPath(binding: string, path: readonly (string | number)[]): JsonPath | undefined {
    switch (binding) {
      case "object":
        return [...path];
      case "metadata":
        return ["metadata", ...path];
      case "kind":
        return ["kind"];
      case "podSpec":
        return this.podSpecAt ? [...this.podSpecAt.path, ...path] : undefined;
      default:
        return undefined;
    }
  }
}
