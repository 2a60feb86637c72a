/**
 * JSX typings of the rt elements for React 19, which passes props to custom
 * elements as properties (camelCase: `staleAfter`) or attributes, and
 * `onrt-status` / `onrt-error` as event listeners.
 *
 * Loaded by `import … from 'rt-dashboard/react'`, or on its own with
 * `import type {} from 'rt-dashboard/react'`.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { ElementProps, RtElementEvents, RtElements } from '../element-props.js';

/** Props of `<rt-…>` element `E` in React JSX. */
export type RtJsxProps<E extends HTMLElement> = DetailedHTMLProps<HTMLAttributes<E>, E> &
  ElementProps<E> & {
    [N in keyof RtElementEvents as `on${N}`]?: (event: RtElementEvents[N]) => void;
  } & { class?: string };

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'rt-metric': RtJsxProps<RtElements['rt-metric']>;
      'rt-chart': RtJsxProps<RtElements['rt-chart']>;
      'rt-event-log': RtJsxProps<RtElements['rt-event-log']>;
      'rt-series': RtJsxProps<RtElements['rt-series']>;
    }
  }
}
