import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { Catalogue, CATALOGUE, FIELD_GROUPS, generateGatewayKeys, type GroupId } from '@xiran/auth';
import { startTestDatabases, tablesInSql, tablesOf, type ServiceDatabase, type SubgraphServer, type TableGroups, type TestDatabases } from '@xiran/subgraph-kit';
import type { HttpSubgraphName } from '@xiran/schema';
import * as registrationTables from '@xiran/registration/tables';
import * as emissionsTables from '@xiran/emissions/tables';
import * as socialInsuranceTables from '@xiran/social-insurance/tables';
import * as complaintsTables from '@xiran/complaints/tables';
import * as associationTables from '@xiran/association/tables';
import { SUBGRAPH_MODULES } from '@xiran/tools/services';
import { seedWorld } from '@xiran/tools/seed-world';

/**
 * 限定知悉范围 for derived values, checked against the code: every field of every subgraph is
 * asked for on its own (one probe per leaf path, generated from the subgraph's schema), the SQL
 * the resolvers send is captured through drizzle's logger, the tables are parsed out of it, and
 * each table's group (TABLE_GROUPS, declared next to the tables) must be one the probed
 * coordinates own, summarise or reveal in the catalogue. A resolver that starts reading another
 * group's table fails here until its coordinate declares `reveals`.
 */
const TABLES: Record<HttpSubgraphName, Record<string, unknown> & { TABLE_GROUPS: TableGroups }> = {
  registration: registrationTables,
  emissions: emissionsTables,
  'social-insurance': socialInsuranceTables,
  complaints: complaintsTables,
  association: associationTables,
};

interface Probe {
  query: string;
  variables: Record<string, unknown>;
  /** The coordinates the probe asks for, root first. */
  coordinates: string[];
  /** For an `_entities` probe: the entity type and its key field. */
  entity?: { type: string; key: string };
}

let databases: TestDatabases;
const opened = {} as Record<HttpSubgraphName, ServiceDatabase>;
let usccs: string[] = [];
let district = '';

beforeAll(async () => {
  databases = await startTestDatabases();
  for (const module of SUBGRAPH_MODULES) opened[module.name] = await module.connect(databases.config(module.name).database);
  const world = await seedWorld(Object.fromEntries(Object.entries(opened).map(([n, d]) => [n, d.db])) as never, { operators: 120, asOf: '2026-11-01' });
  usccs = world.slice(0, 20).map((o) => o.uscc);
  district = world[0]!.district;
});

afterAll(async () => {
  for (const database of Object.values(opened)) await database.close();
  await databases?.close();
});

/** A value for a required argument, by its name (the subgraphs' required arguments are few). */
function argumentValue(arg: GraphQLArgument): unknown {
  const byName: Record<string, unknown> = { district, uscc: usccs[0], since: '2024-01-01', from: '2024-01-01', minMonths: 1, filter: { district } };
  if (!(arg.name in byName)) throw new Error(`No probe value for the required argument ${arg.name}: add one here`);
  return byName[arg.name];
}

type Variables = Record<string, { type: string; value: unknown }>;

/** The required arguments of a field as variables named after their place (`operatorKeys_filter`). */
function argumentsOf(field: GraphQLField<unknown, unknown>, place: string): { text: string; variables: Variables } {
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const variables: Variables = {};
  for (const a of required) variables[`${place}_${a.name}`] = { type: a.type.toString(), value: argumentValue(a) };
  const text = required.length ? `(${required.map((a) => `${a.name}: $${place}_${a.name}`).join(', ')})` : '';
  return { text, variables };
}

interface LeafPath {
  selection: string;
  coordinates: string[];
  variables: Variables;
}

/** One selection per leaf path below `type`, each with the coordinates it passes through. */
function leafPaths(type: GraphQLObjectType, entities: ReadonlySet<string>, depth: number, place: string): LeafPath[] {
  const out: LeafPath[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.name.startsWith('_')) continue;
    const coordinate = `${type.name}.${field.name}`;
    const args = argumentsOf(field, `${place}_${field.name}`);
    const named = getNamedType(field.type);
    const leaf = (selection: string) => out.push({ selection: `${field.name}${args.text}${selection}`, coordinates: [coordinate], variables: args.variables });
    if (isLeafType(named)) leaf('');
    // A reference to another entity, an interface or a union: its typename (the reference is the other subgraph's fetch).
    else if ((isObjectType(named) && entities.has(named.name) && named !== type) || isInterfaceType(named) || isUnionType(named)) leaf(' { __typename }');
    else if (isObjectType(named) && depth > 0) {
      for (const inner of leafPaths(named, entities, depth - 1, `${place}_${field.name}`)) {
        out.push({ selection: `${field.name}${args.text} { ${inner.selection} }`, coordinates: [coordinate, ...inner.coordinates], variables: { ...args.variables, ...inner.variables } });
      }
    }
  }
  return out;
}

