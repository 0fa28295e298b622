"""Corpus specifications: which file feeds which task with which type mapping, and splits.

A corpus list is a TSV file (see configs/corpora.tsv) with one line per task: a corpus that
annotates two types for two tasks (BC5CDR as `<Chemical>` and as `<Disease>`) has two lines.
"""

import dataclasses
import pathlib
import random
from typing import Dict, List, Optional, Sequence, Tuple

from aioner_tf.data.document import Document

NO_FILE = '-'


@dataclasses.dataclass(frozen=True)
class CorpusSpec:
  """One corpus line: name, task tag, corpus type → AIONER type, and its split files."""
  name: str
  task: str
  type_map: Dict[str, str]
  train: Optional[str]
  test: Optional[str]
  dev: Optional[str]

  @property
  def types(self) -> Tuple[str, ...]:
    return tuple(sorted(set(self.type_map.values())))


def parse_type_map(text: str) -> Dict[str, str]:
  """Parses `Gene:Gene|FamilyName Disease:Disease` into {'Gene': 'Gene', 'FamilyName': 'Gene',
  'Disease': 'Disease'} (source type → target type)."""
  type_map = {}
  for item in text.split():
    target, _, sources = item.partition(':')
    for source in sources.split('|'):
      type_map[source] = target
  return type_map


def read_corpus_list(path: str, names: Optional[Sequence[str]] = None) -> List[CorpusSpec]:
  """Reads the corpus list; with `names`, returns those corpora in that order."""
  specs = {}
  for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), start=1):
    if not line.strip() or line.startswith('#'):
      continue
    columns = line.split('\t')
    if len(columns) != 6:
      raise ValueError(f'{path}:{number}: expected 6 tab-separated columns, got {len(columns)}')
    name, task, type_map, train, test, dev = columns
    specs[name] = CorpusSpec(name, task, parse_type_map(type_map),
                             *(None if f == NO_FILE else f for f in (train, test, dev)))
  if names is None:
    return list(specs.values())
  unknown = [n for n in names if n not in specs]
  if unknown:
    raise ValueError(f'{path}: no corpus named {unknown}; known: {sorted(specs)}')
  return [specs[n] for n in names]


def split_dev(documents: Sequence[Document], fraction: float, seed: int
              ) -> Tuple[List[Document], List[Document]]:
  """Holds out a seeded `fraction` of documents (by id, so both lines of a corpus that is read
  for two tasks hold out the same documents); returns (train, dev) in file order."""
  ids = sorted({doc.id for doc in documents})
  random.Random(seed).shuffle(ids)
  dev_ids = set(ids[:round(len(ids) * fraction)])
  train = [doc for doc in documents if doc.id not in dev_ids]
  dev = [doc for doc in documents if doc.id in dev_ids]
  return train, dev


def merge_shared_files(specs: Sequence[CorpusSpec]) -> List[CorpusSpec]:
  """Joins lines that read the same files (BC5CDR as Chemical and as Disease) into one line
  with the union of their type maps, for modes without task tags: there one copy of each
  document carries all its annotations, instead of two copies that contradict each other."""
  joined: Dict[Tuple, CorpusSpec] = {}
  for spec in specs:
    key = (spec.train, spec.test, spec.dev)
    if key in joined:
      first = joined[key]
      joined[key] = dataclasses.replace(first, name=f'{first.name}+{spec.name}',
                                        type_map={**first.type_map, **spec.type_map})
    else:
      joined[key] = spec
  return list(joined.values())
