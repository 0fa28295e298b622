"""Runs bin/evaluate.py as a subprocess on two tiny PubTator files."""

import json
import subprocess
import sys

import pytest

from conftest import ROOT

# Builtin map: ChemicalEntity/Chemical and OrganismTaxon/Species agree, DiseaseOrPhenotypicFeature
# and Disease agree; BRCA1 is predicted one character short (one FP, one FN).
# So tp 3, fp 1, fn 1: P = R = F1 = 75.00.
GOLD = """\
1|t|Aspirin helps BRCA1 patients
1|a|
1\t0\t7\tAspirin\tChemicalEntity
1\t14\t19\tBRCA1\tGeneOrGeneProduct

2|t|Cancer in mice
2|a|
2\t0\t6\tCancer\tDiseaseOrPhenotypicFeature
2\t10\t14\tmice\tOrganismTaxon
"""

PRED = """\
1|t|Aspirin helps BRCA1 patients
1|a|
1\t0\t7\tAspirin\tChemical
1\t14\t18\tBRCA\tGene

2|t|Cancer in mice
2|a|
2\t0\t6\tCancer\tDisease
2\t10\t14\tmice\tSpecies
"""


def _run(tmp_path, *flags):
  gold, pred = tmp_path / 'gold.PubTator', tmp_path / 'pred.PubTator'
  gold.write_text(GOLD, encoding='utf-8')
  pred.write_text(PRED, encoding='utf-8')
  return subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'evaluate.py'), f'--gold={gold}', f'--pred={pred}',
       *flags], capture_output=True, text=True, cwd=tmp_path, check=False)


def _micro_row(stdout):
  return stdout.strip().splitlines()[-1].split()


def test_prints_table_and_writes_json(tmp_path):
  out = tmp_path / 'scores.json'
  run = _run(tmp_path, f'--json_out={out}')
  assert run.returncode == 0, run.stderr
  assert _micro_row(run.stdout) == ['micro', '3', '1', '1', '75.00', '75.00', '75.00']
  data = json.loads(out.read_text(encoding='utf-8'))
  assert data['micro'] == {'tp': 3, 'fp': 1, 'fn': 1, 'precision': 0.75, 'recall': 0.75,
                           'f1': pytest.approx(0.75)}
  assert sorted(data['per_type']) == ['Chemical', 'Disease', 'Gene', 'Species']
  assert data['per_type']['Gene'] == {'tp': 0, 'fp': 1, 'fn': 1, 'precision': 0.0,
                                      'recall': 0.0, 'f1': 0.0}


def test_types_flag(tmp_path):
  run = _run(tmp_path, '--types=Disease,Species')
  assert run.returncode == 0, run.stderr
  assert _micro_row(run.stdout) == ['micro', '2', '0', '0', '100.00', '100.00', '100.00']


def test_type_map_none_compares_names_as_they_are(tmp_path):
  run = _run(tmp_path, '--type_map=none')
  assert run.returncode == 0, run.stderr
  assert _micro_row(run.stdout) == ['micro', '0', '4', '4', '0.00', '0.00', '0.00']


def test_missing_gold_flag_fails(tmp_path):
  run = subprocess.run([sys.executable, str(ROOT / 'bin' / 'evaluate.py')],
                       capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode != 0
  assert 'gold' in run.stderr
