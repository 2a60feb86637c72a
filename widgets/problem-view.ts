/**
 * How an element shows that it cannot work: the message in place of its
 * content, with the code a user can look up in the docs.
 */
import { css, html, type TemplateResult } from 'lit';

/** Renders a widget error (or a gateway's error frame) as an alert. */
export function renderProblem(problem: { code: string; message: string }): TemplateResult {
  return html`<div part="error" class="problem" role="alert"><strong>${problem.code}</strong> ${problem.message}</div>`;
}

/** Styles for `renderProblem`. */
export const problemStyles = css`
  .problem {
    color: var(--_error);
    font-size: 0.85em;
    line-height: 1.4;
    overflow-wrap: anywhere;
  }
  .problem strong {
    font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
    font-weight: 600;
    margin-inline-end: 0.4em;
  }
`;
