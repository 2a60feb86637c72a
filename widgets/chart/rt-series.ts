/**
 * `<rt-series>`: one line of an `<rt-chart>`, named and styled by the page
 * author. It renders nothing; the chart reads its attributes, and observes
 * them, so it works before this class is defined too. Defined by the chart's chunk.
 */

/**
 * @summary One series of the enclosing `<rt-chart>`: its topic, label, colour, unit and field.
 */
export class RtSeries extends HTMLElement {
  /** Topic whose values this series plots. */
  get topic(): string {
    return this.getAttribute('topic') ?? '';
  }
  set topic(value: string) {
    this.setAttribute('topic', value);
  }

  /** Name in the legend and tooltip; defaults to the topic. */
  get label(): string {
    return this.getAttribute('label') ?? '';
  }
  set label(value: string) {
    this.setAttribute('label', value);
  }

  /** CSS colour of the line; defaults to the theme's next series colour. */
  get color(): string {
    return this.getAttribute('color') ?? '';
  }
  set color(value: string) {
    this.setAttribute('color', value);
  }

  /** Unit shown after this series' values. */
  get unit(): string {
    return this.getAttribute('unit') ?? '';
  }
  set unit(value: string) {
    this.setAttribute('unit', value);
  }

  /** Path into the message's `data` holding the number; unset uses `value`. */
  get field(): string {
    return this.getAttribute('field') ?? '';
  }
  set field(value: string) {
    this.setAttribute('field', value);
  }
}

if (!customElements.get('rt-series')) customElements.define('rt-series', RtSeries);

declare global {
  interface HTMLElementTagNameMap {
    'rt-series': RtSeries;
  }
}
