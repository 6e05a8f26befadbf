"""The web demo in a real browser: ``demo/web_demo.py`` runs as a process on
a free local port, headless Chromium (Debian's ``chromium``, ``make
browser``) drives it through Playwright: upload a photo, read the class,
move the threshold slider and see the box picture change, pick another
model and see its part maps.

Skips, saying why, without Gradio or Playwright (``make web-deps``) or
without a ``chromium`` executable (``make browser``).
"""
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Milliseconds to wait for the page (the first prediction loads the model;
#: the CPU may be shared).
TIMEOUT_MS = 90_000


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shot = _load('fam_web_demo_screenshot',
             osp.join(REPO, 'tools', 'visualization',
                      'web_demo_screenshot.py'))
tiny = _load('tiny_wsol', osp.join(REPO, 'tests', 'test_apis',
                                   'tiny_wsol.py'))

pytest.importorskip('gradio', reason='gradio is not installed: '
                    '`make web-deps` installs the web demo\'s requirements')
sync_api = pytest.importorskip(
    'playwright.sync_api', reason='playwright is not installed: `make '
    'web-deps` installs the web demo\'s requirements')
BROWSER = shot.find_browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason='no chromium executable: `make browser` '
    '(apt-get install chromium, as root) installs Debian\'s')


def _image_at(page, selector):
    """The picture an <img> shows, decoded (BGR), and its URL."""
    src = page.locator(selector).get_attribute('src')
    response = page.request.get(src)
    assert response.ok, f'{src}: HTTP {response.status}'
    data = np.frombuffer(response.body(), np.uint8)
    return cv2.imdecode(data, cv2.IMREAD_COLOR), src


def test_web_demo_in_chromium(tmp_path):
    expect = sync_api.expect
    fam_cfg = tiny.write_config(str(tmp_path / 'fam.py'), 'FAM')
    fam_ckpt = tiny.write_checkpoint(str(tmp_path / 'fam.pth'), 'FAM')
    # a `make demo` run whose checkpoint is broken: listed, fails when
    # chosen, with a one-line message in the page
    demo_dir = tmp_path / 'demo'
    os.makedirs(demo_dir / 'fam')
    (demo_dir / 'fam' / 'epoch_1.pth').write_text('not a checkpoint\n')
    (demo_dir / 'fam' / 'last_checkpoint').write_text(
        str(demo_dir / 'fam' / 'epoch_1.pth'))
    (demo_dir / 'results.json').write_text(
        json.dumps(dict(fam=dict(config=fam_cfg, loc_threshold=0.4))))
    app_args = ['--device', 'cpu', '--demo-dir', str(demo_dir),
                '--config', fam_cfg, '--checkpoint', fam_ckpt]
    photo = shot.default_photo()
    with shot.serve(app_args) as url, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=BROWSER, headless=True)
        try:
            page = browser.new_page(viewport={'width': 1280, 'height': 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            result = page.locator('#result')
            slider = page.locator('#threshold input[type=range]')

            # the ImageNet CAM (the first model) on scikit-image's cat
            shot.upload(page, photo)
            expect(result).to_contain_text('Egyptian cat',
                                           timeout=TIMEOUT_MS)
            expect(result).to_contain_text('threshold 0.20')
            expect(page.locator('#scores')).to_contain_text('Egyptian cat')
            shot.wait_for_result(page)
            box_before, src_before = _image_at(page, '#box-image img')
            text_before = result.inner_text()

            # the slider redraws the box
            shot.set_threshold(page, 0.6)
            expect(result).to_contain_text('threshold 0.60',
                                           timeout=TIMEOUT_MS)
            expect(page.locator('#box-image img')).not_to_have_attribute(
                'src', src_before, timeout=TIMEOUT_MS)
            shot.wait_for_result(page, 0.6)
            box_after, _ = _image_at(page, '#box-image img')
            assert box_after.shape == box_before.shape
            assert np.abs(box_after.astype(int) - box_before).max() > 100
            assert 'Egyptian cat' in result.inner_text()
            assert result.inner_text() != text_before  # the box moved

            # a FAM model from the command line: its threshold, its classes
            # and its part maps next to the map
            shot.choose_model(page, 'fam.py + fam.pth')
            expect(result).to_contain_text('threshold 0.50',
                                           timeout=TIMEOUT_MS)
            expect(slider).to_have_value('0.5')
            text = result.inner_text()
            assert any(f'{name} (class' in text for name in tiny.CLASSES)
            shot.wait_for_result(page, 0.5)
            maps, _ = _image_at(page, '#map-image img')
            boxed, _ = _image_at(page, '#box-image img')
            # the map and 3 part maps side by side
            assert maps.shape[1] > 3 * boxed.shape[1]

            # the demo's broken checkpoint: an error in the page, one line
            shot.choose_model(page, 'FAM (make demo), fam')
            toast = page.locator('.toast-body')
            expect(toast).to_contain_text('FAM (make demo), fam: ',
                                          timeout=TIMEOUT_MS)
            assert 'Traceback' not in toast.inner_text()
        finally:
            browser.close()
