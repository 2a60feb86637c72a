/**
 * Which topics each simulated client subscribes to: distinct topics drawn by
 * popularity (uniform, or Zipf: the topic of rank k is chosen with weight
 * 1/k^s), from a seeded generator so that every worker and every run of the
 * same options agree.
 */
import { mulberry32 } from '../../demo/generator.js';

/** Topic name of index `i` in a run. */
export function topicName(run: string, i: number): string {
  return `lg-${run}.t${i}`;
}

/**
 * The topic indexes of every client, `subs` distinct ones each.
 * @returns one array per client
 */
export function assignTopics(clients: number, topics: number, subs: number, distribution: 'uniform' | 'zipf', exponent: number, seed: number): number[][] {
  const random = mulberry32(seed);
  let pick: () => number;
  if (distribution === 'uniform') {
    pick = () => Math.floor(random() * topics);
  } else {
    const cdf = new Float64Array(topics);
    let total = 0;
    for (let k = 0; k < topics; k++) cdf[k] = total += 1 / Math.pow(k + 1, exponent);
    pick = () => {
      const x = random() * total;
      let lo = 0;
      let hi = topics - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  }
  const out: number[][] = [];
  for (let c = 0; c < clients; c++) {
    const mine = new Set<number>();
    // With a steep Zipf law the same few topics come up again and again; fall back to the next free one.
    while (mine.size < subs) {
      let t = pick();
      while (mine.has(t)) t = (t + 1) % topics;
      mine.add(t);
    }
    out.push([...mine]);
  }
  return out;
}
