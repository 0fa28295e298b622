"""The training loop around Keras `fit`: strategy, schedule, dev F1, best model, resume.

A run directory holds everything a run needs to go on after a stop:
  model_config.json, tokenizer/   what the model is (written before the first step)
  backup/                         BackupAndRestore state, saved every `backup_every_steps`
  best/                           weights + config + tokenizer of the best dev-F1 epoch
  history.json                    dev scores per epoch (early stopping reads it on resume)
  logs/                           TensorBoard: loss, learning rate, dev P/R/F1 per type
  train.log                       plain progress lines (steps/s) and epoch results
Running the same command again resumes from the last backup.

The model's labels and tasks are the data directory's (labels.json): AIO's, plus those of new
entity types its corpora declare. With `init_from` a trained model is the starting point
(AIONER-Pretrained): its output layer and CRF grow for the data's new labels (model/grow.py).
"""

import dataclasses
import json
import os
import pathlib
import shutil
import time
from typing import Dict, List, Optional, Sequence, Tuple

import tensorflow as tf

from aioner_tf.data import prepare
from aioner_tf.data import tfrecords
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.model import aioner
from aioner_tf.model import encoder as encoder_lib
from aioner_tf.model import grow
from aioner_tf.model import precision as precision_lib
from aioner_tf.training import dev_eval
from aioner_tf.training.schedule import WarmupLinearDecay


@dataclasses.dataclass
class TrainConfig:
  data_dir: str  # Output of bin/prepare_data.py: tokenizer/, train/, dev/.
  run_dir: str
  encoder: str = encoder_lib.MINILM  # Pre-trained encoder directory, or 'minilm'.
  encoder_config: Optional[Dict] = None  # Instead of `encoder`: a random-initialised config.
  # Instead of either: a trained model directory to fine-tune (its head, hidden size, dropout
  # and encoder are kept; the flags for them are not used).
  init_from: Optional[str] = None
  head: str = 'crf'
  hidden_size: int = 256
  dropout: float = 0.1
  learning_rate: float = 5e-6
  warmup_fraction: float = 0.1
  batch_size: int = 32
  epochs: int = 50
  patience: int = 5
  steps_per_epoch: Optional[int] = None  # Default: one pass over the training records.
  backup_every_steps: int = 200
  log_every_steps: int = 50
  eval_batch_size: int = 64
  seed: int = 42
  precision: str = precision_lib.FLOAT32  # Compute precision (model/precision.py).
  # Corpora whose dev records pick the best epoch and stop early; empty: every corpus. For a
  # new type trained with a sample of old corpora, its own corpus (the old ones outnumber it).
  dev_corpora: Tuple[str, ...] = ()


def make_strategy() -> tf.distribute.Strategy:
  """MultiWorkerMirroredStrategy when TF_CONFIG is set, else MirroredStrategy on local devices
  (GPUs if any, else every logical CPU device)."""
  if os.environ.get('TF_CONFIG'):
    return tf.distribute.MultiWorkerMirroredStrategy()
  gpus = tf.config.list_logical_devices('GPU')
  devices = [d.name for d in (gpus or tf.config.list_logical_devices('CPU'))]
  return tf.distribute.MirroredStrategy(devices=devices)


def split_cpu(num_devices: int) -> None:
  """Splits the CPU into logical devices (before TF runs anything), e.g. to test mirroring."""
  cpu = tf.config.list_physical_devices('CPU')[0]
  tf.config.set_logical_device_configuration(
      cpu, [tf.config.LogicalDeviceConfiguration()] * num_devices)


def count_batches(file_pattern: str, batch_size: int) -> int:
  """Batches in one pass over the training records (bucketing hides the cardinality)."""
  return int(tfrecords.make_dataset(file_pattern, batch_size, training=False).reduce(
      0, lambda count, _: count + 1))


class _Log:
  """Appends lines to train.log and echoes them."""

  def __init__(self, path: pathlib.Path):
    self.path = path

  def __call__(self, line: str) -> None:
    print(line, flush=True)
    with self.path.open('a') as f:
      f.write(line + '\n')


class ProgressLogger(tf.keras.callbacks.Callback):
  """A progress line with loss and steps/s every `every` steps."""

  def __init__(self, log: _Log, every: int):
    super().__init__()
    self.log, self.every = log, every
    self.last_time, self.last_step = None, 0

  def on_train_batch_end(self, batch, logs=None):
    step = int(self.model.optimizer.iterations.numpy())
    if self.last_time is None:
      self.last_time, self.last_step = time.time(), step
    elif step - self.last_step >= self.every:
      rate = (step - self.last_step) / (time.time() - self.last_time)
      self.log(f'step {step} loss {logs["loss"]:.4f} {rate:.2f} steps/s')
      self.last_time, self.last_step = time.time(), step


