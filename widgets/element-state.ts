/**
 * The one state every rt element is in, said the same way by all of them:
 * in words, in a `::part(state)` element, and as the host's `state`
 * attribute (for page CSS and tests). Precedence: a problem (bad attribute,
 * unauthorized, forbidden, a gateway error) beats the connection, which
 * beats the data.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import type { ErrorFrame } from '../protocol/index.js';
import type { ConnectionStatus } from './connection/listener.js';
import type { WidgetError } from './widget-error.js';

/** Every state an element can be in. `live` is the only one that shows no words. */
export type ElementState = 'idle' | 'connecting' | 'reconnecting' | 'empty' | 'stale' | 'live' | 'unauthorized' | 'forbidden' | 'error';

/** Reconnecting is said in words only after this long, so a blip does not flash text (ms). */
export const RECONNECT_WORDS_AFTER_MS = 3000;

/** What decides the state. */
export interface StateInputs {
  status: ConnectionStatus | 'idle';
  problem: WidgetError | null;
  error: ErrorFrame | null;
  hasData: boolean;
  stale: boolean;
}

/** The state for these inputs. */
export function elementState(i: StateInputs): ElementState {
  const code: string | undefined = i.problem?.code ?? i.error?.code;
  if (code === 'unauthorized' || (i.status as string) === 'unauthorized') return 'unauthorized';
  if (code === 'forbidden') return 'forbidden';
  if (i.problem || i.error) return 'error';
  if (i.status === 'connecting') return 'connecting';
  if (i.status === 'reconnecting' || i.status === 'closed') return 'reconnecting';
  if (i.status === 'idle') return 'idle';
  if (!i.hasData) return 'empty';
  return i.stale ? 'stale' : 'live';
}

/**
 * The words for a state, or '' when nothing needs saying. Problems are shown
 * by the problem view with their code, so their words here are short.
 */
export function stateWords(state: ElementState, reconnectingForMs: number, emptyText: string): string {
  switch (state) {
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return reconnectingForMs >= RECONNECT_WORDS_AFTER_MS ? 'connection lost, reconnecting…' : '';
    case 'empty':
      return emptyText;
    default:
      return '';
  }
}

/** Renders the state line (`part="state"`), or nothing when there is nothing to say. */
export function renderState(state: ElementState, words: string): TemplateResult | typeof nothing {
  if (!words) return nothing;
  return html`<div part="state state-${state}" class="state" data-state=${state}>${words}</div>`;
}

/** Styles for `renderState`. */
export const stateStyles = css`
  .state {
    color: var(--_muted);
    font-size: 0.85em;
    line-height: 1.4;
  }
  .state[data-state='reconnecting'] {
    color: var(--_warn);
  }
`;
