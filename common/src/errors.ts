import { GraphQLError } from 'graphql';

/**
 * The single registry of error codes that the platform answers with. Every error a caller can
 * see is made by one of the factories below, so that it always carries `extensions.code`
 * (and the README's error table can be written from this list).
 */
export const ErrorCode = {
  /** No token, or a token that fails verification. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller holds no grant for the field or row. */
  FORBIDDEN: 'FORBIDDEN',
  /**
   * The caller may not see the thing asked about or pointed to (an operator `operator(uscc:)` does
   * not show it: another district, a former member), so nothing about it is answered: null with
   * this error at its path.
   */
  NOT_VISIBLE: 'NOT_VISIBLE',
  /** The input fails validation; `extensions.field` names the offending argument or column. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The audit trail cannot be written, so no data is released. */
  AUDIT_UNAVAILABLE: 'AUDIT_UNAVAILABLE',
  /** The operation exceeds a document limit (depth, aliases, root fields, fragment expansion, tokens). */
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** The request body is larger than the gateway accepts (BODY_LIMIT). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** Too many requests of one kind from one caller (or, unauthenticated, one address) in a window. */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * A department's subgraph did not answer (refused, failed, or past its timeout): its fields are
   * null with this error at each of them; `extensions.serviceName` names the department.
   */
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  /** Anything unexpected; the message is generic and the details stay in the server log. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function badUserInput(field: string, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, field, ...extra },
  });
}

export function unauthenticated(message = 'A valid bearer token is required.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED } });
}

export function forbidden(message: string, extra: Record<string, unknown> = {}, path?: ReadonlyArray<string | number>): GraphQLError {
  return new GraphQLError(message, { path, extensions: { code: ErrorCode.FORBIDDEN, ...extra } });
}

export function notVisible(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_VISIBLE, ...extra } });
}

export function auditUnavailable(): GraphQLError {
  return new GraphQLError('The audit trail is unavailable; no data was released.', {
    extensions: { code: ErrorCode.AUDIT_UNAVAILABLE },
  });
}

/** Refused before planning; `extensions.limit` names the limit, `maximum` its value. HTTP 400. */
export function queryTooComplex(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, ...extra, http: { status: 400 } } });
}

/** `retryAfter`: seconds until the caller's bucket holds a token again (also the Retry-After header). */
export function rateLimited(message: string, retryAfter: number): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.RATE_LIMITED, retryAfter, http: { status: 429, headers: new Map([['retry-after', String(retryAfter)]]) } } });
}

/** Codes that a server may pass through to the caller unchanged; anything else is masked. */
const publicCodes = new Set<string>(Object.values(ErrorCode));

export function isPublicCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && publicCodes.has(code);
}

/** Apollo Server's own request-level codes, which are safe to show as they are. */
const requestCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

interface FormattedError {
  message: string;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/**
 * `formatError` for every server of the platform: errors with a registered code pass (without
 * a stack trace); anything else is logged and answered with a generic INTERNAL_SERVER_ERROR, so
 * that no SQL, stack or file path reaches a caller.
 */
export function maskError<T extends FormattedError>(formatted: T, error: unknown, log: (error: unknown) => void = console.error): T {
  const code = formatted.extensions?.code;
  if (isPublicCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR || (typeof code === 'string' && requestCodes.has(code))) {
    const { stacktrace: _dropped, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  log(error);
  return {
    ...formatted,
    message: 'Internal server error.',
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
