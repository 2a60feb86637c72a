/**
 * `SizeController` tells an element the size of a box it draws in, shaped
 * like Lit's `ResizeController` (`@lit-labs/observers`): it attaches in its
 * constructor, observes while the host is connected, stops when it is
 * disconnected, and reports changes. Two differences, both for dashboards of
 * many elements: one ResizeObserver serves every controller on the page, and
 * the size comes from the observer's entries (content box), so reading it
 * never forces a layout.
 */
import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';

/** What the controller does with a new size. */
export interface SizeControllerOptions {
  /** Called with the new content-box size (CSS px, rounded) when it changes. */
  onResize: (width: number, height: number) => void;
}

const controllers = new WeakMap<Element, SizeController>();
let observer: ResizeObserver | null = null;

function sharedObserver(): ResizeObserver {
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) {
      const box = entry.contentBoxSize?.[0];
      const width = Math.round(box ? box.inlineSize : entry.contentRect.width);
      const height = Math.round(box ? box.blockSize : entry.contentRect.height);
      controllers.get(entry.target)?.resized(width, height);
    }
  });
  return observer;
}

export class SizeController implements ReactiveController {
  /** Last observed width (0 until observed). */
  width = 0;
  /** Last observed height (0 until observed). */
  height = 0;
  private target: Element | null = null;
  private connected = false;
  private readonly options: SizeControllerOptions;

  constructor(host: ReactiveControllerHost, options: SizeControllerOptions) {
    this.options = options;
    // No layout on a server.
    if (isServer) return;
    host.addController(this);
  }

  /** Observes `target` instead of the previous one (null stops). */
  observe(target: Element | null): void {
    if (target === this.target) return;
    this.unobserve();
    this.target = target;
    if (this.connected) this.start();
  }

  hostConnected(): void {
    this.connected = true;
    this.start();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.unobserve();
  }

  /** @internal */
  resized(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.options.onResize(width, height);
  }

  private start(): void {
    if (!this.target) return;
    controllers.set(this.target, this);
    sharedObserver().observe(this.target);
  }

  private unobserve(): void {
    if (!this.target) return;
    controllers.delete(this.target);
    observer?.unobserve(this.target);
    if (!this.connected) this.target = null;
  }
}
