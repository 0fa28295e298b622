"""Reads every corpus in ../shared/corpora and checks it against MANIFEST.md (slow: run with -m slow).

Expected numbers are copied from MANIFEST.md. "Mismatches" are the annotations whose mention text
disagrees with the text at their offsets (known quirks of the original releases).
"""

import collections
import functools
import io
import re
import warnings

import pytest

from conftest import CORPORA, ROOT
from aioner_tf.data import aio, bioc, corpora, pubtator
from aioner_tf.data.document import mention_mismatch
from aioner_tf.data.errors import MalformedInputWarning

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CORPORA.is_dir(), reason=f'{CORPORA} is missing')]

BIORED_TRAIN = {'Gene': 4430, 'Disease': 3646, 'Chemical': 2853, 'Species': 1429, 'Variant': 890,
                'CellLine': 103}
BIORED_DEV = {'Gene': 1087, 'Disease': 982, 'Chemical': 822, 'Species': 370, 'Variant': 250,
              'CellLine': 22}
BIORED_TEST = {'Gene': 1180, 'Disease': 917, 'Chemical': 754, 'Species': 393, 'Variant': 241,
               'CellLine': 50}
BIORED_OFFICIAL_TYPES = {'Gene': 'GeneOrGeneProduct', 'Disease': 'DiseaseOrPhenotypicFeature',
                         'Chemical': 'ChemicalEntity', 'Species': 'OrganismTaxon',
                         'Variant': 'SequenceVariant', 'CellLine': 'CellLine'}


def _official(counts):
  return {BIORED_OFFICIAL_TYPES[t]: n for t, n in counts.items()}


# File: (documents read, mentions per type or the total when MANIFEST gives no breakdown,
#        offset mismatches or None when MANIFEST does not say).
PUBTATOR = {
    'BioRED/Train.PubTator': (400, _official(BIORED_TRAIN), 0),
    'BioRED/Dev.PubTator': (100, _official(BIORED_DEV), 0),
    'BioRED/Test.PubTator': (100, _official(BIORED_TEST), 0),
    'BioRED/BioRED_TrainDev.PubTator': (
        500, {t: BIORED_TRAIN[t] + BIORED_DEV[t] for t in BIORED_TRAIN}, 0),
    'BioRED/BioRED_Test.PubTator': (100, BIORED_TEST, 0),
    'GNormPlus/GNormPlus_Train.PubTator': (
        432, {'Gene': 4246, 'FamilyName': 1253, 'DomainMotif': 294}, 35),
    'GNormPlus/GNormPlus_Test.PubTator': (
        262, {'Gene': 3288, 'FamilyName': 1202, 'DomainMotif': 359}, 4),
    'NLM-Gene/NLMgene_Train.PubTator': (
        450, {'Gene': 11233, 'FamilyName': 1528, 'Cell': 956, 'DomainMotif': 71,
              'ChromosomeLocation': 9}, 11),
    'NLM-Gene/NLMgene_Test.PubTator': (
        100, {'Gene': 2365, 'FamilyName': 391, 'Cell': 272, 'DomainMotif': 20,
              'ChromosomeLocation': 5}, None),
    'NCBI-Disease/NCBItrainset_corpus.txt': (
        593, {'SpecificDisease': 2972, 'Modifier': 1289, 'DiseaseClass': 769,
              'CompositeMention': 115}, 1),
    'NCBI-Disease/NCBIdevelopset_corpus.txt': (100, 787, 0),
    'NCBI-Disease/NCBItestset_corpus.txt': (100, 960, 0),
    'NCBI-Disease/NCBIdisease_TrainDev.PubTator': (693, 5145 + 787, 1),
    'NCBI-Disease/NCBIdisease_Test.PubTator': (100, 960, 0),
    'BC5CDR/BC5CDR_TrainDev.PubTator': (1000, {'Chemical': 10548, 'Disease': 8426}, 0),
    'BC5CDR/BC5CDR_Test.PubTator': (500, {'Chemical': 5372, 'Disease': 4424}, 0),
    'NLM-Chem/NLMchem_Test.PubTator': (
        50, {'Chemical': 11772, 'OTHER': 570, 'NonStandardRef': 69}, 0),
    'Linnaeus/Linnaeus_Train.PubTator': (80, {'Species': 2321}, 0),
    'Linnaeus/Linnaeus_Test.PubTator': (20, {'Species': 576}, 0),
    'Species-800/SPECIES_Train.PubTator': (639, {'Species': 3053}, 0),
    'Species-800/SPECIES_Test.PubTator': (160, {'Species': 739}, 0),
    'tmVar3/tmVar3_Train.PubTator': (
        342, {'DNAMutation': 294, 'OtherMutation': 206, 'ProteinMutation': 188, 'SNP': 87,
              'AcidChange': 50, 'DNAAllele': 32, 'ProteinAllele': 23, 'Disease': 3235,
              'Gene': 2640, 'Species': 1170, 'CellLine': 32}, 21),
    'tmVar3/tmVar3_Test.PubTator': (
        158, {'ProteinMutation': 531, 'DNAMutation': 340, 'OtherMutation': 52, 'SNP': 48,
              'ProteinAllele': 44, 'AcidChange': 43, 'DNAAllele': 37, 'Disease': 1510,
              'Gene': 1419, 'Species': 586, 'CellLine': 15}, None),
    'BioID/BioID_Train_revision.PubTator': (9704, {'CellLine': 4137}, 1),
    'BioID/BioID_Test_revision.PubTator': (3993, {'CellLine': 1453}, None),
}

