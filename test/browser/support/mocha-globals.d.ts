// The mocha globals Web Test Runner provides in the page (no @types/mocha
// in this project; these are the parts the browser tests use).
interface MochaContext {
  timeout(ms: number): void;
  skip(): never;
}
type MochaDone = (error?: unknown) => void;
type MochaFn = (this: MochaContext, done: MochaDone) => void | Promise<unknown>;
declare function describe(title: string, fn: (this: MochaContext) => void): void;
declare function it(title: string, fn: MochaFn): void;
declare function before(fn: MochaFn): void;
declare function after(fn: MochaFn): void;
declare function beforeEach(fn: MochaFn): void;
declare function afterEach(fn: MochaFn): void;
