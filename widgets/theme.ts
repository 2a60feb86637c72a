/**
 * Theme tokens shared by all rt elements. Each element reads private `--_*`
 * variables; their values come from the page's `--rt-*` variables when set
 * (inherited through the shadow boundary, so one rule on `:root` themes every
 * widget), else from the light or dark defaults below.
 *
 * Which default applies is decided by CSS `light-dark()`, that is by the
 * element's used `color-scheme`. With `theme="auto"` (the default) the host
 * sets none and inherits the page's: a page that declares
 * `color-scheme: light dark` (CSS on the root or `<meta name="color-scheme">`)
 * gets the OS preference, one that declares `dark` gets dark, and one that
 * declares nothing gets light — a light article on a dark-mode OS must not
 * show near-black boxes. `system` follows the OS whatever the page says;
 * `light` and `dark` force.
 */
import { css } from 'lit';

/** The values an element's `theme` attribute accepts. */
export type ThemeName = 'auto' | 'system' | 'light' | 'dark';

/** Theme tokens plus the frame every widget shares (card, font, spacing). */
export const themeStyles = css`
  :host {
    /*
     * Each token: the page's --rt-* value, else the light or dark default for
     * the used colour scheme. The chart's own tokens (grid, series colours) are
     * in chart/rt-chart.styles.ts, so pages without a chart do not download them.
     */
    --_bg: var(--rt-bg, light-dark(#ffffff, #15191e));
    --_fg: var(--rt-fg, light-dark(#1b1f24, #e6e9ed));
    --_muted: var(--rt-muted, light-dark(#5f6b7a, #9aa5b1));
    --_border: var(--rt-border, light-dark(#d9dee4, #2c333b));
    --_accent: var(--rt-accent, light-dark(#2f6fde, #6ea1ff));
    --_ok: var(--rt-ok, light-dark(#1f9d55, #48bb78));
    --_warn: var(--rt-warn, light-dark(#975a16, #ecc94b));
    --_error: var(--rt-error, light-dark(#c53030, #fc8181));
    --_font: var(--rt-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_radius: var(--rt-radius, 8px);
    --_padding: var(--rt-padding, 12px);
    display: block;
    box-sizing: border-box;
    font-family: var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: var(--rt-frame-border, 1px solid var(--_border));
    border-radius: var(--_radius);
    padding: var(--_padding);
  }
  :host([theme='system']) {
    color-scheme: light dark;
  }
  :host([theme='light']) {
    color-scheme: light;
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
`;
