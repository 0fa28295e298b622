"""Flags that bin/tag.py and bin/tag_beam.py share: how the Tagger tags."""

from absl import flags

from aioner_tf.data import aio
from aioner_tf.model import precision
from aioner_tf.tagging import postprocess

FLAGS = flags.FLAGS
_DEFAULTS = postprocess.Options()


def define_tagger_flags() -> None:
  """Defines --entity_types, --batch_size, --precision and the options of
  postprocess.Options."""
  flags.DEFINE_list('entity_types', [aio.ALL_TASK], 'ALL (every type of the model: the <ALL> '
                    'pass, and a pass per task of new types), or tasks and types of the model '
                    '(task_types in its model_config.json, e.g. Gene, Anatomy, Cell), each found '
                    'by the pass of its task. A model trained without task tags (--mode=merge) '
                    'tags in one pass and keeps the types asked.')
  flags.DEFINE_integer('batch_size', 32, 'Pieces of sentences per model call.')
  flags.DEFINE_enum('precision', precision.FLOAT32, precision.POLICIES, 'Compute precision: '
                    'mixed_bfloat16 is faster on CPUs with bfloat16 instructions (AVX512_BF16, '
                    'AMX) and tags as float32 does within rounding (docs/BENCHMARKS.md).')
  flags.DEFINE_bool('abbreviations', _DEFAULTS.abbreviations, 'Give each short form defined in '
                    'a document ("epidermal growth factor receptor (EGFR)") the type of its '
                    'long form, where the long form was tagged.')
  flags.DEFINE_bool('consistency', _DEFAULTS.consistency, 'Tag every place of a string that is '
                    'tagged at more than half of its places in a document.')
  flags.DEFINE_float('min_score', _DEFAULTS.min_score, 'Drop entities whose score (the mean CRF '
                     'marginal of their words, written to BioC as the "score" infon) is lower.',
                     lower_bound=0.0, upper_bound=1.0)
  flags.DEFINE_bool('overlapping', _DEFAULTS.overlapping, 'Tag each type in a pass of its own '
                    '(ALL too) and keep spans of different types that overlap, such as a gene '
                    'inside a disease name. BioC holds overlaps; PubTator gets them as lines '
                    'that overlap.')


def options_from_flags() -> postprocess.Options:
  return postprocess.Options(abbreviations=FLAGS.abbreviations, consistency=FLAGS.consistency,
                             min_score=FLAGS.min_score, overlapping=FLAGS.overlapping)
