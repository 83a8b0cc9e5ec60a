/** Where the protected-resource metadata (RFC 9728) of the MCP endpoint is, for a prefix. */
export const protectedResourcePath = (prefix: string): string =>
  `/.well-known/oauth-protected-resource${prefix}/mcp`;
