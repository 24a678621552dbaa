// Small helpers shared by the device parsers.

/** Copies the defined values of `src` into `dst` (so absent XML stays absent in the model). */
export function assignDefined<T extends object>(dst: T, src: Partial<T>): T {
  // for-in over an object literal: no entries array per call (it runs for most elements of a define)
  for (const k in src) {
    const v = src[k];
    if (v !== undefined) (dst as Record<string, unknown>)[k] = v;
  }
  return dst;
}
