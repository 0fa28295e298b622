"""Scores predicted entities against gold with strict entity-level matching.

  python bin/evaluate.py --gold Test.PubTator --pred pred.PubTator [--types Gene,Disease] \
      [--type_map builtin|none] [--json_out scores.json] [--score_buckets 0,0.5,0.9,1]
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app, flags  # pylint: disable=g-import-not-at-top

from aioner_tf import evaluation  # pylint: disable=g-import-not-at-top

FLAGS = flags.FLAGS

flags.DEFINE_string('gold', None, 'Gold PubTator, BioC XML or BioC JSON file.')
flags.DEFINE_string('pred', None, 'Predicted PubTator, BioC XML or BioC JSON file, with the same document ids.')
flags.DEFINE_list('types', None, 'Only score these entity types (named after --type_map).')
flags.DEFINE_enum('type_map', 'builtin', ['builtin', 'none'],
                  'builtin: rename the original corpora types to the six AIONER types; '
                  'none: compare type names as they are.')
flags.DEFINE_string('json_out', None, 'If set, also write the scores to this JSON file.')
flags.DEFINE_list('score_buckets', None, 'If set (increasing bounds, e.g. 0,0.5,0.9,1), also '
                  'print the precision of the predicted entities per score bucket; --pred must '
                  'then be BioC XML or JSON from bin/tag.py, which keeps the scores.')
flags.mark_flags_as_required(['gold', 'pred'])


def main(argv):
  del argv  # Unused.
  type_map = evaluation.AIONER_TYPE_MAP if FLAGS.type_map == 'builtin' else None
  gold = evaluation.read_documents(FLAGS.gold)
  pred = evaluation.read_documents(FLAGS.pred)
  result = evaluation.evaluate(gold, pred, types=FLAGS.types, type_map=type_map)
  print(evaluation.format_table(result))
  if FLAGS.score_buckets:
    buckets = evaluation.calibration(gold, pred, [float(edge) for edge in FLAGS.score_buckets],
                                     types=FLAGS.types, type_map=type_map)
    print(evaluation.format_calibration(buckets))
  if FLAGS.json_out:
    with open(FLAGS.json_out, 'w', encoding='utf-8') as f:
      json.dump(evaluation.to_dict(result), f, indent=2)
      f.write('\n')


if __name__ == '__main__':
  app.run(main)
