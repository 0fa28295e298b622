"""Strict entity-level evaluation of predicted against gold annotations.

A predicted entity is a true positive only if its (document id, start, end, type) equals that of
a gold entity; anything else is a false positive, and every unmatched gold entity a false
negative. Entities are compared as sets, so an entity listed twice on one side (a duplicate
prediction, or a document that appears twice with the same id) counts once.
"""

import bisect
import dataclasses
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from aioner_tf.data import document as document_lib
from aioner_tf.data import formats
from aioner_tf.tagging import confidence

# The entity type names of the original corpora, mapped to the six AIONER types. A type mapped
# to None is dropped; a type not listed is kept as it is.
AIONER_TYPE_MAP: Dict[str, Optional[str]] = {
    # The six AIONER types.
    'Gene': 'Gene',
    'Chemical': 'Chemical',
    'Disease': 'Disease',
    'Species': 'Species',
    'Variant': 'Variant',
    'CellLine': 'CellLine',
    # BioRED official names.
    'GeneOrGeneProduct': 'Gene',
    'DiseaseOrPhenotypicFeature': 'Disease',
    'ChemicalEntity': 'Chemical',
    'OrganismTaxon': 'Species',
    'SequenceVariant': 'Variant',
    # GNormPlus and NLM-Gene.
    'FamilyName': 'Gene',
    'DomainMotif': None,
    'Cell': None,
    'ChromosomeLocation': None,
    # NCBI-Disease.
    'SpecificDisease': 'Disease',
    'DiseaseClass': 'Disease',
    'CompositeMention': 'Disease',
    'Modifier': 'Disease',
    # tmVar3.
    'OtherMutation': 'Variant',
    'ProteinMutation': 'Variant',
    'DNAMutation': 'Variant',
    'SNP': 'Variant',
    'AcidChange': 'Variant',
    'ProteinAllele': 'Variant',
    'DNAAllele': 'Variant',
    # NLM-Chem.
    'OTHER': None,
    'NonStandardRef': None,
}

_MAX_IDS_SHOWN = 10

Entity = Tuple[str, int, int, str]  # (document id, start, end, type)


@dataclasses.dataclass
class Scores:
  """True positive, false positive and false negative counts, with P, R and F1 as fractions."""
  tp: int = 0
  fp: int = 0
  fn: int = 0

  @property
  def precision(self) -> float:
    return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

  @property
  def recall(self) -> float:
    return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

  @property
  def f1(self) -> float:
    p, r = self.precision, self.recall
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclasses.dataclass
class EvaluationResult:
  """Micro-averaged scores over all entities, and scores per entity type."""
  micro: Scores
  per_type: Dict[str, Scores]


def read_documents(path: str) -> List[document_lib.Document]:
  """Reads an annotated file, PubTator, BioC XML or BioC JSON as its extension says."""
  if formats.format_of(path) == formats.PLAINTEXT:
    raise ValueError(f'{path}: plain text holds no entities to evaluate')
  return list(formats.read_documents(path))


def _kept_entities(docs: Iterable[document_lib.Document], types: Optional[Set[str]],
                   type_map: Optional[Mapping[str, Optional[str]]], doc_ids: Set[str]
                   ) -> Iterator[Tuple[Entity, document_lib.Span]]:
  """Yields each (renamed, kept) entity with its span, adding every document id to `doc_ids`."""
  for doc in docs:
    doc_ids.add(doc.id)
    for span in doc.annotations:
      entity_type = type_map.get(span.type, span.type) if type_map is not None else span.type
      if entity_type is None or (types is not None and entity_type not in types):
        continue
      yield (doc.id, span.start, span.end, entity_type), span


def _entities(docs: Iterable[document_lib.Document], types: Optional[Set[str]],
              type_map: Optional[Mapping[str, Optional[str]]]) -> Tuple[Set[Entity], Set[str]]:
  """Returns the set of (renamed, kept) entities and the set of document ids."""
  doc_ids = set()
  entities = {entity for entity, _ in _kept_entities(docs, types, type_map, doc_ids)}
  return entities, doc_ids


def _check_same_documents(gold_ids: Set[str], pred_ids: Set[str]) -> None:
  """Raises ValueError naming the document ids that only one side has."""
  problems = []
  for name, missing in (('predictions', gold_ids - pred_ids), ('gold', pred_ids - gold_ids)):
    if missing:
      shown = ', '.join(sorted(missing)[:_MAX_IDS_SHOWN])
      more = ', ...' if len(missing) > _MAX_IDS_SHOWN else ''
      problems.append(f'{len(missing)} document id(s) missing from {name}: {shown}{more}')
  if problems:
    raise ValueError(f'gold has {len(gold_ids)} documents, predictions have {len(pred_ids)}; '
                     + '; '.join(problems))


def evaluate(gold_docs: Iterable[document_lib.Document],
             pred_docs: Iterable[document_lib.Document],
             types: Optional[Iterable[str]] = None,
             type_map: Optional[Mapping[str, Optional[str]]] = None) -> EvaluationResult:
  """Scores predictions against gold with strict (document, start, end, type) matching.

  Args:
    gold_docs: gold documents; documents sharing an id are merged.
    pred_docs: predicted documents, the same ids as gold.
    types: if given, only entities of these types (after `type_map`) count, on both sides, and
      each of them gets a row even when it has no entities.
    type_map: if given, renames types on both sides; a type mapped to None is dropped, a type not
      in the map is kept.

  Returns:
    The micro-averaged and per-type scores.

  Raises:
    ValueError: if a document id is on one side only.
  """
  types = set(types) if types is not None else None
  gold, gold_ids = _entities(gold_docs, types, type_map)
  pred, pred_ids = _entities(pred_docs, types, type_map)
  _check_same_documents(gold_ids, pred_ids)
  return score_entities(gold, pred, types)


