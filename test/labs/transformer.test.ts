import { labSuite } from '../support/lab-suite';

labSuite('transformer', { minMutants: 16 });
