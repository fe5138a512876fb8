// The activations grader: one Jest test per item of rubrics/activations.yaml.
import { defineGrader } from './engine/jest/lab-tests';

defineGrader('activations');
