/**
 * Levenshtein edit distance (insertions, deletions, substitutions each cost 1), case-sensitive.
 * Cost: O(|a|·|b|) time, O(|b|) memory.
 * @example levenshtein('invlpgg', 'invlpg') === 1
 */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word` by edit distance (ties: first in candidate order), or undefined when
 * even the closest needs more than max(1, ⌊length/3⌋) edits, or as many edits as the word has letters
 * (no useful suggestion).
 * Case differences count as one edit less than other edits, so `costs.INVLPG` still finds `costs.invlpg`.
 * @example closest('costs.invlpgg', ['costs.invlpg', 'costs.ipi']) === 'costs.invlpg'
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = Math.min(levenshtein(word, c), levenshtein(word.toLowerCase(), c.toLowerCase()) + 0.5);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) && bestDistance < word.length ? best : undefined;
}
