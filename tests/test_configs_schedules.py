"""Every config's lr schedule runs its course over the config's own run.

For each config under configs/ (not ``_base_``, not ``metafiles``) the param
schedulers are built as mmengine 0.10's ``Runner._build_param_scheduler``
builds them (a missing ``end`` becomes ``train_cfg.max_epochs``, or
``max_iters`` for an iteration-based scheduler; ``epoch_length`` is passed
for ``convert_to_iter_based``) on a one-parameter SGD with the config's base
lr, and stepped as ``ParamSchedulerHook`` steps them: iteration-based ones
after every iteration, epoch-based ones after every epoch. The lr of the
run's LAST iteration is then compared with what the recipe says, computed
from the config's own values (``EXPECTED_FINAL_LR``):

* cosine (``CosineAnnealingLR``, epoch-based): an epoch-based cosine steps
  after each epoch, so the last epoch (``max_epochs - 1``) trains at the
  cosine's value one step before its end, ``eta_min + (lr0 - eta_min) *
  (1 + cos(pi * (max_epochs - 1 - begin) / (max_epochs - begin))) / 2``,
  not at ``eta_min`` itself (e.g. 3.4e-4 for 5e-3 -> 1e-5 over 6 epochs).
  mmengine never sets ``eta_min`` in such a run: a scheduler updates while
  ``begin <= step < end``, so with ``end = T_max = max_epochs`` its last
  update is the value of step ``max_epochs - 1``, the last epoch's lr. This
  value is what says the cosine spans exactly the run: a ``T_max`` of 1e9
  leaves the base lr, an ``end`` of 8 in a 6-epoch run 1.55e-3 instead of
  3.4e-4;
* step (``MultiStepLR``): ``lr * gamma ** (number of milestones <
  max_epochs)``; milestone m applies from epoch m on;
* a warm-up (``LinearLR``) that ends within the run contributes its
  ``end_factor``.

Tolerance: 1e-6 of the base lr, and 1e-3 of it for configs whose
iteration-based warm-up overlaps epoch-based steps
(pretrain_resnet18_synthetic.py: 50 warm-up iterations). mmengine chains
overlapping schedulers through their recursive (multiplicative) forms, so
the warm-up also rescales the cosine's ``eta_min`` term while they overlap
and the final lr is not exactly the closed form: off by 2.3e-8 at 5
iterations per epoch and 1e-10 at 38 there (base lr 2e-3, so 1e-3 of it is
2e-6). A cosine that does not span the run is off by far more: a flat lr
by ~0.9x the base lr, an 8-epoch cosine in a 6-epoch run by 0.24x.

Two epoch lengths are simulated: 5 iterations (a warm-up of 50 iterations
then spans 10 epochs) and 38 (the synthetic train split: 1200 / 32).
"""
import copy
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmpretrain.registry import PARAM_SCHEDULERS

from fam_mm.utils import check_schedule, set_max_epochs

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    path
    for path in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                          recursive=True)
    if not {'_base_', 'metafiles'} & set(
        osp.relpath(path, osp.join(REPO, 'configs')).split(osp.sep)[:-1]))
EPOCH_LENGTHS = (5, 38)
# the schedulers are stepped without training (no optimizer.step())
pytestmark = pytest.mark.filterwarnings(
    'ignore:Detected call of:UserWarning')


def _as_list(schedulers):
    if schedulers is None:
        return []
    return [schedulers] if isinstance(schedulers, dict) else list(schedulers)


