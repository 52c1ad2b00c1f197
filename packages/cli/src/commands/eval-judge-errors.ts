import { AligndialError } from '@aligndial/core';

/**
 * A judging run whose judge failed on some items must not exit 0: scripts (and CI) would report
 * a mean over nothing. Throws after the command has written its file and printed its summary.
 */
export function failOnJudgeErrors(errors: number, total: number, unit: 'turns' | 'pairs', outFile: string): void {
  if (errors === 0) return;
  throw new AligndialError(
    `${errors} of ${total} ${unit} got no usable verdict from the judge (${errors === total ? 'all of them' : 'the rest were judged'}); ` +
      `each has an "error" field in ${outFile}`,
    { hint: 'check the judge (--judge, its key, its endpoint), then rerun the same command' },
  );
}
