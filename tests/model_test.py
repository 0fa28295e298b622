"""Tests of the AIONER Keras model on a tiny random-initialised BERT."""

import numpy as np
import pytest
import tensorflow as tf

from aioner_tf.data import tfrecords
from aioner_tf.model import aioner
from conftest import TINY_ENCODER_CONFIG


def tiny_model(head='crf', dropout=0.0):
  """A tiny model; dropout 0 everywhere (encoder too), so training steps are deterministic."""
  tf.keras.utils.set_random_seed(1)
  encoder_config = dict(TINY_ENCODER_CONFIG, hidden_dropout_prob=dropout,
                        attention_probs_dropout_prob=dropout)
  return aioner.build_model(aioner.ModelConfig(encoder_config=encoder_config, head=head,
                                               dropout=dropout))


def first_batch(tiny_data, batch_size=4):
  dataset = tfrecords.make_dataset(str(tiny_data / 'train' / '*.tfrecord'), batch_size,
                                   training=False)
  return next(iter(dataset))


@pytest.mark.parametrize('head', aioner.HEADS)
def test_a_few_steps_lower_the_loss(tiny_data, head):
  model = tiny_model(head)
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
  features, labels = first_batch(tiny_data)
  before = model.evaluate(features, labels, verbose=0)
  for _ in range(10):
    model.train_on_batch(features, labels)
  after = model.evaluate(features, labels, verbose=0)
  assert after < 0.5 * before


@pytest.mark.parametrize('head', aioner.HEADS)
def test_padding_does_not_change_decoded_labels(tiny_data, head):
  model = tiny_model(head)
  features, _ = first_batch(tiny_data)
  padded = {
      'input_ids': tf.pad(features['input_ids'], [[0, 0], [0, 7]]),
      'attention_mask': tf.pad(features['attention_mask'], [[0, 0], [0, 7]]),
      'word_positions': tf.pad(features['word_positions'], [[0, 0], [0, 5]]),
  }
  plain = model.decode(features).numpy()
  longer = model.decode(padded).numpy()
  np.testing.assert_array_equal(longer[:, :plain.shape[1]], plain)
  assert not longer[:, plain.shape[1]:].any()  # Padded words decode to nothing (0).


def test_decode_is_zero_past_each_sequence(tiny_data):
  model = tiny_model()
  features, labels = first_batch(tiny_data)
  decoded = model.decode(features).numpy()
  lengths = aioner.word_lengths(features['word_positions']).numpy()
  assert decoded.shape == labels.shape
  for row, length in enumerate(lengths):
    assert not decoded[row, length:].any()


def test_saved_weights_and_config_reload_to_the_same_predictions(tiny_data, tmp_path):
  model = tiny_model()
  features, _ = first_batch(tiny_data)
  aioner.save_model(model, tmp_path / 'model')
  reloaded = aioner.load_model(tmp_path / 'model')
  assert reloaded.config == model.config
  np.testing.assert_allclose(reloaded(features).numpy(), model(features).numpy(), atol=1e-6)


def test_unknown_head_is_refused():
  with pytest.raises(ValueError, match='head'):
    aioner.AionerModel(aioner.ModelConfig(encoder_config=dict(TINY_ENCODER_CONFIG),
                                          head='mlp'))


def test_two_replicas_give_the_same_loss_and_update_as_one(tiny_data):
  features, labels = first_batch(tiny_data, batch_size=8)
  results = []
  for devices in (['/cpu:0'], ['/cpu:0', '/cpu:1']):
    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
      model = tiny_model()
      model.compile(optimizer=tf.keras.optimizers.SGD(0.1))
    dataset = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensors((features, labels)))
    loss = model.evaluate(dataset, steps=1, verbose=0)
    model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
    results.append((loss, model.scores.kernel.numpy()))
  (loss_one, kernel_one), (loss_two, kernel_two) = results
  assert loss_one == pytest.approx(loss_two, rel=1e-5)
  np.testing.assert_allclose(kernel_one, kernel_two, rtol=1e-4, atol=1e-6)
