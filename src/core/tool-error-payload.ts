/**
 * The error half of a tool outcome, exactly as the model and the SSE stream see it. A file of its
 * own because both the wire events (`events.ts`) and the tool contracts (`tool.ts`) use it.
 */
export interface ToolErrorPayload {
  code: string;
  message: string;
  sub_code?: string;
}
