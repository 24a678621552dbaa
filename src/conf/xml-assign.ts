// Small helpers shared by the device parsers.

/** Copies the defined values of `src` into `dst` (so absent XML stays absent in the model). */
export function assignDefined<T extends object>(dst: T, src: Partial<T>): T {
  for (const [k, v] of Object.entries(src)) if (v !== undefined) (dst as Record<string, unknown>)[k] = v;
  return dst;
}
