import { GRADCHECK_DEFAULTS, GradcheckSettings, gradcheck as check, upstreamLoss } from '../../graders/engine/core/gradcheck';
import { gradcheckText } from '../../graders/emit/case-text';
import { Values, TensorValue } from '../../graders/engine/core/values';

const t = (shape: number[], data: number[]): TensorValue => ({ shape, data: Float64Array.from(data) });

// y = sin(x) * w, elementwise, with a scalar w: dL/dx = up * cos(x) * w, dL/dw = sum(up * sin(x)).
const forward = async (batch: Values[]) =>
  batch.map((v) => {
    const x = v.x as TensorValue;
    const w = v.w as number;
    return { y: t(x.shape, Array.from(x.data, (xi) => Math.sin(xi) * w)) };
  });

const inputs: Values = { x: t([2, 3], [0.1, -0.4, 1.2, 2.0, -1.5, 0.7]), w: 1.7 };
const upstream: Values = { y: t([2, 3], [0.3, -1.1, 0.8, 0.5, 1.9, -0.2]) };
const x = inputs.x as TensorValue;
const up = upstream.y as TensorValue;
const right: Values = {
  x: t([2, 3], Array.from(x.data, (xi, i) => up.data[i] * Math.cos(xi) * 1.7)),
  w: Array.from(x.data).reduce((s, xi, i) => s + up.data[i] * Math.sin(xi), 0),
};

const gradcheck = (grads: Values, wrt: string[], settings: GradcheckSettings, seed: number) => check({ forward, inputs, upstream, grads, wrt, settings, seed });

describe('gradcheck (central differences of the forward)', () => {
  test('a check with nothing to differentiate fails instead of agreeing (a gradient under a name that is not an input)', async () => {
    const r = await gradcheck({ dx: right.x }, [], GRADCHECK_DEFAULTS, 7);
    expect(r).toMatchObject({ agrees: false, checked: 0, problem: 'nothing_to_check' });
    expect(gradcheckText(r)).toContain('nothing to check');
  });

  test('upstreamLoss is sum(output * upstream)', () => {
    expect(upstreamLoss({ y: t([2], [1, 2]), z: 3 }, { y: t([2], [10, 100]), z: 2 })).toBe(216);
    expect(upstreamLoss({}, { y: t([1], [1]) })).toBeNaN();
  });

  for (const mode of ['full', 'fast'] as const) {
    test(`${mode} mode accepts the right gradient of tensors and plain numbers`, async () => {
      const r = await gradcheck(right, ['x', 'w'], { ...GRADCHECK_DEFAULTS, mode }, 7);
      expect(r).toMatchObject({ agrees: true, mode });
    });

    test(`${mode} mode rejects a wrong gradient and says where`, async () => {
      const wrong = { ...right, x: t([2, 3], Array.from((right.x as TensorValue).data, (g, i) => (i === 4 ? g * 2 : g))) };
      const r = await gradcheck(wrong, ['x', 'w'], { ...GRADCHECK_DEFAULTS, mode }, 7);
      expect(r.agrees).toBe(false);
      expect(gradcheckText(r)).toContain(mode === 'full' ? 'x[1, 1]: your backward gives' : 'along random direction');
      // Either way the feedback names the input whose gradient is wrong, and its worst element.
      expect(r.disagreeing).toEqual(['x']);
      if (mode === 'fast') expect(gradcheckText(r)).toContain('the gradient of x disagrees (worst element x[1, 1]: your backward gives');
    });
  }

  test('auto uses full mode up to max_full elements, fast mode above', async () => {
    expect((await gradcheck(right, ['x', 'w'], { ...GRADCHECK_DEFAULTS, max_full: 7 }, 1)).mode).toBe('full');
    expect((await gradcheck(right, ['x', 'w'], { ...GRADCHECK_DEFAULTS, max_full: 6 }, 1)).mode).toBe('fast');
  });

  test('a missing gradient fails instead of passing silently', async () => {
    const r = await gradcheck({ x: right.x }, ['x', 'w'], { ...GRADCHECK_DEFAULTS, mode: 'full' }, 1);
    expect(r.agrees).toBe(false);
  });
});
