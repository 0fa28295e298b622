"""Tests of the training loop: it learns, keeps the best model, and resumes after a stop."""

import json

import numpy as np
import pytest
import tensorflow as tf

from aioner_tf.data import aio
from aioner_tf.data import corpora
from aioner_tf.data import prepare
from aioner_tf.data import tfrecords
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.model import aioner
from aioner_tf.model import encoder
from aioner_tf.training import dev_eval
from aioner_tf.training import trainer
from conftest import TEST_DATA, TINY_ENCODER_CONFIG


class Crash(Exception):
  pass


class CrashAtStep(tf.keras.callbacks.Callback):
  """Stands in for a killed process: raises once the optimiser reaches `step`."""

  def __init__(self, step):
    super().__init__()
    self.step = step

  def on_train_batch_end(self, batch, logs=None):
    if int(self.model.optimizer.iterations.numpy()) >= self.step:
      raise Crash()


class RecordStartStep(tf.keras.callbacks.Callback):
  """Records the optimiser step when training begins (after BackupAndRestore restored it)."""

  def on_train_begin(self, logs=None):
    self.start_step = int(self.model.optimizer.iterations.numpy())

  def on_train_end(self, logs=None):
    self.end_step = int(self.model.optimizer.iterations.numpy())


def tiny_config(tiny_data, run_dir, **overrides):
  values = dict(data_dir=str(tiny_data), run_dir=str(run_dir),
                encoder_config=dict(TINY_ENCODER_CONFIG), learning_rate=1e-2, batch_size=4,
                epochs=3, steps_per_epoch=6, backup_every_steps=4, log_every_steps=2,
                eval_batch_size=8)
  values.update(overrides)
  return trainer.TrainConfig(**values)


def test_training_keeps_history_and_a_best_model_that_reloads(tiny_data, tmp_path):
  history = trainer.train(tiny_config(tiny_data, tmp_path / 'run'))
  assert [h['epoch'] for h in history] == [1, 2, 3]
  assert history[-1]['loss'] < history[0]['loss']
  best = tmp_path / 'run' / 'best'
  model = aioner.load_model(best)
  assert model.config.encoder_config['hidden_size'] == TINY_ENCODER_CONFIG['hidden_size']
  assert (best / 'tokenizer' / 'vocab.txt').exists()
  assert 'steps/s' in (tmp_path / 'run' / 'train.log').read_text()


def test_a_stopped_run_resumes_from_its_last_backup(tiny_data, tmp_path):
  config = tiny_config(tiny_data, tmp_path / 'run')
  with pytest.raises(Crash):
    trainer.train(config, extra_callbacks=[CrashAtStep(10)])
  recorder = RecordStartStep()
  history = trainer.train(config, extra_callbacks=[recorder])
  assert recorder.start_step == 8  # The backup every 4 steps before the crash at step 10.
  assert recorder.end_step == 18  # 3 epochs of 6 steps: no step run twice, none skipped.
  assert [h['epoch'] for h in history] == [1, 2, 3]


def test_early_stopping_counts_epochs_without_gain(tiny_data, tmp_path):
  # Learning rate 0: the dev F1 never improves after epoch 1, so patience 2 stops at epoch 3.
  # One replica here (the other tests mirror over two), as on a machine with one device.
  history = trainer.train(tiny_config(tiny_data, tmp_path / 'run', learning_rate=0.0,
                                      epochs=10, patience=2),
                          strategy=tf.distribute.MirroredStrategy(['/cpu:0']))
  assert [h['epoch'] for h in history] == [1, 2, 3]
  log = (tmp_path / 'run' / 'train.log').read_text()
  assert 'early stop' in log
  assert json.loads((tmp_path / 'run' / 'history.json').read_text()) == history


META = {'task': [b'Gene', b'ALL', b'Anatomy'], 'corpus': [b'C'] * 3, 'doc_id': [b'1', b'2', b'3'],
        'word_starts': np.array([[0, 6]] * 3), 'word_ends': np.array([[5, 10]] * 3)}
TASK_TYPES = {**aio.AIO_TASKS, 'Anatomy': ('Organ', 'Cell')}
LABELS = aio.labels_for_tasks(TASK_TYPES)


def test_dev_entities_of_a_task_keep_only_its_types():
  ids = np.array([[LABELS.index('B-Gene'), LABELS.index('B-Disease')]] * 2 +
                 [[LABELS.index('B-Organ'), LABELS.index('B-Gene')]])
  entities = [dev_eval._entities(LABELS, TASK_TYPES, ids, META, row, 2)  # pylint: disable=protected-access
              for row in range(3)]
  assert entities[0] == {('C/1', 0, 5, 'Gene')}
  assert entities[1] == {('C/2', 0, 5, 'Gene'), ('C/2', 6, 10, 'Disease')}
  assert entities[2] == {('C/3', 0, 5, 'Organ')}


