// What kb draft proposes when a pitfall on the pages already explains a failure: record the incident there.

/** Recording the incident on a pitfall that explains it, instead of a near-duplicate entry. */
export interface RecordProposal {
  id: string;
  title: string;
  /** The page the pitfall is on. */
  page: string;
  /** It is on the built-in page: record the line in the team's copy of the entry. */
  builtin: boolean;
  /** The ADDED_FROM value to append. */
  addedFrom: string;
  /** Why this pitfall explains the failure. */
  why: string;
  /** An entry (markdown) that `kb add --from` turns into that one ADDED_FROM line on the pitfall's page. */
  entry: string;
}
