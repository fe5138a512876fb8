import { labSuite } from '../support/lab-suite';

labSuite('rnn', { minMutants: 10 });
