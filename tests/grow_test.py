"""Tests of growing a trained model to new labels: before fine-tuning nothing old changes."""

import numpy as np
import pytest
import tensorflow as tf

from aioner_tf.data import aio
from aioner_tf.data import tfrecords
from aioner_tf.model import aioner
from aioner_tf.model import grow
from conftest import TINY_ENCODER_CONFIG

ANATOMY = ('Organ', 'Cell', 'Tissue', 'Organism_substance', 'Cellular_component',
           'Multi-tissue_structure', 'Anatomical_system')
TASKS = {**aio.AIO_TASKS, 'Anatomy': ANATOMY, 'Plant': ('Plant',)}
LABELS = aio.labels_for_tasks(TASKS)


def tiny_model(head):
  tf.keras.utils.set_random_seed(3)
  return aioner.build_model(aioner.ModelConfig(encoder_config=dict(TINY_ENCODER_CONFIG),
                                               head=head))


def inputs(tiny_data):
  """The tiny corpus's first batch (ALL task tags) and a batch of random subword ids."""
  features, _ = next(iter(tfrecords.make_dataset(str(tiny_data / 'train' / '*.tfrecord'), 8,
                                                 training=False)))
  rng = np.random.default_rng(0)
  ids = rng.integers(0, TINY_ENCODER_CONFIG['vocab_size'], [6, 40]).astype(np.int32)
  positions = np.tile(np.arange(1, 39, dtype=np.int32), [6, 1])
  positions[:, 30:] = 0  # Sequences of 29 words, padded.
  random = {'input_ids': tf.constant(ids), 'attention_mask': tf.ones_like(ids),
            'word_positions': tf.constant(positions)}
  return [features, random]


def test_analogues_follow_the_outside_label_and_the_old_types_in_turn():
  sources = grow.analogues(LABELS, len(aio.LABELS))
  assert sources[:19] == list(range(19))
  named = dict(zip(LABELS[19:], (LABELS[i] for i in sources[19:])))
  assert named['O-Anatomy'] == named['O-Plant'] == 'O'
  assert (named['B-Organ'], named['I-Organ']) == ('B-Gene', 'I-Gene')
  assert (named['B-Cell'], named['I-Tissue']) == ('B-Chemical', 'I-Disease')
  assert named['B-Anatomical_system'] == 'B-Gene'  # The seventh new type: the six start over.


@pytest.mark.parametrize('head', aioner.HEADS)
@pytest.mark.parametrize('margin', [grow.NEW_LABEL_MARGIN, 1e-3])
def test_a_grown_model_decodes_and_scores_old_labels_as_before(tiny_data, head, margin,
                                                               monkeypatch):
  monkeypatch.setattr(grow, 'NEW_LABEL_MARGIN', margin)
  model = tiny_model(head)
  grown = grow.grow_labels(model, LABELS, TASKS)
  assert grown.config.labels == LABELS and grown.config.task_types['Plant'] == ['Plant']
  sources = grow.analogues(LABELS, len(aio.LABELS))
  for batch in inputs(tiny_data):
    before, after = model(batch).numpy(), grown(batch).numpy()
    np.testing.assert_allclose(after[..., :19], before, atol=1e-5)
    np.testing.assert_allclose(after[..., 19:], before[..., sources[19:]] - margin, atol=1e-5)
    np.testing.assert_array_equal(grown.decode(batch).numpy(), model.decode(batch).numpy())
  if head == 'crf':
    transitions = grown.crf.transitions.numpy()
    np.testing.assert_array_equal(transitions[:19, :19], model.crf.transitions.numpy())
    assert transitions[LABELS.index('B-Organ'), LABELS.index('I-Organ')] == \
        transitions[LABELS.index('B-Gene'), LABELS.index('I-Gene')]


def test_a_grown_model_saves_reloads_and_learns_the_new_labels(tiny_data, tmp_path):
  grown = grow.grow_labels(tiny_model('crf'), LABELS, TASKS)
  aioner.save_model(grown, tmp_path / 'grown')
  reloaded = aioner.load_model(tmp_path / 'grown')
  assert reloaded.config == grown.config
  features = inputs(tiny_data)[0]
  labels = tf.fill(tf.shape(features['word_positions']), LABELS.index('O-Anatomy'))
  reloaded.compile(optimizer=tf.keras.optimizers.Adam(1e-2))
  before = reloaded.evaluate(features, labels, verbose=0)
  for _ in range(5):
    reloaded.train_on_batch(features, labels)
  assert reloaded.evaluate(features, labels, verbose=0) < 0.5 * before


def test_labels_that_do_not_extend_the_model_s_are_refused():
  model = tiny_model('crf')
  with pytest.raises(ValueError, match='start with the model'):
    grow.grow_labels(model, ['O-Anatomy'] + LABELS, TASKS)


def test_a_grown_model_keeps_its_own_tasks_beside_the_new_ones():
  model = tiny_model('crf')
  model.config.task_types = {'ALL': list(aio.ENTITY_TYPES), 'Gene': ['Gene']}
  grown = grow.grow_labels(model, aio.labels_for_tasks({'Plant': ['Plant']}),
                           {'Plant': ['Plant'], 'Gene': ['Gene']})
  assert grown.config.task_types == {'ALL': list(aio.ENTITY_TYPES), 'Gene': ['Gene'],
                                     'Plant': ['Plant']}
