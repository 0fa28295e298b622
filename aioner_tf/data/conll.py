"""CoNLL files with character offsets, as AnEM ships them: one token a line,
`token<TAB>start<TAB>end<TAB>tag` with IOB2 tags (`O`, `B-<type>`, `I-<type>`), a blank line
between sentences, offsets counted from the start of each document.

The files hold no text, so each document's text is rebuilt from its tokens: every token at its
offsets, spaces in between (exact up to white space). A new document starts where the offsets
go back, i.e. a token starts before the previous one ends (at offset 0; once in AnEM.test at 1).
Documents are named `<file name>-<n>`, n counting from 1. An entity runs from a `B-` tag over
the `I-` tags of its type that follow it in the sentence; an `I-` that continues nothing starts
one, as conlleval reads it. A malformed line is reported (see `errors.report`) and skipped.
"""

import dataclasses
import os
import pathlib
from typing import Iterator, List, Optional, Union

from aioner_tf.data import document as document_lib
from aioner_tf.data.errors import MalformedInputError, report

COLUMNS = 4


@dataclasses.dataclass(frozen=True)
class _Token:
  text: str
  start: int
  end: int
  tag: str
  sentence: int  # Index of the sentence in the document, so entities never cross sentences.


def _parse_line(line: str, sentence: int) -> _Token:
  """The token of a line; ValueError says what is wrong with it."""
  columns = line.split('\t')
  if len(columns) != COLUMNS:
    raise ValueError(f'expected {COLUMNS} tab-separated columns (token, start, end, tag), '
                     f'got {len(columns)}')
  text, start, end, tag = columns
  try:
    start, end = int(start), int(end)
  except ValueError:
    raise ValueError(f'offsets {columns[1]!r} and {columns[2]!r} are not integers') from None
  if start < 0 or end - start != len(text):
    raise ValueError(f'token {text!r} has {len(text)} characters but offsets {start}-{end}')
  prefix, dash, entity_type = tag.partition('-')
  if tag != 'O' and not (prefix in ('B', 'I') and dash and entity_type):
    raise ValueError(f'tag {tag!r} is not O, B-<type> or I-<type>')
  return _Token(text, start, end, tag, sentence)


def _document(doc_id: str, tokens: List[_Token]) -> document_lib.Document:
  """The document of a run of tokens: the text rebuilt from offsets, the tagged entities."""
  chars = [' '] * max(t.end for t in tokens)
  for token in tokens:
    chars[token.start:token.end] = token.text
  text = ''.join(chars)
  spans = []
  current: Optional[List] = None  # [start, end, type, sentence]
  for token in tokens:
    prefix, _, entity_type = token.tag.partition('-')
    if (prefix == 'I' and current is not None and current[2] == entity_type
        and current[3] == token.sentence):
      current[1] = token.end
      continue
    if current is not None:
      spans.append(current)
      current = None
    if prefix in ('B', 'I'):
      current = [token.start, token.end, entity_type, token.sentence]
  if current is not None:
    spans.append(current)
  annotations = [document_lib.Span(start, end, entity_type, text[start:end])
                 for start, end, entity_type, _ in spans]
  return document_lib.Document(doc_id, [document_lib.Passage(0, text)], annotations)


def read_offset_conll(path: Union[str, os.PathLike], strict: bool = False
                      ) -> Iterator[document_lib.Document]:
  """Yields the documents of a CoNLL file with offsets (see the module docstring)."""
  name = pathlib.Path(path).name
  tokens: List[_Token] = []  # Of the current document, the `documents`-th.
  documents, sentence = 0, 0
  with open(path, 'rb') as handle:
    for number, raw in enumerate(handle, start=1):
      try:
        line = raw.decode('utf-8-sig' if number == 1 else 'utf-8').rstrip('\r\n')
      except UnicodeDecodeError as e:
        line, problem = None, f'bytes that are not UTF-8 ({e.reason} at byte {e.start})'
      if line is not None and not line.strip():
        sentence += 1
        continue
      try:
        token = _parse_line(line, sentence) if line is not None else None
      except ValueError as e:
        token, problem = None, str(e)
      if token is None:
        report(MalformedInputError(f'{problem}; line skipped', str(path), number,
                                   f'{name}-{max(documents, 1)}'), strict)
        continue
      if tokens and token.start < tokens[-1].end:
        yield _document(f'{name}-{documents}', tokens)
        tokens = []
      if not tokens:
        documents += 1
      tokens.append(token)
  if tokens:
    yield _document(f'{name}-{documents}', tokens)
