// The backprop grader: one Jest test per item of rubrics/backprop.yaml.
import { defineGrader } from './engine/jest/lab-tests';

defineGrader('backprop');
