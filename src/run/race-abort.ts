/**
 * Settles with `promise`, or rejects with the signal's reason as soon as `signal` aborts — so a
 * provider that ignores its abort signal (a native inference call cannot be interrupted) cannot
 * hang a run past its timeout. The abandoned promise keeps running; its late result is dropped.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {}); // a late rejection after we gave up is not an unhandled error
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
