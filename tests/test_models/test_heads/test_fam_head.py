import math

import pytest
import torch
from mmpretrain.structures import DataSample

from fam_mm.models.heads import FAMHead, diversity_loss


def _hand_inputs():
    # X: C=2, H=1, W=2 with pixels [1, 2] and [3, 4]
    x = torch.tensor([[1., 3.], [2., 4.]]).view(1, 2, 1, 2)
    # part maps: A1 = [1, 0], A2 = [0.5, 0.5]
    parts = torch.tensor([[1., 0.], [0.5, 0.5]]).view(1, 2, 1, 2)
    return x, parts


def test_eq7_part_features_by_hand():
    x, parts = _hand_inputs()
    p = FAMHead.part_features(x, parts)
    # p1 = ([1,2]*1 + [3,4]*0) / 2, p2 = ([1,2]*.5 + [3,4]*.5) / 2
    torch.testing.assert_close(p, torch.tensor([[[0.5, 1.0], [1.0, 1.5]]]))


def test_eq8_diversity_loss_by_hand():
    p = torch.tensor([[[0.5, 1.0], [1.0, 1.5]]])
    cos = 2.0 / (math.sqrt(1.25) * math.sqrt(3.25))  # 0.992278
    torch.testing.assert_close(diversity_loss(p), torch.tensor(cos))
    # orthogonal parts have zero loss, identical parts loss 1
    eye = torch.eye(3).unsqueeze(0)
    assert diversity_loss(eye).item() == pytest.approx(0.0)
    same = torch.ones(1, 4, 3)
    assert diversity_loss(same).item() == pytest.approx(1.0)
    # K(K-1) ordered pairs: one similar pair among 3 parts -> 2/6
    p3 = torch.tensor([[[1., 0.], [1., 0.], [0., 1.]]])
    assert diversity_loss(p3).item() == pytest.approx(1 / 3)


def test_eq9_importance_by_hand():
    head = FAMHead(num_classes=3, in_channels=2, num_parts=2)
    with torch.no_grad():
        head.importance.weight.copy_(torch.tensor([[1., 0.]]))
        head.importance.bias.zero_()
    p = torch.tensor([[[0.5, 1.0], [1.0, 1.5]]])
    # scores [0.5, 1.0] -> t = softmax = [0.37754, 0.62246]
    o = head.object_feature(p)
    torch.testing.assert_close(o, torch.tensor([[0.81123, 1.31123]]),
                               atol=1e-5, rtol=0)
    # without importance prediction, o is the plain mean of the parts
    head_noimp = FAMHead(num_classes=3, in_channels=2, num_parts=2,
                         use_importance=False)
    assert head_noimp.importance is None
    torch.testing.assert_close(head_noimp.object_feature(p),
                               torch.tensor([[0.75, 1.25]]))


def test_eq5_6_part_maps_use_foreground_features():
    torch.manual_seed(0)
    head = FAMHead(num_classes=3, in_channels=4, num_parts=2)
    x = torch.randn(1, 4, 3, 3)
    m = torch.rand(1, 1, 3, 3)
    a = head.part_maps(x, m)
    expected = head.part_conv(x * m).sigmoid()
    torch.testing.assert_close(a, expected)
    # a pixel with M = 0 sees only the conv bias
    m0 = torch.zeros(1, 1, 3, 3)
    torch.testing.assert_close(
        head.part_maps(x, m0)[0, :, 0, 0], head.part_conv.bias.sigmoid())


def _samples(n, img_shape=(224, 224), ori_shape=(448, 336), label=1):
    return [
        DataSample(metainfo=dict(img_shape=img_shape, ori_shape=ori_shape))
        .set_gt_label(label) for _ in range(n)
    ]


