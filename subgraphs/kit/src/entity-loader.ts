import DataLoader from 'dataloader';

/**
 * A per-request loader of entities by key that fetches only the parts a selection asks for.
 * All representations in one `_entities` fetch share a selection, so they share one DataLoader
 * and one batch: one SQL statement per subgraph fetch, whatever the number of keys.
 */
export type BatchByParts<Row> = (keys: readonly string[], parts: ReadonlySet<string>) => Promise<Map<string, Row>>;

export function selectionLoader<Row>(batch: BatchByParts<Row>): (parts: Iterable<string>) => DataLoader<string, Row | null> {
  const loaders = new Map<string, DataLoader<string, Row | null>>();
  return (parts) => {
    const sorted = [...new Set(parts)].sort();
    const id = sorted.join(',');
    let loader = loaders.get(id);
    if (!loader) {
      const wanted = new Set(sorted);
      loader = new DataLoader<string, Row | null>(
        async (keys) => {
          const rows = await batch(keys, wanted);
          return keys.map((key) => rows.get(key) ?? null);
        },
        // A gateway fetch carries at most a page of keys; keep each batch to one statement.
        { maxBatchSize: 5000 },
      );
      loaders.set(id, loader);
    }
    return loader;
  };
}
