"""The PPR corpus (plant–phenotype relations, Cho et al., Sci Data 2022): one block a sentence.

  PMID_n<TAB>sentence                              the n-th sentence of abstract PMID
  PMID<TAB>start<TAB>end<TAB>mention<TAB>type       an entity, offsets within the sentence
  PMID<TAB>Increase|Decrease|Association<TAB>...   a relation (skipped)

Blocks are separated by blank lines, and the sentences of an abstract follow each other. An
abstract becomes one Document with one passage, its sentences joined by single spaces, as
PubTator would hold it; entity offsets are shifted by the start of their sentence. A malformed
line is reported (see `errors.report`) and skipped.
"""

import os
from typing import Iterator, List, Optional, Tuple, Union

from aioner_tf.data import document as document_lib
from aioner_tf.data.errors import MalformedInputError, report

ENTITY_COLUMNS = 5
RELATIONS = ('Increase', 'Decrease', 'Association')  # Second column of a relation line.


class _Abstract:
  """The sentences and entity lines of one abstract, before they become a Document."""

  def __init__(self, pmid: str):
    self.pmid = pmid
    self.sentences: List[str] = []
    self.entities: List[Tuple[int, int, List[str]]] = []  # (line, sentence index, columns)


def _entity_span(columns: List[str], sentence: str, base: int) -> document_lib.Span:
  """The span of an entity line; ValueError if it is malformed or outside its sentence."""
  if len(columns) != ENTITY_COLUMNS:
    raise ValueError(f'entity line has {len(columns)} columns, {ENTITY_COLUMNS} expected')
  start, end = int(columns[1]), int(columns[2])
  if not 0 <= start < end <= len(sentence):
    raise ValueError(f'offsets {start}-{end} lie outside the sentence of {len(sentence)} '
                     'characters')
  return document_lib.Span(base + start, base + end, columns[4].strip(), columns[3])


def _document(abstract: _Abstract, path: str, strict: bool) -> document_lib.Document:
  """The abstract as a Document; entity lines are checked as every reader checks them."""
  starts, position = [], 0
  for sentence in abstract.sentences:
    starts.append(position)
    position += len(sentence) + 1
  doc = document_lib.Document(abstract.pmid,
                              [document_lib.Passage(0, ' '.join(abstract.sentences))])
  for number, index, columns in abstract.entities:
    document_lib.add_checked_annotation(
        doc, lambda: _entity_span(columns, abstract.sentences[index], starts[index]),
        path, number, strict)
  doc.sort_annotations()
  return doc


def read_ppr(path: Union[str, os.PathLike], strict: bool = False
             ) -> Iterator[document_lib.Document]:
  """Yields the abstracts of a PPR corpus file as documents (see the module docstring)."""
  path = os.fspath(path)
  abstract: Optional[_Abstract] = None
  in_sentence = False  # Whether entity lines have a sentence to belong to.
  with open(path, 'rb') as handle:
    for number, raw in enumerate(handle, start=1):
      doc_id = abstract.pmid if abstract else None
      try:
        line = raw.decode('utf-8-sig' if number == 1 else 'utf-8').rstrip('\r\n')
      except UnicodeDecodeError as e:
        report(MalformedInputError(f'bytes that are not UTF-8 ({e.reason} at byte {e.start}); '
                                   'line skipped', path, number, doc_id), strict)
        continue
      if not line.strip():
        continue
      columns = line.split('\t')
      if len(columns) == 2:  # A sentence header.
        pmid, underscore, index = columns[0].rpartition('_')
        in_sentence = bool(underscore and pmid and index.isdigit())
        if not in_sentence:
          report(MalformedInputError(f'sentence header {columns[0]!r} is not PMID_n; sentence '
                                     'skipped', path, number, doc_id), strict)
          continue
        if abstract is None or abstract.pmid != pmid:
          if abstract is not None:
            yield _document(abstract, path, strict)
          abstract = _Abstract(pmid)
        abstract.sentences.append(columns[1])
        continue
      if len(columns) >= 2 and columns[1] in RELATIONS:
        continue  # A relation line.
      if not in_sentence or columns[0] != abstract.pmid:
        report(MalformedInputError(f'entity line of document {columns[0]!r} is not under a '
                                   'readable sentence of that document; skipped', path, number,
                                   doc_id), strict)
        continue
      abstract.entities.append((number, len(abstract.sentences) - 1, columns))
  if abstract is not None:
    yield _document(abstract, path, strict)
