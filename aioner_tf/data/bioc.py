"""BioC XML and BioC JSON readers and writers.

A BioC document has an id, infons (key/value pairs) and passages; a passage has infons (such as
type=title), an offset, a text and annotations. An annotation has infons (`type`, `identifier`,
others), one `location` (offset, length) and its mention text. Offsets are document-level
character offsets counted in Python code points, as everywhere in `document`; the BioRED files
are ASCII, where code points and bytes agree. Relations and sentences are ignored. Annotation ids
are not kept: the writers number annotations 0..n-1 in each document.

XML is read with the standard library's expat parser, driven directly so that the file streams
document by document and problems can be located by line. The parser is safe for untrusted
input: any ENTITY declaration rejects the file (so entities are never expanded, and no external
entity is read), and external DTDs such as `<!DOCTYPE collection SYSTEM "BioC.dtd">` are accepted
but never fetched.
"""

import contextlib
import datetime
import io
import itertools
import json
import os
from typing import (Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, TextIO,
                    Tuple, Union)
from xml.etree import ElementTree
from xml.parsers import expat

from aioner_tf.data import document as document_lib
from aioner_tf.data.errors import MalformedInputError, report

PathOrFile = Union[str, os.PathLike, BinaryIO]
Output = Union[str, os.PathLike, TextIO, BinaryIO]

_CHUNK_BYTES = 1 << 16
_XML_HEADER = ("<?xml version='1.0' encoding='UTF-8'?>\n"
               '<!DOCTYPE collection SYSTEM "BioC.dtd">\n')
_IDENTIFIER_KEYS = ('identifier', 'Identifier')


def _source_name(source) -> str:
  if hasattr(source, 'read'):
    return str(getattr(source, 'name', '<stream>'))
  return os.fspath(source)


def _integer(value: Any, what: str) -> int:
  """Returns `value` as an int if it is one (or spells one), else raises ValueError."""
  if isinstance(value, int) and not isinstance(value, bool):
    return value
  if isinstance(value, str) and value.strip().lstrip('-').isdigit():
    return int(value)
  raise ValueError(f'{what} {value!r} is not an integer')


def _span(infons: List[Tuple[str, str]], text: str, locations: List[Tuple[Any, Any]]
          ) -> document_lib.Span:
  """Builds a span from the parts of a BioC annotation; raises ValueError if it has none."""
  if len(locations) != 1:
    raise ValueError(f'annotation has {len(locations)} locations; only annotations with one '
                     'location can be read')
  offset = _integer(locations[0][0], 'location offset')
  length = _integer(locations[0][1], 'location length')
  span_type, concept_id, extra = None, None, []
  for key, value in infons:
    if key == 'type' and span_type is None:
      span_type = value
    elif key in _IDENTIFIER_KEYS and concept_id is None:
      concept_id = value
    else:
      extra.append((key, value))
  if not span_type:
    raise ValueError(f'annotation {offset}-{offset + length} {text!r} has no type infon')
  return document_lib.Span(start=offset, end=offset + length, type=span_type, text=text,
                           id=concept_id or None, infons=tuple(extra))


def _add_annotations(doc: document_lib.Document, annotations: Iterable[Tuple[int, Any]],
                     parse: Callable[[Any], document_lib.Span], path: str, strict: bool) -> None:
  """Parses `(line, annotation)` pairs into `doc`, reporting and skipping unusable ones."""
  for line, annotation in annotations:
    document_lib.add_checked_annotation(doc, lambda: parse(annotation), path, line, strict)
  doc.sort_annotations()


def _spans_by_passage(doc: document_lib.Document) -> List[List[document_lib.Span]]:
  """Groups the annotations of `doc` by the passage that holds each one."""
  groups = [[] for _ in doc.passages]
  for span in doc.annotations:
    for index, passage in enumerate(doc.passages):
      if passage.offset <= span.start and span.end <= passage.end:
        groups[index].append(span)
        break
    else:
      raise ValueError(f'document {doc.id}: annotation {span.start}-{span.end} lies outside '
                       'every passage and cannot be written as BioC')
  return groups


def _span_infons(span: document_lib.Span) -> List[Tuple[str, str]]:
  infons = [('identifier', span.id)] if span.id is not None else []
  return infons + [('type', span.type)] + list(span.infons)


