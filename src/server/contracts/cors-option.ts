import { z } from 'zod';

/** Which web pages of other origins may call the gateway (CORS). */
export const corsSchema = z.strictObject({
  /**
   * Origins whose web pages may call the gateway. Default none: a page on another origin cannot
   * read any answer, so no site the operator visits can use a local gateway. `['*']` allows any
   * origin (the token in `Authorization` is still required).
   */
  origins: z.array(z.string()).default(() => []),
  /** Request headers such pages may send. */
  allowHeaders: z.array(z.string()).default(() => ['Authorization', 'Content-Type', 'X-MCP-Secret']),
  /** Methods such pages may use. */
  allowMethods: z.array(z.string()).default(() => ['GET', 'POST', 'OPTIONS']),
});
