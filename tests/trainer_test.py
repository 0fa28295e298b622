"""Tests of the training loop: it learns, keeps the best model, and resumes after a stop."""

import json

import pytest
import tensorflow as tf

from aioner_tf.model import aioner
from aioner_tf.training import trainer
from conftest import TINY_ENCODER_CONFIG


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


def test_dev_entities_of_a_single_type_task_keep_only_that_type():
  import numpy as np  # pylint: disable=g-import-not-at-top
  from aioner_tf.data import aio  # pylint: disable=g-import-not-at-top
  from aioner_tf.training import dev_eval  # pylint: disable=g-import-not-at-top
  meta = {'task': [b'Gene', b'ALL'], 'corpus': [b'C', b'C'], 'doc_id': [b'1', b'2'],
          'word_starts': np.array([[0, 6], [0, 6]]), 'word_ends': np.array([[5, 10], [5, 10]])}
  ids = np.array([[aio.LABELS.index('B-Gene'), aio.LABELS.index('B-Disease')]] * 2)
  gene_task = dev_eval._entities(aio.LABELS, ids, meta, 0, 2)  # pylint: disable=protected-access
  all_task = dev_eval._entities(aio.LABELS, ids, meta, 1, 2)  # pylint: disable=protected-access
  assert gene_task == {('C/1', 0, 5, 'Gene')}
  assert all_task == {('C/2', 0, 5, 'Gene'), ('C/2', 6, 10, 'Disease')}
