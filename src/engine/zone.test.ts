import { describe, expect, it } from "vitest";
import { type Config, defaultConfig } from "../config/model.js";
import type { ZoneDistribution } from "../kb/model.js";
import { resolveZone, zoneKey } from "./zone.js";

const zoneMap: ZoneDistribution[] = [
  { zone: 1, distribution: "k3s", text: "k3s v1.34.x (Zone 1)" },
  { zone: 2, distribution: "managed", text: "UpCloud Managed K8s (Zones 2+3)" },
  { zone: 3, distribution: "managed", text: "UpCloud Managed K8s (Zones 2+3)" },
];
const config: Config = {
  ...defaultConfig(),
  zones: {
    "zone-3": { distribution: "k3s", contexts: ["lab"] },
    "2": { contexts: ["upcloud-prod", "upcloud-staging"] },
  },
};

describe("resolveZone", () => {
  it("takes --zone and finds its distribution in the config, else in the page header", () => {
    expect(resolveZone({ zone: "Zone 1", config, zoneMap })).toMatchObject({
      zone: "1",
      distribution: "k3s",
    });
    expect(resolveZone({ zone: "1", config, zoneMap }).how).toMatch(
      /page header \(k3s v1\.34\.x \(Zone 1\)\)/,
    );
    expect(resolveZone({ zone: "3", config, zoneMap })).toMatchObject({ zone: "3", distribution: "k3s" });
    expect(resolveZone({ zone: "3", config, zoneMap }).how).toMatch(/config/);
    expect(resolveZone({ zone: "9", config, zoneMap })).toEqual({
      zone: "9",
      how: expect.stringMatching(/unknown/),
    });
  });

  it("takes --distribution to the first zone that runs it", () => {
    expect(resolveZone({ distribution: "managed", config: defaultConfig(), zoneMap })).toMatchObject({
      zone: "2",
      distribution: "managed",
    });
    expect(resolveZone({ distribution: "k3s", config, zoneMap })).toMatchObject({
      zone: "3",
      distribution: "k3s",
    });
    expect(resolveZone({ distribution: "k3s", config: defaultConfig(), zoneMap: [] })).toEqual({
      distribution: "k3s",
      how: expect.stringMatching(/no zone runs k3s/),
    });
  });

  it("finds a kube context listed under a zone", () => {
    expect(resolveZone({ context: "upcloud-prod", config, zoneMap })).toEqual({
      zone: "2",
      distribution: "managed",
      how: "kube context upcloud-prod is listed under zones.2 in the config",
    });
    expect(resolveZone({ context: "lab", config, zoneMap })).toMatchObject({
      zone: "3",
      distribution: "k3s",
    });
    expect(resolveZone({ context: "elsewhere", config, zoneMap })).toEqual({
      how: expect.stringMatching(/give --zone/),
    });
  });

  it("says nothing is known when nothing is given", () => {
    expect(resolveZone({ config, zoneMap })).toEqual({
      how: expect.stringMatching(/zone-specific pitfalls are skipped/),
    });
  });

  it("reads config keys as a user types zones", () => {
    expect(["1", "zone-1", "Zone 1", "zone_1", "zone1"].map(zoneKey)).toEqual(["1", "1", "1", "1", "1"]);
  });
});
