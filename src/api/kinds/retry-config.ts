import type { Static } from '@sinclair/typebox';
import { Duration, Int32, Obj, Opt } from '../schema/builders.ts';

/** How a failed session is retried. */
export function RetryConfig(description: string) {
  return Obj(
    {
      maxRetry: Opt(Int32('How many times a failed session is retried.', { minimum: 1, default: 1 })),
      delay: Opt(Duration('How long to wait before a retry')),
    },
    description,
  );
}
export type RetryConfig = Static<ReturnType<typeof RetryConfig>>;