def _mention(doc: document_lib.Document, span: document_lib.Span) -> str:
  return span.text or doc.text_at(span.start, span.end) or ''


@contextlib.contextmanager
def _text_output(out: Output):
  """Yields a text handle writing UTF-8 to a path, a text file or a binary file."""
  if not hasattr(out, 'write'):
    with open(out, 'w', encoding='utf-8', newline='\n') as handle:
      yield handle
  elif isinstance(out, io.TextIOBase):
    yield out
  else:
    handle = io.TextIOWrapper(out, encoding='utf-8', newline='\n')
    try:
      yield handle
    finally:
      handle.flush()
      handle.detach()  # Leaves the caller's binary file open.


# BioC XML.


class _RawDocument:
  """A `<document>` element as parsed, with the lines its elements start on."""

  def __init__(self, line: int):
    self.line = line
    self.doc_id: Optional[str] = None
    self.element: Optional[ElementTree.Element] = None
    self.lines: Dict[ElementTree.Element, int] = {}
    self.problem: Optional[str] = None  # An XML problem that breaks the document.


class _XmlStream:
  """Expat handlers that build one `_RawDocument` per `<document>`, and nothing else."""

  def __init__(self):
    self.parser = expat.ParserCreate()
    self.parser.buffer_text = True
    self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    self.parser.EntityDeclHandler = self._entity_declaration
    self.parser.StartElementHandler = self._start
    self.parser.EndElementHandler = self._end
    self.parser.CharacterDataHandler = self._data
    self.parser.SkippedEntityHandler = self._skipped_entity
    self.current: Optional[_RawDocument] = None
    self.finished: List[_RawDocument] = []
    self._builder: Optional[ElementTree.TreeBuilder] = None
    self._depth = 0

  def _entity_declaration(self, name, *unused_details):
    raise MalformedInputError(f'the DOCTYPE declares ENTITY {name!r}; entities are not allowed')

  def _start(self, tag, attributes):
    if self._builder is None:
      if tag != 'document':
        return
      self._builder = ElementTree.TreeBuilder()
      self.current = _RawDocument(self.parser.CurrentLineNumber)
    element = self._builder.start(tag, attributes)
    self.current.lines[element] = self.parser.CurrentLineNumber
    self._depth += 1

  def _end(self, tag):
    if self._builder is None:
      return
    element = self._builder.end(tag)
    self._depth -= 1
    if tag == 'id' and self._depth == 1:
      self.current.doc_id = (element.text or '').strip() or None
    if self._depth == 0:
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


def _xml_infons(element: ElementTree.Element) -> List[Tuple[str, str]]:
  return [(infon.get('key', ''), infon.text or '') for infon in element.iterfind('infon')]


def _xml_span(element: ElementTree.Element) -> document_lib.Span:
  locations = [(location.get('offset'), location.get('length'))
               for location in element.iterfind('location')]
  return _span(_xml_infons(element), element.findtext('text') or '', locations)


def _xml_document(raw: _RawDocument, path: str, strict: bool) -> document_lib.Document:
  """Turns a parsed `<document>` into a Document; raises ValueError if it is broken."""
  if raw.problem:
    raise ValueError(raw.problem)
  if raw.doc_id is None:
    raise ValueError('document has no <id>')
  doc = document_lib.Document(raw.doc_id, infons=dict(_xml_infons(raw.element)))
  annotations = []
  for passage in raw.element.iterfind('passage'):
    offset = _integer(passage.findtext('offset'), 'passage <offset>')
    doc.passages.append(document_lib.Passage(offset, passage.findtext('text') or '',
                                             dict(_xml_infons(passage))))
    annotations.extend((raw.lines[annotation], annotation)
                       for annotation in passage.iterfind('annotation'))
  _add_annotations(doc, annotations, _xml_span, path, strict)
  return doc


