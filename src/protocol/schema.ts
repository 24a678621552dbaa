// The schema language the API is written in: the small part of zod's API that
// protocol/ uses (string, number, boolean, literal, enum, array, object, optional, nullable,
// describe), with the TypeScript types, validation and JSON Schema (for OpenAPI) from one
// definition. Import it as `import * as z from './schema.js'`.
// Why not zod itself: its 440 KB were 60% of the daemon's bundle and 5.4 MiB of its resident
// memory, for these dozen constructors.

export interface Issue {
  path: Array<string | number>;
  message: string;
}
export type SafeParseResult<O> = { success: true; data: O } | { success: false; error: { issues: Issue[] } };
type Json = Record<string, unknown>;

export abstract class ZodType<O = unknown> {
  /** the output type; never set, only read by the type system */
  declare readonly _o: O;
  description: string | undefined;

  /** Validates `v` (issues go to `issues`, with their path) and returns the value to use. */
  abstract run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown;
  protected abstract jsonOf(): Json;

  safeParse(v: unknown): SafeParseResult<O> {
    const issues: Issue[] = [];
    const data = this.run(v, [], issues) as O;
    return issues.length ? { success: false, error: { issues } } : { success: true, data };
  }

  json(): Json {
    const j = this.jsonOf();
    return this.description === undefined ? j : { ...j, description: this.description };
  }

  optional(): ZodOptional<this> {
    return new ZodOptional(this);
  }

  nullable(): ZodNullable<this> {
    return new ZodNullable(this);
  }

  describe(description: string): this {
    return this.with({ description });
  }

  /** a copy with some fields changed: schemas are immutable, as in zod */
  protected with(change: Record<string, unknown>): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this) as object) as this, this, change);
  }
}

/** what a schema's values are; no transforms, so input and output are the same */
type Out<T extends ZodType> = T['_o'];
export type { Out as infer, Out as input, Out as output };

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  return typeof v;
}
const expected = (what: string, v: unknown) => `expected ${what}, received ${typeName(v)}`;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class ZodString extends ZodType<string> {
  private minLength: number | undefined;
  private pattern: { re: RegExp; message: string } | undefined;

  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (typeof v !== 'string') issues.push({ path, message: expected('string', v) });
    else if (this.minLength !== undefined && v.length < this.minLength) issues.push({ path, message: `too short: expected at least ${this.minLength} characters` });
    else if (this.pattern && !this.pattern.re.test(v)) issues.push({ path, message: this.pattern.message });
    return v;
  }
  protected jsonOf(): Json {
    return { type: 'string', ...(this.minLength !== undefined && { minLength: this.minLength }), ...(this.pattern && { pattern: this.pattern.re.source }) };
  }
  min(n: number): this {
    return this.with({ minLength: n });
  }
  regex(re: RegExp, message = `does not match ${re}`): this {
    return this.with({ pattern: { re, message } });
  }
}

export class ZodNumber extends ZodType<number> {
  private integer = false;
  private minimum: number | undefined;
  private maximum: number | undefined;

  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (typeof v !== 'number' || !Number.isFinite(v)) issues.push({ path, message: expected('number', v) });
    else if (this.integer && !Number.isInteger(v)) issues.push({ path, message: expected('integer', v) + ' with a fraction' });
    else if (this.minimum !== undefined && v < this.minimum) issues.push({ path, message: `too small: expected >= ${this.minimum}` });
    else if (this.maximum !== undefined && v > this.maximum) issues.push({ path, message: `too big: expected <= ${this.maximum}` });
    return v;
  }
  protected jsonOf(): Json {
    return { type: this.integer ? 'integer' : 'number', ...(this.minimum !== undefined && { minimum: this.minimum }), ...(this.maximum !== undefined && { maximum: this.maximum }) };
  }
  int(): this {
    return this.with({ integer: true });
  }
  min(n: number): this {
    return this.with({ minimum: n });
  }
  max(n: number): this {
    return this.with({ maximum: n });
  }
  nonnegative(): this {
    return this.min(0);
  }
}

export class ZodBoolean extends ZodType<boolean> {
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (typeof v !== 'boolean') issues.push({ path, message: expected('boolean', v) });
    return v;
  }
  protected jsonOf(): Json {
    return { type: 'boolean' };
  }
}

export class ZodLiteral<T extends string | number | boolean> extends ZodType<T> {
  constructor(readonly value: T) {
    super();
  }
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (v !== this.value) issues.push({ path, message: `expected ${JSON.stringify(this.value)}` });
    return v;
  }
  protected jsonOf(): Json {
    return { type: typeof this.value, const: this.value };
  }
}

export class ZodEnum<T extends string> extends ZodType<T> {
  constructor(readonly options: readonly T[]) {
    super();
  }
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (!(this.options as readonly unknown[]).includes(v)) issues.push({ path, message: `expected one of ${this.options.map((o) => `"${o}"`).join('|')}` });
    return v;
  }
  protected jsonOf(): Json {
    return { type: 'string', enum: [...this.options] };
  }
}

