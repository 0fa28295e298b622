"""Tests of the HTML view, read back with Python's HTML parser (the browser test is apart)."""

import html.parser
from typing import Dict, List

from hypothesis import given
from hypothesis import strategies as st
import pytest

from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.tagging import html_view

ATTACKS = ('<script>window.injected=1</script>', '<img src=x onerror="window.injected=1">')
TITLE = f'BRCA1 {ATTACKS[0]} causes breast cancer.'
ABSTRACT = f'Seen in {ATTACKS[1]} mice & "HeLa" cells.'
HELA = len(TITLE) + 1 + ABSTRACT.index('HeLa')  # Document offset of 'HeLa'.
CANCER = TITLE.index('cancer')


def hostile_document() -> Document:
  """A document whose text holds a script and an image with onerror, and three entities."""
  return Document('d<1>', [Passage(0, TITLE), Passage(len(TITLE) + 1, ABSTRACT)], [
      Span(0, 5, 'Gene', 'BRCA1', infons=(('score', '0.98765'),)),
      Span(CANCER - 7, CANCER + 6, 'Disease', 'breast cancer', infons=(('score', 0.5),)),
      Span(HELA, HELA + 4, 'CellLine', 'HeLa')])


class _Page(html.parser.HTMLParser):
  """Collects the marks of a page (attributes, text) and fails on a mismatched end tag."""

  _VOID = {'meta', 'input', 'br', 'img'}

  def __init__(self, page: str):
    super().__init__(convert_charrefs=True)
    self.open: List[str] = []
    self.open_marks: List[Dict[str, str]] = []
    self.marks: List[Dict[str, str]] = []
    self.tags: List[str] = []
    self.text = ''
    self.feed(page)
    self.close()
    assert not self.open, f'unclosed {self.open}'

  def handle_starttag(self, tag, attrs):
    self.tags.append(tag)
    if tag in self._VOID:
      return
    self.open.append(tag)
    if tag == 'mark':
      mark = dict(attrs, text='')
      self.marks.append(mark)
      self.open_marks.append(mark)

  def handle_endtag(self, tag):
    assert self.open and self.open[-1] == tag, f'</{tag}> closes {self.open[-1:]}'
    self.open.pop()
    if tag == 'mark':
      self.open_marks.pop()

  def handle_data(self, data):
    if self.open and self.open[-1] not in ('script', 'style'):
      self.text += data
    for mark in self.open_marks:
      mark['text'] += data

  def entities(self) -> Dict[str, Dict[str, str]]:
    """The marks in the text, one per entity: fragments of a split entity are joined."""
    joined = {}
    for mark in self.marks:
      if 'data-entity' in mark:
        entity = joined.setdefault(mark['data-entity'], dict(mark, text=''))
        entity['text'] += mark['text']
    return joined


def test_one_mark_per_entity_with_its_type_and_score():
  page = _Page(html_view.render_html([hostile_document()]))
  entities = list(page.entities().values())
  assert [(e['text'], e['data-type']) for e in entities] == [
      ('BRCA1', 'Gene'), ('breast cancer', 'Disease'), ('HeLa', 'CellLine')]
  assert [e.get('data-score') for e in entities] == ['0.988', '0.500', None]
  assert 'score 0.988' in entities[0]['title']
  assert len([m for m in page.marks if 'data-entity' in m]) == 3
  assert not any('data-status' in e for e in entities)


def test_text_is_escaped():
  doc = hostile_document()
  doc.annotations.append(Span(CANCER, CANCER + 6, f'">{ATTACKS[0]}'))
  page_html = html_view.render_html([doc], title=ATTACKS[0])
  page = _Page(page_html)
  assert page.tags.count('script') == 1  # The page's own filter script, in the head.
  assert 'img' not in page.tags
  for attack in ATTACKS:
    assert attack in page.text
  assert 'd<1>' in page.text
  assert f'">{ATTACKS[0]}' in {e['data-type'] for e in page.entities().values()}


def test_page_loads_nothing_from_anywhere():
  doc = Document('d', [Passage(0, 'BRCA1 causes breast cancer.')],
                 [Span(0, 5, 'Gene', infons=(('score', '0.9'),)), Span(13, 26, 'Disease')])
  page_html = html_view.render_html([doc], [Document('d', [], [Span(0, 5, 'Gene')])])
  assert not {'link', 'img', 'iframe', 'object', 'embed'} & set(_Page(page_html).tags)
  for marker in ('://', 'src=', 'href=', 'url(', '@import'):
    assert marker not in page_html


