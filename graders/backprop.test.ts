// The backprop grader: one Jest test per item of rubrics/backprop.yaml.
import { defineGrader } from './engine/jest';

defineGrader('backprop');
