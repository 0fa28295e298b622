"""Which reader or writer a file needs, told by its extension.

  .PubTator (any case)  PubTator
  .xml                  BioC XML
  .json                 BioC JSON
  .txt                  plain text (input only: one file is one document)

PubTator keeps a passage on one line and an annotation in tab-separated columns, so its writer
is given text whose tabs and line breaks are spaces: one character for one, so every offset stays.
"""

import dataclasses
import os
import pathlib
from typing import Iterable, Iterator, Optional, Union

from aioner_tf.data import bioc
from aioner_tf.data import document as document_lib
from aioner_tf.data import plaintext
from aioner_tf.data import pubtator

PUBTATOR = 'pubtator'
BIOC_XML = 'bioc_xml'
BIOC_JSON = 'bioc_json'
PLAINTEXT = 'plaintext'

_BY_EXTENSION = {'.pubtator': PUBTATOR, '.xml': BIOC_XML, '.json': BIOC_JSON, '.txt': PLAINTEXT}
_READERS = {PUBTATOR: pubtator.read_pubtator, BIOC_XML: bioc.read_bioc_xml,
            BIOC_JSON: bioc.read_bioc_json, PLAINTEXT: plaintext.read_plaintext}
_WRITERS = {PUBTATOR: pubtator.write_pubtator, BIOC_XML: bioc.write_bioc_xml,
            BIOC_JSON: bioc.write_bioc_json}
# The extension each writable format gets in output file names.
EXTENSIONS = {PUBTATOR: '.PubTator', BIOC_XML: '.xml', BIOC_JSON: '.json'}
WRITABLE = tuple(_WRITERS)
_ONE_LINE = str.maketrans('\t\r\n', '   ')

Path = Union[str, os.PathLike]


def format_of(path: Path) -> Optional[str]:
  """The format a file name says (see the module docstring), or None."""
  return _BY_EXTENSION.get(pathlib.PurePath(path).suffix.lower())


def require_format(path: Path) -> str:
  """The format a file name says; raises ValueError if it says none."""
  fmt = format_of(path)
  if fmt is None:
    raise ValueError(f'{path}: unknown extension; known (any case): {", ".join(_BY_EXTENSION)}')
  return fmt


def read_documents(path: Path, fmt: Optional[str] = None, strict: bool = False
                   ) -> Iterator[document_lib.Document]:
  """Yields the documents of a file, in the format `fmt` or else the one its extension says.

  Malformed input is reported as the readers do (see `errors.report`).
  """
  fmt = fmt or require_format(path)
  if fmt not in _READERS:
    raise ValueError(f'unknown format {fmt!r}; use one of {list(_READERS)}')
  return _READERS[fmt](path, strict=strict)


def _one_line(doc: document_lib.Document) -> document_lib.Document:
  """`doc` with tabs and line breaks turned into spaces, in passages and mentions."""
  return dataclasses.replace(
      doc,
      passages=[dataclasses.replace(p, text=p.text.translate(_ONE_LINE)) for p in doc.passages],
      annotations=[dataclasses.replace(s, text=s.text.translate(_ONE_LINE))
                   for s in doc.annotations])


def write_documents(documents: Iterable[document_lib.Document], path: Path, fmt: str) -> None:
  """Writes documents to `path` in `fmt`, one of WRITABLE (plain text cannot hold entities)."""
  if fmt not in _WRITERS:
    raise ValueError(f'cannot write {fmt!r}; use one of {list(WRITABLE)}')
  if fmt == PUBTATOR:
    documents = map(_one_line, documents)
  _WRITERS[fmt](documents, path)
