// The recurrent-networks grader: one Jest test per item of rubrics/rnn.yaml.
import { defineGrader } from './engine/jest/lab-tests';

defineGrader('rnn');