def simulate_lrs(cfg, epoch_length, runner_default_end=True):
    """The lr (of a group with the base lr) at every iteration of the
    run."""
    max_epochs = cfg.train_cfg.max_epochs
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    optim_wrapper = OptimWrapper(optimizer)
    schedulers = []
    for sched_cfg in _as_list(cfg.get('param_scheduler')):
        sched_cfg = copy.deepcopy(sched_cfg)
        if runner_default_end:  # Runner._build_param_scheduler
            sched_cfg.setdefault(
                'end', max_epochs if sched_cfg.get('by_epoch', True) else
                max_epochs * epoch_length)
        schedulers.append(
            PARAM_SCHEDULERS.build(
                sched_cfg,
                default_args=dict(
                    optimizer=optim_wrapper, epoch_length=epoch_length)))
    lrs = []
    for _ in range(max_epochs):
        for _ in range(epoch_length):
            lrs.append(optimizer.param_groups[0]['lr'])
            for scheduler in schedulers:  # after_train_iter
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:  # after_train_epoch
            if scheduler.by_epoch:
                scheduler.step()
    return lrs


# ---------------------------------------------------------------------------
# the recipe's lr, from the config's own values
# ---------------------------------------------------------------------------
def _warmup_factor(sched, max_epochs, epoch_length):
    """LinearLR: its end_factor once it has ended within the run."""
    end = sched.get('end', math.inf)
    if not sched.get('by_epoch', True):
        end = end / epoch_length
    assert end < max_epochs, f'{sched}: the warm-up outlasts the run'
    return sched.get('end_factor', 1.0)


def _cosine_final(sched, base_lr, max_epochs, epoch_length, factor):
    """The lr the last iteration trains at in a cosine from ``base_lr *
    factor`` to ``eta_min`` over [begin, max_epochs)."""
    lr0 = base_lr * factor
    eta_min = sched.get('eta_min')
    if eta_min is None:
        eta_min = lr0 * sched.get('eta_min_ratio', 0.0)
    begin = sched.get('begin', 0)
    if sched.get('by_epoch', True) and not sched.get(
            'convert_to_iter_based', False):
        steps = max_epochs - begin  # one step after each epoch
    else:
        steps = (max_epochs - begin) * epoch_length
    return eta_min + (lr0 - eta_min) * (
        1 + math.cos(math.pi * (steps - 1) / steps)) / 2


def _step_final(sched, base_lr, max_epochs, epoch_length, factor):
    gamma = sched.get('gamma', 0.1)
    steps = sum(m < max_epochs for m in sched['milestones'])
    return base_lr * factor * gamma**steps


# schedule family -> the lr of the run's last iteration
EXPECTED_FINAL_LR = {
    'CosineAnnealingLR': _cosine_final,
    'MultiStepLR': _step_final,
}
WARMUPS = {'LinearLR': _warmup_factor}


def expected_final_lr(cfg, epoch_length):
    """(family, lr of the last iteration, tolerance) of the config's
    recipe."""
    max_epochs = cfg.train_cfg.max_epochs
    base_lr = cfg.optim_wrapper.optimizer.lr
    factor = 1.0
    main = None
    overlap = False
    for sched in _as_list(cfg.get('param_scheduler')):
        kind = sched['type']
        if kind in WARMUPS:
            factor *= WARMUPS[kind](sched, max_epochs, epoch_length)
            if not sched.get('by_epoch', True):
                # still warming up when the first epoch-based step comes
                overlap = overlap or sched['end'] > epoch_length
        else:
            assert kind in EXPECTED_FINAL_LR, (
                f'{kind}: add its final lr to EXPECTED_FINAL_LR')
            assert main is None, 'one main schedule per config'
            main = sched
    if main is None:
        return 'constant', base_lr * factor, 1e-6 * base_lr
    last = EXPECTED_FINAL_LR[main['type']](main, base_lr, max_epochs,
                                           epoch_length, factor)
    tol = 1e-6 * base_lr
    if overlap:
        tol = 1e-3 * base_lr
    return main['type'], last, tol


