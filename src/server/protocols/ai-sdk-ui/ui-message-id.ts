/** The id of the assistant message a run answers with (the same across continuations and reloads). */
export const uiMessageIdOf = (runId: string): string => `msg_${runId}`;
