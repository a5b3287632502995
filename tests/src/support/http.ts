/** A GraphQL request over HTTP, as an agency app sends it. */
export async function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; data?: T | null; errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: never };
  return { status: response.status, ...body };
}
