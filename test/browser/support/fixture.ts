/** Putting elements on the test page and reading their shadow DOM. */
import { waitFor } from './wait.js';

const mounted: HTMLElement[] = [];

/** Appends `markup` to the page inside a fresh container and returns the container. */
export function mount(markup: string): HTMLElement {
  const container = document.createElement('div');
  container.style.width = '600px';
  container.innerHTML = markup;
  document.body.append(container);
  mounted.push(container);
  return container;
}

/** Removes everything `mount` added. */
export function unmountAll(): void {
  for (const container of mounted.splice(0)) container.remove();
}

/** The element in `host`'s shadow root with the given part name. */
export function part(host: Element, name: string): HTMLElement | null {
  return host.shadowRoot?.querySelector<HTMLElement>(`[part~="${name}"]`) ?? null;
}

/** The connection status an element shows (its status dot). */
export function shownStatus(host: Element): string | undefined {
  return part(host, 'status')?.dataset.status;
}

/** Waits until an element shows a live connection. */
export function whenLive(host: Element, timeoutMs = 8000): Promise<true> {
  return waitFor(() => shownStatus(host) === 'open', `<${host.localName}> to show a live connection`, timeoutMs);
}
