/**
 * A virtualizer layout for a vertical list whose rows all have the same,
 * known height. The stock flow layout measures each row it renders (a
 * ResizeObserver and a `getBoundingClientRect` per row) and re-estimates
 * positions and the list's height as measurements come in; a log appending
 * rows every frame would re-measure and shift every frame. Rows of an event
 * log are one line each, so row `i` sits at `i × height`, exactly, and
 * nothing needs measuring. It reuses the flow layout's plumbing (the base
 * layout is not exported by the package) and replaces all of its geometry.
 *
 * It also renders fewer rows beyond the viewport than the stock layout
 * (1 000 px each way), which at 20 px a row kept over 400 elements alive.
 */
import { FlowLayout } from '@lit-labs/virtualizer/layouts/flow.js';

type HostSink = ConstructorParameters<typeof FlowLayout>[0];

/** Rows rendered beyond each edge of the viewport, in px: enough for a wheel notch without blank space. */
const OVERHANG_PX = 200;

/** Layout config as the `virtualize` directive takes it (re-applied on every render). */
export interface FixedRowLayoutConfig {
  type: typeof FixedRowLayout;
  /** Height of every row, in px. */
  rowHeight: number;
  /** Keep this row in view (`null`: scroll freely). */
  pin: { index: number; block: 'start' | 'center' | 'end' | 'nearest' } | null;
}

export class FixedRowLayout extends FlowLayout {
  constructor(hostSink: HostSink, config?: object) {
    super(hostSink, config);
    this._overhang = OVERHANG_PX;
  }

  override get measureChildren(): boolean {
    return false;
  }

  override _updateScrollSize(): void {
    this._scrollSize = Math.max(1, this.items.length * this._itemSize.height);
  }

  /** The rows within the viewport and the overhang on each side. */
  override _getActiveItems(): void {
    const h = this._itemSize.height;
    const n = this.items.length;
    if (n === 0 || this._viewDim1 === 0) {
      this._first = -1;
      this._last = -1;
      this._physicalMin = 0;
      this._physicalMax = 0;
      return;
    }
    const min = Math.max(0, this._scrollPosition - this._overhang);
    const max = Math.min(this._scrollSize, this._scrollPosition + this._viewDim1 + this._overhang);
    this._first = Math.min(n - 1, Math.floor(min / h));
    this._last = Math.min(n - 1, Math.max(this._first, Math.ceil(max / h) - 1));
    this._physicalMin = this._first * h;
    this._physicalMax = (this._last + 1) * h;
  }

  override _getPosition(idx: number): number {
    return idx * this._itemSize.height;
  }

  override _estimatePosition(idx: number): number {
    return idx * this._itemSize.height;
  }

  override _getItemPosition(idx: number): { top: number; left: number } {
    return { top: idx * this._itemSize.height, left: 0 };
  }

  override _getItemSize(_idx: number): { height: number; width: number } {
    return { height: this._itemSize.height, width: this._itemSize.width };
  }

  /**
   * Clamps against the size the rows make, known exactly, rather than the
   * scroller's `scrollHeight` as measured before this update's rows were
   * added: pinned to the end, the stock clamp would stop one batch short of
   * the newest row.
   */
  override _clampScrollPosition(val: number): number {
    return Math.max(-this.offsetWithinScroller.top, Math.min(val, this._scrollSize - this.viewportSize.height));
  }

  /** Height of every row, in px (set through the layout config). */
  set rowHeight(px: number) {
    if (!(px > 0) || px === this._itemSize.height) return;
    this._itemSize = { width: this._itemSize.width, height: px };
    this._triggerReflow();
  }

  get rowHeight(): number {
    return this._itemSize.height;
  }
}
