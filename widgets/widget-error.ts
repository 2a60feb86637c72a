/**
 * Errors the widgets raise on the browser side, each with a code a user can
 * look up in docs/widgets.md. Elements render them in place of their content;
 * `subscribe()` throws them.
 */

export const WidgetErrorCode = {
  /** A topic attribute or argument is missing. */
  MissingTopic: 'missing_topic',
  /** A topic breaks the topic syntax (see protocol `topicProblem`). */
  BadTopic: 'bad_topic',
  /** The gateway URL is not a ws(s)/http(s) URL, or no default could be derived. */
  BadGateway: 'bad_gateway',
  /** Another attribute has a value the element cannot use (e.g. a non-numeric `window`). */
  BadAttribute: 'bad_attribute',
  /** The gateway refused this topic: it is not public and the token does not grant it. */
  Forbidden: 'forbidden',
  /** The gateway refused the page's token (missing, expired, or not valid for this gateway). */
  Unauthorized: 'unauthorized',
} as const;

export type WidgetErrorCode = (typeof WidgetErrorCode)[keyof typeof WidgetErrorCode];

/** An error with a stable code and a message meant for the page author. */
export class WidgetError extends Error {
  constructor(
    /** Stable identifier of the kind of error. */
    readonly code: WidgetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WidgetError';
  }
}
