/** The transformer lab's reference char LM and sampler, for the lab's scripts (see reference-over-labs.ts). */
import type * as CharLm from '../../reference/transformer/char_lm';
import type * as Sampling from '../../reference/transformer/sampling';
import { overLabs } from './reference-over-labs';

export type ReferenceCharLm = typeof CharLm & typeof Sampling;

export function loadReference(): ReferenceCharLm {
  overLabs();
  return {
    ...(require('../../reference/transformer/char_lm') as typeof CharLm),
    ...(require('../../reference/transformer/sampling') as typeof Sampling),
  };
}
