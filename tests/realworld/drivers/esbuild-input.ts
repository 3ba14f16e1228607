// Input of drivers/esbuild.mjs: a small TypeScript module with the features
// esbuild has to lower (enums, namespaces, parameter properties, generics,
// optional chaining, async/await, classes with private fields).
export enum Color { Red, Green = 4, Blue }
export namespace Geometry {
  export interface Point { x: number; y: number }
  export const origin: Point = { x: 0, y: 0 };
  export function dist(a: Point, b: Point = origin): number {
    return Math.hypot(a.x - b.x, a.y - b.y);
  }
}
type Maybe<T> = T | null | undefined;
export class Counter<T extends string> {
  #counts = new Map<T, number>();
  constructor(private readonly label: string, public step: number = 1) {}
  add(key: T): this {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + this.step);
    return this;
  }
  get(key: Maybe<T>): number {
    return key == null ? 0 : this.#counts.get(key) ?? 0;
  }
  toString(): string {
    return `${this.label}: ${[...this.#counts].map(([k, v]) => k + '=' + v).join(', ')}`;
  }
}
export async function main(words: readonly string[]): Promise<string> {
  const c = new Counter<string>('words', 2);
  for (const w of words) c.add(w.toLowerCase());
  await Promise.resolve();
  const far = Geometry.dist({ x: 3, y: 4 });
  return `${c} | ${Color[Color.Blue]} | ${far} | ${c.get(undefined)}`;
}
const unused = 1 + 2 * 3;
export default main;
