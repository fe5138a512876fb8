import { labSuite } from '../support/lab-suite';

labSuite('activations', { minMutants: 16 });
