import { describe, expect, it } from 'vitest';
import type { DemoRow } from './demo-table.js';
import { readSweep } from './sweep-reading.js';

const row = (method: DemoRow['method'], lambda: number, netWin: number, label: string = method): DemoRow => {
  const winRate = Math.max(0, netWin);
  const loseRate = Math.max(0, -netWin);
  return { method, label, lambda, n: 56, winRate, loseRate, tieRate: 100 - winRate - loseRate, errorRate: 0, netWin, meanReward: 0, helpfulRate: 0 };
};

describe('readSweep', () => {
  it('says where Net Win peaks and that extrapolation hurt, as the issue measured on the embedded model', () => {
    const rows = [row('CLM', 0, 0), row('CLM', 0.5, 12.5), row('CLM', 1, 21.4), row('CLM', 1.5, 3.6), row('CLM', 2, -23.2)];
    expect(readSweep(rows)).toEqual([
      'CLM: Net Win peaks at λ = 1 (+21.4); extrapolating past λ = 1 did not help (+3.6 at λ = 1.5, −23.2 at λ = 2).',
    ]);
  });

  it('says so when extrapolation helped, and when no λ beat the base model', () => {
    expect(readSweep([row('CLM', 0, 0), row('CLM', 1, 5), row('CLM', 2, 9)])[0]).toBe(
      'CLM: Net Win peaks at λ = 2 (+9.0); extrapolating past λ = 1 helped (+9.0 at λ = 2; best up to λ = 1: +5.0 at λ = 1).',
    );
    expect(readSweep([row('CLM', 0, 0), row('CLM', 0.5, -3), row('CLM', 1, -1)])[0]).toBe('CLM: no λ beat the base model (best −1.0 at λ = 1).');
  });

  it('reads AlignEZ against the base model and against CLM at the same λ', () => {
    const rows = [
      row('CLM', 0, 0), row('CLM', 1, 20), row('CLM', 2, -20),
      row('CLM+AlignEZ', 0, 0, 'base+AlignEZ'), row('CLM+AlignEZ', 1, 10), row('CLM+AlignEZ', 2, -30),
    ];
    expect(readSweep(rows)[1]).toBe(
      'AlignEZ: base+AlignEZ judged a tie with the base model on every prompt; added to CLM it lowers Net Win at every λ > 0 (−10.0 at λ = 1, −10.0 at λ = 2).',
    );
    const mixed = [row('CLM', 0, 0), row('CLM', 1, 20), row('CLM', 2, -20), row('CLM+AlignEZ', 0, 4, 'base+AlignEZ'), row('CLM+AlignEZ', 1, 25), row('CLM+AlignEZ', 2, -30)];
    expect(readSweep(mixed)[1]).toBe('AlignEZ: base+AlignEZ Net Win +4.0 vs the base model (W 4.0 %, L 0.0 %); added to CLM it raises Net Win at 1 and lowers it at 1 of 2 λ > 0 (+5.0 at λ = 1, −10.0 at λ = 2).');
  });
});
