/**
 * The small dot that tells whether a widget's data is live. Staleness should
 * be visible without shouting: green when open, amber while (re)connecting,
 * grey when idle or closed.
 */
import { css, html, type TemplateResult } from 'lit';
import type { ConnectionStatus } from './connection/listener.js';

const LABELS: Record<ConnectionStatus | 'idle', string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'connection lost, reconnecting…',
  closed: 'closed',
  unauthorized: 'unauthorized: the gateway refused the token',
};

/** Renders the status dot; its title and accessible label say the state in words. */
export function renderStatus(status: ConnectionStatus | 'idle'): TemplateResult {
  return html`<span part="status" class="status" data-status=${status} role="img" aria-label=${LABELS[status]} title=${LABELS[status]}></span>`;
}

/** Styles for `renderStatus`. */
export const statusStyles = css`
  .status {
    display: inline-block;
    width: 0.5em;
    height: 0.5em;
    border-radius: 50%;
    background: var(--_muted);
    opacity: 0.7;
    flex: none;
  }
  .status[data-status='open'] {
    background: var(--_ok);
  }
  .status[data-status='unauthorized'] {
    background: var(--_error);
  }
  .status[data-status='connecting'],
  .status[data-status='reconnecting'] {
    background: var(--_warn);
  }
`;
