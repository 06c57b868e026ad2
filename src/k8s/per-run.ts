// A view derived from one object (its container statuses, its pod templates) kept while the same object is asked
// about again: the engine runs every rule on an object before the next, and each rule reads the same views of it.
// Only inside `withPerRunViews`; outside one, and in another run, each call works its view out anew. (A map of
// every object's views measured no faster: the views it keeps live on into the older generation of the heap.)

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
 * `compute`, with the last object's view kept for the next call on that object in the same run: the engine runs
 * every rule on an object before the next, and each reads the same views of it. What it returns is shared by those
 * callers: they read it and never change it (nor is an object changed while it is analysed).
 */
export function perRun<A, V>(compute: (o: A) => V): (o: A) => V {
  let run: object | undefined;
  let last: A | undefined;
  let view: V | undefined;
  resets.push(() => {
    run = undefined;
    last = undefined;
    view = undefined;
  });
  return (o) => {
    if (current === undefined) return compute(o);
    if (o === last && run === current) return view as V;
    view = compute(o);
    last = o;
    run = current;
    return view;
  };
}
