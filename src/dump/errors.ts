// The one error a dump fails with when the API refused some types: it names every one of them.

export interface TypeFailure {
  /** The filters' resource id (`deployments.apps`). */
  type: string;
  forbidden: boolean;
  message: string;
}

/** A dump that could not list some types; the dump directory keeps its previous files of those types. */
export class DumpError extends Error {
  readonly failures: readonly TypeFailure[];
  constructor(failures: TypeFailure[]) {
    const sorted = [...failures].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    const list = sorted.map((f) => `${f.type} (${f.forbidden ? 'forbidden: ' : ''}${f.message})`);
    super(`cannot list ${sorted.length} resource type(s): ${list.join('; ')}`);
    this.name = 'DumpError';
    this.failures = sorted;
  }
}