@pytest.mark.parametrize('epoch_length', EPOCH_LENGTHS)
@pytest.mark.parametrize(
    'path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(REPO, 'configs')))
def test_final_lr_is_the_recipes(path, epoch_length):
    cfg = Config.fromfile(path)
    max_epochs = cfg.train_cfg.max_epochs
    base_lr = cfg.optim_wrapper.optimizer.lr
    lrs = simulate_lrs(cfg, epoch_length)
    assert len(lrs) == max_epochs * epoch_length
    family, last, tol = expected_final_lr(cfg, epoch_length)
    name = osp.basename(path)
    assert abs(lrs[-1] - last) <= tol, (
        f'{name}: the last of {max_epochs} epochs trains at lr {lrs[-1]:.4g}'
        f', the {family} recipe says {last:.4g} (base lr {base_lr:g})')
    if family == 'CosineAnnealingLR':
        # decayed, not flat: below half the base lr in the last epoch
        assert lrs[-1] < 0.5 * base_lr, (name, lrs[-1], base_lr)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(REPO, 'configs')))
def test_check_schedule_accepts_configs(path):
    assert check_schedule(Config.fromfile(path)) == []


def test_configs_found():
    names = {osp.basename(p) for p in CONFIGS}
    assert {'fam_efficientnet-lite0_synthetic.py', 'fam_vgg16_cub.py',
            'pretrain_resnet18_synthetic.py'} <= names
    assert not any('_base_' in p or 'metafiles' in p for p in CONFIGS)


# ---------------------------------------------------------------------------
# the simulation is the runner's
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('name', [
    'fam_efficientnet-lite0_synthetic.py', 'pretrain_resnet18_synthetic.py',
    'fam_resnet50_openimages.py'
])
def test_simulation_matches_runner(name, tmp_path):
    """The lrs of a real ``Runner.train()`` (toy model, 5 iterations per
    epoch) are the simulated ones."""
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Model(BaseModel):

        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x, mode='loss'):
            return dict(loss=(self.weight * x).sum())

    class Record(Hook):

        def __init__(self):
            self.lrs = []

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            self.lrs.append(runner.optim_wrapper.get_lr()['lr'][0])

    cfg = Config.fromfile(osp.join(REPO, 'configs', name))
    record = Record()
    runner = Runner(
        model=Model(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=[dict(x=torch.ones(1))] * 10,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=cfg.optim_wrapper.optimizer.lr)),
        param_scheduler=copy.deepcopy(cfg.param_scheduler),
        train_cfg=dict(by_epoch=True, max_epochs=cfg.train_cfg.max_epochs),
        default_hooks=dict(checkpoint=None, logger=None),
        custom_hooks=[record],
        # as every fam-mm config: a Runner makes its scope the current one
        # for the whole process, and with 'mmengine' the later tests would
        # build mmpretrain's transforms from mmengine's registry
        default_scope='mmpretrain',
        experiment_name=f'test_schedules_{tmp_path.name}')
    runner.train()
    expected = simulate_lrs(cfg, epoch_length=5)
    assert record.lrs == pytest.approx(expected, rel=1e-9, abs=0)


def test_runner_ends_a_scheduler_without_end_at_max_epochs():
    """What the configs had before they gave ``end``: mmengine's Runner
    still anneals over the run (built alone, the cosine would be flat)."""
    cfg = Config(
        dict(
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=5e-3)),
            param_scheduler=[
                dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
                     eta_min=1e-5)
            ],
            train_cfg=dict(max_epochs=6)))
    lrs = simulate_lrs(cfg, epoch_length=1)
    assert lrs[-1] == pytest.approx(3.4427e-4, rel=1e-4)
    flat = simulate_lrs(cfg, epoch_length=1, runner_default_end=False)
    assert flat[-1] == pytest.approx(5e-3, rel=1e-6)
    assert check_schedule(cfg) == []


# ---------------------------------------------------------------------------
# set_max_epochs, check_schedule
# ---------------------------------------------------------------------------
def _cosine_cfg(max_epochs=8, **cosine):
    cosine = dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
                  end=max_epochs, T_max=max_epochs, eta_min=1e-5, **cosine)
    return Config(
        dict(
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=5e-3)),
            param_scheduler=[cosine],
            train_cfg=dict(max_epochs=max_epochs)))


