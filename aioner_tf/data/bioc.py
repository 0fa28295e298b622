"""BioC XML and BioC JSON readers and writers.

A BioC document has an id, infons (key/value pairs) and passages; a passage has infons (such as
type=title), an offset, a text and annotations. An annotation has infons (`type`, `identifier`,
others), one `location` (offset, length) and its mention text. Offsets are document-level
character offsets counted in Python code points, as everywhere in `document`; the BioRED files
are ASCII, where code points and bytes agree. Relations and sentences are ignored. Annotation ids
are not kept: the writers number annotations 0..n-1 in each document.

XML is read document by document with `xmlstream` (safe for untrusted input, gzipped or not).
"""

import contextlib
import datetime
import io
import itertools
import json
import os
import re
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, TextIO, Tuple, Union
from xml.etree import ElementTree

from aioner_tf.data import document as document_lib
from aioner_tf.data import xmlstream
from aioner_tf.data.errors import MalformedInputError, report

Output = Union[str, os.PathLike, TextIO, BinaryIO]

XML_COLLECTION_END = '</collection>'
_XML_HEADER = ("<?xml version='1.0' encoding='UTF-8'?>\n"
               '<!DOCTYPE collection SYSTEM "BioC.dtd">\n')
_IDENTIFIER_KEYS = ('identifier', 'Identifier')
_NOT_XML = re.compile('[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')


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
  """Parses `(line, annotation)` pairs into `doc`, reporting and skipping unusable ones; raises
  ValueError if the passages of `doc` are out of order or overlap."""
  problem = document_lib.passage_order_problem(doc)
  if problem:
    raise ValueError(problem)
  for line, annotation in annotations:
    document_lib.add_checked_annotation(doc, lambda: parse(annotation), path, line, strict)
  doc.sort_annotations()


def _spans_by_passage(doc: document_lib.Document) -> List[List[document_lib.Span]]:
  """Groups the annotations of `doc` by the passage that holds each one."""
  index = {id(passage): i for i, passage in enumerate(doc.passages)}
  groups = [[] for _ in doc.passages]
  for span in doc.annotations:
    passage = doc.passage_at(span.start, span.end)
    if passage is None:
      raise ValueError(f'document {doc.id}: annotation {span.start}-{span.end} lies outside '
                       'every passage and cannot be written as BioC')
    groups[index[id(passage)]].append(span)
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


def _xml_infons(element: ElementTree.Element) -> List[Tuple[str, str]]:
  return [(infon.get('key', ''), infon.text or '') for infon in element.iterfind('infon')]


def _xml_span(element: ElementTree.Element) -> document_lib.Span:
  locations = [(location.get('offset'), location.get('length'))
               for location in element.iterfind('location')]
  return _span(_xml_infons(element), element.findtext('text') or '', locations)


def _xml_document(raw: xmlstream.Record, path: str, strict: bool) -> document_lib.Document:
  """Turns a parsed `<document>` into a Document; raises ValueError if it is broken."""
  if raw.problem:
    raise ValueError(raw.problem)
  if raw.record_id is None:
    raise ValueError('document has no <id>')
  doc = document_lib.Document(raw.record_id, infons=dict(_xml_infons(raw.element)))
  annotations = []
  for passage in raw.element.iterfind('passage'):
    offset = _integer(passage.findtext('offset'), 'passage <offset>')
    doc.passages.append(document_lib.Passage(offset, passage.findtext('text') or '',
                                             dict(_xml_infons(passage))))
    annotations.extend((raw.lines[annotation], annotation)
                       for annotation in passage.iterfind('annotation'))
  _add_annotations(doc, annotations, _xml_span, path, strict)
  return doc


def read_bioc_xml(source: xmlstream.PathOrFile, strict: bool = False
                  ) -> Iterator[document_lib.Document]:
  """Yields the documents of a BioC XML file (path or binary file) one by one, streaming.

  A broken document is reported (see `errors.report`) and skipped. XML that is not well formed
  (a truncated file, bytes that are not UTF-8) or that declares entities ends the file with a
  report, after the documents before the problem.
  """
  return xmlstream.read_records(source, ('document',), (('id',),), _xml_document, strict)


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


def xml_collection_start() -> str:
  """What a BioC XML file holds before its first document (without the last line break)."""
  return (_XML_HEADER + '<collection><source>aioner_tf</source>'
          f'<date>{datetime.date.today().isoformat()}</date><key>BioC.key</key>')


def format_bioc_xml(doc: document_lib.Document) -> str:
  """Returns `doc` as a BioC XML `<document>` element."""
  text = ElementTree.tostring(_xml_element(doc), encoding='unicode')
  # A raw carriage return would be read back as a line feed; ElementTree escapes it only in
  # attributes, so it can appear here only in text content. Characters XML cannot hold at all
  # (controls such as the form feeds of text from PDFs) become U+FFFD, one for one.
  return _NOT_XML.sub('\ufffd', text).replace('\r', '&#13;')


def write_bioc_xml(documents: Iterable[document_lib.Document], out: Output) -> None:
  """Writes documents as a BioC XML collection, one document a line, streaming.

  `out` is a path, a binary file or a text file (which should be UTF-8, as the header says).
  """
  with _text_output(out) as handle:
    handle.write(xml_collection_start() + '\n')
    for doc in documents:
      handle.write(format_bioc_xml(doc) + '\n')
    handle.write(XML_COLLECTION_END + '\n')


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
  # JSON escapes can spell lone surrogates ("\ud800"), which no UTF-8 writer can write.
  json.dumps(item, ensure_ascii=False).encode('utf-8')
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
  path = xmlstream.source_name(source)
  if hasattr(source, 'read'):
    content = source.read()
  else:
    with open(source, 'rb') as handle:
      content = handle.read()
  try:
    if isinstance(content, bytes):
      content = content.decode('utf-8-sig')  # json.loads rejects a byte order mark.
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
  except (ValueError, RecursionError) as e:  # A number of over 4300 digits, deep nesting.
    report(MalformedInputError(f'not readable JSON ({e}); file skipped', path), strict)
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


def format_bioc_json(doc: document_lib.Document) -> str:
  """Returns `doc` as a BioC JSON document object on one line."""
  return json.dumps(_json_object(doc), ensure_ascii=False)


def write_bioc_json(documents: Iterable[document_lib.Document], out: Output) -> None:
  """Writes documents as a BioC JSON collection, one document per line, streaming."""
  with _text_output(out) as handle:
    handle.write('{"source": "aioner_tf", '
                 f'"date": "{datetime.date.today().isoformat()}", '
                 '"key": "BioC.key", "infons": {}, "documents": [')
    for number, doc in enumerate(documents):
      handle.write(',\n' if number else '\n')
      handle.write(format_bioc_json(doc))
    handle.write('\n]}\n')
