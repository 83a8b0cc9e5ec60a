import type { SessionRecord } from '../../core/stores.js';

/** A session as its Redis key holds it (JSON); its approved tool types are a list beside it. */
export type StoredSession = Omit<SessionRecord, 'approvedToolTypes'>;

/** The session record of a stored session and its approved tool types. */
export const parseStored = (text: string, approved: string[]): SessionRecord => {
  const stored = JSON.parse(text) as StoredSession;
  return {
    sessionId: stored.sessionId,
    apiKeyHash: stored.apiKeyHash,
    ...(typeof stored.user === 'string' ? { user: stored.user } : {}),
    ...(stored.principal === undefined ? {} : { principal: stored.principal }),
    createdAt: stored.createdAt,
    expiresAt: stored.expiresAt,
    approvedToolTypes: approved,
    ...(typeof stored.endedAt === 'number' ? { endedAt: stored.endedAt } : {}),
  };
};

/** `cjson` encodes an empty Lua table as `{}`: both shapes mean "no keys". */
export const parseApprovedList = (text: string): string[] => {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
};