def test_gold_marks_true_and_false_positives_and_false_negatives():
  doc = hostile_document()
  gold = Document(doc.id, [], [
      Span(0, 5, 'GeneOrGeneProduct'),  # The same entity after the type map: tp.
      Span(CANCER, CANCER + 6, 'DiseaseOrPhenotypicFeature'),  # fn inside the fp 'breast cancer'.
      Span(HELA, HELA + 4, 'OTHER'),  # A type the map drops: shown, a false negative.
  ])
  page = _Page(html_view.render_html([doc], [gold]))
  outcomes = {(e['text'], e['data-type'], e['data-status']) for e in page.entities().values()}
  assert outcomes == {('BRCA1', 'Gene', 'tp'), ('breast cancer', 'Disease', 'fp'),
                      ('cancer', 'Disease', 'fn'), ('HeLa', 'CellLine', 'fp'),
                      ('HeLa', 'OTHER', 'fn')}
  for entity in page.entities().values():
    assert entity['data-status'] in entity['class'].split()
  assert 'strict micro P 33.33, R 33.33, F1 33.33' in page.text
  legend = {m['class'] for m in page.marks if 'data-entity' not in m}
  assert {'outcome tp', 'outcome fp', 'outcome fn'} <= legend


def test_new_types_are_shown_with_gold_though_aioner_scores_none_of_them():
  text = 'Hepatocytes line the liver.'
  doc = Document('anem', [Passage(0, text)], [Span(0, 11, 'Cell'), Span(21, 26, 'Organ')])
  gold = Document('anem', [], [Span(0, 11, 'Cell'), Span(21, 26, 'Tissue')])
  page = _Page(html_view.render_html([doc], [gold]))
  outcomes = {(e['text'], e['data-type'], e['data-status']) for e in page.entities().values()}
  assert outcomes == {('Hepatocytes', 'Cell', 'tp'), ('liver', 'Organ', 'fp'),
                      ('liver', 'Tissue', 'fn')}
  legend = {m['text'] for m in page.marks if 'data-entity' not in m}
  assert {'Cell', 'Organ', 'Tissue'} <= legend
  assert 'strict micro P 50.00, R 50.00, F1 50.00' in page.text


def test_gold_with_other_document_ids_is_an_error():
  with pytest.raises(ValueError, match='missing from gold'):
    html_view.render_html([hostile_document()], [Document('other')])


def test_nested_crossing_and_clipped_entities_stay_well_formed():
  text = 'alpha beta gamma delta'
  doc = Document('d', [Passage(0, text), Passage(30, 'epsilon')], [
      Span(0, 10, 'Gene'), Span(6, 16, 'Disease'), Span(6, 10, 'Chemical'),
      Span(6, 10, 'Species'), Span(17, 34, 'Variant'), Span(40, 45, 'Gene')])
  page = _Page(html_view.render_html([doc]))
  assert [(e['data-type'], e['text']) for e in page.entities().values()] == [
      ('Gene', 'alpha beta'), ('Disease', 'beta gamma'), ('Chemical', 'beta'),
      ('Species', 'beta'), ('Variant', 'deltaepsi')]
  assert '1 entities lie outside the text' in page.text


@given(st.lists(st.tuples(st.integers(0, 19), st.integers(1, 20), st.sampled_from(['A', 'B'])),
                max_size=8))
def test_any_overlap_gives_well_formed_marks_with_each_entity_text(bounds):
  text = 'abcdefghijklmnopqrst'
  entities = {(start, end, type_) for start, end, type_ in bounds if start < end}
  page = _Page(html_view.render_html(
      [Document('d', [Passage(0, text)], [Span(*entity) for entity in entities])]))
  assert text in page.text
  assert sorted((e['text'], e['data-type']) for e in page.entities().values()) == sorted(
      (text[start:end], type_) for start, end, type_ in entities)


def test_tagger_render_shows_what_the_tagger_found(tmp_path):
  from aioner_tf.tagging import tagger as tagger_lib  # pylint: disable=g-import-not-at-top
  from tagger_test import save_tiny_model  # pylint: disable=g-import-not-at-top
  tagger = tagger_lib.Tagger.load(save_tiny_model(tmp_path / 'model'))
  docs = [Document('d', [Passage(0, 'BRCA1 mutations cause breast cancer in women.')])]
  found = tagger.tag_documents(docs).documents[0].annotations
  assert found  # The random model predicts some entities, so the check below is not empty.
  entities = _Page(tagger.render(docs, title='tiny')).entities().values()
  assert [(e['text'], e['data-type']) for e in entities] == [(s.text, s.type) for s in found]
