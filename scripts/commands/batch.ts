import { CommandSpec, UsageError } from '../command';

// Placeholder: this command is being built (see its issue); it refuses to run until then.
export const batch: CommandSpec = {
  name: 'batch',
  summary: 'not available yet',
  options: {},
  async run() {
    throw new UsageError('batch is not available yet');
  },
};
