"""Writes the train/dev/test TFRecords of a corpus set and prints their summary.

  python bin/prepare_data.py --flagfile=configs/biored.flags

`--corpora=AnEM,BioRED:0.1` uses a seeded 10% of BioRED's train and dev documents (test whole).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf.data import aio
from aioner_tf.data import corpora
from aioner_tf.data import errors
from aioner_tf.data import prepare
from aioner_tf.model import encoder as encoder_lib

ROOT = pathlib.Path(__file__).resolve().parent.parent

FLAGS = flags.FLAGS
flags.DEFINE_list('corpora', ['BioRED'], 'Corpus names from --corpus_list; NAME:FRACTION uses '
                  'a seeded fraction of that corpus\'s train and dev documents.')
flags.DEFINE_string('corpus_list', str(ROOT / 'configs' / 'corpora.tsv'), 'Corpus list (TSV).')
flags.DEFINE_string('corpora_dir', str(ROOT.parent / 'shared' / 'corpora'),
                    'Folder the corpus list paths are relative to.')
flags.DEFINE_string('encoder', encoder_lib.MINILM,
                    'Encoder directory (config.json, vocab.txt, weights) or "minilm".')
flags.DEFINE_string('output_dir', None, 'Where the TFRecords and summary go.', required=True)
flags.DEFINE_enum('mode', 'aio', aio.MODES, 'aio: task tags; merge: no tags (naive merge); '
                  'ind: multi-type corpora split into single-type tasks.')
flags.DEFINE_integer('max_len', 256, 'Most subwords per piece, [CLS], [SEP] and tags included.')
flags.DEFINE_float('dev_fraction', 0.1, 'Share of train documents held out where no dev file.')
flags.DEFINE_integer('seed', 42, 'Seed of the dev split.')
flags.DEFINE_bool('strict', False, 'Malformed input is an error instead of a warning.')
# Flags of bin/train.py that the experiment flagfiles also carry; ignored here.
for _name in ('run_dir', 'learning_rate', 'batch_size', 'epochs', 'patience', 'head',
              'steps_per_epoch', 'init_from', 'dev_corpora', 'precision', 'warmup_fraction'):
  flags.DEFINE_string(_name, None, 'Ignored here (bin/train.py).')


def main(argv):
  del argv
  errors.use_one_line_warnings()
  names, fractions = corpora.parse_selection(FLAGS.corpora)
  specs = corpora.read_corpus_list(FLAGS.corpus_list, names)
  tokenizer = encoder_lib.tokenizer_for_encoder(encoder_lib.resolve_encoder_path(FLAGS.encoder),
                                                list(prepare.corpus_tasks(specs)))
  config = prepare.PrepareConfig(
      corpora_dir=FLAGS.corpora_dir, output_dir=FLAGS.output_dir, mode=FLAGS.mode,
      max_len=FLAGS.max_len, dev_fraction=FLAGS.dev_fraction, seed=FLAGS.seed,
      strict=FLAGS.strict, fractions=fractions)
  summary = prepare.prepare(specs, tokenizer, config)
  print(prepare.format_summary(summary))
  if not any(spec.train for spec in specs) or any(spec.train is None for spec in specs):
    print('Note: corpora without a training file here contribute only a test set '
          '(NLM-Chem: ../shared has its test set only).')
  print(f'Summary written to {pathlib.Path(FLAGS.output_dir) / "summary.json"}')


if __name__ == '__main__':
  app.run(main)
