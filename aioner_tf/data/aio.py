"""The AIO scheme: task tags, the 19 labels, and documents → labelled word sequences.

Each sentence is labelled for one task. A single-type task (`Gene`, `Disease`, ...) labels its
entities B-/I-<Type> and every other word O-<Type>: the model learns "not a gene" only from
corpora that annotate genes. The `ALL` task labels all six types and uses a plain `O`. Two
more modes serve the paper's baselines: `merge` (no task tags, `O` outside entities, as if all
corpora annotated everything) and `ind` (a multi-type corpus split into one single-type task
per type, for independent-task tagging).

New entity types (paper section 3.4) come with a task of their own that a corpus declares:
AnEM's eleven anatomy types under `<Anatomy>`, labelled B-/I-<Type> and O-Anatomy outside them.
Their labels are appended after the 19 (`labels_for_tasks`), so old label ids never change.
"""

import bisect
import dataclasses
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document

ENTITY_TYPES = ('Gene', 'Chemical', 'Disease', 'CellLine', 'Species', 'Variant')
ALL_TASK = 'ALL'
NO_TASK = ''  # Naive merge: no task tags.
MODES = ('aio', 'merge', 'ind')

# The order of ncbi/AIONER's AIO_label.vocab, so label ids match the original models.
LABELS = ('O', 'O-CellLine', 'O-Species', 'O-Variant', 'O-Chemical', 'O-Gene', 'O-Disease',
          'B-CellLine', 'I-CellLine', 'B-Species', 'I-Species', 'B-Variant', 'I-Variant',
          'B-Chemical', 'I-Chemical', 'B-Gene', 'I-Gene', 'B-Disease', 'I-Disease')

# The tasks of the AIO scheme, task tag → the entity types its sentences are labelled with.
AIO_TASKS: Dict[str, Tuple[str, ...]] = {ALL_TASK: ENTITY_TYPES, **{t: (t,) for t in ENTITY_TYPES}}

CharSpan = Tuple[int, int, str]  # (start, end, type) in document offsets.


def outside_label(task: str) -> str:
  """The label of words outside entities: `O-<task>` for a task of its own (one type, or a
  group of new types such as `Anatomy`), `O` for ALL and for no task."""
  return 'O' if task in (ALL_TASK, NO_TASK) else f'O-{task}'


def task_types(task: str, corpus_types: Sequence[str]) -> Tuple[str, ...]:
  """The entity types a sentence of `task` is labelled with: a task named after an entity type
  (one of the six, or one of the corpus's) labels that type alone; ALL, no task, or a task
  that names a group of new types (`Anatomy`) labels all the corpus's types."""
  if task not in (ALL_TASK, NO_TASK) and (task in ENTITY_TYPES or task in corpus_types):
    return (task,)
  return tuple(corpus_types)


def labels_for_tasks(tasks: Mapping[str, Sequence[str]]) -> List[str]:
  """The label vocabulary of a set of tasks (task tag → entity types): the 19 AIO labels first,
  in their order, so the ids of old labels never change; then, for each task beyond AIO's, its
  outside label and the B-/I- labels of its types that are not there yet."""
  labels = list(LABELS)
  for task, types in tasks.items():
    if task in AIO_TASKS:
      continue
    for label in [outside_label(task)] + [f'{p}-{t}' for t in types for p in ('B', 'I')]:
      if label not in labels:
        labels.append(label)
  return labels


@dataclasses.dataclass
class Example:
  """One sentence (or a piece of a long one) labelled for one task: one label per word."""
  doc_id: str
  task: str
  tokens: Tuple[sentences_lib.Token, ...]
  labels: List[str]
  sentence_index: int = 0
  piece_index: int = 0
  corpus: str = ''


@dataclasses.dataclass
class Unrepresentable:
  """An annotation that the word labels of its sentence cannot reproduce exactly."""
  doc_id: str
  task: str
  span: CharSpan
  text: str
  reason: str


def labels_from_spans(tokens: Sequence[sentences_lib.Token], spans: Iterable[CharSpan],
                      task: str) -> List[str]:
  """Labels words B-/I-<type> inside `spans` (non-overlapping) and outside_label elsewhere."""
  labels = [outside_label(task)] * len(tokens)
  starts = [t.start for t in tokens]
  for start, end, type_ in spans:
    i = bisect.bisect_left(starts, start)
    first = True
    while i < len(tokens) and tokens[i].end <= end:
      labels[i] = ('B-' if first else 'I-') + type_
      first = False
      i += 1
  return labels


