// Strings read from a manifest are often slices of their document's text (V8 makes a slice of 13 characters or
// more), and a kept slice keeps that whole text alive: a cache or index that outlives a batch keeps copies.

/** `text` with no tie to the text it was sliced from. */
export function ownCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
