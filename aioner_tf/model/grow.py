"""Growing a trained model to new labels, for a new entity type (paper section 3.4).

AIONER-Pretrained fine-tunes the AIO model on a corpus of new types; the output layer and the
CRF must first score the new labels, which come after the model's own (aio.labels_for_tasks).
Old weights are copied exactly. Each new label starts as a copy of an old one, its analogue:
the outside label of a new task copies `O` (the ALL task's), and the B-/I- labels of the new
types copy those of the six old types in turn (the first new type Gene's, the second
Chemical's, ...), so B-<new> → I-<same new> starts as likely as B-Gene → I-Gene and
B-<new> → I-<other new> as unlikely as B-Gene → I-Chemical. A new label takes its analogue's
transitions and its analogue's scores lowered by NEW_LABEL_MARGIN. Replacing each new label of
a path by its analogue then raises the path's score, so before fine-tuning the grown model
decodes exactly what the model decoded.
"""

import dataclasses
from typing import List, Mapping, Sequence

import numpy as np

from aioner_tf.data import aio
from aioner_tf.model import aioner

# How far below its analogue a new label starts: enough that float rounding never lets it win
# before fine-tuning, small against the scores of a trained model (tens), so it is soon learnt.
NEW_LABEL_MARGIN = 1.0


def analogues(labels: Sequence[str], old_count: int) -> List[int]:
  """For each label, the index of the old label it starts as (itself for the old ones)."""
  if tuple(labels[:len(aio.LABELS)]) != aio.LABELS or old_count < len(aio.LABELS):
    raise ValueError('the labels must start with the 19 AIO labels (aio.labels_for_tasks)')
  sources = list(range(old_count))
  templates = {}  # New entity type → the old type it starts as.
  for label in labels[old_count:]:
    prefix, _, entity_type = label.partition('-')
    if prefix == 'O':
      sources.append(labels.index('O'))
      continue
    if entity_type not in templates:
      templates[entity_type] = aio.ENTITY_TYPES[len(templates) % len(aio.ENTITY_TYPES)]
    sources.append(labels.index(f'{prefix}-{templates[entity_type]}'))
  return sources


def grow_labels(model: aioner.AionerModel, labels: Sequence[str],
                task_types: Mapping[str, Sequence[str]]) -> aioner.AionerModel:
  """A model scoring `labels` (the model's own, then new ones) for its own tasks and those of
  `task_types`, its output layer and CRF grown as the module docstring says. It shares
  `model`'s encoder; call it in the distribution strategy's scope the model was built in."""
  old = list(model.config.labels)
  if list(labels[:len(old)]) != old:
    raise ValueError(f'the new labels must start with the model\'s {len(old)} labels, in order')
  tasks = {task: list(types) for task, types in model.config.task_types.items()}
  for task, types in task_types.items():
    tasks[task] = tasks.get(task, []) + [t for t in types if t not in tasks.get(task, [])]
  config = dataclasses.replace(model.config, labels=list(labels), task_types=tasks)
  grown = aioner.AionerModel(config, encoder=model.encoder)
  grown(aioner.dummy_inputs())
  grown.hidden.set_weights(model.hidden.get_weights())
  sources = analogues(labels, len(old))
  kernel, bias = model.scores.get_weights()
  margin = np.where(np.arange(len(labels)) < len(old), 0.0, NEW_LABEL_MARGIN)
  grown.scores.set_weights([kernel[:, sources], bias[sources] - margin.astype(bias.dtype)])
  if model.crf is not None:
    grown.crf.transitions.assign(model.crf.transitions.numpy()[np.ix_(sources, sources)])
  return grown
