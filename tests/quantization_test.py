"""Tests of per-channel int8 weights."""

import numpy as np

from aioner_tf.export import quantization


def test_each_output_unit_gets_its_own_scale():
  weights = np.array([[0.01, -0.02, 0.005], [3.0, -1.5, 0.75], [0.0, 0.0, 0.0]], np.float32)
  values, scales = quantization.per_channel(weights)
  assert values.dtype == np.int8 and scales.shape == (3,)
  assert np.abs(values[:2]).max(axis=1).tolist() == [127, 127]  # Each row uses the full range.
  assert not values[2].any()  # An all-zero unit stays zero, without dividing by zero.
  np.testing.assert_allclose(values * scales[:, None], weights, atol=float(scales.max()) / 2)
  # One scale for the whole matrix (per tensor) would round the first unit's weights to 0.
  assert np.round(weights[0] / (np.abs(weights).max() / 127)).tolist() == [0, -1, 0]
