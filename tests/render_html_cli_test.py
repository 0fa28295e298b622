"""Runs bin/render_html.py as a subprocess on two tiny PubTator files."""

import subprocess
import sys

from conftest import ROOT

GOLD = '1|t|Aspirin helps BRCA1 patients\n1|a|\n1\t0\t7\tAspirin\tChemicalEntity\n\n'
PRED = '1|t|Aspirin helps BRCA1 patients\n1|a|\n1\t14\t19\tBRCA1\tGene\n\n'


def _run(tmp_path, gold_text):
  (tmp_path / 'gold.PubTator').write_text(gold_text)
  (tmp_path / 'pred.PubTator').write_text(PRED)
  return subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'render_html.py'), '--pred=pred.PubTator',
       '--gold=gold.PubTator', '--output=view.html'],
      capture_output=True, text=True, cwd=tmp_path, check=False)


def test_writes_the_page(tmp_path):
  run = _run(tmp_path, GOLD)
  assert run.returncode == 0, run.stderr
  assert 'wrote view.html; documents: 1' in run.stdout
  page = (tmp_path / 'view.html').read_text(encoding='utf-8')
  assert '<title>pred.PubTator</title>' in page
  assert 'data-status="fp" title="Gene · false positive (predicted only)">BRCA1</mark>' in page
  assert 'data-status="fn" title="Chemical · false negative (gold only)">Aspirin</mark>' in page


def test_other_document_ids_are_a_usage_error(tmp_path):
  run = _run(tmp_path, GOLD.replace('1|', '2|').replace('\n1\t', '\n2\t'))
  assert run.returncode != 0
  assert 'missing from gold: 1' in run.stderr
  assert not (tmp_path / 'view.html').exists()
