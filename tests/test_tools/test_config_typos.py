"""Issue 20: config typos stop the tools with one line, before anything is
built or dumped.

Each typo the issue lists goes through ``tools/train.py``'s ``main(argv)``
under ``run_tool`` (as ``python tools/train.py`` runs it): the message is
the one line ``tools/train.py: error: ...`` on stderr, the exit status 2,
nothing on stdout (no config dump) and no work directory. One run is a real
subprocess (the ``__main__`` path); the other tools that take
``--cfg-options`` are checked with one typo each.
"""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from fam_mm.utils import run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py')


def _load_tool(rel_path: str):
    name = 'config_typos_' + osp.splitext(osp.basename(rel_path))[0]
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _local_rank(monkeypatch):
    # the tools' parse_args set LOCAL_RANK when it is missing: restore it
    monkeypatch.setenv('LOCAL_RANK', '0')


def _run(rel_path: str, argv: list, capsys) -> tuple:
    tool = _load_tool(rel_path)
    with pytest.raises(SystemExit) as e:
        run_tool(lambda: tool.main(argv), rel_path)
    out, err = capsys.readouterr()
    return e.value.code, out, err


@pytest.mark.parametrize('words, message', [
    (['train_cfg.max_epoch=1'],
     "train_cfg: unknown key 'max_epoch' (did you mean 'max_epochs'?)"),
    (['model.head.loc_treshold=0.3'],
     "model.head: unknown key 'loc_treshold' (did you mean "
     "'loc_threshold'?)"),
    (['model.haed.x=1'], "model: unknown key 'haed' (did you mean 'head'?)"),
    (['train_dataloader.batchsize=4'],
     "train_dataloader: unknown key 'batchsize' (did you mean "
     "'batch_size'?)"),
    (['model.head.loc_threshold=O.3'],
     "model.head.loc_threshold: expected a number, got 'O.3'"),
    (['train_cfg.max_epochs', '1'],
     "--cfg-options train_cfg.max_epochs: expected KEY=VALUE, got "
     "'train_cfg.max_epochs' (did you mean train_cfg.max_epochs=1?)"),
    (['train_cfgs.max_epochs=1'],
     "--cfg-options train_cfgs.max_epochs: unknown top-level key "
     "'train_cfgs' (did you mean 'train_cfg'?)"),
])
def test_train_typo(words, message, tmp_path, capsys):
    work_dir = tmp_path / 'work'
    code, out, err = _run(
        'tools/train.py',
        [CONFIG, '--work-dir',
         str(work_dir), '--cfg-options', *words], capsys)
    assert code == 2
    assert err == f'tools/train.py: error: {message}\n'
    assert out == ''  # no config dump
    assert not work_dir.exists()


def test_train_typo_subprocess(tmp_path):
    """The ``python tools/train.py`` path itself: exit 2, one line."""
    work_dir = tmp_path / 'work'
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [
            sys.executable,
            osp.join(REPO, 'tools', 'train.py'), CONFIG, '--work-dir',
            str(work_dir), '--cfg-options', 'train_cfg.max_epoch=1'
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert proc.stderr.splitlines() == [
        "tools/train.py: error: train_cfg: unknown key 'max_epoch' (did "
        "you mean 'max_epochs'?)"
    ]
    assert proc.stdout == ''
    assert not work_dir.exists()


def test_test_typo(tmp_path, capsys):
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {}}, ckpt)
    work_dir = tmp_path / 'work'
    code, out, err = _run('tools/test.py', [
        CONFIG,
        str(ckpt), '--work-dir',
        str(work_dir), '--cfg-options', 'test_evaluator.loc_treshold=0.3'
    ], capsys)
    assert code == 2
    assert err == ("tools/test.py: error: test_evaluator: unknown key "
                   "'loc_treshold' (did you mean 'loc_threshold'?)\n")
    assert out == ''
    assert not work_dir.exists()


# the other tools that take --cfg-options: (tool, its arguments before
# --cfg-options); each must stop on the typo before building anything
OTHER_TOOLS = [
    ('tools/export_pseudo_boxes.py', ['CKPT', '--out', 'OUT/boxes.json']),
    ('tools/analysis_tools/search_threshold.py', ['CKPT']),
    ('tools/analysis_tools/fam_dynamics.py', []),
    ('tools/analysis_tools/fam_map_study.py', ['--name', 'x']),
    ('tools/dataset_converters/wsol_to_coco.py', ['--out', 'OUT/gt.json']),
]


@pytest.mark.parametrize(
    'tool, args', OTHER_TOOLS, ids=[t for t, _ in OTHER_TOOLS])
def test_other_tool_typo(tool, args, tmp_path, capsys):
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {}}, ckpt)
    out_dir = tmp_path / 'out'
    args = [
        a.replace('CKPT', str(ckpt)).replace('OUT', str(out_dir))
        for a in args
    ]
    code, out, err = _run(
        tool, [CONFIG, *args, '--cfg-options', 'model.head.loc_treshold=0.3'],
        capsys)
    assert code == 2
    assert err == (f"{tool}: error: model.head: unknown key 'loc_treshold' "
                   "(did you mean 'loc_threshold'?)\n")
    assert out == ''
    assert not out_dir.exists()


@pytest.mark.parametrize(
    'tool, args', OTHER_TOOLS, ids=[t for t, _ in OTHER_TOOLS])
def test_other_tool_option_without_value(tool, args, tmp_path, capsys):
    ckpt = tmp_path / 'epoch_1.pth'
    args = [
        a.replace('CKPT', str(ckpt)).replace('OUT', str(tmp_path))
        for a in args
    ]
    code, _, err = _run(
        tool, [CONFIG, *args, '--cfg-options', 'train_cfg.max_epochs', '1'],
        capsys)
    assert code == 2
    assert err.startswith(f'{tool}: error: --cfg-options '
                          'train_cfg.max_epochs: expected KEY=VALUE')
