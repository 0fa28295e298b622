"""Tests of mixed bfloat16 precision on a tiny random model."""

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