# File: (documents, annotations per official BioRED type).
BIOC = {
    'BioRED/Train.BioC.XML': (400, _official(BIORED_TRAIN)),
    'BioRED/Dev.BioC.XML': (100, _official(BIORED_DEV)),
    'BioRED/Test.BioC.XML': (100, _official(BIORED_TEST)),
    'BioRED/Dev.BioC.JSON': (100, _official(BIORED_DEV)),
    'BioRED/Test.BioC.JSON': (100, _official(BIORED_TEST)),
}

_MESSAGE = re.compile(r'^(?P<path>.*):(?P<line>\d+) \(document (?P<doc>[^)]*)\): (?P<what>.*)$',
                      re.DOTALL)
MIN_REPRODUCED = 0.999


# Corpora of new entity types: file → (format, documents, mentions per type).
ANEM_TYPES = ('Cell', 'Multi-tissue_structure', 'Organ', 'Pathological_formation',
              'Organism_substance', 'Cellular_component', 'Tissue', 'Organism_subdivision',
              'Immaterial_anatomical_entity', 'Anatomical_system',
              'Developing_anatomical_structure')
ANEM_TOTALS = (776, 639, 381, 368, 291, 199, 169, 162, 60, 51, 39)
PPR_TYPES = ('Plant', 'Negative_phenotype', 'Positive_phenotype', 'Neutral_phenotype')
NEW_TYPES = {
    'AnEM/AnEM.train': ('conll_offsets', 300, 1879),
    'AnEM/AnEM.test': ('conll_offsets', 200, 1256),  # 199 restarts at offset 0, one at 1.
    'DMCB_Plant-PPR/PPR_train_corpus.txt': ('ppr', 400, dict(zip(PPR_TYPES,
                                                                (3752, 5605, 1702, 361)))),
    'DMCB_Plant-PPR/PPR_dev_corpus.txt': ('ppr', 100, dict(zip(PPR_TYPES, (934, 1283, 466, 54)))),
    'DMCB_Plant-PPR/PPR_test_corpus.txt': ('ppr', 100, dict(zip(PPR_TYPES,
                                                               (968, 1339, 437, 36)))),
}


@functools.lru_cache(maxsize=None)
def _read(name, file_format=None):
  """The documents of a file (PubTator, or `file_format` of corpora.CORPUS_FORMATS) and the
  warnings reading it gave, parsed."""
  with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter('always')
    documents = list(pubtator.read_pubtator(CORPORA / name) if file_format is None else
                     corpora.read_documents(CORPORA / name, file_format, strict=False))
  messages = [str(w.message) for w in record if issubclass(w.category, MalformedInputWarning)]
  parsed = [_MESSAGE.match(m) for m in messages]
  assert all(parsed), messages
  return documents, [m.groupdict() for m in parsed]


