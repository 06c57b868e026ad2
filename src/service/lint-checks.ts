// What a lint checks of the input itself, apart from the rules: objects that are patches (left out, a note per
// file), values the API server refuses, objects defined twice. Fed batch by batch (the streamed lint) or all at
// once (the whole snapshot), it keeps the same objects and says the same, in the same order.
import type { Diagnostic } from "../model/diagnostic.js";
import type { SourcedObject } from "../model/snapshot.js";
import { type DuplicateEntries, DuplicateIndex } from "../sources/duplicates.js";
import { invalidValues } from "../sources/invalid-values.js";
import { PatchFragments } from "../sources/patch-fragments.js";

export class InputChecks {
  private readonly fragments = new PatchFragments();
  private readonly duplicates = new DuplicateIndex();
  private readonly invalid: Diagnostic[] = [];

  /** The objects to lint, in order: those that are whole objects. */
  take(objects: readonly SourcedObject[]): SourcedObject[] {
    const whole = objects.filter((o) => this.fragments.whole(o));
    for (const d of invalidValues(whole)) this.invalid.push(d);
    for (const o of whole) this.duplicates.add(o);
    return whole;
  }

  /** What the objects taken so far call for: the patches' notes, then refused values, then objects met twice. */
  diagnostics(): Diagnostic[] {
    return [...this.fragments.notes(), ...this.invalid, ...this.duplicates.diagnostics()];
  }

  /** The same, in parts, for lints in groups: objects met twice are told only once all groups are in. */
  parts(): { notes: Diagnostic[]; invalid: Diagnostic[]; identities: DuplicateEntries } {
    return {
      notes: this.fragments.notes(),
      invalid: [...this.invalid],
      identities: this.duplicates.entries(),
    };
  }
}
