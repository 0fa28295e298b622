"""Writes the train/dev/test TFRecords of a corpus set and prints their summary.

  python bin/prepare_data.py --flagfile=configs/biored.flags

`--corpora=AnEM,BioRED:0.1` uses a seeded 10% of BioRED's train and dev documents (test whole).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf import experiment_flags
from aioner_tf.data import corpora
from aioner_tf.data import errors
from aioner_tf.data import prepare
from aioner_tf.model import encoder as encoder_lib

ROOT = pathlib.Path(__file__).resolve().parent.parent

FLAGS = flags.FLAGS
experiment_flags.define_experiment_flags(ROOT)
flags.adopt_module_key_flags(experiment_flags)


def main(argv):
  del argv
  errors.use_one_line_warnings()
  names, fractions = corpora.parse_selection(FLAGS.corpora)
  specs = corpora.read_corpus_list(FLAGS.corpus_list, names)
  tokenizer = encoder_lib.tokenizer_for_encoder(encoder_lib.resolve_encoder_path(FLAGS.encoder),
                                                list(prepare.corpus_tasks(specs)))
  config = prepare.PrepareConfig(
      corpora_dir=FLAGS.corpora_dir, output_dir=FLAGS.output_dir, mode=FLAGS.mode,
      max_len=FLAGS.max_len, dev_fraction=FLAGS.dev_fraction, seed=FLAGS.dev_split_seed,
      strict=FLAGS.strict, fractions=fractions)
  summary = prepare.prepare(specs, tokenizer, config)
  print(prepare.format_summary(summary))
  if not any(spec.train for spec in specs) or any(spec.train is None for spec in specs):
    print('Note: corpora without a training file here contribute only a test set '
          '(NLM-Chem: ../shared has its test set only).')
  print(f'Summary written to {pathlib.Path(FLAGS.output_dir) / "summary.json"}')


if __name__ == '__main__':
  app.run(main)
