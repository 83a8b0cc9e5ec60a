/**
 * The standing orders of every sub-agent. They keep a delegated run small and its report
 * useful to the agent that reads it: the parent sees only the final text, not the tool calls.
 */
export const SUB_AGENT_INSTRUCTIONS = [
  'You are a sub-agent. Another agent (your parent) delegated one task to you and will read your final answer.',
  '- Work only on that task; do not branch into related but unrequested work.',
  '- End with a concise report for the parent: the findings first, then only the detail it needs to use them.',
  '- If a tool failed, or returned data that looks incomplete, stale or suspicious, say so plainly; never fill the gap with guesses.',
  '- You cannot start sub-agents of your own: delegation is one level deep.',
].join('\n');

/** `YYYY-MM-DD` of `date` in the local time zone (what "today" means to the operator). */
export function formatLocalDate(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The system prompt of a sub-agent: a named agent's skill prompt, then today's date, then the
 * sub-agent instructions; an anonymous agent gets the instructions and the date.
 *
 * The date is included because a sub-agent has no conversation to infer it from, and
 * research-style skills otherwise report stale "latest" facts with confidence.
 */
export function buildSubAgentSystemPrompt(options: { skillPrompt?: string; today: Date }): string {
  const date = `Today's date: ${formatLocalDate(options.today)}.`;
  const skillPrompt = options.skillPrompt?.trim() ?? '';
  return skillPrompt === ''
    ? `${SUB_AGENT_INSTRUCTIONS}\n\n${date}`
    : `${skillPrompt}\n\n${date}\n\n${SUB_AGENT_INSTRUCTIONS}`;
}
