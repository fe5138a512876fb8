// The transformer grader: one Jest test per item of rubrics/transformer.yaml.
import { defineGrader } from './engine/jest/lab-tests';

defineGrader('transformer');
