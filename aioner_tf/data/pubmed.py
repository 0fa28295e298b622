"""PubMed XML reader: the `PubmedArticleSet` files of the PubMed/MEDLINE baseline and updates.

Each `PubmedArticle` (or `PubmedBookArticle`) becomes a document with the PubTator layout, so
it writes to PubTator and BioC unchanged: its id is the PMID, passage 0 (type title) is the
ArticleTitle (a book's BookTitle if it has none) at offset 0, and passage 1 (type abstract) is
the abstract at offset len(title) + 1. A structured abstract's AbstractText sections are joined
with single spaces, each as `LABEL: text` (just `text` where it has no Label), in the order of
the file. Inline markup (<i>, <b>, <sup>, <sub>, MathML...) contributes its text; the text of a
title and of each section is stripped of surrounding white space. An article with no abstract
gets an empty abstract passage. An article with neither title nor abstract is reported and
skipped (even in strict mode: it is not malformed). `DeleteCitation` lists of update files name
no text and are not read.

Files stream article by article through `xmlstream`: gzipped or not (told by the first bytes),
entities never expanded, the DTD never fetched.
"""

from typing import Iterator, List, Optional
from xml.etree import ElementTree

from aioner_tf.data import document as document_lib
from aioner_tf.data import xmlstream
from aioner_tf.data.errors import MalformedInputError, report

ROOT_TAG = 'PubmedArticleSet'
_RECORD_TAGS = ('PubmedArticle', 'PubmedBookArticle')
_ID_PATHS = (('MedlineCitation', 'PMID'), ('BookDocument', 'PMID'))
_TITLES = ('MedlineCitation/Article/ArticleTitle', 'BookDocument/ArticleTitle',
           'BookDocument/Book/BookTitle')
_ABSTRACTS = ('MedlineCitation/Article/Abstract', 'BookDocument/Abstract')


def is_pubmed_xml(head: bytes) -> bool:
  """Whether the first bytes of an XML file (gzipped or not) open a PubmedArticleSet."""
  return xmlstream.root_tag(head) == ROOT_TAG


def _first(element: ElementTree.Element, paths) -> Optional[ElementTree.Element]:
  for path in paths:
    found = element.find(path)
    if found is not None:
      return found
  return None


def _text(element: Optional[ElementTree.Element]) -> str:
  return '' if element is None else ''.join(element.itertext()).strip()


def _abstract(abstract: Optional[ElementTree.Element]) -> str:
  """The AbstractText sections of an Abstract, joined (see the module docstring)."""
  if abstract is None:
    return ''
  sections: List[str] = []
  for section in abstract.iterfind('AbstractText'):
    text, label = _text(section), (section.get('Label') or '').strip()
    if text:
      sections.append(f'{label}: {text}' if label else text)
  return ' '.join(sections)


def _document(record: xmlstream.Record, path: str, unused_strict: bool
              ) -> Optional[document_lib.Document]:
  """Turns a parsed article into a Document; raises ValueError if it is broken and returns None
  (after reporting it) if it has no text."""
  if record.problem:
    raise ValueError(record.problem)
  if record.record_id is None:
    raise ValueError(f'{record.element.tag} has no PMID')
  title = _text(_first(record.element, _TITLES))
  abstract = _abstract(_first(record.element, _ABSTRACTS))
  if not title and not abstract:
    report(MalformedInputError('article has neither title nor abstract; document skipped', path,
                               record.line, record.record_id), strict=False)
    return None
  return document_lib.Document(record.record_id, [
      document_lib.Passage(0, title, {'type': 'title'}),
      document_lib.Passage(len(title) + 1, abstract, {'type': 'abstract'})])


def read_pubmed(source: xmlstream.PathOrFile, strict: bool = False
                ) -> Iterator[document_lib.Document]:
  """Yields the articles of a PubMed XML file (path or binary file, gzipped or not) one by one,
  streaming.

  A broken article is reported (see `errors.report`) and skipped, as is one without text. XML
  that is not well formed (a truncated file) or that declares entities ends the file with a
  report, after the articles before the problem.
  """
  return xmlstream.read_records(source, _RECORD_TAGS, _ID_PATHS, _document, strict)
