import { dot } from './vector-math.js';

/**
 * The AlignEZ edit (Sec. 2.3) of one vector in plain JS, for diagnostics: x − α·⟨x,θ_harm⟩θ_harm/‖θ_harm‖²,
 * then + α·⟨x̂,θ_help⟩θ_help/‖θ_help‖². Same arithmetic as the tensor version `alignEzEdit`.
 */
export function alignEzEditVector(x: ArrayLike<number>, help: ArrayLike<number>, harm: ArrayLike<number>, strength = 1): Float64Array {
  const out = Float64Array.from(x as ArrayLike<number>);
  const harmNorm2 = Math.max(dot(harm, harm), 1e-30);
  const c1 = (strength * dot(out, harm)) / harmNorm2;
  for (let j = 0; j < out.length; j++) out[j] -= c1 * harm[j];
  const helpNorm2 = Math.max(dot(help, help), 1e-30);
  const c2 = (strength * dot(out, help)) / helpNorm2;
  for (let j = 0; j < out.length; j++) out[j] += c2 * help[j];
  return out;
}
