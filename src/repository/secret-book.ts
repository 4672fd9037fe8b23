// The secret values one piece of work holds, and the redactor made from them. Whoever reads a Secret adds
// its credentials here before anything could print them; every text shown to a person or written to a
// status, event or log passes through `redact`, and every restic process gets `values` as extra secrets.
import { createRedactor, type Redactor } from '../common/redact.ts';

/** A growing set of secret values; the redactor is rebuilt when one is added. */
export class SecretBook {
  readonly #secrets = new Set<string>();
  #redactor: Redactor = createRedactor([]);

  /** Adds values; undefined and empty ones are ignored. */
  add(...values: (string | undefined)[]): void {
    let changed = false;
    for (const value of values) {
      if (value === undefined || value === '' || this.#secrets.has(value)) continue;
      this.#secrets.add(value);
      changed = true;
    }
    if (changed) this.#redactor = createRedactor(this.#secrets);
  }

  /** Every value added so far. */
  get values(): string[] {
    return [...this.#secrets];
  }

  /** `text` with every value added so far, and every credential pattern, replaced. */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }
}
