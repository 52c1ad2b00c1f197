import type { DemoRow } from './demo-table.js';

const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(1)}`;
const at = (r: Pick<DemoRow, 'lambda' | 'netWin'>) => `${signed(r.netWin)} at λ = ${r.lambda}`;

/**
 * What the demo's table says, in one line per method, on the model it measured: where Net Win peaks,
 * whether extrapolating past λ = 1 helped, and what AlignEZ changed. The paper reports both gains and
 * losses for λ > 1 (and "constrained by the size of the model"), so the demo states what it saw rather
 * than what λ > 1 is meant to do.
 */
export function readSweep(rows: readonly DemoRow[]): string[] {
  const lines: string[] = [];
  const clm = rows.filter((r) => r.method === 'CLM').sort((a, b) => a.lambda - b.lambda);
  const ez = rows.filter((r) => r.method === 'CLM+AlignEZ').sort((a, b) => a.lambda - b.lambda);
  const clmLine = readLambdaSweep('CLM', clm);
  if (clmLine) lines.push(clmLine);
  const ezLine = readAlignez(clm, ez);
  if (ezLine) lines.push(ezLine);
  return lines;
}

/** "CLM: Net Win peaks at λ = 1 (+21.4); extrapolating past λ = 1 did not help (+3.6 at λ = 1.5, −23.2 at λ = 2)." */
function readLambdaSweep(name: string, rows: readonly DemoRow[]): string | undefined {
  const dialled = rows.filter((r) => r.lambda > 0);
  if (dialled.length === 0) return undefined;
  // The highest Net Win; on a tie the smaller λ (the weaker intervention).
  const best = dialled.reduce((b, r) => (r.netWin > b.netWin ? r : b));
  const parts = [
    best.netWin > 0 ? `${name}: Net Win peaks at λ = ${best.lambda} (${signed(best.netWin)})` : `${name}: no λ beat the base model (best ${at(best)})`,
  ];
  const beyond = dialled.filter((r) => r.lambda > 1);
  const upToOne = dialled.filter((r) => r.lambda <= 1);
  if (beyond.length > 0 && upToOne.length > 0) {
    const reference = upToOne.reduce((b, r) => (r.netWin > b.netWin ? r : b));
    const helped = beyond.some((r) => r.netWin > reference.netWin);
    const compared = reference === best ? '' : `; best up to λ = 1: ${at(reference)}`;
    parts.push(`extrapolating past λ = 1 ${helped ? 'helped' : 'did not help'} (${beyond.map(at).join(', ')}${compared})`);
  }
  return `${parts.join('; ')}.`;
}

/** "AlignEZ: base+AlignEZ ±0.0 vs the base model; with CLM it is lower at every λ > 0 (…)." */
function readAlignez(clm: readonly DemoRow[], ez: readonly DemoRow[]): string | undefined {
  if (ez.length === 0) return undefined;
  const parts: string[] = [];
  const alone = ez.find((r) => r.lambda === 0);
  if (alone) {
    const what =
      alone.winRate === 0 && alone.loseRate === 0
        ? 'judged a tie with the base model on every prompt'
        : `Net Win ${signed(alone.netWin)} vs the base model (W ${alone.winRate.toFixed(1)} %, L ${alone.loseRate.toFixed(1)} %)`;
    parts.push(`AlignEZ: base+AlignEZ ${what}`);
  }
  const paired = ez.filter((r) => r.lambda > 0).flatMap((r) => {
    const plain = clm.find((c) => c.lambda === r.lambda);
    return plain ? [{ lambda: r.lambda, delta: r.netWin - plain.netWin }] : [];
  });
  if (paired.length > 0) {
    const higher = paired.filter((p) => p.delta > 0).length;
    const lower = paired.filter((p) => p.delta < 0).length;
    const verdict =
      higher === paired.length ? 'raises Net Win at every λ > 0' : lower === paired.length ? 'lowers Net Win at every λ > 0' : higher === 0 && lower === 0 ? 'changes no Net Win at λ > 0' : `raises Net Win at ${higher} and lowers it at ${lower} of ${paired.length} λ > 0`;
    parts.push(`${parts.length ? 'added to CLM it' : 'AlignEZ added to CLM'} ${verdict} (${paired.map((p) => `${signed(p.delta)} at λ = ${p.lambda}`).join(', ')})`);
  }
  return `${parts.join('; ')}.`;
}
