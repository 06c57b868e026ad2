import { describe, expect, it } from "vitest";
import { perRunKept, withPerRunViews } from "./per-run.js";

describe("perRunKept", () => {
  const counting = () => {
    const calls: string[] = [];
    const view = perRunKept(
      (o: { name: string }, at: number) => {
        calls.push(`${o.name}@${at}`);
        return o.name === "killed" ? [o.name, at] : [];
      },
      (v) => v.length > 0,
    );
    return { calls, view };
  };
  const killed = { name: "killed" };
  const healthy = { name: "healthy" };

  it("keeps what `keep` accepts for the rest of the run, and works the rest out each time", () => {
    const { calls, view } = counting();
    withPerRunViews(() => {
      const first = view(killed, 1);
      view(healthy, 1);
      // Another object in between: kept all the same (perRun keeps only the last).
      expect(view(killed, 1)).toBe(first);
      view(healthy, 1);
    });
    expect(calls).toEqual(["killed@1", "healthy@1", "healthy@1"]);
  });

  it("works a view out anew for another argument, in another run, and outside a run", () => {
    const { calls, view } = counting();
    withPerRunViews(() => {
      view(killed, 1);
      view(killed, 2);
    });
    withPerRunViews(() => view(killed, 2));
    view(killed, 2);
    view(killed, 2);
    expect(calls).toEqual(["killed@1", "killed@2", "killed@2", "killed@2", "killed@2"]);
  });
});
