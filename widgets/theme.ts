/**
 * Theme tokens shared by all rt elements. Each element reads private `--_*`
 * variables; their values come from the page's `--rt-*` variables when set
 * (inherited through the shadow boundary, so one rule on `:root` themes every
 * widget), else from the light or dark defaults below. Dark defaults follow
 * `prefers-color-scheme` unless the element's `theme` attribute says
 * `light` or `dark`.
 */
import { css } from 'lit';

/** The values an element's `theme` attribute accepts. */
export type ThemeName = 'auto' | 'light' | 'dark';

const light = css`
  --_bg: var(--rt-bg, #ffffff);
  --_fg: var(--rt-fg, #1b1f24);
  --_muted: var(--rt-muted, #5f6b7a);
  --_border: var(--rt-border, #d9dee4);
  --_grid: var(--rt-grid, var(--rt-border, #e8ebef));
  --_accent: var(--rt-accent, #2f6fde);
  --_ok: var(--rt-ok, #1f9d55);
  --_warn: var(--rt-warn, #b7791f);
  --_error: var(--rt-error, #c53030);
  --_series-1: var(--rt-series-1, #2f6fde);
  --_series-2: var(--rt-series-2, #e4572e);
  --_series-3: var(--rt-series-3, #17a398);
  --_series-4: var(--rt-series-4, #8e44ad);
  --_series-5: var(--rt-series-5, #d4a017);
  --_series-6: var(--rt-series-6, #6c7a89);
`;

const dark = css`
  --_bg: var(--rt-bg, #15191e);
  --_fg: var(--rt-fg, #e6e9ed);
  --_muted: var(--rt-muted, #9aa5b1);
  --_border: var(--rt-border, #2c333b);
  --_grid: var(--rt-grid, var(--rt-border, #242a31));
  --_accent: var(--rt-accent, #6ea1ff);
  --_ok: var(--rt-ok, #48bb78);
  --_warn: var(--rt-warn, #ecc94b);
  --_error: var(--rt-error, #fc8181);
  --_series-1: var(--rt-series-1, #6ea1ff);
  --_series-2: var(--rt-series-2, #ff8a65);
  --_series-3: var(--rt-series-3, #4fd1c5);
  --_series-4: var(--rt-series-4, #b794f4);
  --_series-5: var(--rt-series-5, #f6e05e);
  --_series-6: var(--rt-series-6, #a0aec0);
`;

/** Light and dark tokens plus the frame every widget shares (card, font, spacing). */
export const themeStyles = css`
  :host {
    ${light}
    --_font: var(--rt-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    --_radius: var(--rt-radius, 8px);
    --_padding: var(--rt-padding, 12px);
    display: block;
    box-sizing: border-box;
    color-scheme: light;
    font-family: var(--_font);
    color: var(--_fg);
    background: var(--_bg);
    border: var(--rt-frame-border, 1px solid var(--_border));
    border-radius: var(--_radius);
    padding: var(--_padding);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
      color-scheme: dark;
    }
  }
  :host([theme='dark']) {
    ${dark}
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
