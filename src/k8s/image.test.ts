import { describe, expect, it } from "vitest";
import { effectivePullPolicy, type ImageRef, parseImage } from "./image.js";

const DIGEST = `sha256:${"a".repeat(64)}`;

describe("parseImage", () => {
  const valid: [string, ImageRef][] = [
    ["app", { repository: "app" }],
    ["nginx:1.27", { repository: "nginx", tag: "1.27" }],
    ["library/nginx:latest", { repository: "library/nginx", tag: "latest" }],
    ["host:5000/ns/app:1.2", { registry: "host:5000", repository: "ns/app", tag: "1.2" }],
    ["host:5000/ns/app", { registry: "host:5000", repository: "ns/app" }],
    ["localhost/app:latest", { registry: "localhost", repository: "app", tag: "latest" }],
    ["localhost:5000/app", { registry: "localhost:5000", repository: "app" }],
    [
      "ghcr.io/org/sub/app:v1.0.0-rc.1",
      { registry: "ghcr.io", repository: "org/sub/app", tag: "v1.0.0-rc.1" },
    ],
    [`app@${DIGEST}`, { repository: "app", digest: DIGEST }],
    [`reg.io/app:1@${DIGEST}`, { registry: "reg.io", repository: "app", tag: "1", digest: DIGEST }],
    ["Registry/app", { registry: "Registry", repository: "app" }], // upper case makes it a host
    ["[::1]:5000/app:2", { registry: "[::1]:5000", repository: "app", tag: "2" }],
    ["my_org/my-app__x:t", { repository: "my_org/my-app__x", tag: "t" }],
    ["host:5000", { repository: "host", tag: "5000" }], // no slash: the port reads as a tag
  ];
  it.each(valid)("%s", (ref, expected) => {
    expect(parseImage(ref)).toEqual(expected);
  });

  const invalid: unknown[] = [
    "",
    " app",
    "app:",
    "app@",
    "app@sha256:abc",
    "App",
    "ns/App:1",
    "app:-bad",
    `app:${"t".repeat(129)}`,
    "/app",
    "app/",
    "a//b",
    "app:1:2",
    "reg..io/app",
    "a".repeat(64).replace(/a/g, "f"),
    "my app",
    null,
    42,
    { image: "app" },
  ];
  it.each(invalid)("rejects %j", (ref) => {
    expect(parseImage(ref)).toBeUndefined();
  });
});

describe("effectivePullPolicy", () => {
  const table: [string, Record<string, unknown>, string, string][] = [
    ["explicit wins over latest", { image: "app:latest", imagePullPolicy: "Never" }, "Never", "explicit"],
    ["explicit Always", { image: "app:1", imagePullPolicy: "Always" }, "Always", "explicit"],
    ["latest tag", { image: "app:latest" }, "Always", "latest-tag"],
    ["latest tag beside a digest still pulls", { image: `app:latest@${DIGEST}` }, "Always", "latest-tag"],
    ["no tag", { image: "localhost/app" }, "Always", "no-tag"],
    ["digest only", { image: `app@${DIGEST}` }, "IfNotPresent", "default"],
    ["pinned tag", { image: "app:1.2" }, "IfNotPresent", "default"],
    ["empty policy is unset", { image: "app", imagePullPolicy: "" }, "Always", "no-tag"],
    ["unparseable image", { image: "App:Latest" }, "IfNotPresent", "default"],
    ["image missing", {}, "IfNotPresent", "default"],
    ["image not a string", { image: ["app"] }, "IfNotPresent", "default"],
  ];
  it.each(table)("%s", (_what, container, policy, reason) => {
    expect(effectivePullPolicy(container)).toEqual({ policy, reason });
  });

  it.each([["always"], [true], [1], [["Always"]]])("undefined for the invalid policy %j", (value) => {
    expect(effectivePullPolicy({ image: "app", imagePullPolicy: value })).toBeUndefined();
  });

  it("treats a non-object container as one without an image", () => {
    expect(effectivePullPolicy("app:latest")).toEqual({ policy: "IfNotPresent", reason: "default" });
  });
});
