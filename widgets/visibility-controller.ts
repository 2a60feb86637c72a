/**
 * `VisibilityController` tells an element whether anyone can see it: inside
 * (or near) the viewport, per IntersectionObserver, and in a tab that is not
 * hidden, per `document.visibilityState`. Elements keep receiving and storing
 * data while unseen and skip rendering it; when they come into view they
 * render the current data in the next update.
 *
 * One IntersectionObserver serves every element on the page rather than one
 * per element (as `@lit-labs/observers`' IntersectionController does): a
 * dashboard of 1 000 metrics then costs one observer, and the document's
 * visibility is folded into the same answer.
 */
import { isServer, type ReactiveController, type ReactiveControllerHost } from 'lit';

/** How far outside the viewport an element already counts as in view, so a scroll rarely shows stale content. */
const ROOT_MARGIN = '100px';

type Host = ReactiveControllerHost & Element;

const controllers = new WeakMap<Element, VisibilityController>();
let observer: IntersectionObserver | null = null;
const watching = new Set<VisibilityController>();

function sharedObserver(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) controllers.get(entry.target)?.setInView(entry.isIntersecting);
    },
    { rootMargin: ROOT_MARGIN },
  );
  return observer;
}

function onDocumentVisibility(): void {
  for (const controller of watching) controller.documentVisibilityChanged();
}

/** Follows whether the host can be seen, and updates it when it comes into view. */
export class VisibilityController implements ReactiveController {
  /**
   * Whether the host intersects the viewport (with a margin). True until the
   * observer first says otherwise, so an element renders once on arrival.
   */
  inView = true;
  private readonly host: Host;
  private readonly onChange: ((visible: boolean) => void) | undefined;

  /** @param onChange - called when `visible` changes, after the host was asked to update. */
  constructor(host: Host, onChange?: (visible: boolean) => void) {
    this.host = host;
    this.onChange = onChange;
    // Nothing is seen while rendering on a server.
    if (isServer) return;
    host.addController(this);
  }

  /** True when the host is in view and the tab is not hidden: rendering is worth doing. */
  get visible(): boolean {
    return this.inView && document.visibilityState !== 'hidden';
  }

  hostConnected(): void {
    controllers.set(this.host, this);
    sharedObserver().observe(this.host);
    if (watching.size === 0) document.addEventListener('visibilitychange', onDocumentVisibility);
    watching.add(this);
  }

  hostDisconnected(): void {
    observer?.unobserve(this.host);
    controllers.delete(this.host);
    watching.delete(this);
    if (watching.size === 0) document.removeEventListener('visibilitychange', onDocumentVisibility);
  }

  /** @internal Called by the shared observer. */
  setInView(inView: boolean): void {
    if (inView === this.inView) return;
    const was = this.visible;
    this.inView = inView;
    this.changed(was);
  }

  /** @internal Called when the tab is hidden or shown. */
  documentVisibilityChanged(): void {
    // `visible` already reads the new state; it flipped only when the host is in view.
    if (this.inView) this.changed(!this.visible);
  }

  private changed(was: boolean): void {
    const now = this.visible;
    if (now === was) return;
    // Coming into view: draw the data that arrived meanwhile.
    if (now) this.host.requestUpdate();
    this.onChange?.(now);
  }
}
