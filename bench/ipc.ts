import type { JsonObject } from '@backstage/types';

/** What a backend child reports about itself at one instant. */
export interface ChildSample {
  /** User plus system CPU time since the child started, all threads. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  external: number;
}

export type ParentMessage =
  | { type: 'start'; externalAccess: unknown[]; pluginKeyStore: JsonObject }
  | { type: 'sample' | 'gc'; id: number }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'sample'; id: number; sample: ChildSample };
