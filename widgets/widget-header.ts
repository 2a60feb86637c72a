/**
 * The header every rt widget shows: its label, how old its data is when it
 * is stale ("no data for 4 min"), and the status dot unless the widget is
 * showing a problem instead of data.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import type { ConnectionStatus } from './connection/listener.js';
import { renderStatus, statusStyles } from './status-dot.js';

export function renderHeader(label: string, status: ConnectionStatus | 'idle', hasProblem: boolean, ageText = ''): TemplateResult {
  return html`<div class="header">
    <span part="label" class="label">${label}</span>
    ${ageText && !hasProblem ? html`<span part="age" class="age" role="status">${ageText}</span>` : nothing}
    ${hasProblem ? nothing : renderStatus(status)}
  </div>`;
}

/** Styles for `renderHeader` (the status dot's included). */
export const headerStyles = [
  statusStyles,
  css`
    .header {
      display: flex;
      align-items: center;
      gap: 0.5em;
      color: var(--_muted);
      font-size: 0.85em;
      margin-bottom: 0.4em;
    }
    .label {
      flex: 1 1 auto;
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .age {
      flex: none;
      white-space: nowrap;
      color: var(--_warn);
    }
  `,
];
