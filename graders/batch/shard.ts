/**
 * Sharding: `--shard i/n` grades a deterministic 1/n of the submissions, so that n machines
 * (a CI matrix, a Slurm job array) grade a course between them and `merge` joins their
 * folders. A student's shard depends only on the student id (a hash), not on who else
 * submitted, so a late submission does not move anyone to another shard.
 */
import { createHash } from 'crypto';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** "2/3" -> {index: 2, count: 3}; undefined when malformed. */
export function parseShard(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/** The shard (1-based) a student belongs to among `count`. */
export function shardOf(student: string, count: number): number {
  return (createHash('sha256').update(student).digest().readUInt32BE(0) % count) + 1;
}

export function inShard(student: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(student, shard.count) === shard.index;
}
