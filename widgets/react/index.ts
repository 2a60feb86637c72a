/**
 * `rt-dashboard/react`: the `useTopic` hook and the elements' JSX typings.
 * Importing it does not register the elements: load `rt-dashboard` (or
 * `<script type="module" src=".../rt.js">`) for those.
 */
export { useTopic, type TopicState, type UseTopicOptions } from './use-topic.js';
export type { RtJsxProps } from './jsx.js';