def _skipped_types(name, messages):
  """The type of each annotation the reader skipped, from the file line each message names."""
  lines = (CORPORA / name).read_bytes().split(b'\n')
  types = collections.Counter()
  for message in messages:
    columns = lines[int(message['line']) - 1].decode().rstrip('\r').split('\t')
    assert columns[0] == message['doc'], message
    types[columns[4]] += 1
  return types


def test_the_tables_cover_every_corpus_file():
  pubtator_files = {p.relative_to(CORPORA).as_posix() for p in CORPORA.glob('*/*.PubTator')}
  pubtator_files |= {p.relative_to(CORPORA).as_posix()
                     for p in CORPORA.glob('NCBI-Disease/NCBI*_corpus.txt')}
  assert pubtator_files == set(PUBTATOR)
  bioc_files = {p.relative_to(CORPORA).as_posix() for p in CORPORA.glob('*/*.BioC.*')}
  assert bioc_files == set(BIOC)


@pytest.mark.parametrize('name', sorted(PUBTATOR))
def test_pubtator_counts_match_the_manifest(name):
  expected_documents, expected_counts, expected_mismatches = PUBTATOR[name]
  documents, messages = _read(name)
  skipped = [m for m in messages if m['what'].endswith('; skipped')]
  mismatched = [m for m in messages if m['what'].endswith('(kept: offsets win)')]
  assert len(skipped) + len(mismatched) == len(messages), 'unexpected problems: %s' % messages
  assert all(m['path'] == str(CORPORA / name) for m in messages)
  counts = collections.Counter(s.type for d in documents for s in d.annotations)
  counts.update(_skipped_types(name, skipped))
  assert len(documents) == expected_documents
  if isinstance(expected_counts, int):
    assert sum(counts.values()) == expected_counts
  else:
    assert dict(counts) == expected_counts
  if expected_mismatches is not None:
    assert len(mismatched) + len(skipped) == expected_mismatches, messages


def test_tmvar3_annotation_beyond_the_text_is_reported_and_skipped():
  name = 'tmVar3/tmVar3_Train.PubTator'
  documents, messages = _read(name)
  skipped = [m for m in messages if m['what'].endswith('; skipped')]
  assert [(m['line'], m['doc']) for m in skipped] == [('368', '21904390')]
  assert "2043-2047 'PAX6'" in skipped[0]['what']
  (doc,) = [d for d in documents if d.id == '21904390']
  assert doc.passages[-1].end < 2047
  assert sum(s.type == 'Gene' for d in documents for s in d.annotations) == 2639


def test_document_structure_of_special_files():
  ncbi, _ = _read('NCBI-Disease/NCBItrainset_corpus.txt')
  assert len({d.id for d in ncbi}) == 592  # PMID 8528200 appears twice.
  nlmchem, _ = _read('NLM-Chem/NLMchem_Test.PubTator')
  assert sum(len(d.passages) for d in nlmchem) == 2 * 3428
  for split, articles in (('Train', 400), ('Test', 170)):
    bioid, _ = _read(f'BioID/BioID_{split}_revision.PubTator')
    assert len({d.id[:-3] for d in bioid}) == articles


@pytest.mark.parametrize('name', sorted(PUBTATOR))
def test_pubtator_round_trip(name):
  documents, _ = _read(name)
  out = io.StringIO()
  pubtator.write_pubtator(documents, out)
  with warnings.catch_warnings():
    warnings.simplefilter('ignore', MalformedInputWarning)
    assert pubtator.parse_pubtator(out.getvalue()) == documents


@pytest.mark.parametrize('name', sorted(BIOC))
def test_bioc_counts(name):
  expected_documents, expected_counts = BIOC[name]
  read = bioc.read_bioc_xml if name.endswith('.XML') else bioc.read_bioc_json
  with warnings.catch_warnings():
    warnings.simplefilter('error', MalformedInputWarning)
    documents = list(read(CORPORA / name))
  assert len(documents) == expected_documents
  assert dict(collections.Counter(s.type for d in documents for s in d.annotations)) == \
      expected_counts
  same, _ = _read(name.split('.')[0] + '.PubTator')
  assert {d.id: {(s.start, s.end, s.type) for s in d.annotations} for d in documents} == \
      {d.id: {(s.start, s.end, s.type) for s in d.annotations} for d in same}


