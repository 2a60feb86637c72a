import fc from 'fast-check';
import { SeriesTable } from '../../widgets/chart/series-table.js';
import { deepEqual, equal, ok } from './support/assert.js';

/** The live rows of a table as [x, y0, y1, …] tuples. */
function rowsOf(t: SeriesTable): (number | null | undefined)[][] {
  return Array.from({ length: t.rows }, (_, i) => [t.x(i), ...Array.from({ length: t.series }, (_, j) => t.y(j, i))]);
}

describe('chart data', () => {
  it('keeps points sorted by time even when they arrive out of order', () => {
    const t = new SeriesTable(1);
    for (const [x, y] of [[1, 10], [3, 30], [2, 20], [3, 31], [0, 0]]) t.add(0, x, y);
    // A second point at the same time replaces the first.
    deepEqual(rowsOf(t), [[0, 0], [1, 10], [2, 20], [3, 31]]);
    equal(t.newest(0), 31);
  });

  it('drops points older than the window start', () => {
    const t = new SeriesTable(1);
    for (let i = 0; i < 5000; i++) t.add(0, i, i);
    t.prune(4990);
    equal(t.rows, 10);
    equal(t.x(0), 4990);
    equal(t.points, 10);
  });

  it('aligns series on the union of their times, with null where a series has no point', () => {
    const t = new SeriesTable(2);
    t.add(0, 1, 10);
    t.add(1, 2, 200);
    t.add(0, 3, 30);
    t.add(1, 3, 300);
    t.add(1, 3, 301);
    deepEqual(rowsOf(t), [
      [1, 10, null],
      [2, null, 200],
      [3, 30, 301],
    ]);
    const [xs, a, b] = t.aligned();
    deepEqual(Array.from(xs), [1, 2, 3]);
    deepEqual([a.slice(0, 3), b.slice(0, 3)], [[10, null, 30], [null, 200, 301]]);
  });

  it('hands uPlot the same buffers as the window slides, without growing past what the window holds', () => {
    const t = new SeriesTable(1);
    const windowRows = 3600;
    let biggest = 0;
    for (let i = 0; i < 20 * windowRows; i++) {
      t.add(0, i, i);
      t.prune(i - windowRows + 1);
      biggest = Math.max(biggest, t.aligned()[0].length);
    }
    equal(t.rows, windowRows);
    ok(biggest <= 3 * windowRows, `the buffer stays within three times the window (largest view ${biggest} rows)`);
  });

  it('matches a plain sorted merge for any order of arrival', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 40 }), fc.integer()), { maxLength: 200 }), (points) => {
        const t = new SeriesTable(2);
        const expected = new Map<number, (number | null)[]>();
        for (const [j, x, y] of points) {
          t.add(j, x, y);
          const row = expected.get(x) ?? [null, null];
          row[j] = y;
          expected.set(x, row);
        }
        const want = [...expected.entries()].sort((p, q) => p[0] - q[0]).map(([x, ys]) => [x, ...ys]);
        deepEqual(rowsOf(t), want);
      }),
    );
  });
});
