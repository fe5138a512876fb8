/** The attention lab's reference decoder, for the lab's scripts (see reference-over-labs.ts). */
import type * as Decoder from '../../reference/attention/decoder';
import { overLabs } from './reference-over-labs';

export type ReferenceDecoder = typeof Decoder;

export function loadReference(): ReferenceDecoder {
  overLabs();
  return require('../../reference/attention/decoder') as typeof Decoder;
}
