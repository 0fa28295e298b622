"""PubTator reader and writer.

A block is `ID|t|title`, `ID|a|abstract`, then one tab-separated line per annotation
(`ID start end mention type [concept id]`); blocks are separated by blank lines. Offsets count
over `title + " " + abstract`. Relation lines (whose second column is not an integer) are skipped.
Full-text files such as NLMchem_Test.PubTator repeat one ID over consecutive blocks, one per
passage, with offsets relative to the block: those blocks become one `Document` whose passages
follow each other with one separator character, as a title and abstract do.
"""

import bisect
import io
import os
from typing import BinaryIO, Iterable, Iterator, List, Optional, TextIO, Tuple, Union

from aioner_tf.data import document as document_lib
from aioner_tf.data.errors import MalformedInputError, report

PathOrFile = Union[str, os.PathLike, BinaryIO]


class _Block:
  """The lines of one block, before they are checked and turned into a document."""

  def __init__(self, doc_id: str, first_line: int):
    self.doc_id = doc_id
    self.first_line = first_line
    self.title: Optional[str] = None
    self.abstract: Optional[str] = None
    self.annotations: List[Tuple[int, List[str]]] = []  # (line number, columns)
    self.broken: Optional[MalformedInputError] = None


def _blocks(lines: Iterable[bytes], path: str) -> Iterator[_Block]:
  """Groups raw lines into blocks, noting undecodable or out-of-place lines on the block."""
  block = None
  for number, raw in enumerate(lines, start=1):
    try:
      # A byte order mark (from Windows tools) would join the first id.
      line = raw.decode('utf-8-sig' if number == 1 else 'utf-8').rstrip('\r\n')
    except UnicodeDecodeError as e:
      if block is None:
        block = _Block(raw.split(b'|', 1)[0].decode('utf-8', 'replace'), number)
      block.broken = block.broken or MalformedInputError(
          f'bytes that are not UTF-8 ({e.reason} at byte {e.start})', path, number, block.doc_id)
      continue
    if not line.strip():
      if block is not None:
        yield block
        block = None
      continue
    head, sep, rest = line.partition('|')
    if sep and rest[:2] in ('t|', 'a|') and '\t' not in head:
      if block is not None and (rest[0] == 't' or block.doc_id != head):
        yield block  # A new title without a blank line before it starts a new block.
        block = None
      if block is None:
        block = _Block(head, number)
      if rest[0] == 't':
        block.title = rest[2:]
      else:
        block.abstract = rest[2:]
      continue
    columns = line.split('\t')
    if block is None:
      block = _Block(columns[0], number)
    if len(columns) >= 2 and not columns[1].strip().lstrip('-').isdigit():
      continue  # A relation line.
    block.annotations.append((number, columns))
  if block is not None:
    yield block


def _parse_annotation(columns: List[str], base: int) -> document_lib.Span:
  if len(columns) < 5:
    raise ValueError(f'annotation line has {len(columns)} columns, at least 5 expected')
  start, end = int(columns[1]), int(columns[2])
  concept_id = columns[5].strip() if len(columns) > 5 and columns[5].strip() else None
  return document_lib.Span(start=base + start, end=base + end, type=columns[4].strip(),
                           text=columns[3], id=concept_id)


def _add_block(block: _Block, doc: document_lib.Document, path: str, strict: bool) -> None:
  """Appends the block's passages and checked annotations to `doc`."""
  base = doc.passages[-1].end + 1 if doc.passages else 0
  if block.title is None:
    raise MalformedInputError('block has no |t| line', path, block.first_line, block.doc_id)
  if block.abstract is None:
    report(MalformedInputError('block has no |a| line; read with an empty abstract', path,
                               block.first_line, block.doc_id), strict)
  title = document_lib.Passage(base, block.title, {'type': 'title'})
  abstract = document_lib.Passage(title.end + 1, block.abstract or '', {'type': 'abstract'})
  doc.passages.extend([title, abstract])
  for number, columns in block.annotations:
    if columns[0] != block.doc_id:
      report(MalformedInputError(f'annotation line names document {columns[0]!r}; skipped',
                                 path, number, block.doc_id), strict)
      continue
    document_lib.add_checked_annotation(
        doc, lambda: _parse_annotation(columns, base), path, number, strict)


