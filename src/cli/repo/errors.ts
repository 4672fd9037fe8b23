/** A problem with what the user typed or asked for; the message says what to do instead. */
export class RepoCliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RepoCliError';
  }
}