class DevEvaluation(tf.keras.callbacks.Callback):
  """Scores the dev split each epoch; keeps the best model; stops after `patience` epochs
  without improvement. Its history lives in the run directory, so a resumed run continues the
  count instead of starting it over."""

  def __init__(self, dataset, run_dir: pathlib.Path, patience: int, tokenizer, log: _Log):
    super().__init__()
    self.dataset, self.run_dir, self.patience = dataset, run_dir, patience
    self.tokenizer, self.log = tokenizer, log
    self.history_path = run_dir / 'history.json'
    self.writer = tf.summary.create_file_writer(str(run_dir / 'logs' / 'dev'))
    self.history: List[Dict] = []

  def on_train_begin(self, logs=None):
    if self.history_path.exists():
      self.history = json.loads(self.history_path.read_text())

  def on_epoch_end(self, epoch, logs=None):
    result = dev_eval.score(self.model, self.dataset)
    logs['val_f1'] = result.micro.f1
    entry = {'epoch': epoch + 1, 'loss': float(logs.get('loss', 0.0)),
             'dev_precision': result.micro.precision, 'dev_recall': result.micro.recall,
             'dev_f1': result.micro.f1,
             'dev_f1_per_type': {t: s.f1 for t, s in result.per_type.items()},
             'time': time.time()}
    best = max([h['dev_f1'] for h in self.history], default=-1.0)
    self.history = [h for h in self.history if h['epoch'] < epoch + 1] + [entry]
    self.history_path.write_text(json.dumps(self.history, indent=1))
    with self.writer.as_default(step=epoch + 1):
      for name, scores in [('micro', result.micro)] + list(result.per_type.items()):
        tf.summary.scalar(f'dev_precision/{name}', scores.precision)
        tf.summary.scalar(f'dev_recall/{name}', scores.recall)
        tf.summary.scalar(f'dev_f1/{name}', scores.f1)
    self.log(f'epoch {epoch + 1} loss {entry["loss"]:.4f} dev P {100 * result.micro.precision:.2f}'
             f' R {100 * result.micro.recall:.2f} F1 {100 * result.micro.f1:.2f}')
    if result.micro.f1 > best:
      save_best(self.model, self.tokenizer, self.run_dir / 'best')
      self.log(f'epoch {epoch + 1}: new best dev F1, saved to {self.run_dir / "best"}')
    best_epoch = max(self.history, key=lambda h: h['dev_f1'])['epoch']
    if epoch + 1 - best_epoch >= self.patience:
      self.log(f'early stop: no dev F1 gain for {self.patience} epochs (best epoch {best_epoch})')
      self.model.stop_training = True


def save_best(model, tokenizer: SubwordTokenizer, directory: pathlib.Path) -> None:
  """Writes weights, config and tokenizer to `directory` atomically (rename of a temp dir)."""
  temp = directory.with_name(directory.name + '.tmp')
  shutil.rmtree(temp, ignore_errors=True)
  aioner.save_model(model, temp)
  tokenizer.save(str(temp / 'tokenizer'))
  shutil.rmtree(directory, ignore_errors=True)
  temp.rename(directory)


def start_from(model_dir: str, tokenizer: SubwordTokenizer, max_len: int, labels: List[str],
               task_types: Dict[str, List[str]]) -> aioner.AionerModel:
  """The trained model in `model_dir`, grown to `labels` and `task_types`, once its tokenizer
  is known to give the data's ids the meaning the model learnt (SubwordTokenizer.check_extends)."""
  tokenizer.check_extends(SubwordTokenizer.load(str(pathlib.Path(model_dir) / 'tokenizer')))
  model = aioner.load_model(model_dir)
  if len(tokenizer.vocab) > model.encoder.config.vocab_size:  # New task tags were appended.
    model.encoder.resize_token_embeddings(len(tokenizer.vocab))
    model.config.encoder_config = model.encoder.config.to_dict()
  model.config.max_len = max_len
  return grow.grow_labels(model, labels, task_types)