def test_loss_values():
    torch.manual_seed(0)
    head = FAMHead(num_classes=4, in_channels=8)
    head.init_weights()
    x = torch.rand(2, 8, 5, 5)
    m = torch.rand(2, 1, 5, 5)
    losses = head.loss((x, m), _samples(2))
    assert set(losses) == {'loss_cls', 'loss_spa', 'loss_div'}
    torch.testing.assert_close(losses['loss_spa'], 0.04 * m.mean())
    out = head._forward((x, m))
    torch.testing.assert_close(losses['loss_div'],
                               0.01 * diversity_loss(out['part_feats']))
    ce = torch.nn.functional.cross_entropy(out['cls_score'],
                                           torch.tensor([1, 1]))
    torch.testing.assert_close(losses['loss_cls'], ce)


def test_ablation_weights_drop_losses():
    head = FAMHead(num_classes=4, in_channels=8, loss_spa_weight=0.0,
                   loss_div_weight=0.0)
    losses = head.loss((torch.rand(1, 8, 3, 3), torch.rand(1, 1, 3, 3)),
                       _samples(1))
    assert set(losses) == {'loss_cls'}


def test_predict_fields_and_box_in_original_frame():
    head = FAMHead(num_classes=4, in_channels=8, return_part_maps=True)
    head.init_weights()
    x = torch.rand(1, 8, 14, 14)
    m = torch.zeros(1, 1, 14, 14)
    m[0, 0, 2:6, 3:9] = 1.0  # rows 2..5, cols 3..8 of a 14x14 map
    pred = head.predict((x, m), _samples(1))[0]
    assert pred.loc_map.shape == (224, 224)
    assert 0 <= pred.loc_map.min() and pred.loc_map.max() <= 1
    assert pred.pred_score.shape == (4, )
    assert pred.pred_label.shape == (1, )
    assert pred.part_maps.shape == (5, 224, 224)
    # bilinear x16 upsampling crosses 0.5 half-way between cell centres, so
    # the region is x in [48, 144), y in [32, 96) at 224x224; the original
    # image is 336 wide (x1.5) and 448 high (x2).
    torch.testing.assert_close(pred.pred_bbox,
                               torch.tensor([72., 64., 216., 192.]))


def test_predict_uses_homography_when_recorded():
    head = FAMHead(num_classes=2, in_channels=4)
    m = torch.zeros(1, 1, 14, 14)
    m[0, 0, 2:6, 3:9] = 1.0
    # original 256x256 centre-cropped to 224: shift by -16 in x and y
    h = torch.tensor([[1., 0., -16.], [0., 1., -16.], [0., 0., 1.]])
    sample = DataSample(metainfo=dict(
        img_shape=(224, 224), ori_shape=(256, 256), homography_matrix=h))
    pred = head.predict((torch.rand(1, 4, 14, 14), m), [sample])[0]
    torch.testing.assert_close(pred.pred_bbox,
                               torch.tensor([64., 48., 160., 112.]))


def test_gradient_flow_through_head():
    torch.manual_seed(0)
    head = FAMHead(num_classes=4, in_channels=8)
    head.init_weights()
    x = torch.rand(2, 8, 4, 4, requires_grad=True)
    m = torch.rand(2, 1, 4, 4, requires_grad=True)
    losses = head.loss((x, m), _samples(2))
    sum(losses.values()).backward()
    assert m.grad.abs().sum() > 0 and x.grad.abs().sum() > 0
    for p in head.parameters():
        assert p.grad is not None


def test_bad_inputs():
    head = FAMHead(num_classes=2, in_channels=4)
    with pytest.raises(TypeError, match='FAMNeck'):
        head((torch.rand(1, 4, 3, 3), ))
    with pytest.raises(ValueError, match='foreground map'):
        head((torch.rand(1, 4, 3, 3), torch.rand(1, 1, 2, 2)))
    with pytest.raises(ValueError, match='num_classes'):
        FAMHead(num_classes=0, in_channels=4)
    with pytest.raises(ValueError, match='loc_threshold'):
        FAMHead(num_classes=2, in_channels=4, loc_threshold=1.5)


