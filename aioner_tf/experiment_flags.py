"""Flags of an experiment flagfile (configs/*.flags): its corpus set and its training run.

bin/prepare_data.py reads the data flags and bin/train.py the training flags, from one
flagfile. Both entry points call `define_experiment_flags`, so each accepts the other's flags,
and each name has one meaning: a new flag is added here, not as an "ignored" stand-in in the
other script.
"""

import pathlib

from absl import flags

from aioner_tf.data import aio
from aioner_tf.model import aioner
from aioner_tf.model import encoder as encoder_lib
from aioner_tf.model import precision


def define_experiment_flags(repo_root: pathlib.Path) -> None:
  """Defines the data flags and the training flags."""
  _define_data_flags(repo_root)
  _define_training_flags()


def _define_data_flags(repo_root: pathlib.Path) -> None:
  """Flags of bin/prepare_data.py; `--encoder` and `--output_dir` are bin/train.py's too. The
  corpus list defaults to the repository's, its corpora to ../shared/corpora beside it."""
  flags.DEFINE_list('corpora', ['BioRED'], 'Corpus names from --corpus_list; NAME:FRACTION '
                    'uses a seeded fraction of that corpus\'s train and dev documents.')
  flags.DEFINE_string('corpus_list', str(repo_root / 'configs' / 'corpora.tsv'),
                      'Corpus list (TSV).')
  flags.DEFINE_string('corpora_dir', str(repo_root.parent / 'shared' / 'corpora'),
                      'Folder the corpus list paths are relative to.')
  flags.DEFINE_string('encoder', encoder_lib.MINILM, 'Pre-trained encoder directory '
                      '(config.json, vocab.txt, weights; e.g. PubMedBERT), or "minilm".')
  flags.DEFINE_string('output_dir', None, 'Data directory: the TFRecords and summary that '
                      'bin/prepare_data.py writes and bin/train.py reads.', required=True)
  flags.DEFINE_enum('mode', 'aio', aio.MODES, 'aio: task tags; merge: no tags (naive merge); '
                    'ind: multi-type corpora split into single-type tasks.')
  flags.DEFINE_integer('max_len', 256, 'Most subwords per piece, [CLS], [SEP] and tags included.')
  flags.DEFINE_float('dev_fraction', 0.1, 'Share of train documents held out where no dev file.')
  flags.DEFINE_integer('dev_split_seed', 42, 'Seed of the held-out dev documents and of the '
                       'NAME:FRACTION samples.')
  flags.DEFINE_bool('strict', False, 'Malformed input is an error instead of a warning.')


def _define_training_flags() -> None:
  """Flags of bin/train.py."""
  flags.DEFINE_string('run_dir', None, 'Run directory (checkpoints, logs, best model).')
  flags.DEFINE_string('encoder_config', None,
                      'JSON of a transformers config for a random-initialised encoder (tests).')
  flags.DEFINE_string('init_from', None, 'A trained model directory (RUN_DIR/best) to fine-tune '
                      'instead of a new head on --encoder (AIONER-Pretrained): its output layer '
                      'and CRF grow for the new labels of the data; --head, --hidden_size and '
                      '--dropout are then the model\'s.')
  flags.DEFINE_enum('head', 'crf', aioner.HEADS, 'Output layer: CRF (paper) or softmax.')
  flags.DEFINE_integer('hidden_size', 256, 'Width of the Dense+ReLU layer.')
  flags.DEFINE_float('dropout', 0.1, 'Dropout before the Dense layers.')
  flags.DEFINE_float('learning_rate', 5e-6, 'Peak learning rate (paper: 5e-6 for PubMedBERT).')
  flags.DEFINE_float('warmup_fraction', 0.1, 'Share of all steps spent warming up.')
  flags.DEFINE_integer('batch_size', 32, 'Global batch size (split over replicas).')
  flags.DEFINE_integer('epochs', 50, 'Most epochs.')
  flags.DEFINE_integer('patience', 5, 'Epochs without dev F1 gain before stopping.')
  flags.DEFINE_integer('steps_per_epoch', None, 'Default: one pass over the training data.')
  flags.DEFINE_integer('backup_every_steps', 200, 'Steps between BackupAndRestore saves.')
  flags.DEFINE_integer('log_every_steps', 50, 'Steps between progress lines.')
  flags.DEFINE_integer('seed', 42, 'Seed of the initial weights and the order of the training '
                       'records.')
  flags.DEFINE_list('dev_corpora', [], 'Corpora whose dev records choose the best epoch and '
                    'stop early (default: all). Fine-tuning on a new type mixed with a sample of '
                    'the old corpora: the new corpus, whose few dev mentions the old ones would '
                    'outweigh.')
  flags.DEFINE_enum('precision', precision.FLOAT32, precision.POLICIES, 'Compute precision: '
                    'mixed_bfloat16 trains faster on CPUs with bfloat16 instructions '
                    '(docs/BENCHMARKS.md); weights stay float32.')
  flags.DEFINE_integer('cpu_devices', 0, 'Split the CPU into this many logical devices for '
                       'MirroredStrategy (0: leave as is).')
