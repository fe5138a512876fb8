// The attention grader: one Jest test per item of rubrics/attention.yaml.
import { defineGrader } from './engine/jest/lab-tests';

defineGrader('attention');