def read_bioc_xml(source: PathOrFile, strict: bool = False) -> Iterator[document_lib.Document]:
  """Yields the documents of a BioC XML file (path or binary file) one by one, streaming.

  A broken document is reported (see `errors.report`) and skipped. XML that is not well formed
  (a truncated file, bytes that are not UTF-8) or that declares entities ends the file with a
  report, after the documents before the problem.
  """
  path = _source_name(source)
  handle = source if hasattr(source, 'read') else open(source, 'rb')
  stream = _XmlStream()
  try:
    while True:
      chunk = handle.read(_CHUNK_BYTES)
      error = None
      try:
        stream.parser.Parse(chunk, not chunk)
      except expat.ExpatError as e:
        error = MalformedInputError(f'XML is not well formed ({expat.ErrorString(e.code)}, '
                                    f'column {e.offset + 1}); rest of file skipped', path,
                                    e.lineno, stream.current and stream.current.doc_id)
      except MalformedInputError as e:
        error = MalformedInputError(e.message + '; file skipped', path,
                                    stream.parser.CurrentLineNumber)
      for raw in stream.finished:
        try:
          doc = _xml_document(raw, path, strict)
        except ValueError as e:
          report(MalformedInputError(f'{e}; document skipped', path, raw.line, raw.doc_id),
                 strict)
          continue
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


def _add_xml_infons(element: ElementTree.Element, infons: Iterable[Tuple[str, str]]) -> None:
  for key, value in infons:
    ElementTree.SubElement(element, 'infon', key=key).text = value


def _xml_element(doc: document_lib.Document) -> ElementTree.Element:
  """Returns `doc` as a BioC `<document>` element, each annotation in its passage."""
  element = ElementTree.Element('document')
  ElementTree.SubElement(element, 'id').text = doc.id
  _add_xml_infons(element, doc.infons.items())
  numbers = itertools.count()
  for passage, spans in zip(doc.passages, _spans_by_passage(doc)):
    node = ElementTree.SubElement(element, 'passage')
    _add_xml_infons(node, passage.infons.items())
    ElementTree.SubElement(node, 'offset').text = str(passage.offset)
    ElementTree.SubElement(node, 'text').text = passage.text
    for span in spans:
      annotation = ElementTree.SubElement(node, 'annotation', id=str(next(numbers)))
      _add_xml_infons(annotation, _span_infons(span))
      ElementTree.SubElement(annotation, 'location', offset=str(span.start),
                             length=str(span.end - span.start))
      ElementTree.SubElement(annotation, 'text').text = _mention(doc, span)
  return element


def write_bioc_xml(documents: Iterable[document_lib.Document], out: Output) -> None:
  """Writes documents as a BioC XML collection, one document at a time.

  `out` is a path, a binary file or a text file (which should be UTF-8, as the header says).
  """
  with _text_output(out) as handle:
    handle.write(_XML_HEADER)
    handle.write('<collection><source>aioner_tf</source>'
                 f'<date>{datetime.date.today().isoformat()}</date><key>BioC.key</key>\n')
    for doc in documents:
      text = ElementTree.tostring(_xml_element(doc), encoding='unicode')
      # A raw carriage return would be read back as a line feed; ElementTree escapes it only
      # in attributes, so it can appear here only in text content.
      handle.write(text.replace('\r', '&#13;'))
      handle.write('\n')
    handle.write('</collection>\n')


# BioC JSON.


def _json_infons(value: Any, what: str) -> List[Tuple[str, str]]:
  if value is None:
    return []
  if not isinstance(value, dict):
    raise ValueError(f'{what} infons are {type(value).__name__}, not an object')
  return [(str(key), str(item)) for key, item in value.items()]


def _json_list(value: Any, what: str) -> list:
  if value is None:
    return []
  if not isinstance(value, list):
    raise ValueError(f'{what} is {type(value).__name__}, not a list')
  return value


def _json_span(annotation: Any) -> document_lib.Span:
  if not isinstance(annotation, dict):
    raise ValueError(f'annotation is {type(annotation).__name__}, not an object')
  locations = _json_list(annotation.get('locations'), 'annotation locations')
  if not all(isinstance(location, dict) for location in locations):
    raise ValueError('annotation location is not an object')
  return _span(_json_infons(annotation.get('infons'), 'annotation'),
               str(annotation.get('text') or ''),
               [(location.get('offset'), location.get('length')) for location in locations])