def spans_from_labels(tokens: Sequence[sentences_lib.Token], labels: Sequence[str]
                      ) -> List[CharSpan]:
  """Decodes word labels to character spans: an entity runs from a B- (or an I- that does
  not continue the previous entity) over the I- of the same type that follow it."""
  spans = []
  current = None  # [start, end, type]
  for token, label in zip(tokens, labels):
    prefix, _, type_ = label.partition('-')
    if prefix == 'I' and current is not None and current[2] == type_:
      current[1] = token.end
      continue
    if current is not None:
      spans.append(tuple(current))
      current = None
    if prefix in ('B', 'I'):
      current = [token.start, token.end, type_]
  if current is not None:
    spans.append(tuple(current))
  return spans


def _drop_overlaps(spans: List[CharSpan]) -> Tuple[List[CharSpan], List[CharSpan]]:
  """Of overlapping spans keeps the one that starts first (the longest on ties), since a word
  carries one label; returns (kept, dropped), both sorted."""
  kept, dropped = [], []
  for span in sorted(spans, key=lambda s: (s[0], -s[1], s[2])):
    if kept and span[0] < kept[-1][1]:
      dropped.append(span)
    else:
      kept.append(span)
  return kept, dropped


def document_examples(doc: Document, task: str, type_map: Mapping[str, Optional[str]],
                      corpus: str = '') -> Tuple[List[Example], List[Unrepresentable]]:
  """Labels every sentence of `doc` for `task`.

  Args:
    doc: the document.
    task: `ALL`, a type name, or NO_TASK (naive merge).
    type_map: corpus type → AIONER type; types not in it (or mapped to None) are ignored.
    corpus: corpus name, carried into the examples for summaries.

  Returns:
    The examples in document order, and the annotations they cannot reproduce exactly.
  """
  wanted = set(task_types(task, [t for t in type_map.values() if t]))
  spans = [(s.start, s.end, type_map[s.type]) for s in doc.annotations
           if type_map.get(s.type) in wanted]
  spans = sorted(set(spans))
  kept, dropped = _drop_overlaps(spans)
  problems = [Unrepresentable(doc.id, task, s, doc.text_at(s[0], s[1]) or '',
                              'overlaps another annotation') for s in dropped]
  examples, decoded = [], set()
  sentences = sentences_lib.split_document(doc, [(s, e) for s, e, _ in kept])
  first = 0
  for index, sentence in enumerate(sentences):
    while first < len(kept) and kept[first][1] <= sentence.start:
      first += 1
    last = first
    while last < len(kept) and kept[last][0] < sentence.end:
      last += 1
    labels = labels_from_spans(sentence.tokens, kept[first:last], task)
    decoded.update(spans_from_labels(sentence.tokens, labels))
    examples.append(Example(doc.id, task, sentence.tokens, labels, index, 0, corpus))
  # Checked over all sentences: a span of white space alone lies in none.
  problems.extend(Unrepresentable(doc.id, task, span, doc.text_at(span[0], span[1]) or '',
                                  'boundary is not a word boundary')
                  for span in kept if span not in decoded)
  return examples, problems


def split_long_example(example: Example, word_lengths: Sequence[int], budget: int
                       ) -> Tuple[List[Example], int]:
  """Splits an example into pieces of at most `budget` subwords, at word boundaries.

  A piece does not end inside an entity when it can end before the entity instead. A single
  word longer than the budget keeps its first `budget` subwords in a piece of its own (its
  label sits on the first subword, so no word and no label is lost).

  Returns:
    The pieces (piece_index set) and the number of words whose subwords were shortened.
  """
  pieces, start, shortened = [], 0, 0
  while start < len(example.tokens):
    end, used = start, 0
    while end < len(example.tokens) and used + word_lengths[end] <= budget:
      used += word_lengths[end]
      end += 1
    if end == start:  # One word over the budget.
      end, shortened = start + 1, shortened + 1
    elif end < len(example.tokens) and example.labels[end].startswith('I-'):
      entity_start = end
      while entity_start > start and not example.labels[entity_start].startswith('B-'):
        entity_start -= 1
      if entity_start > start:
        end = entity_start
    pieces.append(dataclasses.replace(
        example, tokens=example.tokens[start:end], labels=example.labels[start:end],
        piece_index=len(pieces)))
    start = end
  return pieces, shortened
