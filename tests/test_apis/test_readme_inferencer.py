"""The README's FAM inferencer example, run as written on what `make demo`
writes (tiny data).

It once named ``configs/fam_resnet18_synthetic.py`` and ``epoch_8.pth``
while `make demo` wrote ``epoch_6.pth`` of the fine-grained EfficientNet
pair: the checkpoint did not fit the config, mmengine only logged it, and
the example predicted with random weights (and had no ``pred_class``).
Here the FAM stage of ``tools/demo.py`` runs with its defaults (the
fine-grained pair's config and epochs, its work dir and checkpoint hook) on
a tiny benchmark in a scratch directory laid out like the repository
(``configs/``, ``work_dirs/demo``), then the README's code block runs there
unchanged.
"""
import importlib.util
import os
import os.path as osp
import re
import shutil

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _readme_block() -> str:
    """The README's python block that builds a FAM ``WSOLInferencer``."""
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    blocks = re.findall(r'```python\n(.*?)```', text, flags=re.S)
    block, = [b for b in blocks if "WSOLInferencer('configs/fam_" in b]
    return block


def test_readme_fam_inferencer_on_the_demo_checkpoint(tmp_path, monkeypatch):
    block = _readme_block()
    config = re.search(r"WSOLInferencer\('(configs/\S+\.py)'", block)[1]
    checkpoint = re.search(r"pretrained='(\S+\.pth)'", block)[1]
    image = re.search(r"inferencer\('(\S+)'\)", block)[1]
    os.symlink(osp.join(REPO, 'configs'), tmp_path / 'configs')

    spec = importlib.util.spec_from_file_location(
        'fam_demo_readme', osp.join(REPO, 'tools', 'demo.py'))
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    # the README's checkpoint is the demo's: its work dir, its FAM config
    assert checkpoint.startswith('work_dirs/demo/fam/')
    assert osp.basename(demo.method_config('fam', demo.parse_args([]))) == \
        osp.basename(config)
    # the demo's FAM stage (its data, config, work dir and checkpoint
    # hook) on 2 training images; the CAM and test stages are left out
    args = demo.parse_args([
        '--work-dir', str(tmp_path / 'work_dirs' / 'demo'), '--data-root',
        str(tmp_path / 'data'), '--no-stress', '--num-train', '2',
        '--num-val', '2', '--num-test', '2', '--batch-size', '2',
        '--workers', '0'
    ])
    demo.prepare_data(args)
    cfg = demo.load_config(
        demo.method_config('fam', args), args,
        osp.join(args.work_dir, 'fam'), args.epochs)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        demo._build_runner(cfg, args, 'fam').train()
    finally:
        torch.set_num_threads(threads)
    assert (tmp_path / checkpoint).is_file(), sorted(
        os.listdir(tmp_path / 'work_dirs' / 'demo' / 'fam'))
    shutil.copy(tmp_path / 'data' / 'images' / 'test' / 'test_00000.jpg',
                tmp_path / image)

    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, 'README.md', 'exec'), namespace)
    result = namespace['result']
    classes = torch.load(checkpoint, weights_only=True)['meta'][
        'dataset_meta']['classes']
    assert result['random_weights'] is False
    assert result['pred_class'] == classes[result['pred_label']]
    for key in ('pred_score', 'pred_bbox', 'loc_map'):
        assert key in result
