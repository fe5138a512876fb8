/**
 * `f` over `items`, at most `limit` at a time, started in the order given; the results in the
 * order of `items`. With `othersWait`, only the first call starts at once: the other workers
 * start when that promise settles (e.g. once the first call's lab has loaded). The first
 * rejection rejects the whole (the calls already started finish).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, f: (t: T) => Promise<R>, othersWait?: Promise<unknown>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (w: number) => {
    if (w > 0 && othersWait) await othersWait.catch(() => undefined);
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, (_, w) => worker(w)));
  return out;
}
