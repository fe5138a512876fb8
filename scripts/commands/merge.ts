import { CommandSpec, UsageError } from '../command';

// Placeholder: this command is being built (see its issue); it refuses to run until then.
export const merge: CommandSpec = {
  name: 'merge',
  summary: 'not available yet',
  options: {},
  async run() {
    throw new UsageError('merge is not available yet');
  },
};