def build_for_training(config: TrainConfig, tokenizer: SubwordTokenizer, max_len: int,
                       labels: List[str], task_types: Dict[str, List[str]]):
  """The model to train: from `init_from`, or the pre-trained encoder (or a random one from
  `encoder_config`) with a new head."""
  if config.init_from:
    return start_from(config.init_from, tokenizer, max_len, labels, task_types)
  model_config = aioner.ModelConfig(
      encoder_config=config.encoder_config or {}, labels=labels, task_types=task_types,
      head=config.head, hidden_size=config.hidden_size, dropout=config.dropout, max_len=max_len)
  if config.encoder_config:
    return aioner.build_model(model_config, vocab_size=len(tokenizer.vocab))
  path = encoder_lib.resolve_encoder_path(config.encoder)
  model_config.encoder_path = path
  return aioner.build_model(model_config, pretrained_path=path, vocab_size=len(tokenizer.vocab))


def check_dev_corpora(dev_corpora: Sequence[str], corpora_summary: Dict) -> None:
  """Raises ValueError for a corpus without dev records in the data (summary.json's
  `corpora`): its dev F1 would be 0 every epoch and silently choose the first."""
  with_dev = sorted(name for name, splits in corpora_summary.items()
                    if splits.get('dev', {}).get('pieces'))
  missing = [name for name in dev_corpora if name not in with_dev]
  if missing:
    raise ValueError(f'--dev_corpora {missing} have no dev records in the data; corpora with '
                     f'dev records: {with_dev}')


def train(config: TrainConfig, strategy: Optional[tf.distribute.Strategy] = None,
          extra_callbacks: Sequence[tf.keras.callbacks.Callback] = ()) -> List[Dict]:
  """Trains (or resumes) a run; returns the dev history (one entry per epoch).

  `extra_callbacks` run after the run's own, so they see the state BackupAndRestore restored.
  """
  tf.keras.utils.set_random_seed(config.seed)
  precision_lib.set_policy(config.precision)
  strategy = strategy or make_strategy()
  run_dir = pathlib.Path(config.run_dir)
  run_dir.mkdir(parents=True, exist_ok=True)
  log = _Log(run_dir / 'train.log')
  data_dir = pathlib.Path(config.data_dir)
  tokenizer = SubwordTokenizer.load(str(data_dir / 'tokenizer'))
  summary = json.loads((data_dir / 'summary.json').read_text())
  max_len = summary['config']['max_len']
  check_dev_corpora(config.dev_corpora, summary['corpora'])
  labels, task_types = prepare.read_labels(str(data_dir))
  train_pattern = str(data_dir / 'train' / '*.tfrecord')
  steps_per_epoch = config.steps_per_epoch or count_batches(train_pattern, config.batch_size)
  total_steps = steps_per_epoch * config.epochs
  (run_dir / 'train_config.json').write_text(json.dumps(dataclasses.asdict(config), indent=1))
  log(f'{strategy.num_replicas_in_sync} replica(s); {steps_per_epoch} steps per epoch; '
      f'batch {config.batch_size}; lr {config.learning_rate}; {len(labels)} labels; '
      f'{config.precision}')
  if config.dev_corpora:
    log(f'best epoch and early stopping on the dev records of {", ".join(config.dev_corpora)}')
  if config.init_from:
    log(f'starting from {config.init_from}, its head grown to the data\'s labels')

  with strategy.scope():
    model = build_for_training(config, tokenizer, max_len, labels, task_types)
    schedule = WarmupLinearDecay(config.learning_rate,
                                 int(total_steps * config.warmup_fraction), total_steps)
    model.compile(optimizer=tf.keras.optimizers.Adam(schedule))
  model.config.save(run_dir)
  tokenizer.save(str(run_dir / 'tokenizer'))

  def dataset_fn(input_context):
    return tfrecords.make_dataset(train_pattern, config.batch_size, training=True,
                                  seed=config.seed, input_context=input_context).repeat()

  train_data = strategy.distribute_datasets_from_function(dataset_fn)
  dev_data = tfrecords.make_eval_dataset(str(data_dir / 'dev' / '*.tfrecord'),
                                         config.eval_batch_size, config.dev_corpora)
  callbacks = [
      ProgressLogger(log, config.log_every_steps),
      DevEvaluation(dev_data, run_dir, config.patience, tokenizer, log),
      tf.keras.callbacks.TensorBoard(str(run_dir / 'logs'), update_freq=config.log_every_steps),
      tf.keras.callbacks.BackupAndRestore(str(run_dir / 'backup'),
                                          save_freq=config.backup_every_steps,
                                          delete_checkpoint=False),
      *extra_callbacks,
  ]
  model.fit(train_data, epochs=config.epochs, steps_per_epoch=steps_per_epoch,
            callbacks=callbacks, verbose=0)
  return json.loads((run_dir / 'history.json').read_text())
