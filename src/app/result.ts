// Expected failures of a use case are values. `code` is stable snake_case (docs/errors.md);
// `field` names the input at fault.

export const ERROR_CODES = {
  invalid_field: 'An input field is missing or has a value that is not allowed.',
  not_found: 'The object does not exist for this merchant.',
  invalid_state: 'The object is in a state that does not allow this action.',
  not_test_mode: 'Only a merchant in test mode has a test clock.',
  invalid_template: 'A message template does not parse or uses an unknown variable or filter.',
  unauthenticated: 'The request carries no valid API key or session.',
  idempotency_key_reused: 'This Idempotency-Key was used before with a different request.',
  idempotency_in_progress: 'A request with this Idempotency-Key is still being processed.',
  invalid_json: 'The request body is not valid JSON.',
  unsupported_media_type: 'The request body must be application/json.',
  method_not_allowed: 'This path does not accept this method.',
  too_large: 'The request body is too large.',
  too_many_attempts: 'Too many failed sign-ins; wait before trying again.',
  rate_limited:
    'Too many requests for this API key, or too many failed sign-ins from this address; retry after the seconds in Retry-After.',
  internal_error:
    'Something failed on our side; sending the request again with the same Idempotency-Key is safe.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type UseCaseError = { code: ErrorCode; message: string; field: string | null };

export type Result<T> = { ok: true; value: T } | { ok: false; error: UseCaseError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = (
  code: ErrorCode,
  message: string,
  field: string | null = null,
): { ok: false; error: UseCaseError } => ({
  ok: false,
  error: { code, message, field },
});

/** Unwraps a result where failure would be a bug in the caller (demo, tests). */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok)
    throw new Error(
      `${result.error.code}${result.error.field ? ` (${result.error.field})` : ''}: ${result.error.message}`,
    );
  return result.value;
}
