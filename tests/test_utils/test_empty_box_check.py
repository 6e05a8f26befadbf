"""The test tool's warning on empty boxes."""
from mmengine.logging import MMLogger

from fam_mm.utils.empty_box_check import (
    empty_box_warning,
    warn_on_empty_boxes,
)


def test_empty_box_warning():
    assert empty_box_warning({'wsol/empty_box_rate': 0.0}) is None
    assert empty_box_warning({'wsol/empty_box_rate': 10.0}) is None
    assert empty_box_warning({'accuracy/top1': 90.0}) is None
    msg = empty_box_warning({'wsol/empty_box_rate': 87.5})
    assert msg.startswith('87.5% of the images have an EMPTY box')
    assert 'search_threshold.py' in msg and 'COLLAPSED' in msg
    assert empty_box_warning({'wsol/empty_box_rate': 5.0}, max_rate=1) \
        is not None


def test_warn_on_empty_boxes_logs(capsys):
    MMLogger.get_instance('fam_empty_box_test')  # the 'current' logger
    assert warn_on_empty_boxes({'wsol/empty_box_rate': 1.0}) is None
    msg = warn_on_empty_boxes({'wsol/empty_box_rate': 100.0})
    assert msg is not None
    captured = capsys.readouterr()
    assert 'EMPTY box' in captured.out + captured.err
