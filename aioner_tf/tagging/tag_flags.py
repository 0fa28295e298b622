"""Flags that bin/tag.py and bin/tag_beam.py share: how the Tagger tags."""

from absl import flags

from aioner_tf.data import aio


def define_tagger_flags() -> None:
  """Defines --entity_types and --batch_size."""
  flags.DEFINE_list('entity_types', [aio.ALL_TASK], 'ALL (one pass with the <ALL> task), or some '
                    f'of {",".join(aio.ENTITY_TYPES)} (one pass per type, merged).')
  flags.DEFINE_integer('batch_size', 32, 'Pieces of sentences per model call.')
