/**
 * Stable topic → partition mapping (32-bit FNV-1a of the topic's UTF-16 code
 * units). All events of one topic go to one partition, so one processor sees
 * them in order.
 */
export function partitionOf(topic: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) {
    hash ^= topic.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
