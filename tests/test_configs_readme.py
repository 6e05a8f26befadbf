"""configs/README.md describes the synthetic fine-tuning recipe the config
really uses (it once said AdamW 2e-3 with 1x multipliers for a config with
SGD 5e-3 and 10x)."""
import os.path as osp
import re

from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _synthetic_column() -> dict:
    """First word(s) of each row label -> the row's synthetic cell."""
    with open(osp.join(REPO, 'configs', 'README.md'), encoding='utf-8') as f:
        lines = f.read().splitlines()
    header = next(i for i, line in enumerate(lines)
                  if line.replace(' ', '') == '||CUB|ILSVRC|synthetic|')
    rows = {}
    for line in lines[header + 2:]:
        if not line.startswith('|'):
            break
        cells = [c.strip() for c in line.strip('|').split('|')]
        label = ' '.join(cells[0].split()[:2]).rstrip(',')
        rows[label] = cells[3]
    return rows


def _number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return float(match.group(1))


def test_synthetic_recipe_matches_the_config():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'fam_efficientnet-lite0_synthetic.py'))
    column = _synthetic_column()
    optimizer = cfg.optim_wrapper.optimizer
    cell = column['optimizer']
    assert cell.startswith(optimizer.type), cell
    assert _number(cell, r'momentum (\S+?),') == optimizer.momentum
    assert _number(cell, r'wd (\S+) ') == optimizer.weight_decay
    assert _number(column['lr (backbone)'], r'^(\S+) ') == optimizer.lr
    mults = {
        key: value.lr_mult
        for key, value in cfg.optim_wrapper.paramwise_cfg.custom_keys.items()
    }
    assert sorted(mults) == ['head', 'neck']
    assert len(set(mults.values())) == 1
    assert column['lr multiplier'].startswith(f'{mults["head"]:g}x (neck, '
                                              'head)'), column['lr multiplier']
    assert column['epochs /'].startswith(
        f'{cfg.train_cfg.max_epochs} / cosine'), column['epochs /']
    assert cfg.param_scheduler[0]['type'] == 'CosineAnnealingLR'
