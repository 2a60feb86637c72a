/**
 * `rt-dashboard/vue`: typings of the rt elements for Vue 3 templates
 * (`GlobalComponents`), so `vue-tsc` and Volar check their props. Vue must be
 * told the `rt-` tags are custom elements:
 * `app.config.compilerOptions.isCustomElement = (tag) => tag.startsWith('rt-')`
 * (or the same option of `@vitejs/plugin-vue`).
 *
 * `import type {} from 'rt-dashboard/vue'` once, e.g. in `env.d.ts`.
 */
import type { AllowedComponentProps, ComponentCustomProps, VNodeProps } from 'vue';
import type { ElementProps, RtElementEvents, RtElements } from '../element-props.js';

/** An rt element as a Vue component type: its properties as props, its events as `@rt-status` / `@rt-error`. */
export type RtVueElement<E extends HTMLElement> = new () => {
  $props: ElementProps<E> &
    AllowedComponentProps &
    ComponentCustomProps &
    VNodeProps & {
      [N in keyof RtElementEvents as `onRt${N extends `rt-${infer R}` ? Capitalize<R> : never}`]?: (event: RtElementEvents[N]) => void;
    };
};

declare module 'vue' {
  interface GlobalComponents {
    'rt-metric': RtVueElement<RtElements['rt-metric']>;
    'rt-chart': RtVueElement<RtElements['rt-chart']>;
    'rt-event-log': RtVueElement<RtElements['rt-event-log']>;
    'rt-series': RtVueElement<RtElements['rt-series']>;
  }
}
