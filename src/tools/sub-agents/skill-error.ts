/** Why a skill could not be used: it does not exist, or its name or file is malformed. */
export type SkillErrorCode = 'not_found' | 'invalid_skill';

/**
 * A skill that cannot be loaded. `code` is the tool error code `run_agent` reports to the model
 * (`not_found` for a missing file, `invalid_skill` for a bad name or malformed front matter),
 * so callers map it without parsing the message.
 */
export class SkillError extends Error {
  readonly code: SkillErrorCode;

  constructor(code: SkillErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkillError';
    this.code = code;
  }
}
