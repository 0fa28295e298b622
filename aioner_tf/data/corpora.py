"""Corpus specifications: which file feeds which task with which type mapping, and splits.

A corpus list is a TSV file (see configs/corpora.tsv) with one line per task: a corpus that
annotates two types for two tasks (BC5CDR as `<Chemical>` and as `<Disease>`) has two lines.
An optional seventh column names the format of corpus files whose extension cannot tell it
(CORPUS_FORMATS); without it, the extension decides as for every input (see formats.py).
"""

import dataclasses
import pathlib
import random
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from aioner_tf.data import conll
from aioner_tf.data import formats
from aioner_tf.data import ppr
from aioner_tf.data.document import Document

NO_FILE = '-'
BY_EXTENSION = ''
# Formats only corpora come in: AnEM's CoNLL with offsets, and the PPR corpus (whose .txt files
# the extension would take for plain text).
CORPUS_FORMATS: Dict[str, Callable[..., Iterator[Document]]] = {
    'conll_offsets': conll.read_offset_conll,
    'ppr': ppr.read_ppr,
}


@dataclasses.dataclass(frozen=True)
class CorpusSpec:
  """One corpus line: name, task tag, corpus type → AIONER type, and its split files."""
  name: str
  task: str
  type_map: Dict[str, str]
  train: Optional[str]
  test: Optional[str]
  dev: Optional[str]
  file_format: str = BY_EXTENSION  # A key of CORPUS_FORMATS, or BY_EXTENSION.

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


def parse_selection(items: Sequence[str]) -> Tuple[List[str], Dict[str, float]]:
  """Splits corpus names as `--corpora` lists them, `NAME` or `NAME:FRACTION`, into the names
  and the fraction of train and dev documents to use of each sampled one."""
  names, fractions = [], {}
  for item in items:
    name, colon, fraction = item.partition(':')
    names.append(name)
    if colon:
      try:
        value = float(fraction)
      except ValueError:
        value = None
      if value is None or not 0.0 < value <= 1.0:
        raise ValueError(f'{item!r}: the fraction after the colon must be a number in (0, 1]')
      fractions[name] = value
  return names, fractions


def read_corpus_list(path: str, names: Optional[Sequence[str]] = None) -> List[CorpusSpec]:
  """Reads the corpus list; with `names`, returns those corpora in that order."""
  specs = {}
  for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), start=1):
    if not line.strip() or line.startswith('#'):
      continue
    columns = line.split('\t')
    if len(columns) not in (6, 7):
      raise ValueError(f'{path}:{number}: expected 6 or 7 tab-separated columns, '
                       f'got {len(columns)}')
    name, task, type_map, train, test, dev = columns[:6]
    file_format = columns[6] if len(columns) == 7 else BY_EXTENSION
    if file_format not in (BY_EXTENSION, *CORPUS_FORMATS):
      raise ValueError(f'{path}:{number}: unknown format {file_format!r}; known: '
                       f'{sorted(CORPUS_FORMATS)} (or none: by extension)')
    specs[name] = CorpusSpec(name, task, parse_type_map(type_map),
                             *(None if f == NO_FILE else f for f in (train, test, dev)),
                             file_format)
  if names is None:
    return list(specs.values())
  unknown = [n for n in names if n not in specs]
  if unknown:
    raise ValueError(f'{path}: no corpus named {unknown}; known: {sorted(specs)}')
  return [specs[n] for n in names]


def read_documents(path: pathlib.Path, file_format: str, strict: bool) -> Iterator[Document]:
  """The documents of a corpus file in `file_format` (BY_EXTENSION: as its extension says)."""
  if file_format == BY_EXTENSION:
    return formats.read_documents(path, strict=strict)
  return CORPUS_FORMATS[file_format](path, strict=strict)


def _seeded_ids(documents: Sequence[Document], fraction: float, seed: int) -> Set[str]:
  """A seeded `fraction` of the documents' ids, drawn by id (not by position), so that both
  lines of a corpus read for two tasks draw the same documents."""
  ids = sorted({doc.id for doc in documents})
  random.Random(seed).shuffle(ids)
  return set(ids[:round(len(ids) * fraction)])


def sample_documents(documents: Sequence[Document], fraction: float, seed: int
                     ) -> List[Document]:
  """A seeded `fraction` of the documents in file order, e.g. of old corpora mixed into the
  fine-tuning data of a new entity type."""
  kept = _seeded_ids(documents, fraction, seed)
  return [doc for doc in documents if doc.id in kept]


def split_dev(documents: Sequence[Document], fraction: float, seed: int
              ) -> Tuple[List[Document], List[Document]]:
  """Holds out a seeded `fraction` of documents (by id, so both lines of a corpus that is read
  for two tasks hold out the same documents); returns (train, dev) in file order."""
  dev_ids = _seeded_ids(documents, fraction, seed)
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
