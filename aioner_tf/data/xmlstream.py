"""Safe, streaming reading of the records of an XML file (BioC documents, PubMed articles).

The standard library's expat parser is driven directly, a chunk at a time, so a file streams
record by record and problems can be located by line; each record is built as an ElementTree
element with the lines its elements start on. The parser is safe for untrusted input: any
ENTITY declaration rejects the file (so entities are never expanded, and no external entity is
read), and external DTDs such as `<!DOCTYPE collection SYSTEM "BioC.dtd">` are accepted but never
fetched. A gzipped file, told by its first bytes, is decompressed as it streams.
"""

import itertools
import os
import zlib
from typing import (BinaryIO, Callable, Collection, Dict, Iterable, Iterator, List, Optional,
                    Tuple, Union)
from xml.etree import ElementTree
from xml.parsers import expat

from aioner_tf.data import document as document_lib
from aioner_tf.data.errors import MalformedInputError, report

PathOrFile = Union[str, os.PathLike, BinaryIO]

GZIP_MAGIC = b'\x1f\x8b'
_GZIP_WBITS = zlib.MAX_WBITS | 16  # zlib reads the gzip header and trailer.
_CHUNK_BYTES = 1 << 16


def source_name(source) -> str:
  """The name of a path or file, for reports."""
  if hasattr(source, 'read'):
    return str(getattr(source, 'name', '<stream>'))
  return os.fspath(source)


class Record:
  """A record element as parsed, with the lines its elements start on."""

  def __init__(self, line: int):
    self.line = line
    self.record_id: Optional[str] = None
    self.element: Optional[ElementTree.Element] = None
    self.lines: Dict[ElementTree.Element, int] = {}
    self.problem: Optional[str] = None  # An XML problem that breaks the record.


def _entity_declaration(name, *unused_details):
  raise MalformedInputError(f'the DOCTYPE declares ENTITY {name!r}; entities are not allowed')


def _parser():
  """An expat parser that rejects entity declarations and reads no external DTD."""
  parser = expat.ParserCreate()
  parser.buffer_text = True
  parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
  parser.EntityDeclHandler = _entity_declaration
  return parser


class _RecordStream:
  """Expat handlers that build one `Record` per record element, and nothing else.

  `id_paths` are the paths of tags, below the record element, of the element whose text is the
  record's id (the first one found).
  """

  def __init__(self, record_tags: Collection[str], id_paths: Collection[Tuple[str, ...]]):
    self.parser = _parser()
    self.parser.StartElementHandler = self._start
    self.parser.EndElementHandler = self._end
    self.parser.CharacterDataHandler = self._data
    self.parser.SkippedEntityHandler = self._skipped_entity
    self.current: Optional[Record] = None
    self.finished: List[Record] = []
    self._record_tags = record_tags
    self._id_paths = id_paths
    self._builder: Optional[ElementTree.TreeBuilder] = None
    self._path: List[str] = []  # Open tags below the record element.

  def _start(self, tag, attributes):
    if self._builder is None:
      if tag not in self._record_tags:
        return
      self._builder = ElementTree.TreeBuilder()
      self.current = Record(self.parser.CurrentLineNumber)
    else:
      self._path.append(tag)
    element = self._builder.start(tag, attributes)
    self.current.lines[element] = self.parser.CurrentLineNumber

  def _end(self, tag):
    if self._builder is None:
      return
    element = self._builder.end(tag)
    if self._path:
      if self.current.record_id is None and tuple(self._path) in self._id_paths:
        self.current.record_id = (element.text or '').strip() or None
      self._path.pop()
      return
    self.current.element = self._builder.close()
    self.finished.append(self.current)
    self.current = None
    self._builder = None

  def _data(self, text):
    if self._builder is not None:
      self._builder.data(text)

  def _skipped_entity(self, name, unused_is_parameter_entity):
    if self.current is not None and self.current.problem is None:
      self.current.problem = (f'line {self.parser.CurrentLineNumber} refers to undeclared entity '
                              f'{name!r}')


