"""Tests of mixed bfloat16 precision on a tiny random model."""

import warnings

import numpy as np
import pytest
import tensorflow as tf

from aioner_tf.model import aioner
from aioner_tf.model import precision
from aioner_tf.training import trainer
from model_test import first_batch
from model_test import tiny_model
from trainer_test import tiny_config


@pytest.fixture
def mixed_bfloat16():
  precision.set_policy(precision.MIXED_BFLOAT16)
  yield
  precision.set_policy(precision.FLOAT32)


def _query_layer(model):
  return model.encoder.bert.encoder.layer[0].attention.self_attention.query


def test_the_encoder_computes_in_bfloat16_with_float32_weights(mixed_bfloat16):
  model = tiny_model()
  assert _query_layer(model).compute_dtype == 'bfloat16'
  assert model.hidden.compute_dtype == 'bfloat16'
  assert all(v.dtype == tf.float32 for v in model.trainable_variables)


def test_training_in_bfloat16_lowers_a_float32_loss(tiny_data, mixed_bfloat16):
  model = tiny_model()
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
  features, labels = first_batch(tiny_data)
  before = model.evaluate(features, labels, verbose=0)
  for _ in range(10):
    loss = model.train_on_batch(features, labels)
  assert np.isfinite(loss)
  assert model.evaluate(features, labels, verbose=0) < 0.5 * before


def test_a_model_saved_in_bfloat16_loads_in_float32_with_the_same_weights(
    tiny_data, tmp_path, mixed_bfloat16):
  model = tiny_model()
  aioner.save_model(model, tmp_path / 'model')
  precision.set_policy(precision.FLOAT32)
  reloaded = aioner.load_model(tmp_path / 'model')
  assert _query_layer(reloaded).compute_dtype == 'float32'
  for saved, loaded in zip(model.weights, reloaded.weights):
    np.testing.assert_array_equal(saved.numpy(), loaded.numpy())
  features, _ = first_batch(tiny_data)
  np.testing.assert_allclose(reloaded(features).numpy(),
                             model(features).numpy().astype(np.float32), atol=0.1)


def test_an_unknown_precision_is_refused():
  with pytest.raises(ValueError, match='precision'):
    precision.set_policy('mixed_float16')


def test_a_bfloat16_run_trains_evaluates_dev_and_saves_a_float32_best_model(
    tiny_data, tmp_path, mixed_bfloat16):
  history = trainer.train(tiny_config(tiny_data, tmp_path / 'run', epochs=2,
                                      precision=precision.MIXED_BFLOAT16))
  assert history[-1]['loss'] < history[0]['loss']
  assert 0 <= history[-1]['dev_f1'] <= 1
  assert 'mixed_bfloat16' in (tmp_path / 'run' / 'train.log').read_text()
  precision.set_policy(precision.FLOAT32)
  best = aioner.load_model(tmp_path / 'run' / 'best')
  assert all(v.dtype == tf.float32 for v in best.weights)


@pytest.mark.parametrize('flags_line, expected', [
    ('flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni', True),
    ('flags\t\t: fpu sse2 avx2 amx_bf16 amx_tile', True),
    ('Features\t: fp asimd bf16 i8mm', True),
    ('flags\t\t: fpu sse2 avx2 avx512f avx512_vnni', False),
])
def test_the_cpu_flags_tell_whether_bfloat16_is_native(tmp_path, flags_line, expected):
  cpuinfo = tmp_path / 'cpuinfo'
  cpuinfo.write_text(f'processor\t: 0\nmodel name\t: some cpu\n{flags_line}\n\n')
  assert precision.cpu_has_bfloat16(str(cpuinfo)) is expected


def test_an_unreadable_cpuinfo_tells_nothing(tmp_path):
  assert precision.cpu_has_bfloat16(str(tmp_path / 'missing')) is None


def test_mixed_bfloat16_warns_on_a_cpu_without_bfloat16_only(monkeypatch):
  monkeypatch.setattr(precision, 'cpu_has_bfloat16', lambda: False)
  try:
    with pytest.warns(UserWarning, match='emulated'):
      precision.set_policy(precision.MIXED_BFLOAT16)
    with warnings.catch_warnings():
      warnings.simplefilter('error')
      precision.set_policy(precision.FLOAT32)
      monkeypatch.setattr(precision, 'cpu_has_bfloat16', lambda: True)
      precision.set_policy(precision.MIXED_BFLOAT16)
  finally:
    precision.set_policy(precision.FLOAT32)
