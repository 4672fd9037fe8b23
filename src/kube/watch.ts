// A watch as an async iterable of events, parsed from the response as its bytes arrive.
import type { IncomingMessage } from 'node:http';
import { transportError, type HttpRequest, type Transport } from './http.ts';
import type { WatchEvent } from './types.ts';
import { jsonLines } from './watch-stream.ts';

/**
 * The events of a watch request. Ends when the server closes the stream or the request's signal aborts
 * (also while connecting, without an error); a refused connect throws the KubeApiError of its status (410
 * for a resourceVersion too old, when the server says so at connect rather than as an ERROR event); a
 * broken stream throws a KubeApiError with status 0.
 */
export async function* watchEvents<T>(
  t: Transport,
  req: HttpRequest,
  server: string,
): AsyncGenerator<WatchEvent<T>> {
  const signal = req.signal;
  let res: IncomingMessage;
  try {
    res = await t.send({ ...req, stream: true });
  } catch (err) {
    if (signal?.aborted) return;
    throw err;
  }
  const stop = (): void => void res.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    if (res.statusCode !== 200) throw await t.failure(res, req);
    for await (const event of jsonLines(res)) {
      if (signal?.aborted) return;
      yield event as WatchEvent<T>;
    }
  } catch (err) {
    if (signal?.aborted) return;
    throw transportError(err, req, server);
  } finally {
    signal?.removeEventListener('abort', stop);
    res.destroy();
  }
}
