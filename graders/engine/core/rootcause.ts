/**
 * Root causes: one mistake in a basic function fails every item that runs it. An item depends
 * on another when the other runs a strict subset of the lab functions it runs (from the ops'
 * `uses` and the reference's call graph, see callgraph.ts), or when the rubric says it
 * `builds_on` it. A failing item whose more basic item fails too is probably a consequence:
 * its feedback names the item to fix first, and the lost points are grouped under it.
 */
import type { ItemResult, LabResult } from './results';

export interface DependencyFacts {
  id: string;
  /** The lab functions the item runs. */
  exercises: readonly string[];
  /** Items the rubric says it builds on. */
  buildsOn: readonly string[];
  /** Only visible items are named as causes (a hidden one would be given away). */
  visible: boolean;
}

function strictSubset(a: readonly string[], b: readonly string[]): boolean {
  return a.length > 0 && a.length < b.length && a.every((f) => b.includes(f));
}

/**
 * For each failing item, the most basic failing item it depends on (following the chain to
 * its end), by item id. Items are given in rubric order, which breaks ties.
 */
export function rootCauses(items: readonly DependencyFacts[], failing: ReadonlySet<string>): Map<string, string> {
  const byId = new Map(items.map((f) => [f.id, f]));
  const direct = (item: DependencyFacts): DependencyFacts | undefined => {
    const candidates = items.filter(
      (other) => other.id !== item.id && failing.has(other.id) && other.visible && (item.buildsOn.includes(other.id) || strictSubset(other.exercises, item.exercises)),
    );
    // The most basic: the fewest functions run; rubric order among equals.
    return candidates.sort((a, b) => a.exercises.length - b.exercises.length)[0];
  };
  const roots = new Map<string, string>();
  for (const item of items) {
    if (!failing.has(item.id)) continue;
    let cause = direct(item);
    const seen = new Set([item.id]);
    while (cause && !seen.has(cause.id)) {
      seen.add(cause.id);
      const next = direct(byId.get(cause.id)!);
      if (!next || seen.has(next.id)) break;
      cause = next;
    }
    if (cause) roots.set(item.id, cause.id);
  }
  return roots;
}

export interface RootCauseGroup {
  /** The item to fix first. */
  root: string;
  /** Points lost by the root item and by the items attributed to it. */
  lost: number;
  /** Points lost by the items attributed to it (0 where the rubric forgives downstream failures). */
  downstreamLost: number;
  /** The items attributed to it (not counting the root itself). */
  items: string[];
}

/**
 * The points a lab lost, grouped by root cause (groups of one item are left out), most first,
 * rubric order among equals. Pass a lab whose items are those a view lists to group only those.
 */
export function lostByRootCause(lab: Pick<LabResult, 'items'>): { groups: RootCauseGroup[]; lost: number } {
  const lostOf = (r: ItemResult) => r.max_score - r.score;
  const lost = lab.items.reduce((s, r) => s + lostOf(r), 0);
  const groups = new Map<string, RootCauseGroup>();
  for (const r of lab.items) {
    if (!r.root_cause) continue;
    const root = lab.items.find((x) => x.id === r.root_cause);
    const g = groups.get(r.root_cause) ?? { root: r.root_cause, lost: root ? lostOf(root) : 0, downstreamLost: 0, items: [] };
    g.lost += lostOf(r);
    g.downstreamLost += lostOf(r);
    g.items.push(r.id);
    groups.set(r.root_cause, g);
  }
  // Rounded like scores, so that 0.1 + 0.2 points print as 0.3; Array.sort is stable: rubric order among equals.
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const rounded = [...groups.values()].map((g) => ({ ...g, lost: round(g.lost), downstreamLost: round(g.downstreamLost) }));
  return { groups: rounded.sort((a, b) => b.lost - a.lost), lost: round(lost) };
}
