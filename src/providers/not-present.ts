// A provider whose model files are not on this machine (not downloaded, no network) throws this
// from load(). The runner records the model as 'not_present' rather than 'load_failed': absent
// weights are an expected state of a fresh machine, a broken load is a bug.
export const MODEL_NOT_PRESENT = 'MODEL_NOT_PRESENT';

export class ModelNotPresentError extends Error {
  override name = 'ModelNotPresentError';
  readonly code = MODEL_NOT_PRESENT;
}

/** Checks the code rather than the class, so errors from another copy of this module count too. */
export function isModelNotPresent(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === MODEL_NOT_PRESENT;
}
