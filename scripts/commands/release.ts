import { CommandSpec, UsageError } from '../command';

// Placeholder: this command is being built (see its issue); it refuses to run until then.
export const release: CommandSpec = {
  name: 'release',
  summary: 'not available yet',
  options: {},
  async run() {
    throw new UsageError('release is not available yet');
  },
};
