"""Trains an AIONER model on TFRecords written by bin/prepare_data.py.

  python bin/train.py --flagfile=configs/biored.flags

Run the same command again after a stop: it resumes from the run directory's last backup.
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf.model import aioner
from aioner_tf.model import encoder as encoder_lib
from aioner_tf.model import precision
from aioner_tf.training import trainer

FLAGS = flags.FLAGS
flags.DEFINE_string('output_dir', None, 'Data directory written by bin/prepare_data.py.',
                    required=True)
flags.DEFINE_string('run_dir', None, 'Run directory (checkpoints, logs, best model).',
                    required=True)
flags.DEFINE_string('encoder', encoder_lib.MINILM,
                    'Pre-trained encoder directory (e.g. PubMedBERT), or "minilm".')
flags.DEFINE_string('encoder_config', None,
                    'JSON of a transformers config for a random-initialised encoder (tests).')
flags.DEFINE_string('init_from', None, 'A trained model directory (RUN_DIR/best) to fine-tune '
                    'instead of a new head on --encoder (AIONER-Pretrained): its output layer and '
                    'CRF grow for the new labels of the data; --head, --hidden_size and --dropout '
                    'are then the model\'s.')
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
flags.DEFINE_integer('seed', 42, 'Random seed.')
flags.DEFINE_list('dev_corpora', [], 'Corpora whose dev records choose the best epoch and '
                  'stop early (default: all). Fine-tuning on a new type mixed with a sample of '
                  'the old corpora: the new corpus, whose few dev mentions the old ones would '
                  'outweigh.')
flags.DEFINE_enum('precision', precision.FLOAT32, precision.POLICIES, 'Compute precision: '
                  'mixed_bfloat16 trains faster on CPUs with bfloat16 instructions '
                  '(docs/BENCHMARKS.md); weights stay float32.')
flags.DEFINE_integer('cpu_devices', 0, 'Split the CPU into this many logical devices for '
                     'MirroredStrategy (0: leave as is).')
# Flags the data flagfiles also carry; accepted here so one flagfile serves both scripts.
flags.DEFINE_list('corpora', None, 'Ignored here (bin/prepare_data.py).')
flags.DEFINE_string('mode', None, 'Ignored here (bin/prepare_data.py).')


def main(argv):
  del argv
  if FLAGS.cpu_devices:
    trainer.split_cpu(FLAGS.cpu_devices)
  config = trainer.TrainConfig(
      data_dir=FLAGS.output_dir, run_dir=FLAGS.run_dir, encoder=FLAGS.encoder,
      encoder_config=json.loads(FLAGS.encoder_config) if FLAGS.encoder_config else None,
      init_from=FLAGS.init_from,
      head=FLAGS.head, hidden_size=FLAGS.hidden_size, dropout=FLAGS.dropout,
      learning_rate=FLAGS.learning_rate, warmup_fraction=FLAGS.warmup_fraction,
      batch_size=FLAGS.batch_size, epochs=FLAGS.epochs, patience=FLAGS.patience,
      steps_per_epoch=FLAGS.steps_per_epoch, backup_every_steps=FLAGS.backup_every_steps,
      log_every_steps=FLAGS.log_every_steps, seed=FLAGS.seed, precision=FLAGS.precision,
      dev_corpora=tuple(FLAGS.dev_corpora))
  history = trainer.train(config)
  best = max(history, key=lambda h: h['dev_f1'])
  print(f'best dev F1 {100 * best["dev_f1"]:.2f} at epoch {best["epoch"]}; '
        f'model in {pathlib.Path(FLAGS.run_dir) / "best"}')


if __name__ == '__main__':
  app.run(main)