def _gunzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
  """Decompresses gzip data (one member or several) a chunk at a time."""
  decompressor = zlib.decompressobj(_GZIP_WBITS)
  for chunk in chunks:
    while chunk:
      data = decompressor.decompress(chunk)
      if data:
        yield data
      chunk = decompressor.unused_data
      if decompressor.eof:
        decompressor = zlib.decompressobj(_GZIP_WBITS)


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
  """The bytes of a file in chunks, decompressed if they start as gzip data does."""
  first = handle.read(_CHUNK_BYTES)
  chunks = itertools.chain([first], iter(lambda: handle.read(_CHUNK_BYTES), b''))
  return _gunzip(chunks) if first.startswith(GZIP_MAGIC) else chunks


class _RootFound(Exception):
  pass


def root_tag(head: bytes) -> Optional[str]:
  """The root element's name in the first bytes of an XML file (gzipped or not), or None if
  they hold no start tag."""
  try:
    if head.startswith(GZIP_MAGIC):
      head = zlib.decompressobj(_GZIP_WBITS).decompress(head)
    parser = _parser()

    def found(tag, unused_attributes):
      raise _RootFound(tag)

    parser.StartElementHandler = found
    parser.Parse(head, False)
  except _RootFound as e:
    return e.args[0]
  except (zlib.error, expat.ExpatError, LookupError, ValueError):  # Or MalformedInputError.
    pass
  return None


def read_records(source: PathOrFile, record_tags: Collection[str],
                 id_paths: Collection[Tuple[str, ...]],
                 convert: Callable[[Record, str, bool], Optional[document_lib.Document]],
                 strict: bool = False) -> Iterator[document_lib.Document]:
  """Yields the documents that `convert` makes of the records of an XML file, streaming.

  Args:
    source: a path or a binary file, gzipped or not.
    record_tags: the tags of record elements, wherever they stand.
    id_paths: paths of tags below a record element to the element holding the record's id.
    convert: makes a Document of a record, given the file's name and `strict`. It raises
      ValueError for a broken record, which is then reported (see `errors.report`) and
      skipped, or returns None for one it skips and reports itself.
    strict: raise on malformed input instead of reporting it.

  XML that is not well formed (a truncated file, bytes that are not UTF-8), gzip data that is
  broken, or XML that declares entities ends the file with a report, after the documents before
  the problem.
  """
  path = source_name(source)
  handle = source if hasattr(source, 'read') else open(source, 'rb')
  stream = _RecordStream(record_tags, id_paths)
  try:
    chunks = _chunks(handle)
    while True:
      error, chunk = None, b''
      try:
        chunk = next(chunks, b'')
        stream.parser.Parse(chunk, not chunk)
      except expat.ExpatError as e:
        error = MalformedInputError(f'XML is not well formed ({expat.ErrorString(e.code)}, '
                                    f'column {e.offset + 1}); rest of file skipped', path,
                                    e.lineno, stream.current and stream.current.record_id)
      except zlib.error as e:
        error = MalformedInputError(f'gzip data is broken ({e}); rest of file skipped', path,
                                    stream.parser.CurrentLineNumber)
      except MalformedInputError as e:
        error = MalformedInputError(e.message + '; file skipped', path,
                                    stream.parser.CurrentLineNumber)
      except (LookupError, ValueError) as e:  # An encoding Python lacks or expat cannot use.
        error = MalformedInputError(f'XML declares an encoding that cannot be read ({e}); file '
                                    'skipped', path, stream.parser.CurrentLineNumber)
      for record in stream.finished:
        try:
          doc = convert(record, path, strict)
        except ValueError as e:
          report(MalformedInputError(f'{e}; document skipped', path, record.line,
                                     record.record_id), strict)
          continue
        if doc is not None:
          yield doc
      stream.finished.clear()
      if error is not None:
        report(error, strict)
        return
      if not chunk:
        return
  finally:
    if handle is not source:
      handle.close()
