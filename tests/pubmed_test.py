"""Tests for the PubMed XML reader and its place among the formats."""

import gzip

import pytest

from aioner_tf.data import bioc
from aioner_tf.data import formats
from aioner_tf.data import pubmed
from aioner_tf.data import pubtator
from aioner_tf.data.document import Document, Passage
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning
from aioner_tf.tagging import batch
from conftest import TEST_DATA

ARTICLES = TEST_DATA / 'pubmed_articles.xml'
TITLE_1 = 'BRCA1 and TP53 variants in Ca2+ signalling of breast cancer.'
ABSTRACT_1 = ('BACKGROUND: BRCA1 mutations cause breast cancer. METHODS: We treated MCF-7 cells '
              'with 5 µM tamoxifen and measured H2O2. RESULTS: β-catenin rose in mice. An '
              'unlabelled section. CONCLUSIONS: Tamoxifen helps.')
NO_TEXT = 'article has neither title nor abstract; document skipped'


def _read(source, strict=False):
  """The documents of `source`, and the one report the fixture's article without text makes."""
  with pytest.warns(MalformedInputWarning) as caught:
    documents = list(pubmed.read_pubmed(source, strict))
  [report] = [warning.message.error for warning in caught]
  assert (report.line, report.document_id, report.message) == (42, '10000003', NO_TEXT)
  return documents


def _xml(*articles, prolog=''):
  return ('<?xml version="1.0"?>\n' + prolog + '<PubmedArticleSet>\n' + '\n'.join(articles) +
          '\n</PubmedArticleSet>\n').encode('utf-8')


def _article(pmid, title='A title.', abstract='An abstract.'):
  return (f'<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article>'
          f'<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{abstract}'
          '</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>')


def test_articles_have_the_pubtator_layout():
  documents = _read(ARTICLES)
  assert [doc.id for doc in documents] == ['10000001', '10000002', '10000004', '10000005']
  first = documents[0]
  assert first.passages == [Passage(0, TITLE_1, {'type': 'title'}),
                            Passage(len(TITLE_1) + 1, ABSTRACT_1, {'type': 'abstract'})]
  assert first.annotations == [] and first.infons == {}
  assert documents[1].passages == [
      Passage(0, 'Aspirin for headache in café workers: a letter.', {'type': 'title'}),
      Passage(48, '', {'type': 'abstract'})]
  title, abstract = documents[2].passages
  assert title.text == 'Naïve T cells & IL-2 <in vitro>.'
  assert abstract.text.startswith('Interleukin-2 (IL-2) drives β-cell loss in NOD mice;\n')
  assert abstract.text.endswith('see Fig. 1.')  # OtherAbstract is not read.
  assert [p.text for p in documents[3].passages] == [
      'Cystic fibrosis: a hand-made book.', 'SUMMARY: CFTR variants cause cystic fibrosis.']


def test_an_article_without_text_is_reported_even_in_strict_mode():
  assert [doc.id for doc in _read(ARTICLES, strict=True)] == [
      '10000001', '10000002', '10000004', '10000005']


def test_pubtator_and_bioc_hold_the_articles_unchanged(tmp_path):
  documents = _read(ARTICLES)
  formats.write_documents(documents, tmp_path / 'a.xml', formats.BIOC_XML)
  formats.write_documents(documents, tmp_path / 'a.PubTator', formats.PUBTATOR)
  assert list(bioc.read_bioc_xml(tmp_path / 'a.xml')) == documents
  one_line = [Document(doc.id, [Passage(p.offset, p.text.replace('\n', ' '), p.infons)
                                for p in doc.passages]) for doc in documents]
  assert list(pubtator.read_pubtator(tmp_path / 'a.PubTator')) == one_line


@pytest.mark.parametrize('name', ['pubmed25n0001.xml.gz', 'gzipped_without_saying.xml'])
def test_gzipped_files_stream_and_are_told_by_name_or_bytes(tmp_path, name):
  path = tmp_path / name
  path.write_bytes(gzip.compress(ARTICLES.read_bytes()))
  assert formats.format_of(path) == formats.PUBMED_XML
  assert _read(path) == _read(ARTICLES)
  with open(path, 'rb') as handle:  # A binary file, as the Beam pipeline passes.
    assert _read(handle) == _read(ARTICLES)


def test_a_file_of_several_gzip_members_reads_whole(tmp_path):
  content = ARTICLES.read_bytes()
  path = tmp_path / 'members.xml.gz'
  path.write_bytes(gzip.compress(content[:3000]) + gzip.compress(content[3000:]))
  assert _read(path) == _read(ARTICLES)


def test_a_truncated_gzip_file_keeps_the_articles_before(tmp_path):
  content = _xml(*[_article(str(n)) for n in range(1, 2001)])
  path = tmp_path / 'truncated.xml.gz'
  path.write_bytes(gzip.compress(content)[:-3000])
  with pytest.warns(MalformedInputWarning, match='rest of file skipped'):
    documents = list(pubmed.read_pubmed(path))
  assert 0 < len(documents) < 2000
  assert [doc.id for doc in documents] == [str(n) for n in range(1, len(documents) + 1)]


def test_broken_articles_are_skipped_and_named(tmp_path):
  path = tmp_path / 'broken.xml'
  doctype = '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" "pubmed.dtd">\n'
  path.write_bytes(_xml(_article('1'), _article('', title='No PMID.'),
                        _article('3', title='&beta; is not declared.'), _article('4'),
                        prolog=doctype))
  with pytest.warns(MalformedInputWarning) as caught:
    assert [doc.id for doc in pubmed.read_pubmed(path)] == ['1', '4']
  assert [str(w.message).split(': ', 1)[1] for w in caught] == [
      'PubmedArticle has no PMID; document skipped',
      "line 6 refers to undeclared entity 'beta'; document skipped"]
  with pytest.raises(MalformedInputError, match='no PMID'):
    list(pubmed.read_pubmed(path, strict=True))


def test_entity_declarations_reject_the_file(tmp_path):
  path = tmp_path / 'laughs.xml'
  prolog = '<!DOCTYPE PubmedArticleSet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
  path.write_bytes(_xml(_article('1', title='&lol2;'), prolog=prolog))
  with pytest.warns(MalformedInputWarning, match="ENTITY 'lol'; entities are not allowed; file"):
    assert not list(pubmed.read_pubmed(path))


def test_xml_files_are_pubmed_by_their_root_element(tmp_path):
  bioc_path = tmp_path / 'bioc.xml'
  formats.write_documents([Document('1', [Passage(0, 'Text.')])], bioc_path, formats.BIOC_XML)
  assert formats.format_of(ARTICLES) == formats.PUBMED_XML
  assert formats.format_of(bioc_path) == formats.BIOC_XML
  assert formats.format_of(tmp_path / 'not_there.xml') == formats.BIOC_XML
  assert formats.format_of('in_memory.xml', head=ARTICLES.read_bytes()[:200]) == (
      formats.PUBMED_XML)
  assert formats.format_of('lookalike.xml', head=b'<!-- <PubmedArticleSet> --><collection>') == (
      formats.BIOC_XML)
  assert [doc.id for doc in formats.read_documents(bioc_path)] == ['1']


def test_tag_py_writes_pubmed_input_as_pubtator(tmp_path):
  [job] = batch.plan_jobs([str(ARTICLES)], str(tmp_path / 'out'))
  assert (job.input_format, job.output_path.name, job.output_format) == (
      formats.PUBMED_XML, 'pubmed_articles.PubTator', formats.PUBTATOR)