def test_foreground_part_pooling_gates_class_evidence_by_map():
    torch.manual_seed(0)
    x = torch.rand(2, 8, 4, 4)
    m = torch.rand(2, 1, 4, 4)
    head = FAMHead(num_classes=3, in_channels=8, part_pooling='foreground')
    out = head._forward((x, m))
    parts = head.part_maps(x, m)
    torch.testing.assert_close(out['part_feats'],
                               FAMHead.part_features(x * m, parts))
    # eq. 7 as written pools X: the features differ
    literal = FAMHead(num_classes=3, in_channels=8)
    literal.load_state_dict(head.state_dict())
    assert not torch.allclose(literal._forward((x, m))['part_feats'],
                              out['part_feats'])
    # with M = 0 no class evidence is left: logits = classifier bias
    zero = head._forward((x, torch.zeros_like(m)))
    torch.testing.assert_close(zero['cls_score'],
                               head.fc.bias.expand(2, 3))
    with pytest.raises(ValueError, match='part_pooling'):
        FAMHead(num_classes=3, in_channels=8, part_pooling='masked')


@pytest.mark.parametrize('to_backbone', [True, False])
def test_diversity_gradient_to_backbone_switch(to_backbone):
    """div_grad_to_backbone=False: the diversity loss moves the maps (the
    foreground map M gets its gradient) but not the backbone features X;
    the classification loss still reaches X either way."""
    torch.manual_seed(0)
    head = FAMHead(num_classes=3, in_channels=8, num_parts=3,
                   part_pooling='foreground', loss_spa_weight=0.0,
                   loss_div_weight=1.0, div_grad_to_backbone=to_backbone)
    head.init_weights()
    x = torch.randn(2, 8, 4, 4, requires_grad=True)
    fg = torch.rand(2, 1, 4, 4, requires_grad=True)
    losses = head.loss((x, fg), _samples(2))
    gx, gm = torch.autograd.grad(
        losses['loss_div'], (x, fg), retain_graph=True, allow_unused=True)
    assert gm.abs().sum() > 0
    assert (gx is not None and gx.abs().sum() > 0) == to_backbone
    gx_cls, = torch.autograd.grad(losses['loss_cls'], x)
    assert gx_cls.abs().sum() > 0


# ---------------------------------------------------------------------------
# classifier-first warm-up (fg_warmup_iters) and the lambda_spa ramp
# ---------------------------------------------------------------------------
def _warmup_head(**kwargs):
    torch.manual_seed(0)
    head = FAMHead(num_classes=3, in_channels=8, num_parts=3,
                   loss_spa_weight=0.5, loss_div_weight=0.1, **kwargs)
    head.init_weights()
    return head.train()


