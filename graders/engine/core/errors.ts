/** Errors the engine reports about its input (not bugs): the CLI prints them in one line and exits 2. */
export type InputErrorCode = 'unknown_lab' | 'missing_file' | 'bad_submission' | 'no_expected' | 'sandbox_unavailable' | 'output_exists';

export class InputError extends Error {
  constructor(
    readonly code: InputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
