/**
 * History epochs: a topic's history gets a new random epoch whenever it is
 * created from nothing, so ids seen in a history that was lost (a Redis
 * without persistence restarted, a flush, a new in-memory process) can be
 * told apart from ids of the current one, whatever their values.
 */
import { randomBytes } from 'node:crypto';

/** A fresh epoch: 8 base64url characters (48 random bits). */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}
