import { parseTopicList } from '../../widgets/topic-list.js';
import { deepEqual } from './support/assert.js';

describe('topic list attribute', () => {
  it('splits on spaces and commas, ignoring empty pieces and repeats', () => {
    deepEqual(parseTopicList('a.b c.d'), ['a.b', 'c.d']);
    deepEqual(parseTopicList(' a.b, c.d ,,e  '), ['a.b', 'c.d', 'e']);
    deepEqual(parseTopicList('a a'), ['a']);
    deepEqual(parseTopicList(''), []);
    deepEqual(parseTopicList(null), []);
  });
});
