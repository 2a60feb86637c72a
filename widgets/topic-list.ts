/**
 * Reading topic attributes. `topics="cpu.load, mem.used"` and
 * `topics="cpu.load mem.used"` mean the same: authors write both.
 */

/** Splits a topics attribute on spaces and/or commas; empty pieces are ignored, repeats kept once. */
export function parseTopicList(value: string | null | undefined): string[] {
  if (!value) return [];
  return [...new Set(value.split(/[\s,]+/).filter((topic) => topic !== ''))];
}