def _leaf_inputs(seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(2, 8, 4, 4, generator=gen).requires_grad_()
    m = torch.rand(2, 1, 4, 4, generator=gen).requires_grad_()
    return x, m


@pytest.mark.parametrize('div_to_backbone', [True, False])
def test_fg_warmup_keeps_every_loss_off_the_foreground_map(div_to_backbone):
    head = _warmup_head(fg_warmup_iters=2,
                        div_grad_to_backbone=div_to_backbone)
    for it in range(4):
        assert head.in_fg_warmup() == (it < 2)
        x, m = _leaf_inputs(it)
        losses = head.loss((x, m), _samples(2))
        assert set(losses) == {'loss_cls', 'loss_spa', 'loss_div'}
        sum(losses.values()).backward()
        assert int(head.train_iters) == it + 1
        # the classifier and the features learn from the first iteration
        assert x.grad is not None and x.grad.abs().sum() > 0
        assert head.fc.weight.grad.abs().sum() > 0
        if it < 2:
            assert m.grad is None, it
            assert losses['loss_spa'].item() == 0.0
        else:
            assert m.grad is not None and m.grad.abs().sum() > 0, it
            torch.testing.assert_close(losses['loss_spa'],
                                       0.5 * m.abs().mean())
        head.zero_grad()
    assert not head.in_fg_warmup()


def test_spa_ramp_after_the_warmup():
    head = _warmup_head(fg_warmup_iters=2, spa_warmup_iters=4)
    x, m = _leaf_inputs(0)
    weights = []
    for _ in range(8):
        assert head.spa_weight() == pytest.approx(
            [0, 0, 0.125, 0.25, 0.375, 0.5, 0.5, 0.5][len(weights)])
        losses = head.loss((x, m), _samples(2))
        weights.append(losses['loss_spa'].item() / m.abs().mean().item())
    assert weights == pytest.approx(
        [0, 0, 0.5 / 4, 0.5 * 2 / 4, 0.5 * 3 / 4, 0.5, 0.5, 0.5])
    # the ramp alone (no warm-up) starts at once
    ramp = _warmup_head(spa_warmup_iters=2)
    assert not ramp.in_fg_warmup()
    assert ramp.spa_weight() == pytest.approx(0.25)
    # defaults: the paper (no warm-up, full weight from the start)
    paper = _warmup_head()
    assert not paper.in_fg_warmup() and paper.spa_weight() == 0.5


def test_eval_loss_does_not_advance_the_warmup():
    head = _warmup_head(fg_warmup_iters=2, spa_warmup_iters=4)
    x, m = _leaf_inputs(0)
    head.loss((x, m), _samples(2))
    head.eval()
    for _ in range(3):
        head.loss((x, m), _samples(2))
        head.predict((x, m), _samples(2))
    assert int(head.train_iters) == 1
    head.train()
    head.loss((x, m), _samples(2))
    assert int(head.train_iters) == 2


def test_warmup_clock_is_saved_and_resumed():
    head = _warmup_head(fg_warmup_iters=2, spa_warmup_iters=4)
    x, m = _leaf_inputs(0)
    for _ in range(3):  # two warm-up iterations, then lambda_spa / 4
        head.loss((x, m), _samples(2))
    state = head.state_dict()
    assert 'train_iters' in state and int(state['train_iters']) == 3
    resumed = _warmup_head(fg_warmup_iters=2, spa_warmup_iters=4)
    assert int(resumed.train_iters) == 0
    resumed.load_state_dict(state)
    assert int(resumed.train_iters) == 3 and not resumed.in_fg_warmup()
    losses = resumed.loss((x, m), _samples(2))
    torch.testing.assert_close(losses['loss_spa'],
                               0.5 * 2 / 4 * m.abs().mean())


@pytest.mark.parametrize('key', ['fg_warmup_iters', 'spa_warmup_iters'])
def test_negative_warmup_raises(key):
    with pytest.raises(ValueError, match=key):
        FAMHead(num_classes=2, in_channels=4, **{key: -1})


def test_checkpoint_without_warmup_clock_still_loads(tmp_path):
    """FAM checkpoints written before ``train_iters`` existed load (strict)
    and pass tools/test.py's check."""
    import torch.nn as nn

    from fam_mm.utils import check_checkpoint

    class Model(nn.Module):

        def __init__(self):
            super().__init__()
            self.head = FAMHead(num_classes=3, in_channels=8)

    model = Model()
    state = {
        k: v
        for k, v in model.state_dict().items() if k != 'head.train_iters'
    }
    Model().load_state_dict(state, strict=True)
    path = tmp_path / 'old.pth'
    torch.save(dict(state_dict=state), path)
    check_checkpoint(model, str(path), 'cfg')
    # a weight that is really missing is still reported
    state.pop('head.fc.weight')
    torch.save(dict(state_dict=state), path)
    with pytest.raises(Exception, match="missing key 'head.fc.weight'"):
        check_checkpoint(model, str(path), 'cfg')


def test_softmax_part_activation_has_a_background_channel():
    head = FAMHead(num_classes=3, in_channels=8, num_parts=4,
                   part_activation='softmax')
    head.init_weights()
    assert head.part_conv.out_channels == 5
    x = torch.rand(2, 8, 6, 6)
    fg = torch.rand(2, 1, 6, 6)
    parts = head.part_maps(x, fg)
    assert parts.shape == (2, 4, 6, 6)
    # the K parts and the dropped background channel share each pixel
    assert (parts.sum(1) < 1).all() and (parts >= 0).all()
    assert head((x, fg)).shape == (2, 3)
    with pytest.raises(ValueError, match='part_activation'):
        FAMHead(num_classes=3, in_channels=8, part_activation='relu')
