import { GraphQLScalarType, Kind } from 'graphql';
import { badUserInput } from '@xiran/auth';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** A calendar date, `YYYY-MM-DD` (Asia/Shanghai civil dates; no time zone). */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, YYYY-MM-DD.',
  serialize(value) {
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === 'string') return value.slice(0, 10);
    throw new TypeError('Date cannot represent a non-date value');
  },
  parseValue(value) {
    if (typeof value !== 'string' || !isRealDate(value)) throw badUserInput('date', 'must be a date written YYYY-MM-DD');
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isRealDate(ast.value)) throw badUserInput('date', 'must be a date written YYYY-MM-DD');
    return ast.value;
  },
});

/** An instant, ISO-8601 in UTC. */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An instant, ISO-8601 with time zone, e.g. 2026-11-25T08:00:00.000Z.',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(d.getTime())) throw new TypeError('DateTime cannot represent an invalid date');
    return d.toISOString();
  },
  parseValue(value) {
    const d = new Date(String(value));
    if (typeof value !== 'string' || Number.isNaN(d.getTime())) throw badUserInput('dateTime', 'must be an ISO-8601 date-time');
    return d.toISOString();
  },
  parseLiteral(ast) {
    const d = ast.kind === Kind.STRING ? new Date(ast.value) : new Date(Number.NaN);
    if (Number.isNaN(d.getTime())) throw badUserInput('dateTime', 'must be an ISO-8601 date-time');
    return d.toISOString();
  },
});

export const scalarResolvers = { Date: DateScalar, DateTime: DateTimeScalar };
