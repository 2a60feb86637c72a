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
const SELECTOR = TAGS.join(',');

/**
 * Loads in flight or done, per tag, shared by every copy of rt.js on the
 * page (as the socket registry is), so two copies fetch a chunk once.
 */
const loads: Map<LazyTag, Promise<CustomElementConstructor>> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('rt.elementLoads')
] ??= new Map()) as Map<LazyTag, Promise<CustomElementConstructor>>;

function isLazyTag(name: string): name is LazyTag {
  return Object.prototype.hasOwnProperty.call(CHUNKS, name);
}

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
    load.catch((error: unknown) => {
      loads.delete(tag);
      console.error(`rt: could not load the code of <${tag}> (chunk_failed): ${(error as Error)?.message ?? String(error)}`);
    });
    if (TAGS.every((t) => loads.has(t))) void Promise.all(TAGS.map((t) => loads.get(t))).then(stopWatching, () => {});
  }
  return load;
}

const observed = new WeakSet<Node>();
const awaited = new WeakSet<Element>();
const observer = typeof MutationObserver === 'function' ? new MutationObserver(onMutations) : null;

function onMutations(records: MutationRecord[]): void {
  for (const record of records) {
    for (const node of record.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) discover(node as Element);
  }
}

/** Watches a root for added nodes; returns false when it was watched already. */
function watch(root: Document | ShadowRoot): boolean {
  if (!observer || observed.has(root)) return false;
  observed.add(root);
  observer.observe(root, { childList: true, subtree: true });
  return true;
}

function stopWatching(): void {
  observer?.disconnect();
}

/** Loads the chunks of the lazy tags in or under `root`, looking into open shadow roots. */
function discover(root: Element | Document | ShadowRoot): void {
  if (root instanceof Element) visit(root);
  if (TAGS.every((t) => loads.has(t))) return;
  for (const element of root.querySelectorAll(SELECTOR)) visit(element);
  // Only custom elements can be waited on to get a shadow root later; any element may already have one.
  for (const element of root.querySelectorAll('*')) if (element.shadowRoot || element.localName.includes('-')) visit(element);
}

function visit(element: Element): void {
  const name = element.localName;
  if (isLazyTag(name)) {
    if (!loads.has(name)) void loadElement(name).catch(() => {});
    return;
  }
  // Our own elements never hold the lazy ones.
  if (name.startsWith('rt-')) return;
  const shadow = element.shadowRoot;
  // Watch before looking, so what renders in between is seen either way.
  if (shadow) {
    if (watch(shadow)) discover(shadow);
  } else if (name.includes('-') && !customElements.get(name) && !awaited.has(element)) {
    awaited.add(element);
    // Not upgraded yet (its script runs later): look into its shadow root once it is defined.
    void customElements.whenDefined(name).then(() => {
      if (element.shadowRoot && watch(element.shadowRoot)) discover(element.shadowRoot);
    });
  }
}

if (typeof document !== 'undefined' && observer) {
  watch(document);
  discover(document);
}
