import { labSuite } from '../support/lab-suite';

labSuite('backprop', { minMutants: 18 });
