import { GraphQLScalarType, Kind } from 'graphql';
import { badUserInput, DATE_EXPECTED, DATE_TIME_EXPECTED, isCalendarDate as isRealDate, isInstant } from '@xiran/common';

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
    if (typeof value !== 'string' || !isRealDate(value)) throw badUserInput('date', DATE_EXPECTED);
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isRealDate(ast.value)) throw badUserInput('date', DATE_EXPECTED);
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
    if (typeof value !== 'string' || !isInstant(value)) throw badUserInput('dateTime', DATE_TIME_EXPECTED);
    return new Date(value).toISOString();
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !isInstant(ast.value)) throw badUserInput('dateTime', DATE_TIME_EXPECTED);
    return new Date(ast.value).toISOString();
  },
});

export const scalarResolvers = { Date: DateScalar, DateTime: DateTimeScalar };