@pytest.mark.parametrize('name', sorted(NEW_TYPES))
def test_new_type_corpora_counts_match_the_manifest(name):
  file_format, expected_documents, expected_counts = NEW_TYPES[name]
  documents, messages = _read(name, file_format)
  assert not messages
  counts = collections.Counter(s.type for d in documents for s in d.annotations)
  assert len(documents) == expected_documents
  if isinstance(expected_counts, int):
    assert sum(counts.values()) == expected_counts
  else:
    assert dict(counts) == expected_counts
  for doc in documents:
    assert all(doc.text_at(s.start, s.end) == s.text for s in doc.annotations), doc.id


def test_anem_types_add_up_to_the_manifest():
  counts = collections.Counter(s.type for name in ('AnEM/AnEM.train', 'AnEM/AnEM.test')
                               for d in _read(name, 'conll_offsets')[0] for s in d.annotations)
  assert dict(counts) == dict(zip(ANEM_TYPES, ANEM_TOTALS))


def _corpus_splits():
  specs = corpora.read_corpus_list(ROOT / 'configs' / 'corpora.tsv')
  return [pytest.param(spec, split, id=f'{spec.name}-{split}')
          for spec in specs for split in ('train', 'test', 'dev') if getattr(spec, split)]


def _overlaps(a, b):
  return a[0] < b[1] and b[0] < a[1]


@pytest.mark.parametrize('spec, split', _corpus_splits())
def test_aio_labels_reproduce_the_annotations(spec, split):
  """Labels -> spans gives back the task's annotations, except nested/overlapping ones (one label
  per word cannot hold them) and ones whose offsets disagree with their mention text."""
  documents, _ = _read(getattr(spec, split), spec.file_format or None)
  wanted = set(aio.task_types(spec.task, list(spec.type_map.values())))
  counted, overlapping, bad_text, lost = 0, 0, [], []
  for doc in documents:
    examples, problems = aio.document_examples(doc, spec.task, spec.type_map, spec.name)
    starts = [t.start for e in examples for t in e.tokens]
    assert starts == sorted(set(starts)), doc.id  # Every word once, in document order.
    gold, mismatched = set(), set()
    for span in doc.annotations:
      if spec.type_map.get(span.type) in wanted:
        gold.add((span.start, span.end, spec.type_map[span.type]))
        if mention_mismatch(doc, span):
          mismatched.add((span.start, span.end, spec.type_map[span.type]))
    decoded = {s for e in examples for s in aio.spans_from_labels(e.tokens, e.labels)}
    nested = {p.span for p in problems if p.reason == 'overlaps another annotation'}
    for span in nested:
      assert any(_overlaps(span, other) for other in gold - {span}), (doc.id, span)
    overlapping += len(nested)
    for span in sorted(gold - nested):
      problem = (doc.id, span, doc.text_at(span[0], span[1]))
      if span in mismatched:
        bad_text.append(problem + (span in decoded,))
      else:
        counted += 1
        if span not in decoded:
          lost.append(problem)
    for span in decoded - gold:  # A wrong entity only where an annotation could not be held.
      assert any(_overlaps(span, s[1]) for s in lost + bad_text if s[0] == doc.id), (doc.id, span)
  bad_lost = [s[:3] for s in bad_text if not s[3]]
  print(f'{spec.name} {split}: {counted} annotations, {len(lost)} not reproduced; excluded: '
        f'{overlapping} nested or overlapping, {len(bad_text)} whose offsets disagree with their '
        f'mention ({len(bad_lost)} of them not reproduced)')
  assert counted > 0
  assert len(lost) <= (1 - MIN_REPRODUCED) * counted, (
      f'{len(lost)} of {counted} annotations not reproduced: {lost[:50]}; also not reproduced, '
      f'with offsets that disagree with their mention: {bad_lost[:50]}')
