import { labSuite } from '../support/lab-suite';

labSuite('attention', { minMutants: 10 });
