/** Where the approvals inbox page is served (outside the route prefix, beside the playground). */
export const INBOX_PATH = '/inbox';

/**
 * The address of one approval in the inbox page: `inboxUrl` (`server.webhooks.inboxUrl`, the
 * page as people reach it, e.g. `https://agents.example.com/inbox`) or, without it, the page's
 * path on the gateway, with `?approval=<approval_id>`, which the page brings into view.
 */
export function inboxAddressOf(inboxUrl: string | undefined, approvalId: string): string {
  if (inboxUrl === undefined) return `${INBOX_PATH}?approval=${encodeURIComponent(approvalId)}`;
  const address = new URL(inboxUrl);
  address.searchParams.set('approval', approvalId);
  return address.toString();
}