/** Representations of each entity type the subgraph resolves. */
async function representations(server: SubgraphServer, type: string): Promise<Array<Record<string, unknown>>> {
  switch (type) {
    case 'Operator':
      return usccs.map((uscc) => ({ __typename: type, uscc }));
    case 'Outlet':
      return usccs.map((uscc) => ({ __typename: type, id: `${uscc}-01` }));
    case 'ChangeFeed':
      return [{ __typename: type, since: '2000-01-01T00:00:00.000Z' }];
    case 'DataFreshness':
      return [{ __typename: type, asOf: '2026-11-01T00:00:00.000Z' }];
    case 'ComplaintTicket':
    case 'Lead': {
      const root = type === 'Lead' ? 'leads' : 'complaintTickets';
      const result = await server.execute(`{ ${root}(first: 10) { nodes { id } } }`);
      const ids = ((result.data as Record<string, { nodes: Array<{ id: string }> }> | undefined)?.[root]?.nodes ?? []).map((n) => n.id);
      expect(ids.length, `${type} ids to probe with`).toBeGreaterThan(0);
      return ids.map((id) => ({ __typename: type, id }));
    }
    default:
      throw new Error(`No representations for ${type}: add them here`);
  }
}

function operation(selection: string, variables: Variables, extra = ''): string {
  const declared = [...(extra ? [extra] : []), ...Object.entries(variables).map(([name, v]) => `$${name}: ${v.type}`)];
  return `query${declared.length ? `(${declared.join(', ')})` : ''} { ${selection} }`;
}

const values = (variables: Variables) => Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.value]));

async function probesOf(server: SubgraphServer, schema: GraphQLSchema): Promise<Probe[]> {
  const entityUnion = schema.getType('_Entity');
  const entities = new Set(isUnionType(entityUnion) ? entityUnion.getTypes().map((t) => t.name) : []);
  const probes: Probe[] = [];
  const query = schema.getQueryType()!;
  for (const field of Object.values(query.getFields())) {
    if (field.name.startsWith('_')) continue;
    const args = argumentsOf(field, field.name);
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      probes.push({ query: operation(`${field.name}${args.text}`, args.variables), variables: values(args.variables), coordinates: [`Query.${field.name}`] });
    } else if (isObjectType(named)) {
      for (const path of leafPaths(named, entities, 3, field.name)) {
        const variables = { ...args.variables, ...path.variables };
        probes.push({ query: operation(`${field.name}${args.text} { ${path.selection} }`, variables), variables: values(variables), coordinates: [`Query.${field.name}`, ...path.coordinates] });
      }
    }
  }
  for (const type of entities) {
    const object = schema.getType(type) as GraphQLObjectType;
    const r = await representations(server, type);
    for (const path of leafPaths(object, entities, 3, type)) {
      probes.push({
        query: operation(`_entities(representations: $r) { ... on ${type} { ${path.selection} } }`, path.variables, '$r: [_Any!]!'),
        variables: { r, ...values(path.variables) },
        coordinates: path.coordinates,
        entity: { type, key: Object.keys(r[0]!).find((k) => k !== '__typename')! },
      });
    }
  }
  return probes;
}

/** The groups a probe may read: what its coordinates own, their groups summarise, and they reveal. */
function allowedGroups(catalogue: Catalogue, coordinates: readonly string[]): Set<GroupId> {
  const allowed = new Set<GroupId>();
  for (const coordinate of coordinates) {
    const group = catalogue.groupOf(coordinate);
    if (group) {
      allowed.add(group.id);
      for (const g of group.summarises ?? []) allowed.add(g);
    }
    for (const g of catalogue.derivation(coordinate)?.reveals ?? []) allowed.add(g);
  }
  return allowed;
}

