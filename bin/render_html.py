"""Writes an HTML page showing already-tagged documents, compared with gold ones if given.

  python bin/render_html.py --pred pred.PubTator [--gold Test.PubTator] --output view.html

The page is self-contained (see aioner_tf/tagging/html_view.py): open it in any browser, offline.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf.data import formats
from aioner_tf.tagging import html_view

FLAGS = flags.FLAGS
flags.DEFINE_string('pred', None, 'Tagged PubTator, BioC XML or BioC JSON file.', required=True)
flags.DEFINE_string('gold', None, 'Gold file with the same document ids; if set, true positives, '
                    'false positives and false negatives are marked apart.')
flags.DEFINE_string('output', None, 'The HTML file to write.', required=True)
flags.DEFINE_string('title', None, 'Page title. Default: the --pred file name.')


def main(argv):
  del argv  # Unused.
  try:
    pred = list(formats.read_documents(FLAGS.pred))
    gold = list(formats.read_documents(FLAGS.gold)) if FLAGS.gold else None
    page = html_view.render_html(pred, gold, FLAGS.title or pathlib.Path(FLAGS.pred).name)
  except ValueError as e:
    raise app.UsageError(str(e)) from e
  pathlib.Path(FLAGS.output).write_text(page, encoding='utf-8')
  print(f'wrote {FLAGS.output}; documents: {len(pred)}')


if __name__ == '__main__':
  app.run(main)