def test_set_max_epochs_cosine_8_to_3():
    cfg = set_max_epochs(_cosine_cfg(8), 3)
    assert cfg.train_cfg.max_epochs == 3
    sched = cfg.param_scheduler[0]
    assert (sched.begin, sched.end, sched.T_max) == (0, 3, 3)
    assert check_schedule(cfg) == []
    lrs = simulate_lrs(cfg, epoch_length=2)
    assert lrs[-1] == pytest.approx(1e-5 + (5e-3 - 1e-5) * 0.25)


def test_set_max_epochs_with_warmup_and_no_end():
    cfg = Config(
        dict(
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=1e-2)),
            param_scheduler=[
                dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                     begin=0, end=50),
                dict(type='CosineAnnealingLR', by_epoch=True, begin=2,
                     end=20, T_max=18, eta_min=0.0),
                dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0),
            ],
            train_cfg=dict(max_epochs=20)))
    set_max_epochs(cfg, 10)
    warmup, cosine, no_end = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 50)  # iterations: unchanged
    assert (cosine.begin, cosine.end, cosine.T_max) == (2, 10, 8)
    assert 'end' not in no_end and 'T_max' not in no_end
    with pytest.raises(ValueError, match='begins at epoch 2'):
        set_max_epochs(cfg, 2)
    with pytest.raises(ValueError, match='positive integer'):
        set_max_epochs(cfg, 0)


def test_set_max_epochs_milestones_50_to_10():
    cfg = Config(
        dict(
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=1e-3)),
            param_scheduler=dict(
                type='MultiStepLR', by_epoch=True, milestones=[30, 40],
                gamma=0.1),
            train_cfg=dict(max_epochs=50)))
    set_max_epochs(cfg, 10)
    assert cfg.train_cfg.max_epochs == 10
    assert cfg.param_scheduler.milestones == [6, 8]
    assert check_schedule(cfg) == []
    lrs = simulate_lrs(cfg, epoch_length=1)
    assert lrs[5] == pytest.approx(1e-3)
    assert lrs[6] == pytest.approx(1e-4)
    assert lrs[-1] == pytest.approx(1e-5)
    # fewer epochs than milestones: strictly increasing, below max_epochs
    set_max_epochs(cfg, 2)
    assert cfg.param_scheduler.milestones == [1]
    set_max_epochs(cfg, 1)
    assert cfg.param_scheduler.milestones == []


def test_set_max_epochs_wsol_cub_recipe():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', '_base_', 'schedules', 'wsol_cub_sgd.py'))
    # wsolevaluation's 50 epochs, x0.1 every 15
    assert cfg.train_cfg.max_epochs == 50
    assert cfg.param_scheduler.milestones == [15, 30, 45]
    set_max_epochs(cfg, 10)
    assert cfg.param_scheduler.milestones == [3, 6, 9]


def test_check_schedule_flags_mismatches():
    # a 6-epoch run with the 8-epoch cosine of the schedule file
    cfg = _cosine_cfg(8)
    cfg.train_cfg.max_epochs = 6
    problems = check_schedule(cfg)
    assert len(problems) == 1
    assert problems[0].startswith(
        'param_scheduler[0] (CosineAnnealingLR) ends at epoch 8 but '
        'train_cfg.max_epochs is 6: the lr never reaches eta_min')
    # the other way round, and a T_max that is not end - begin
    cfg = _cosine_cfg(6)
    cfg.train_cfg.max_epochs = 8
    cfg.param_scheduler[0].T_max = 4
    problems = check_schedule(cfg)
    assert [p.split(': ')[-1] for p in problems] == [
        'the last 2 epoch(s) run at eta_min',
        'the cosine turns back up after reaching eta_min'
    ]
    # step milestones past the run
    cfg = Config(
        dict(
            param_scheduler=dict(
                type='MultiStepLR', milestones=[60, 90], gamma=0.1),
            train_cfg=dict(max_epochs=10)))
    assert check_schedule(cfg) == [
        'param_scheduler (MultiStepLR) milestone(s) [60, 90] at or after '
        'train_cfg.max_epochs 10: that lr step never happens'
    ]
    cfg.param_scheduler.milestones = [6, 6]
    assert 'not strictly increasing' in check_schedule(cfg)[0]
    # an iteration-based warm-up and an iteration loop are not checked
    assert check_schedule(
        Config(
            dict(
                param_scheduler=[
                    dict(type='LinearLR', by_epoch=False, end=10**6)
                ],
                train_cfg=dict(max_epochs=1)))) == []
    assert check_schedule(Config(dict(train_cfg=dict(max_iters=10)))) == []