def _json_document(item: Any, path: str, strict: bool) -> document_lib.Document:
  """Turns a BioC JSON document object into a Document; raises ValueError if it is broken."""
  if not isinstance(item, dict):
    raise ValueError(f'document is {type(item).__name__}, not an object')
  if item.get('id') is None or not str(item['id']).strip():
    raise ValueError('document has no id')
  doc = document_lib.Document(str(item['id']).strip(),
                              infons=dict(_json_infons(item.get('infons'), 'document')))
  annotations = []
  for passage in _json_list(item.get('passages'), 'passages'):
    if not isinstance(passage, dict):
      raise ValueError(f'passage is {type(passage).__name__}, not an object')
    text = passage.get('text') or ''
    if not isinstance(text, str):
      raise ValueError(f'passage text is {type(text).__name__}, not a string')
    doc.passages.append(document_lib.Passage(_integer(passage.get('offset'), 'passage offset'),
                                             text, dict(_json_infons(passage.get('infons'),
                                                                     'passage'))))
    annotations.extend((0, annotation) for annotation in
                       _json_list(passage.get('annotations'), 'passage annotations'))
  _add_annotations(doc, annotations, _json_span, path, strict)
  return doc


def read_bioc_json(source: Union[str, os.PathLike, BinaryIO, TextIO], strict: bool = False
                   ) -> Iterator[document_lib.Document]:
  """Yields the documents of a BioC JSON file (path or file), which is loaded whole.

  A broken document is reported (see `errors.report`) and skipped; a file that is not JSON or
  has no documents list is reported as a whole. JSON gives no lines for documents, so reports
  other than syntax errors say line 0.
  """
  path = _source_name(source)
  if hasattr(source, 'read'):
    content = source.read()
  else:
    with open(source, 'rb') as handle:
      content = handle.read()
  try:
    if isinstance(content, bytes):
      content = content.decode('utf-8')
    collection = json.loads(content)
  except UnicodeDecodeError as e:
    line = e.object.count(b'\n', 0, e.start) + 1
    report(MalformedInputError(f'bytes that are not UTF-8 ({e.reason} at byte {e.start}); '
                               'file skipped', path, line), strict)
    return
  except json.JSONDecodeError as e:
    report(MalformedInputError(f'not JSON ({e.msg}, column {e.colno}); file skipped', path,
                               e.lineno), strict)
    return
  items = collection.get('documents') if isinstance(collection, dict) else None
  if not isinstance(items, list):
    report(MalformedInputError('no "documents" list in the BioC JSON collection; file skipped',
                               path), strict)
    return
  for number, item in enumerate(items):
    try:
      doc = _json_document(item, path, strict)
    except ValueError as e:
      doc_id = item.get('id') if isinstance(item, dict) else None
      report(MalformedInputError(f'documents[{number}]: {e}; document skipped', path, 0,
                                 None if doc_id is None else str(doc_id)), strict)
      continue
    yield doc


def _json_object(doc: document_lib.Document) -> Dict[str, Any]:
  """Returns `doc` as a BioC JSON document object, each annotation in its passage."""
  numbers = itertools.count()
  passages = []
  for passage, spans in zip(doc.passages, _spans_by_passage(doc)):
    annotations = [{'id': str(next(numbers)), 'infons': dict(_span_infons(span)),
                    'text': _mention(doc, span),
                    'locations': [{'offset': span.start, 'length': span.end - span.start}]}
                   for span in spans]
    passages.append({'offset': passage.offset, 'infons': dict(passage.infons),
                     'text': passage.text, 'annotations': annotations})
  return {'id': doc.id, 'infons': dict(doc.infons), 'passages': passages, 'relations': []}


def write_bioc_json(documents: Iterable[document_lib.Document], out: Output) -> None:
  """Writes documents as a BioC JSON collection, one document per line, streaming."""
  with _text_output(out) as handle:
    handle.write('{"source": "aioner_tf", '
                 f'"date": "{datetime.date.today().isoformat()}", '
                 '"key": "BioC.key", "infons": {}, "documents": [')
    for number, doc in enumerate(documents):
      handle.write(',\n' if number else '\n')
      handle.write(json.dumps(_json_object(doc), ensure_ascii=False))
    handle.write('\n]}\n')