@pytest.fixture(scope='module')
def anatomy_data(tmp_path_factory):
  """The tiny AIO corpus and a tiny corpus of anatomy types (a new task), prepared together."""
  out = tmp_path_factory.mktemp('anatomy_data')
  files = '\t'.join(['tiny_train.PubTator'] * 3)
  anatomy = '\t'.join(['tiny_anatomy.conll'] * 3)
  (out / 'corpora.tsv').write_text(
      f'Tiny\tALL\t{" ".join(f"{t}:{t}" for t in aio.ENTITY_TYPES)}\t{files}\n'
      f'TinyAnatomy\tAnatomy\tOrgan:Organ Cell:Cell\t{anatomy}\tconll_offsets\n')
  specs = corpora.read_corpus_list(str(out / 'corpora.tsv'))
  tokenizer = encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM),
                                            list(prepare.corpus_tasks(specs)))
  prepare.prepare(specs, tokenizer, prepare.PrepareConfig(str(TEST_DATA), str(out / 'data')))
  return out / 'data'


def one_replica():
  """The tests of other label counts mirror over one replica: after an earlier two-replica
  strategy of this process trained 19 labels, a new one's all-reduce of other shapes fails with
  a collective shape mismatch (a real run makes one strategy)."""
  return tf.distribute.MirroredStrategy(['/cpu:0'])


def test_a_model_trained_on_new_types_has_their_labels_and_tasks(anatomy_data, tmp_path):
  trainer.train(tiny_config(anatomy_data, tmp_path / 'run', epochs=1, steps_per_epoch=2),
                strategy=one_replica())
  model = aioner.load_model(tmp_path / 'run' / 'best')
  assert model.config.labels == LABELS
  assert model.config.task_types['Anatomy'] == ['Organ', 'Cell']


def _init_model(tiny_data, directory):
  """A tiny random model trained on nothing, saved with the AIO data's tokenizer."""
  tf.keras.utils.set_random_seed(5)
  model = aioner.build_model(aioner.ModelConfig(encoder_config=dict(TINY_ENCODER_CONFIG)))
  aioner.save_model(model, directory)
  SubwordTokenizer.load(str(tiny_data / 'tokenizer')).save(str(directory / 'tokenizer'))
  return model


def test_init_from_grows_a_trained_model_that_still_decodes_old_inputs_as_before(
    tiny_data, anatomy_data, tmp_path):
  init = _init_model(tiny_data, tmp_path / 'init')
  # Learning rate 0: what comes out is the grown model before any fine-tuning.
  trainer.train(tiny_config(anatomy_data, tmp_path / 'run', init_from=str(tmp_path / 'init'),
                            encoder_config=None, learning_rate=0.0, epochs=1, steps_per_epoch=2),
                strategy=one_replica())
  grown = aioner.load_model(tmp_path / 'run' / 'best')
  assert grown.config.labels == LABELS and 'Anatomy' in grown.config.task_types
  dev = tfrecords.make_eval_dataset(str(anatomy_data / 'dev' / 'Tiny.tfrecord'), 8)
  for features, _, _ in dev:
    np.testing.assert_array_equal(grown.decode(features).numpy(), init.decode(features).numpy())
  assert 'starting from' in (tmp_path / 'run' / 'train.log').read_text()


def test_init_from_refuses_a_model_whose_tokenizer_reads_ids_otherwise(tiny_data, anatomy_data,
                                                                       tmp_path):
  _init_model(tiny_data, tmp_path / 'init')
  vocab = tmp_path / 'init' / 'tokenizer' / 'vocab.txt'
  vocab.write_text(vocab.read_text().replace('\nthe\n', '\nthe_other\n', 1))
  with pytest.raises(ValueError, match="'the' here but 'the_other'"):
    trainer.train(tiny_config(anatomy_data, tmp_path / 'run', init_from=str(tmp_path / 'init'),
                              encoder_config=None), strategy=one_replica())


def test_dev_corpora_choose_the_best_epoch_on_their_records_only(anatomy_data, tmp_path):
  history = trainer.train(tiny_config(anatomy_data, tmp_path / 'run', epochs=1, steps_per_epoch=2,
                                      dev_corpora=('TinyAnatomy',)), strategy=one_replica())
  assert history[0]['dev_f1_per_type'] and set(history[0]['dev_f1_per_type']) <= {'Organ', 'Cell'}
  assert 'dev records of TinyAnatomy' in (tmp_path / 'run' / 'train.log').read_text()


def test_a_dev_corpus_without_dev_records_is_refused(anatomy_data, tmp_path):
  with pytest.raises(ValueError, match=r"\['Anatomy'\] have no dev records.*'TinyAnatomy'"):
    trainer.train(tiny_config(anatomy_data, tmp_path / 'run', dev_corpora=('Anatomy',)),
                  strategy=one_replica())