def test_check_schedule_accepts_warmup_then_cosine():
    cfg = _cosine_cfg(10)
    cfg.param_scheduler = [
        dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0,
             end=2, convert_to_iter_based=True),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=2, end=10,
             T_max=8, eta_min=1e-5),
    ]
    assert check_schedule(cfg) == []
    lrs = simulate_lrs(cfg, epoch_length=4)
    family, last, _ = expected_final_lr(cfg, epoch_length=4)
    assert family == 'CosineAnnealingLR'
    assert lrs[-1] == pytest.approx(last)
    assert lrs[-1] == pytest.approx(1e-5 + (5e-3 - 1e-5) *
                                    (1 + math.cos(math.pi * 7 / 8)) / 2)


# ---------------------------------------------------------------------------
# the tools
# ---------------------------------------------------------------------------
def _load_tool(rel_path, name):
    import importlib.util
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(REPO, rel_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_epochs_move_the_schedule(tmp_path):
    demo = _load_tool('tools/demo.py', 'fam_demo_schedules')
    args = demo.parse_args([])
    cfg = demo.load_config('fam_efficientnet-lite0_synthetic.py', args,
                           str(tmp_path), 3)
    assert cfg.train_cfg.max_epochs == 3
    sched = cfg.param_scheduler[0]
    assert (sched.end, sched.T_max) == (3, 3)
    assert check_schedule(cfg) == []


class _Stop(Exception):
    pass


@pytest.mark.parametrize('options,warnings', [
    ([], []),
    # apply_cfg_options moves the cosine with the run length
    (['train_cfg.max_epochs=2'], []),
    # ... unless the options also set the scheduler: the user's, left alone
    (['train_cfg.max_epochs=2', 'param_scheduler.0.eta_min=1e-5'], [
        'tools/train.py: warning: param_scheduler[0] (CosineAnnealingLR) '
        'ends at epoch 8 but train_cfg.max_epochs is 2: the lr never '
        'reaches eta_min; set end=T_max=2 (or use '
        'fam_mm.utils.set_max_epochs)'
    ]),
])
def test_train_warns_when_the_schedule_does_not_fit(options, warnings,
                                                    tmp_path, capsys,
                                                    monkeypatch):
    """tools/train.py prints one warning line per problem and goes on (up
    to building the runner, stubbed here)."""
    train = _load_tool('tools/train.py', 'fam_train_schedules')

    class Runner:

        @staticmethod
        def from_cfg(cfg):
            raise _Stop

    monkeypatch.setattr(train, 'Runner', Runner)
    monkeypatch.delenv('RANK', raising=False)
    argv = [
        osp.join(REPO, 'configs', 'fam_resnet18_synthetic.py'), '--work-dir',
        str(tmp_path)
    ]
    if options:
        argv += ['--cfg-options'] + options
    with pytest.raises(_Stop):
        train.main(argv)
    lines = [
        line for line in capsys.readouterr().err.splitlines()
        if line.startswith('tools/train.py: warning: ')
    ]
    assert lines == warnings
