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

/**
 * `compute`, with what it gives for an object kept until the run ends when `keep` accepts it: for the few objects a
 * whole-snapshot check asks about again after the object-by-object checks (the pods OOMKilled). `arg` is part of
 * the question: a view kept for another is worked out anew.
 */
export function perRunKept<A extends object, P, V>(
  compute: (o: A, arg: P) => V,
  keep: (view: V) => boolean,
): (o: A, arg: P) => V {
  const kept = new Map<A, { arg: P; view: V }>();
  resets.push(() => kept.clear());
  return (o, arg) => {
    if (current === undefined) return compute(o, arg);
    const known = kept.get(o);
    if (known !== undefined && known.arg === arg) return known.view;
    const view = compute(o, arg);
    if (keep(view)) kept.set(o, { arg, view });
    return view;
  };
}
