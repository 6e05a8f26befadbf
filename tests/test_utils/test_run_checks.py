"""fam_mm.utils.run_checks: --data-root, init_cfg checkpoints, one-line
errors."""
import os
import os.path as osp
import urllib.error

import pytest
from mmengine.config import Config

from fam_mm.datasets.annotation_utils import AnnotationError
from fam_mm.utils import (
    InputError,
    apply_cfg_options,
    check_init_checkpoints,
    run_tool,
    set_data_root,
)
from fam_mm.utils.run_checks import check_data_root, hub_cache_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _cfg(name):
    return Config.fromfile(osp.join(REPO, 'configs', name))


def test_data_root_moves_every_split_of_the_cub_config():
    """CUB: train/test read CUB_200_2011, val reads CUB_200_2011/images with
    wsolevaluation metadata kept where it is (not below the root)."""
    cfg = _cfg('fam_vgg16_cub.py')
    val = cfg.val_dataloader.dataset
    meta_before = val.get('metadata_root')
    changed = set_data_root(cfg, '/new/CUB')
    assert cfg.train_dataloader.dataset.data_root == '/new/CUB'
    assert cfg.test_dataloader.dataset.data_root == '/new/CUB'
    assert val.data_root in ('/new/CUB', '/new/CUB/images')
    assert val.get('metadata_root') == meta_before
    assert 'train_dataloader.dataset.data_root' in changed
    assert cfg.data_root == '/new/CUB'


def test_data_root_inside_wrappers_and_paths_below_it():
    cfg = Config(
        dict(
            data_root='data/x',
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    dataset=dict(
                        data_root='data/x',
                        metadata_root='data/x/meta',
                        ann_file='elsewhere/a.txt'))),
            val_dataloader=dict(
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[dict(data_root='data/x/val')]))))
    changed = set_data_root(cfg, '/d')
    inner = cfg.train_dataloader.dataset.dataset
    assert inner.data_root == '/d' and inner.metadata_root == '/d/meta'
    assert inner.ann_file == 'elsewhere/a.txt'
    assert cfg.val_dataloader.dataset.datasets[0].data_root == '/d/val'
    assert sorted(changed) == [
        'train_dataloader.dataset.dataset.data_root',
        'train_dataloader.dataset.dataset.metadata_root',
        'val_dataloader.dataset.datasets.0.data_root'
    ]


def test_data_root_errors():
    with pytest.raises(InputError, match='no dataloader dataset'):
        set_data_root(Config(dict()), '/d')
    cfg = Config(
        dict(
            train_dataloader=dict(dataset=dict(data_root='a')),
            test_dataloader=dict(dataset=dict(data_root='b'))))
    with pytest.raises(InputError, match='different roots'):
        set_data_root(cfg, '/d')


def test_apply_cfg_options_data_root_and_other_keys(tmp_path):
    """``data_root=`` among --cfg-options moves the splits like --data-root;
    the other options merge; the two spellings must agree."""
    x, y, z = (str(tmp_path / name) for name in 'xyz')
    for root in (x, y, z):
        os.makedirs(root)
    cfg = _cfg('fam_resnet18_synthetic.py')
    apply_cfg_options(cfg, {'data_root': x, 'train_cfg.max_epochs': 1})
    assert cfg.train_dataloader.dataset.data_root == x
    assert cfg.test_dataloader.dataset.data_root == x
    assert cfg.train_cfg.max_epochs == 1
    cfg = _cfg('fam_resnet18_synthetic.py')
    apply_cfg_options(cfg, None, data_root=y)
    assert cfg.val_dataloader.dataset.data_root == y
    apply_cfg_options(cfg, {'data_root': z}, data_root=z)
    assert cfg.val_dataloader.dataset.data_root == z
    with pytest.raises(InputError, match='disagree'):
        apply_cfg_options(cfg, {'data_root': '/a'}, data_root='/b')


@pytest.mark.parametrize('how', ['--data-root', 'data_root='])
def test_apply_cfg_options_data_root_must_exist(tmp_path, how):
    """A mistyped root is an error naming it, not a place where
    SyntheticWSOL would generate a new benchmark; the config is left as
    it was."""
    cfg = _cfg('fam_resnet18_synthetic.py')
    before = cfg.val_dataloader.dataset.data_root
    typo = str(tmp_path / 'synthetc_wsol')
    options, root = ({'data_root': typo}, None) if how == 'data_root=' \
        else (None, typo)
    with pytest.raises(InputError) as e:
        apply_cfg_options(cfg, options, data_root=root)
    assert str(e.value).startswith(f'--data-root {typo} does not exist ')
    assert 'generate_synthetic.py --out-dir' in str(e.value)
    assert not osp.exists(typo)
    assert cfg.val_dataloader.dataset.data_root == before
    afile = tmp_path / 'a_file'
    afile.write_text('x')
    with pytest.raises(InputError, match='is a file, not a directory'):
        check_data_root(str(afile))
    check_data_root('s3://bucket/data')  # left to the file backend


