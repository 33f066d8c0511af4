/**
 * Sets an own, enumerable property even for the key "__proto__" (plain assignment would change the
 * object's prototype instead and lose the value). Data from suites and model outputs can hold any key.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** A JSON-style object: not null, not an array. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
