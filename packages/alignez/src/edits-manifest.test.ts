import { describe, expect, it } from 'vitest';
import { parseEditsManifest } from './edits-manifest.js';

const hash = (c: string) => c.repeat(64);
const valid = {
  format: 'aligndial.edits',
  version: 1,
  method: 'alignez',
  createdAt: '2026-01-01T00:00:00Z',
  model: { fingerprint: hash('a'), configHash: hash('b'), weightsHash: hash('c'), architecture: 'llama', hiddenSize: 8, numLayers: 4, vocabSize: 100 },
  layers: [1, 3],
  hiddenSize: 8,
  pooling: 'last',
  maxTokens: 64,
  alignez: { mode: 'knn', k: 4, layerCount: 2, embedText: 'response' },
  knnIds: ['q1', 'q2'],
};

const at = (path: string, value: unknown) => {
  const copy = structuredClone(valid) as Record<string, unknown>;
  const keys = path.split('.');
  let target = copy;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return copy;
};

describe('parseEditsManifest', () => {
  it('accepts a valid manifest as it is', () => {
    expect(parseEditsManifest(valid, 'e/edits.json')).toEqual(valid);
  });

  it.each([
    ['alignez.mode', 'foo', /field "alignez\.mode" must be "knn" or "global", got "foo"/],
    ['alignez.mode', undefined, /field "alignez\.mode" must be "knn" or "global", got undefined/],
    ['alignez', undefined, /field "alignez" is missing/],
    ['alignez.k', -1, /field "alignez\.k" must be a whole number ≥ 1, got -1/],
    ['alignez.k', '4', /field "alignez\.k" must be a whole number ≥ 1, got "4"/],
    ['alignez.k', 1.5, /field "alignez\.k" must be a whole number ≥ 1, got 1\.5/],
    ['layers', [3, 1], /field "layers" must be strictly ascending without repeats, got \[3,1\]/],
    ['layers', [0, 0, 0], /field "layers" must be strictly ascending without repeats/],
    ['layers', [1, 4], /field "layers\[1\]" must be a layer index from 0 to 3 \(the model has 4 layers\), got 4/],
    ['layers', ['1'], /field "layers\[0\]" must be a layer index/],
    ['layers', [], /field "layers" must be a non-empty list/],
    ['model.fingerprint', undefined, /field "model\.fingerprint" must be a sha256 hex string/],
    ['model', undefined, /field "model" \(the model fingerprint\) is missing/],
    ['model.numLayers', 1e9, /field "model\.numLayers" must be a whole number from 1 to 1024/],
    ['hiddenSize', 9, /field "hiddenSize" is 9, but the model fingerprint says hidden size 8/],
    ['pooling', 'max', /field "pooling" must be "last" or "mean"/],
    ['maxTokens', 0, /field "maxTokens" must be a whole number ≥ 1/],
    ['knnIds', undefined, /field "knnIds" must be a non-empty list of training query ids \(knn mode\)/],
    ['knnIds', ['a', 7], /field "knnIds\[1\]" must be a string, got 7/],
    ['tensorsSha256', 'abc', /field "tensorsSha256" must be a sha256 hex string/],
    ['method', 'steer', /field "method" must be "alignez" or "caa", got "steer"/],
  ])('rejects %s = %j, naming file and field', (path, value, pattern) => {
    expect(() => parseEditsManifest(at(path, value), 'e/edits.json')).toThrow(new RegExp(`^e/edits\\.json: ${pattern.source}`));
  });

  it('a CAA manifest needs no alignez block', () => {
    const caa = { ...at('alignez', undefined), method: 'caa', knnIds: undefined, caa: { pairs: 3, vectorNorms: [1, 1] } };
    expect(parseEditsManifest(caa, 'e/edits.json').method).toBe('caa');
  });
});
