"""Screenshot of the web demo (demo/web_demo.py) driven in a real browser.

Starts the app on a free local port, opens it in headless Chromium through
Playwright (Debian's ``chromium``, ``make browser``; Playwright's own
browser download is not used), uploads a photo, picks a model and a box
threshold, waits for the pictures and saves a PNG of the page.

Examples:
    python tools/visualization/web_demo_screenshot.py \
        --out docs/images/web_demo.png
    python tools/visualization/web_demo_screenshot.py --photo bird.jpg \
        --model 'FAM (make demo)' --out fam.png -- --demo-dir work_dirs/demo

Arguments after ``--`` go to ``demo/web_demo.py``.
"""
import argparse
import contextlib
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Iterator, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
APP = osp.join(REPO, 'demo', 'web_demo.py')
#: Seconds to wait for the app to answer (imports and the first model).
START_TIMEOUT = 180
#: Milliseconds to wait for a prediction to show in the page.
PREDICT_TIMEOUT_MS = 120_000
BROWSER_NAMES = ('chromium', 'chromium-browser')


def find_browser() -> Optional[str]:
    """Debian's Chromium (``$CHROMIUM`` first), or None."""
    for name in (os.environ.get('CHROMIUM'), ) + BROWSER_NAMES:
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve(app_args: Sequence[str] = (),
          timeout: float = START_TIMEOUT) -> Iterator[str]:
    """Run ``demo/web_demo.py`` on a free local port until the block ends.

    Args:
        app_args (Sequence[str]): More arguments of the app.
        timeout (float): Seconds to wait for its first answer.

    Yields:
        str: Its URL.
    """
    port = free_port()
    url = f'http://127.0.0.1:{port}/'
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GRADIO_ANALYTICS_ENABLED='False',
                   GRADIO_TEMP_DIR=osp.join(tmp, 'gradio'),
                   PYTHONPATH=os.pathsep.join(
                       [REPO, os.environ.get('PYTHONPATH', '')]))
        log_path = osp.join(tmp, 'app.log')
        with open(log_path, 'w') as log:
            proc = subprocess.Popen(
                [sys.executable, APP, '--port', str(port),
                 *app_args], cwd=REPO, env=env, stdout=log,
                stderr=subprocess.STDOUT)
        try:
            _wait_until_up(proc, url, timeout, log_path)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(proc: subprocess.Popen, url: str, timeout: float,
                   log_path: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            with open(log_path) as f:
                raise RuntimeError(f'the web demo exited with code '
                                   f'{proc.returncode}:\n{f.read()}')
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f'the web demo did not answer at {url} '
                               f'within {timeout:.0f} s')
        time.sleep(0.5)


def choose_model(page, name: str) -> None:
    """Pick ``name`` in the app's model drop-down."""
    page.locator('#model input').click()
    page.get_by_role('option', name=name, exact=True).click()


def set_threshold(page, value: float) -> None:
    """Move the box-threshold slider to ``value``."""
    page.locator('#threshold input[type=range]').fill(f'{value:g}')


def upload(page, photo: str) -> None:
    page.locator('#photo input[type=file]').set_input_files(photo)


def wait_for_result(page, threshold: Optional[float] = None,
                    timeout_ms: int = PREDICT_TIMEOUT_MS) -> None:
    """Wait for the result line (at ``threshold`` when given) and for both
    pictures to be loaded."""
    from playwright.sync_api import expect
    result = page.locator('#result')
    expect(result).to_contain_text('score', timeout=timeout_ms)
    if threshold is not None:
        expect(result).to_contain_text(f'threshold {threshold:.2f}',
                                       timeout=timeout_ms)
    for elem in ('#box-image img', '#map-image img'):
        image = page.locator(elem)
        expect(image).to_be_visible(timeout=timeout_ms)
        page.wait_for_function('img => img.complete && img.naturalWidth > 0',
                               arg=image.element_handle(),
                               timeout=timeout_ms)


def default_photo() -> str:
    """scikit-image's cat photo (``chelsea.png``)."""
    import skimage
    return osp.join(osp.dirname(skimage.__file__), 'data', 'chelsea.png')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    argv = list(sys.argv[1:] if argv is None else argv)
    app_args: List[str] = []
    if '--' in argv:
        i = argv.index('--')
        argv, app_args = argv[:i], argv[i + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=osp.join(REPO, 'docs', 'images',
                                                  'web_demo.png'),
                        help='PNG to write (default: %(default)s)')
    parser.add_argument('--photo', default=None,
                        help='photo to upload (default: scikit-image\'s '
                        'chelsea.png)')
    parser.add_argument('--model', default=None,
                        help='model name in the drop-down (default: the '
                        'first)')
    parser.add_argument('--threshold', type=float, default=None,
                        help='box threshold (default: the model\'s)')
    parser.add_argument('--width', type=int, default=1280,
                        help='browser window width (default: %(default)s)')
    parser.add_argument('--height', type=int, default=900,
                        help='browser window height (default: %(default)s)')
    args = parser.parse_args(argv)
    args.app_args = app_args or ['--device', 'cpu']
    args.photo = args.photo or default_photo()
    if not osp.isfile(args.photo):
        parser.error(f'photo not found: {args.photo}')
    return args


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    browser_path = find_browser()
    if browser_path is None:
        sys.exit('web_demo_screenshot.py: error: no chromium: run '
                 '`make browser`')
    from playwright.sync_api import sync_playwright
    with serve(args.app_args) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path,
                                     headless=True)
        try:
            page = browser.new_page(
                viewport={'width': args.width, 'height': args.height})
            page.goto(url)
            if args.model:
                choose_model(page, args.model)
            upload(page, args.photo)
            wait_for_result(page)
            if args.threshold is not None:
                set_threshold(page, args.threshold)
                wait_for_result(page, args.threshold)
            os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
            page.screenshot(path=args.out, full_page=True)
        finally:
            browser.close()
    print(f'screenshot written to {args.out}')
    return args.out


if __name__ == '__main__':
    main()
