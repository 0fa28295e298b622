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

from aioner_tf import experiment_flags
from aioner_tf.training import trainer

ROOT = pathlib.Path(__file__).resolve().parent.parent

FLAGS = flags.FLAGS
experiment_flags.define_experiment_flags(ROOT)
flags.adopt_module_key_flags(experiment_flags)
flags.mark_flag_as_required('run_dir')


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
