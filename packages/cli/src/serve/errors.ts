import { isAligndialError } from '@aligndial/core';

/** The body of every error response, as OpenAI's API writes it. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export type ApiErrorStatus = 400 | 401 | 403 | 404 | 408 | 413 | 415 | 429 | 500 | 503;

const TYPES: Record<ApiErrorStatus, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'server_error',
  503: 'server_error',
};

/** An error the server answers with an HTTP status and an OpenAI-style body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ApiErrorStatus,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }

  get body(): OpenAIErrorBody {
    return { error: { message: this.message, type: TYPES[this.status], param: this.param, code: this.code } };
  }
}

/** User mistakes (AligndialError, e.g. λ without an adapter) become 400; anything else is a 500. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isAligndialError(error)) return new ApiError(400, error.hint ? `${error.message} (${error.hint})` : error.message, 'invalid_value');
  return new ApiError(500, `internal error: ${error instanceof Error ? error.message : String(error)}`, 'internal_error');
}