/** Types only mutations answer with: writes, not reads of derived values. */
const MUTATION_ANSWERS = new Set(['Mutation', 'ImportReport', 'ImportRowError']);

interface Reading {
  probe: Probe;
  tables: string[];
}

/** Runs every probe as the owning department (every group of its subgraph opens) and records the tables each read. */
async function readings(name: HttpSubgraphName): Promise<Reading[]> {
  const module = SUBGRAPH_MODULES.find((m) => m.name === name)!;
  const server = module.create(opened[name], await generateGatewayKeys());
  const statements = opened[name].statements;
  const out: Reading[] = [];
  try {
    for (const probe of await probesOf(server, server.schema)) {
      statements.recording = [];
      const result = await server.execute(probe.query, probe.variables);
      const sql = statements.recording;
      statements.recording = null;
      // Refusals are fine (the owner may not hold every group of its subgraph); broken probes are not.
      const broken = (result.errors ?? []).filter((e) => e.extensions?.code !== 'FORBIDDEN');
      expect(broken, probe.query).toEqual([]);
      out.push({ probe, tables: [...new Set(sql.flatMap(tablesInSql))] });
    }
  } finally {
    await server.stop();
  }
  return out;
}

function violations(catalogue: Catalogue, tableGroups: TableGroups, read: readonly Reading[]): string[] {
  const found: string[] = [];
  // `"a"."b"` is a table where `a` is one of the subgraph's schemas (else an alias and its column).
  const schemas = new Set([...tableGroups.keys()].map((t) => t.split('.')[0]!));
  for (const { probe, tables } of read) {
    const allowed = allowedGroups(catalogue, probe.coordinates);
    // Resolving an entity reads its own row: the group of its key; an operator's key is open to all
    // who may see the operator, and its row is its registration (which decides who may).
    if (probe.entity) {
      const own = catalogue.groupOf(`${probe.entity.type}.${probe.entity.key}`)?.id ?? (probe.entity.type === 'Operator' ? 'registration' : undefined);
      if (own) allowed.add(own);
    }
    for (const table of tables.filter((t) => schemas.has(t.split('.')[0]!))) {
      const group = tableGroups.get(table);
      if (group === undefined) found.push(`${probe.coordinates.join(' > ')} reads ${table}, which TABLE_GROUPS does not name`);
      else if (group !== null && !allowed.has(group)) found.push(`${probe.coordinates.join(' > ')} reads ${table} (${group}), which it neither owns nor reveals`);
    }
  }
  return found;
}

describe.each(SUBGRAPH_MODULES.map((m) => [m.name] as const))('%s subgraph', (name) => {
  it('declares the group of every table it defines', () => {
    const tables = TABLES[name];
    expect(tablesOf(tables).filter((t) => !tables.TABLE_GROUPS.has(t))).toEqual([]);
  });

  it("reads only tables of the groups each field owns, summarises or reveals", async () => {
    const read = await readings(name);
    // Every field the subgraph serves (but the mutations) was asked for on its own.
    const probed = new Set(read.flatMap((r) => r.probe.coordinates));
    const module = SUBGRAPH_MODULES.find((m) => m.name === name)!;
    const schema = module.create(opened[name], await generateGatewayKeys()).schema;
    const served = Object.values(schema.getTypeMap())
      .filter((t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith('_') && !MUTATION_ANSWERS.has(t.name))
      .flatMap((t) => Object.keys(t.getFields()).filter((f) => !f.startsWith('_')).map((f) => `${t.name}.${f}`));
    expect(violations(CATALOGUE, TABLES[name].TABLE_GROUPS, read)).toEqual([]);
    expect(served.filter((c) => !probed.has(c))).toEqual([]);
    expect(read.some((r) => r.tables.length > 0)).toBe(true);
    if (name === 'registration') {
      // The check can fail: without its `reveals`, openOutlets reading the outlets table is caught.
      const withoutReveals = new Catalogue(FIELD_GROUPS.map((g) => (g.id === 'registration' ? { ...g, derived: [] } : g)));
      expect(violations(withoutReveals, TABLES[name].TABLE_GROUPS, read)).toEqual([
        expect.stringContaining('RegistrationDistrictStatistics.openOutlets reads registration.outlets (outlets)'),
      ]);
    }
  });
});