def score_entities(gold: Set[Entity], pred: Set[Entity], types: Optional[Set[str]] = None
                   ) -> EvaluationResult:
  """Scores two sets of (document id, start, end, type) entities; `types` adds empty rows."""
  all_types = {entity[3] for entity in gold | pred} | (types or set())
  per_type = {entity_type: Scores() for entity_type in sorted(all_types)}
  for entity in pred:
    if entity in gold:
      per_type[entity[3]].tp += 1
    else:
      per_type[entity[3]].fp += 1
  for entity in gold - pred:
    per_type[entity[3]].fn += 1
  micro = Scores(tp=sum(s.tp for s in per_type.values()),
                 fp=sum(s.fp for s in per_type.values()),
                 fn=sum(s.fn for s in per_type.values()))
  return EvaluationResult(micro=micro, per_type=per_type)


def format_table(result: EvaluationResult) -> str:
  """Returns a plain-text table: one row per type, then the micro row; P, R, F1 in percent."""
  rows = list(result.per_type.items()) + [('micro', result.micro)]
  width = max(len(name) for name, _ in rows + [('type', None)])
  lines = [f'{"type":<{width}} {"tp":>7} {"fp":>7} {"fn":>7} {"P":>7} {"R":>7} {"F1":>7}']
  for name, s in rows:
    lines.append(f'{name:<{width}} {s.tp:>7} {s.fp:>7} {s.fn:>7} {100 * s.precision:>7.2f} '
                 f'{100 * s.recall:>7.2f} {100 * s.f1:>7.2f}')
  return '\n'.join(lines)


def _scores_dict(s: Scores) -> Dict[str, float]:
  return {'tp': s.tp, 'fp': s.fp, 'fn': s.fn, 'precision': s.precision, 'recall': s.recall,
          'f1': s.f1}


def to_dict(result: EvaluationResult) -> Dict[str, object]:
  """Returns the result as a JSON-able dict; precision, recall and F1 are fractions in [0, 1]."""
  return {'micro': _scores_dict(result.micro),
          'per_type': {name: _scores_dict(s) for name, s in result.per_type.items()}}


@dataclasses.dataclass
class ScoreBucket:
  """The predicted entities whose score lies in [low, high) (the last bucket: [low, high])."""
  low: float
  high: float
  count: int = 0
  tp: int = 0
  score_sum: float = 0.0

  @property
  def precision(self) -> float:
    return self.tp / self.count if self.count else 0.0

  @property
  def mean_score(self) -> float:
    return self.score_sum / self.count if self.count else 0.0


def calibration(gold_docs: Iterable[document_lib.Document],
                pred_docs: Iterable[document_lib.Document], edges: Sequence[float],
                types: Optional[Iterable[str]] = None,
                type_map: Optional[Mapping[str, Optional[str]]] = None) -> List[ScoreBucket]:
  """Precision of the predicted entities per score bucket: is a score of 0.9 right 90% of the
  time? Entities are matched strictly, as in `evaluate`; a duplicate counts once, with its first
  score.

  Args:
    gold_docs, pred_docs, types, type_map: as in `evaluate`.
    edges: increasing bucket bounds, e.g. [0, 0.5, 0.9, 1]: buckets [0, 0.5), [0.5, 0.9), [0.9, 1].

  Raises:
    ValueError: if the edges do not increase, a document id is on one side only, or a predicted
      entity has no score (scores are the `score` infon, which BioC files keep).
  """
  if len(edges) < 2 or any(a >= b for a, b in zip(edges, edges[1:])):
    raise ValueError(f'bucket edges must be two or more increasing numbers, not {list(edges)}')
  types = set(types) if types is not None else None
  gold, gold_ids = _entities(gold_docs, types, type_map)
  pred_ids, scores = set(), {}
  for entity, span in _kept_entities(pred_docs, types, type_map, pred_ids):
    score = confidence.score_of(span)
    if score is None:
      raise ValueError(f'predicted entity {entity} has no score; tag into BioC XML or JSON, '
                       'which keep scores')
    scores.setdefault(entity, score)
  _check_same_documents(gold_ids, pred_ids)
  buckets = [ScoreBucket(low, high) for low, high in zip(edges, edges[1:])]
  for entity, score in scores.items():
    index = bisect.bisect_right(edges, score) - 1
    bucket = buckets[min(max(index, 0), len(buckets) - 1)]
    bucket.count += 1
    bucket.tp += entity in gold
    bucket.score_sum += score
  return buckets


def format_calibration(buckets: Sequence[ScoreBucket]) -> str:
  """Returns a plain-text table: per score bucket, entities, true positives, mean score and
  precision (percent)."""
  lines = [f'{"score":<13} {"entities":>8} {"tp":>7} {"mean":>7} {"P":>7}']
  for i, b in enumerate(buckets):
    bounds = f'[{b.low:g}, {b.high:g}' + (']' if i == len(buckets) - 1 else ')')
    lines.append(f'{bounds:<13} {b.count:>8} {b.tp:>7} {b.mean_score:>7.3f} '
                 f'{100 * b.precision:>7.2f}')
  return '\n'.join(lines)
