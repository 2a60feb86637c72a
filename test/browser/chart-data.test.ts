import { alignSeries } from '../../widgets/chart/align-series.js';
import { SeriesWindow } from '../../widgets/chart/series-window.js';
import { deepEqual, equal } from './support/assert.js';

function windowOf(points: [number, number][]): SeriesWindow {
  const w = new SeriesWindow();
  for (const [x, y] of points) w.add(x, y);
  return w;
}

describe('chart data', () => {
  it('keeps points sorted by time even when they arrive out of order', () => {
    const w = windowOf([[1, 10], [3, 30], [2, 20], [3, 31], [0, 0]]);
    deepEqual(Array.from({ length: w.length }, (_, i) => [w.x(i), w.y(i)]), [[0, 0], [1, 10], [2, 20], [3, 30], [3, 31]]);
    equal(w.newest(), 31);
  });

  it('drops points older than the window start', () => {
    const w = new SeriesWindow();
    for (let i = 0; i < 5000; i++) w.add(i, i);
    w.prune(4990);
    equal(w.length, 10);
    equal(w.x(0), 4990);
  });

  it('aligns series on the union of their times, with null where a series has no point', () => {
    const a = windowOf([[1, 10], [3, 30]]);
    const b = windowOf([[2, 200], [3, 300], [3, 301]]);
    deepEqual(alignSeries([a, b]), [
      [1, 2, 3],
      [10, null, 30],
      [null, 200, 301],
    ]);
    deepEqual(alignSeries([new SeriesWindow()]), [[], []]);
  });
});