def read_pubtator(source: PathOrFile, strict: bool = False) -> Iterator[document_lib.Document]:
  """Yields the documents of a PubTator file one by one, streaming.

  A broken document is reported (see `errors.report`) and skipped; the others are read.
  """
  path = getattr(source, 'name', '<stream>') if hasattr(source, 'read') else os.fspath(source)
  handle = source if hasattr(source, 'read') else open(source, 'rb')
  try:
    doc, skipped = None, None  # `skipped`: the id of the broken document being dropped.
    for block in _blocks(handle, str(path)):
      if block.doc_id == skipped:
        continue  # Another passage block of a document that was reported and skipped.
      skipped = None
      if doc is not None and doc.id != block.doc_id:
        doc.sort_annotations()
        yield doc
        doc = None
      if block.broken is not None:
        report(MalformedInputError(block.broken.message + '; document skipped', path,
                                   block.broken.line, block.doc_id), strict)
        doc, skipped = None, block.doc_id
        continue
      if doc is None:
        doc = document_lib.Document(block.doc_id)
      try:
        _add_block(block, doc, str(path), strict)
      except MalformedInputError as e:
        report(MalformedInputError(e.message + '; document skipped', path, e.line, e.document_id),
               strict)
        doc, skipped = None, block.doc_id
    if doc is not None:
      doc.sort_annotations()
      yield doc
  finally:
    if handle is not source:
      handle.close()


def _passage_blocks(doc: document_lib.Document):
  """Pairs the passages of `doc` into (title, abstract-or-None) blocks in order."""
  passages = doc.passages
  i = 0
  while i < len(passages):
    first = passages[i]
    second = passages[i + 1] if i + 1 < len(passages) else None
    if second is not None and second.offset == first.end + 1 and second.infons.get(
        'type') != 'title' and first.infons.get('type', 'title') == 'title':
      yield first, second
      i += 2
    else:
      yield first, None
      i += 1


def format_pubtator(doc: document_lib.Document) -> str:
  """Returns `doc` as PubTator text: one block, or one block per passage pair for full text."""
  pairs = list(_passage_blocks(doc))
  starts = [title.offset for title, _ in pairs]
  spans = [[] for _ in pairs]
  for span in doc.annotations:  # Found by binary search: a full text has many blocks.
    i = bisect.bisect_right(starts, span.start) - 1
    if i >= 0 and span.end <= (pairs[i][1] or pairs[i][0]).end:
      spans[i].append(span)
  blocks = []
  for (title, abstract), block_spans in zip(pairs, spans):
    lines = [f'{doc.id}|t|{title.text}', f'{doc.id}|a|{abstract.text if abstract else ""}']
    for span in block_spans:
      mention = span.text or doc.text_at(span.start, span.end) or ''
      columns = [doc.id, str(span.start - title.offset), str(span.end - title.offset), mention,
                 span.type]
      if span.id is not None:
        columns.append(span.id)
      lines.append('\t'.join(columns))
    blocks.append('\n'.join(lines) + '\n')
  if not blocks:
    blocks.append(f'{doc.id}|t|\n{doc.id}|a|\n')
  return '\n'.join(blocks)


def write_pubtator(documents: Iterable[document_lib.Document], out: Union[str, os.PathLike, TextIO]
                   ) -> None:
  """Writes documents as PubTator, blocks separated by one blank line."""
  handle = out if hasattr(out, 'write') else open(out, 'w', encoding='utf-8', newline='\n')
  try:
    for doc in documents:
      handle.write(format_pubtator(doc))
      handle.write('\n')
  finally:
    if handle is not out:
      handle.close()


def parse_pubtator(text: str, strict: bool = False) -> List[document_lib.Document]:
  """Reads PubTator from a string (tests, small inputs)."""
  return list(read_pubtator(io.BytesIO(text.encode('utf-8')), strict=strict))
