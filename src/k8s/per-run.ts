// Views derived from one object (its container statuses, its pod templates), made once per analysis: a scan's
// rules, latent risks and unexplained list ask for the same ones of every pod. Only inside `withPerRunViews`;
// outside one each call works its view out anew, and a run's views are dropped when it ends.

/** The run in progress; a fresh object per run, so a view kept in an earlier run is never given out again. */
let current: object | undefined;
const resets: (() => void)[] = [];

/** Runs `run` (synchronous) with views kept; a run already in progress is joined, not restarted. */
export function withPerRunViews<T>(run: () => T): T {
  if (current) return run();
  current = {};
  try {
    return run();
  } finally {
    current = undefined;
    // Nothing of the run is held once it is over.
    for (const reset of resets) reset();
  }
}

/**
 * `compute` made once per object and run. What it returns is shared by the run's callers: they read it and never
 * change it (nor is an object changed while it is analysed). The last object's view is at hand without a look-up:
 * the rules of a run check an object one after another.
 */
export function perRun<A, V>(compute: (o: A) => V): (o: A) => V {
  let run: object | undefined;
  const views = new Map<A, V>();
  let last: A | undefined;
  let view: V | undefined;
  resets.push(() => {
    run = undefined;
    views.clear();
    last = undefined;
    view = undefined;
  });
  return (o) => {
    if (current === undefined || typeof o !== "object" || o === null) return compute(o);
    if (run !== current) {
      run = current;
      views.clear();
      last = undefined;
    } else if (o === last) return view as V;
    let found = views.get(o);
    if (found === undefined) {
      found = compute(o);
      views.set(o, found);
    }
    last = o;
    view = found;
    return found;
  };
}