def test_apply_cfg_options_max_epochs_moves_the_cosine():
    """``train_cfg.max_epochs`` among the options moves a cosine that
    ended at the old run length (its explicit end = T_max would otherwise
    stop the lr early); a ``param_scheduler`` given in the same options is
    the user's and stays as given."""
    from fam_mm.utils import check_schedule
    cfg = _cfg('fam_efficientnet-lite0_synthetic.py')
    sched = cfg.param_scheduler[0]
    assert (cfg.train_cfg.max_epochs, sched.end, sched.T_max) == (6, 6, 6)
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 2})
    sched = cfg.param_scheduler[0]
    assert cfg.train_cfg.max_epochs == 2
    assert (sched.begin, sched.end, sched.T_max) == (0, 2, 2)
    assert sched.eta_min == 1e-5
    assert check_schedule(cfg) == []
    # the same through a whole train_cfg dict, and back up
    apply_cfg_options(cfg, {'train_cfg': dict(max_epochs=5)})
    assert (cfg.param_scheduler[0].end, cfg.param_scheduler[0].T_max) == \
        (5, 5)
    # options that leave max_epochs alone leave the schedule alone
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 5,
                            'train_cfg.val_interval': 1})
    assert cfg.param_scheduler[0].end == 5
    # an explicit scheduler in the same options is left alone
    cfg = _cfg('fam_efficientnet-lite0_synthetic.py')
    mine = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=6,
                 T_max=6, eta_min=0.0)]
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 2,
                            'param_scheduler': mine})
    assert cfg.train_cfg.max_epochs == 2
    assert (cfg.param_scheduler[0].end, cfg.param_scheduler[0].T_max) == \
        (6, 6)
    cfg = _cfg('fam_efficientnet-lite0_synthetic.py')
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 2,
                            'param_scheduler.0.eta_min': 0.0})
    assert (cfg.param_scheduler[0].end, cfg.param_scheduler[0].eta_min) == \
        (6, 0.0)


def test_apply_cfg_options_max_epochs_leaves_what_cannot_move():
    """When a scheduler would begin after the new end, the schedule is left
    as configured, all of it (tools/train.py's check_schedule warns about
    it); schedulers ending elsewhere never move."""
    cfg = Config(
        dict(
            param_scheduler=[
                dict(type='LinearLR', by_epoch=True, begin=0, end=10,
                     start_factor=0.1),
                dict(type='CosineAnnealingLR', by_epoch=True, begin=4,
                     end=10, T_max=6),
            ],
            train_cfg=dict(max_epochs=10)))
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 3})
    assert cfg.train_cfg.max_epochs == 3
    # not half-moved: the first one ended at 10 too
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 10),
                                                                (4, 10)]
    assert cfg.param_scheduler[1].T_max == 6
    # from 10 to 8 both fit: both move; a warm-up ending at 2 does not
    cfg.train_cfg.max_epochs = 10
    cfg.param_scheduler.insert(
        0, dict(type='LinearLR', by_epoch=True, begin=0, end=2))
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 8})
    assert [(s.begin, s.end, s.get('T_max')) for s in cfg.param_scheduler
            ] == [(0, 2, None), (0, 8, None), (4, 8, 4)]
    # no max_epochs before (iteration-based run): nothing to move from
    cfg = Config(dict(param_scheduler=[dict(type='CosineAnnealingLR',
                                            by_epoch=True, end=8, T_max=8)],
                      train_cfg=dict(max_iters=100)))
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 2})
    assert cfg.param_scheduler[0].end == 8


def _model(checkpoint):
    return dict(
        type='ImageClassifier',
        backbone=dict(
            type='ResNet',
            init_cfg=dict(type='Pretrained', checkpoint=checkpoint)))


def test_init_checkpoint_url_unreachable():
    url = 'https://example.invalid/fam_mm_never_cached_r50.pth'

    def offline(u, timeout):
        raise urllib.error.URLError('[Errno -3] no network')

    with pytest.raises(InputError) as e:
        check_init_checkpoints(_model(url), probe=offline)
    message = str(e.value)
    assert '\n' not in message
    assert message.startswith(
        f'model.backbone.init_cfg.checkpoint: cannot download {url} '
        '([Errno -3] no network). Offline: put the file at ')
    assert hub_cache_path(url) in message
    # reachable: probed, no error
    assert check_init_checkpoints(
        _model(url), probe=lambda u, t: None) == 1


def test_init_checkpoint_cached_or_local(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))
    url = 'https://example.invalid/fam_mm_cached.pth'
    cached = hub_cache_path(url)
    assert cached.startswith(str(tmp_path))

    def never(u, t):
        raise AssertionError('a cached file must not be probed')

    os.makedirs(osp.dirname(cached))
    open(cached, 'wb').close()
    assert check_init_checkpoints(_model(url), probe=never) == 0
    local = tmp_path / 'w.pth'
    with pytest.raises(
            InputError,
            match=r'^model\.backbone\.init_cfg\.checkpoint: file not found'):
        check_init_checkpoints(_model(str(local)), probe=never)
    local.write_bytes(b'')
    assert check_init_checkpoints(_model(str(local)), probe=never) == 0
    # mmengine's own schemes are left to mmengine
    assert check_init_checkpoints(
        _model('torchvision://resnet50'), probe=never) == 0


@pytest.mark.parametrize('error', [
    InputError('bad\nkey'),
    AnnotationError('bad line', 'a.txt', 3),
    FileNotFoundError('missing: x.jpg'),
])
def test_run_tool_prints_one_line(error, capsys):

    def main():
        raise error

    with pytest.raises(SystemExit) as e:
        run_tool(main, 'tools/x.py')
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('tools/x.py: error: ')


def test_run_tool_keeps_other_errors():

    def main():
        raise KeyError('a bug')

    with pytest.raises(KeyError):
        run_tool(main, 'tools/x.py')
    assert run_tool(lambda: 7, 'tools/x.py') == 7
