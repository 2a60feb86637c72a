/**
 * Loads the code of `<rt-chart>` (uPlot) and `<rt-event-log>` (the
 * virtualizer) the first time such an element appears, so a page with only
 * `<rt-metric>` never downloads them.
 *
 * The chunks are fetched with `import()` relative to the bundle's own URL
 * (esbuild writes relative specifiers), so they come from the host that
 * served rt.js, on any embedding origin. Until its chunk has run, an element
 * is an undefined custom element: its attributes, and properties set from
 * script, stay on it; when the chunk defines the tag, the element upgrades
 * and Lit takes those early properties over, so it renders as if the code
 * had been there all along.
 *
 * Where elements are looked for: the document, every open shadow root found
 * in it (observed as well, so a Lit app that renders `<rt-chart>` later is
 * seen), and the shadow roots of custom elements defined after they were
 * seen. Closed shadow roots cannot be seen: call `loadElement()` there.
 */

/** The lazily loaded tags, and the chunk that defines each. */
const CHUNKS = {
  'rt-chart': () => import('./chart/rt-chart.js'),
  'rt-event-log': () => import('./event-log/rt-event-log.js'),
} as const;

/** A tag whose code `rt.js` loads on first use. */
export type LazyTag = keyof typeof CHUNKS;

const TAGS = Object.keys(CHUNKS) as LazyTag[];

/**
 * Loads in flight or done, per tag, shared by every copy of rt.js on the
 * page (as the socket registry is), so two copies fetch a chunk once.
 */
const loads: Map<string, Promise<CustomElementConstructor>> = ((globalThis as Record<symbol, unknown>)[Symbol.for('rt.elementLoads')] ??= new Map()) as Map<
  string,
  Promise<CustomElementConstructor>
>;

const isLazyTag = (name: string): name is LazyTag => TAGS.includes(name as LazyTag);
const allLoading = (): boolean => TAGS.every((t) => loads.has(t));

/**
 * Loads the code of a lazily loaded element now (a no-op once loaded) and
 * resolves with its class, once the tag is defined. Elements on the page are
 * found and loaded on their own; call this for elements inside closed
 * shadow roots, or to fetch the code ahead of time.
 */
export function loadElement(tag: LazyTag): Promise<CustomElementConstructor> {
  if (!isLazyTag(tag)) return Promise.reject(new TypeError(`loadElement(tag): tag must be one of ${TAGS.join(', ')}, got ${String(tag)}`));
  let load = loads.get(tag);
  if (!load) {
    load = CHUNKS[tag]().then(() => customElements.whenDefined(tag));
    loads.set(tag, load);
    // A failed download (offline, deploy in progress) is tried again the next time such an element appears.
    load.catch((error: Error) => {
      loads.delete(tag);
      console.error(`rt: could not load the code of <${tag}> (chunk_failed): ${error?.message}`);
    });
    // Once every chunk is on its way there is nothing left to look for.
    if (allLoading()) observer?.disconnect();
  }
  return load;
}

const seen = new WeakSet<Node>();
const observer =
  typeof MutationObserver === 'function'
    ? new MutationObserver((records) => {
        for (const record of records) for (const node of record.addedNodes) if (node instanceof Element) discover(node);
      })
    : null;

/** Loads the chunks of the lazy tags in or under `root`, looking into open shadow roots. */
function discover(root: Element | Document | ShadowRoot): void {
  if (root instanceof Element) visit(root);
  for (const element of root.querySelectorAll('*')) {
    if (allLoading()) return;
    visit(element);
  }
}

/** Watches a shadow root (once) for elements added later, then looks through what it holds. */
function enter(shadow: ShadowRoot | null): void {
  if (!shadow || seen.has(shadow)) return;
  seen.add(shadow);
  // Watch before looking, so what renders in between is seen either way.
  observer!.observe(shadow, { childList: true, subtree: true });
  discover(shadow);
}

function visit(element: Element): void {
  const name = element.localName;
  if (isLazyTag(name)) {
    if (!loads.has(name)) loadElement(name).catch(() => {});
  } else if (!name.startsWith('rt-')) {
    // Our own elements never hold the lazy ones.
    enter(element.shadowRoot);
    // A custom element not defined yet (its script runs later) may render into a shadow root once it is.
    if (name.includes('-') && !customElements.get(name) && !seen.has(element)) {
      seen.add(element);
      customElements.whenDefined(name).then(() => enter(element.shadowRoot));
    }
  }
}

if (observer && typeof document === 'object') {
  observer.observe(document, { childList: true, subtree: true });
  discover(document);
}