export class ZodArray<T extends ZodType> extends ZodType<Array<Out<T>>> {
  private minItems: number | undefined;
  private maxItems: number | undefined;
  constructor(readonly element: T) {
    super();
  }
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (!Array.isArray(v)) {
      issues.push({ path, message: expected('array', v) });
      return v;
    }
    if (this.minItems !== undefined && v.length < this.minItems) issues.push({ path, message: `too small: expected at least ${this.minItems} items` });
    if (this.maxItems !== undefined && v.length > this.maxItems) issues.push({ path, message: `too big: expected at most ${this.maxItems} items` });
    return v.map((e, i) => this.element.run(e, [...path, i], issues));
  }
  protected jsonOf(): Json {
    return { type: 'array', items: this.element.json(), ...(this.minItems !== undefined && { minItems: this.minItems }), ...(this.maxItems !== undefined && { maxItems: this.maxItems }) };
  }
  min(n: number): this {
    return this.with({ minItems: n });
  }
  max(n: number): this {
    return this.with({ maxItems: n });
  }
}

/** optional() and nullable(): the inner schema, or one more value that passes as it is */
abstract class ZodWrap<T extends ZodType, O> extends ZodType<O> {
  constructor(readonly inner: T, private readonly passes: undefined | null) {
    super();
  }
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    return v === this.passes ? v : this.inner.run(v, path, issues);
  }
}

export class ZodOptional<T extends ZodType> extends ZodWrap<T, Out<T> | undefined> {
  constructor(inner: T) {
    super(inner, undefined);
  }
  protected jsonOf(): Json {
    return this.inner.json();
  }
}

export class ZodNullable<T extends ZodType> extends ZodWrap<T, Out<T> | null> {
  constructor(inner: T) {
    super(inner, null);
  }
  protected jsonOf(): Json {
    return { anyOf: [this.inner.json(), { type: 'null' }] };
  }
}

export type Shape = Record<string, ZodType>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends ZodOptional<ZodType> ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOutput<S extends Shape> = Flatten<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Out<S[K]> } & { [K in OptionalKeys<S>]?: Out<S[K]> }
>;

export class ZodObject<S extends Shape> extends ZodType<ObjectOutput<S>> {
  constructor(readonly shape: S) {
    super();
  }
  /** Keys the shape does not name are dropped, as zod does. */
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (!isPlainObject(v)) {
      issues.push({ path, message: expected('object', v) });
      return v;
    }
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(this.shape)) {
      const r = s.run(v[k], [...path, k], issues);
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  protected jsonOf(): Json {
    const required = Object.keys(this.shape).filter((k) => !(this.shape[k] instanceof ZodOptional));
    const properties = Object.fromEntries(Object.entries(this.shape).map(([k, s]) => [k, s.json()]));
    return { type: 'object', properties, ...(required.length && { required }) };
  }
  extend<E extends Shape>(more: E): ZodObject<Flatten<Omit<S, keyof E> & E>> {
    return new ZodObject({ ...this.shape, ...more } as Flatten<Omit<S, keyof E> & E>);
  }
  merge<E extends Shape>(other: ZodObject<E>): ZodObject<Flatten<Omit<S, keyof E> & E>> {
    return this.extend(other.shape);
  }
}

/** one of several object shapes (events): the first option that accepts the value */
export class ZodUnion<T extends readonly ZodType[]> extends ZodType<Out<T[number]>> {
  constructor(readonly options: T) {
    super();
  }
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    for (const o of this.options) {
      const mine: Issue[] = [];
      const r = o.run(v, path, mine);
      if (!mine.length) return r;
    }
    issues.push({ path, message: 'expected one of the union\'s shapes' });
    return v;
  }
  protected jsonOf(): Json {
    return { oneOf: this.options.map((o) => o.json()) };
  }
}

/** an object of any keys whose values all match one schema (a map: libvirt's stats fields) */
export class ZodRecord<V extends ZodType> extends ZodType<Record<string, Out<V>>> {
  constructor(readonly value: V) {
    super();
  }
  run(v: unknown, path: Array<string | number>, issues: Issue[]): unknown {
    if (!isPlainObject(v)) {
      issues.push({ path, message: expected('object', v) });
      return v;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.value.run(x, [...path, k], issues);
    return out;
  }
  protected jsonOf(): Json {
    return { type: 'object', additionalProperties: this.value.json() };
  }
}

export const string = (): ZodString => new ZodString();
export const number = (): ZodNumber => new ZodNumber();
export const boolean = (): ZodBoolean => new ZodBoolean();
export const literal = <T extends string | number | boolean>(value: T): ZodLiteral<T> => new ZodLiteral(value);
const enum_ = <const T extends string>(options: readonly T[]): ZodEnum<T> => new ZodEnum(options);
export { enum_ as enum };
export const array = <T extends ZodType>(element: T): ZodArray<T> => new ZodArray(element);
export const object = <S extends Shape>(shape: S): ZodObject<S> => new ZodObject(shape);
export const union = <const T extends readonly ZodType[]>(options: T): ZodUnion<T> => new ZodUnion(options);
export const record = <V extends ZodType>(value: V): ZodRecord<V> => new ZodRecord(value);

/** The JSON Schema of what a schema accepts (OpenAPI 3.1 uses JSON Schema). */
export function toJSONSchema(s: ZodType): Json {
  return s.json();
}
