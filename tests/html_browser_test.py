"""Opens the HTML view in headless Chromium (Selenium, the system chromedriver) and reads the DOM.

Skipped when Selenium, chromium or chromedriver is missing; .ci/run installs them.
"""

import shutil

import pytest

from aioner_tf.data.document import Document, Span
from aioner_tf.tagging import html_view
from html_view_test import ATTACKS, CANCER, HELA, hostile_document

webdriver = pytest.importorskip(
    'selenium.webdriver', reason='Selenium is not installed (pip install -r requirements.txt)')
CHROMIUM, CHROMEDRIVER = shutil.which('chromium'), shutil.which('chromedriver')
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason='no headless browser: chromium and chromedriver are not on PATH '
           '(apt-get install chromium chromium-driver, as .ci/run does)')

# Each mark's entity, type, outcome, text, whether it is hidden and its colour, in page order.
_MARKS_JS = """return Array.from(document.querySelectorAll('mark[data-entity]')).map(m => ({
    entity: m.dataset.entity, type: m.dataset.type, status: m.dataset.status || null,
    text: m.textContent, hidden: m.classList.contains('off'),
    background: getComputedStyle(m).backgroundColor}));"""
_TRANSPARENT = 'rgba(0, 0, 0, 0)'


@pytest.fixture(scope='module')
def browser(tmp_path_factory):
  options = webdriver.ChromeOptions()
  options.binary_location = CHROMIUM
  for flag in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               f'--user-data-dir={tmp_path_factory.mktemp("chromium-profile")}'):
    options.add_argument(flag)
  options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
  driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
  yield driver
  driver.quit()


def _open(browser, tmp_path, page: str):
  path = tmp_path / 'view.html'
  path.write_text(page, encoding='utf-8')
  browser.get(path.as_uri())


def _entities(browser):
  """The marks of _MARKS_JS, one per entity: the texts of an entity's marks are joined."""
  entities = {}
  for mark in browser.execute_script(_MARKS_JS):
    if mark['entity'] in entities:
      entities[mark['entity']]['text'] += mark['text']
    else:
      entities[mark['entity']] = mark
  return list(entities.values())


def _outcomes_and_hidden(browser):
  """Entity text -> (outcome, hidden)."""
  return {e['text']: (e['status'], e['hidden']) for e in _entities(browser)}


def _click_filter(browser, kind: str, value: str):
  for box in browser.find_elements('css selector', f'input[data-filter="{kind}"]'):
    if box.get_attribute('value') == value:
      box.click()


def test_highlights_show_the_entities_and_injected_markup_stays_text(browser, tmp_path):
  _open(browser, tmp_path, html_view.render_html([hostile_document()]))
  entities = _entities(browser)
  assert [(e['type'], e['status'], e['text']) for e in entities] == [
      ('Gene', None, 'BRCA1'), ('Disease', None, 'breast cancer'), ('CellLine', None, 'HeLa')]
  assert all(not e['hidden'] and e['background'] != _TRANSPARENT for e in entities)
  assert browser.execute_script('return typeof window.injected') == 'undefined'
  assert browser.execute_script('return document.images.length') == 0
  assert browser.execute_script('return document.scripts.length') == 1  # The page's own.
  text = browser.execute_script(
      "return Array.from(document.querySelectorAll('p.passage')).map(p => p.textContent)")
  for attack, passage in zip(ATTACKS, text):
    assert attack in passage
  assert browser.execute_script(
      "return document.querySelector('mark[data-type=Gene]').title") == 'Gene · score 0.988'
  assert not [entry for entry in browser.get_log('browser') if entry['level'] == 'SEVERE']


def test_checkboxes_hide_and_show_a_type_and_an_outcome(browser, tmp_path):
  doc = hostile_document()
  gold = Document(doc.id, [], [Span(0, 5, 'GeneOrGeneProduct'), Span(CANCER, CANCER + 6, 'Disease'),
                               Span(HELA, HELA + 4, 'CellLine')])
  _open(browser, tmp_path, html_view.render_html([doc], [gold]))
  assert _outcomes_and_hidden(browser) == {'BRCA1': ('tp', False), 'breast cancer': ('fp', False),
                     'cancer': ('fn', False), 'HeLa': ('tp', False)}
  _click_filter(browser, 'type', 'Disease')
  assert _outcomes_and_hidden(browser) == {'BRCA1': ('tp', False), 'breast cancer': ('fp', True),
                     'cancer': ('fn', True), 'HeLa': ('tp', False)}
  assert {e['background'] for e in _entities(browser) if e['type'] == 'Disease'} == {_TRANSPARENT}
  _click_filter(browser, 'type', 'Disease')
  _click_filter(browser, 'status', 'tp')
  assert _outcomes_and_hidden(browser) == {'BRCA1': ('tp', True), 'breast cancer': ('fp', False),
                     'cancer': ('fn', False), 'HeLa': ('tp', True)}
