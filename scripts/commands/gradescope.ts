import { CommandSpec, UsageError } from '../command';

// Placeholder: this command is being built (see its issue); it refuses to run until then.
export const gradescope: CommandSpec = {
  name: 'gradescope',
  summary: 'not available yet',
  options: {},
  async run() {
    throw new UsageError('gradescope is not available yet');
  },
};
