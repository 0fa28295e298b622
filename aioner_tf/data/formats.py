"""Which reader or writer a file needs, told by its extension (and for .xml, its root element).

  .PubTator (any case)  PubTator
  .xml                  BioC XML, or PubMed XML if its root element is PubmedArticleSet
  .xml.gz               PubMed XML, gzipped (the PubMed baseline and update files)
  .json                 BioC JSON
  .txt                  plain text (input only: one file is one document)

PubMed XML is input only. PubTator keeps a passage on one line and an annotation in
tab-separated columns, so its writer is given text whose tabs and line breaks are spaces: one
character for one, so every offset stays.

Writers that place documents themselves, such as the sharded files of the Beam pipeline, write
a format as records (RECORD_FORMATS): the `frame` header, then `format_record` of each document,
then the footer, each followed by a line break; this gives the bytes `write_documents` writes.
JSON lines (one BioC JSON document a line) is written only as records.
"""

import dataclasses
import os
import pathlib
from typing import BinaryIO, Iterable, Iterator, Optional, Tuple, Union

from aioner_tf.data import bioc
from aioner_tf.data import document as document_lib
from aioner_tf.data import plaintext
from aioner_tf.data import pubmed
from aioner_tf.data import pubtator

PUBTATOR = 'pubtator'
BIOC_XML = 'bioc_xml'
BIOC_JSON = 'bioc_json'
PLAINTEXT = 'plaintext'
PUBMED_XML = 'pubmed_xml'
JSON_LINES = 'jsonl'

# Longer extensions first: a name takes the first one it ends with.
_BY_EXTENSION = {'.xml.gz': PUBMED_XML, '.pubtator': PUBTATOR, '.xml': BIOC_XML,
                 '.json': BIOC_JSON, '.txt': PLAINTEXT}
_READERS = {PUBTATOR: pubtator.read_pubtator, BIOC_XML: bioc.read_bioc_xml,
            BIOC_JSON: bioc.read_bioc_json, PLAINTEXT: plaintext.read_plaintext,
            PUBMED_XML: pubmed.read_pubmed}
_WRITERS = {PUBTATOR: pubtator.write_pubtator, BIOC_XML: bioc.write_bioc_xml,
            BIOC_JSON: bioc.write_bioc_json}
# The extension each writable format gets in output file names.
EXTENSIONS = {PUBTATOR: '.PubTator', BIOC_XML: '.xml', BIOC_JSON: '.json'}
WRITABLE = tuple(_WRITERS)
# The formats that can be written as records, with the extension of their files.
RECORD_FORMATS = {PUBTATOR: '.PubTator', BIOC_XML: '.xml', JSON_LINES: '.jsonl'}
_ONE_LINE = str.maketrans('\t\r\n', '   ')
HEAD_BYTES = 4096  # What `format_of` reads of a file: room for the XML declarations and the root.

Path = Union[str, os.PathLike]


def _head(path: Path) -> bytes:
  """The first bytes of a file, or none if there is no such file."""
  if not os.path.isfile(path):
    return b''
  with open(path, 'rb') as handle:
    return handle.read(HEAD_BYTES)


def format_of(path: Path, head: Optional[bytes] = None) -> Optional[str]:
  """The format of a file (see the module docstring), or None.

  Args:
    path: the file's name.
    head: the file's first HEAD_BYTES bytes (or all of a shorter file), which tell PubMed XML
      from BioC XML in a .xml file; read from `path` if not given (none if it does not exist).
  """
  name = pathlib.PurePath(path).name.lower()
  fmt = next((fmt for ext, fmt in _BY_EXTENSION.items() if name.endswith(ext)), None)
  if fmt == BIOC_XML and pubmed.is_pubmed_xml(_head(path) if head is None else head):
    return PUBMED_XML
  return fmt


def require_format(path: Path) -> str:
  """The format of a file; raises ValueError if its name says none."""
  fmt = format_of(path)
  if fmt is None:
    raise ValueError(f'{path}: unknown extension; known (any case): {", ".join(_BY_EXTENSION)}')
  return fmt


def read_documents(path: Union[Path, BinaryIO], fmt: Optional[str] = None, strict: bool = False
                   ) -> Iterator[document_lib.Document]:
  """Yields the documents of a file, in the format `fmt` or else the one `format_of` says.

  `path` may also be a binary file open for reading, with `fmt` given (not plain text). Malformed
  input is reported as the readers do (see `errors.report`).
  """
  fmt = fmt or require_format(path)
  if fmt not in _READERS:
    raise ValueError(f'unknown format {fmt!r}; use one of {list(_READERS)}')
  return _READERS[fmt](path, strict=strict)


def _one_line(doc: document_lib.Document) -> document_lib.Document:
  """`doc` with tabs and line breaks turned into spaces, in its id, passages and mentions."""
  return dataclasses.replace(
      doc, id=doc.id.translate(_ONE_LINE),
      passages=[dataclasses.replace(p, text=p.text.translate(_ONE_LINE)) for p in doc.passages],
      annotations=[dataclasses.replace(s, text=s.text.translate(_ONE_LINE))
                   for s in doc.annotations])


def frame(fmt: str) -> Tuple[Optional[str], Optional[str]]:
  """The header and footer lines of a file of `fmt` records (None: no such line)."""
  if fmt == BIOC_XML:
    return bioc.xml_collection_start(), bioc.XML_COLLECTION_END
  if fmt in RECORD_FORMATS:
    return None, None
  raise ValueError(f'cannot write {fmt!r} as records; use one of {list(RECORD_FORMATS)}')


def format_record(doc: document_lib.Document, fmt: str) -> str:
  """One document as a record of `fmt`, one of RECORD_FORMATS (see the module docstring)."""
  if fmt == PUBTATOR:
    return pubtator.format_pubtator(_one_line(doc))
  if fmt == BIOC_XML:
    return bioc.format_bioc_xml(doc)
  if fmt == JSON_LINES:
    return bioc.format_bioc_json(doc)
  raise ValueError(f'cannot write {fmt!r} as records; use one of {list(RECORD_FORMATS)}')


def write_documents(documents: Iterable[document_lib.Document], path: Path, fmt: str) -> None:
  """Writes documents to `path` in `fmt`, one of WRITABLE (plain text cannot hold entities)."""
  if fmt not in _WRITERS:
    raise ValueError(f'cannot write {fmt!r}; use one of {list(WRITABLE)}')
  if fmt == PUBTATOR:
    documents = map(_one_line, documents)
  _WRITERS[fmt](documents, path)
