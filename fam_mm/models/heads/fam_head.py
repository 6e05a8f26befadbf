"""FAM's part-aware attention module and classifier as an mmpretrain head."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from .base_wsol_head import BaseWSOLHead


def diversity_loss(part_feats: torch.Tensor,
                   eps: float = 1e-8) -> torch.Tensor:
    """Diversity loss of the part features (FAM paper, eq. 8).

    Mean pairwise cosine similarity over the ``K(K-1)`` ordered pairs of
    distinct parts, averaged over the batch.

    Args:
        part_feats (Tensor): Part features ``P`` of shape ``(B, K, C)``.
        eps (float): Guards the norms of all-zero features.

    Returns:
        Tensor: Scalar loss in ``[-1, 1]``.
    """
    num_parts = part_feats.size(1)
    if num_parts < 2:
        return part_feats.sum() * 0
    unit = part_feats / part_feats.norm(dim=2, keepdim=True).clamp(min=eps)
    cos = unit @ unit.transpose(1, 2)  # (B, K, K)
    off_diag = cos.sum(dim=(1, 2)) - cos.diagonal(dim1=1, dim2=2).sum(dim=1)
    return (off_diag / (num_parts * (num_parts - 1))).mean()


PART_POOLINGS = ('feature', 'foreground')
PART_ACTIVATIONS = ('sigmoid', 'softmax')


@MODELS.register_module()
class FAMHead(BaseWSOLHead):
    """Part-aware attention module and classifier (FAM, sections 3.2-3.3).

    Takes ``(X, M)`` from :class:`FAMNeck`:

    1. foreground features ``X~ = X * M`` (eq. 5);
    2. ``K`` part maps ``A = sigmoid(conv1x1(X~))`` (eq. 6);
    3. part features by attention-weighted pooling of ``X``,
       ``p^k_c = 1/HW sum_ij X_ijc A^k_ij`` (eq. 7);
    4. importance ``t = softmax_k(linear(p^k))`` and object feature
       ``o = sum_k t^k p^k`` (eq. 9); without importance prediction
       (Table 3 ablation) ``o`` is the mean of the part features;
    5. a fully connected classifier on ``o``.

    Losses (eq. 11): ``loss_cls`` (eq. 10, mmpretrain's
    ``CrossEntropyLoss`` by default), ``loss_spa = lambda_spa * mean|M|``
    (eq. 4) and ``loss_div = lambda_div * L_div`` (eq. 8). A loss whose
    weight is 0 is not computed (that is how the "no sparsity" and
    "no diversity" ablations are configured).

    Args:
        num_classes (int): Number of categories ``L``.
        in_channels (int): ``C``, channels of ``X``.
        num_parts (int): ``K``, number of part maps. Defaults to 5.
        use_importance (bool): Use the importance prediction module.
            Defaults to True.
        loss_spa_weight (float): ``lambda_spa``. Defaults to 0.04.
        loss_div_weight (float): ``lambda_div``. Defaults to 0.01.
        loc_threshold (float): Threshold of ``pred_bbox`` on the foreground
            map (absolute, the map is a sigmoid). Defaults to 0.5.
        return_part_maps (bool): Attach the upsampled part maps to the
            predictions as ``part_maps`` ``(K, H_in, W_in)``. Defaults to
            False.
        part_pooling (str): What eq. 7 pools. ``'feature'`` (default, eq. 7
            as written) pools the backbone features ``X``; ``'foreground'``
            pools the foreground features ``X~ = X * M`` (eq. 5). With
            ``'feature'`` the classifier can ignore ``M`` (a uniform ``A``
            pools ``X`` like GAP), so nothing opposes the sparsity loss
            unless the backbone's features already favour part-wise
            pooling (the paper fine-tunes ImageNet backbones). With
            ``'foreground'`` every class feature is gated by ``M``, which is
            the mechanism section 3.3 describes ("filtering out the
            foreground leads to a large L_cls"); use it when training a
            backbone from scratch (see ``configs/fam_resnet18_synthetic.py``).
        div_grad_to_backbone (bool): Let the diversity loss's gradient
            reach the backbone features ``X``. True (default) is eq. 11
            taken literally; with False the loss sees part features of a
            detached ``X`` and only moves ``A`` and ``M``. Measured on the
            synthetic benchmark with a strong diversity weight (see
            docs/design.md): with the gradient the parts are made to differ
            by distorting the features, and classification learns slowly.
        part_activation (str): How eq. 6 turns the part conv's output into
            part maps. ``'sigmoid'`` (default, the paper): ``K`` independent
            maps. ``'softmax'``: the conv has ``K + 1`` outputs, a softmax
            over them at every pixel, and the last (a background channel) is
            dropped, so the parts compete for each pixel and a pixel that
            belongs to none can go to the background.
        fg_warmup_iters (int): Classifier first: for the first
            ``fg_warmup_iters`` training iterations the foreground map is
            detached (no loss reaches the neck) and the sparsity loss is
            off. While the classifier is at chance, cross-entropy lowers its
            loss by shrinking every feature, so its gradient pushes ``M``
            down everywhere; on post-activation (non-negative) features
            every memory value moves the same way and ``M`` collapses to 0
            within a few iterations, where the sigmoid saturates and it
            stays (measured: ``tools/analysis_tools/fam_dynamics.py``).
            Once the classifier beats chance the same gradient holds ``M``
            up where the class evidence is (section 3.3's argument). The
            iterations are counted by the head in a buffer, so a resumed
            run continues the warm-up. Defaults to 0 (off, the paper).
        spa_warmup_iters (int): After ``fg_warmup_iters``, ramp
            ``lambda_spa`` linearly from 0 to its value over this many
            iterations. Defaults to 0.
        loss (dict): Classification loss config. Defaults to
            ``dict(type='CrossEntropyLoss', loss_weight=1.0)``.
        topk (int | tuple[int]): Top-k accuracy for ``cal_acc``.
        cal_acc (bool): Log training accuracy. Defaults to False.
        init_cfg (dict | list[dict], optional): Initialization config. The
            part conv defaults to unit-gain (Kaiming, fan-in, linear)
            weights so the part maps depend on ``X * M`` from the first step:
            with near-zero weights ``A`` would be uniform, the classification
            loss would send no gradient to ``M`` and the sparsity loss alone
            would collapse the foreground map to 0.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 num_parts: int = 5,
                 use_importance: bool = True,
                 loss_spa_weight: float = 0.04,
                 loss_div_weight: float = 0.01,
                 loc_threshold: float = 0.5,
                 return_part_maps: bool = False,
                 part_pooling: str = 'feature',
                 div_grad_to_backbone: bool = True,
                 part_activation: str = 'sigmoid',
                 fg_warmup_iters: int = 0,
                 spa_warmup_iters: int = 0,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Normal', layer='Linear', std=0.01),
                     dict(
                         type='Kaiming',
                         layer='Conv2d',
                         mode='fan_in',
                         nonlinearity='linear')
                 ],
                 **kwargs) -> None:
        super().__init__(
            loc_threshold=loc_threshold, init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes={num_classes} must be positive')
        if num_parts < 1:
            raise ValueError(f'num_parts={num_parts} must be >= 1')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.num_parts = num_parts
        self.use_importance = use_importance
        self.loss_spa_weight = loss_spa_weight
        self.loss_div_weight = loss_div_weight
        self.return_part_maps = return_part_maps
        if part_pooling not in PART_POOLINGS:
            raise ValueError(f'part_pooling must be one of {PART_POOLINGS}, '
                             f'got {part_pooling!r}')
        self.part_pooling = part_pooling
        self.div_grad_to_backbone = div_grad_to_backbone
        for name, value in (('fg_warmup_iters', fg_warmup_iters),
                            ('spa_warmup_iters', spa_warmup_iters)):
            if value < 0:
                raise ValueError(f'{name}={value} must be >= 0')
        self.fg_warmup_iters = fg_warmup_iters
        self.spa_warmup_iters = spa_warmup_iters
        # training iterations seen by loss(): the warm-ups' clock
        self.register_buffer(
            'train_iters', torch.zeros((), dtype=torch.long), persistent=True)
        # f(.|theta): part discovery, a 1x1 conv + sigmoid (eq. 6)
        if part_activation not in PART_ACTIVATIONS:
            raise ValueError('part_activation must be one of '
                             f'{PART_ACTIVATIONS}, got {part_activation!r}')
        self.part_activation = part_activation
        self.part_conv = nn.Conv2d(
            in_channels,
            num_parts + (part_activation == 'softmax'),
            kernel_size=1)
        # g(.|phi): importance prediction, a linear layer + softmax (eq. 9)
        self.importance = nn.Linear(in_channels, 1) if use_importance \
            else None
        # h(.|sigma): the classifier
        self.fc = nn.Linear(in_channels, num_classes)

    def _unpack(self, feats) -> Tuple[torch.Tensor, torch.Tensor]:
        if not (isinstance(feats, (tuple, list)) and len(feats) == 2):
            raise TypeError(
                'FAMHead expects the (X, M) pair produced by FAMNeck; got '
                f'{type(feats).__name__} of length {len(feats)}. Use '
                "neck=dict(type='FAMNeck', ...) in the model config.")
        x, fg_map = feats
        if fg_map.dim() != 4 or fg_map.size(1) != 1 or \
                fg_map.shape[-2:] != x.shape[-2:]:
            raise ValueError(
                f'foreground map of shape {tuple(fg_map.shape)} does not '
                f'match feature map {tuple(x.shape)}; expected (B, 1, H, W)')
        return x, fg_map

    def part_maps(self, x: torch.Tensor,
                  fg_map: torch.Tensor) -> torch.Tensor:
        """Part-aware activation maps ``A`` of shape ``(B, K, H, W)``."""
        fg_feats = x * fg_map  # eq. 5: X~ = X * M
        return self.activate_parts(self.part_conv(fg_feats))  # eq. 6

    def activate_parts(self, logits: torch.Tensor) -> torch.Tensor:
        """Part maps ``(B, K, H, W)`` from the part conv's output."""
        if self.part_activation == 'softmax':
            return logits.softmax(dim=1)[:, :self.num_parts]
        return logits.sigmoid()

    @staticmethod
    def part_features(x: torch.Tensor, parts: torch.Tensor) -> torch.Tensor:
        """Attention-weighted pooling (eq. 7): ``(B, K, C)``.

        ``p^k_c = 1/HW sum_ij x_ijc A^k_ij`` for the features ``x`` given
        (``X`` in eq. 7, or ``X~`` with ``part_pooling='foreground'``).
        """
        h, w = x.shape[-2:]
        return torch.einsum('bchw,bkhw->bkc', x, parts) / (h * w)

    def object_feature(self, part_feats: torch.Tensor) -> torch.Tensor:
        """Object feature ``o`` (eq. 9) of shape ``(B, C)``."""
        if self.importance is None:
            return part_feats.mean(dim=1)
        t = self.importance(part_feats).squeeze(-1).softmax(dim=1)
        return (t.unsqueeze(-1) * part_feats).sum(dim=1)

    def _forward(self, feats) -> Dict[str, torch.Tensor]:
        x, fg_map = self._unpack(feats)
        parts = self.part_maps(x, fg_map)
        pooled = x * fg_map if self.part_pooling == 'foreground' else x
        part_feats = self.part_features(pooled, parts)
        obj = self.object_feature(part_feats)
        return dict(
            cls_score=self.fc(obj),
            fg_map=fg_map,
            part_maps=parts,
            part_feats=part_feats,
            obj_feat=obj)

    #: State that checkpoints written before it existed lack; loading one
    #: keeps the head's own value (see ``fam_mm.utils.check_checkpoint``).
    optional_state_keys = ('train_iters', )

    def _load_from_state_dict(self, state_dict, prefix, *args,
                              **kwargs) -> None:
        for key in self.optional_state_keys:
            state_dict.setdefault(prefix + key, getattr(self, key).clone())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def in_fg_warmup(self) -> bool:
        """Whether training is in the classifier-first warm-up."""
        return int(self.train_iters) < self.fg_warmup_iters

    def spa_weight(self) -> float:
        """``lambda_spa`` in force: 0 during the classifier-first warm-up,
        then ramped up over ``spa_warmup_iters``."""
        done = int(self.train_iters) - self.fg_warmup_iters
        if done < 0:
            return 0.0
        if self.spa_warmup_iters <= 0:
            return self.loss_spa_weight
        ramp = min(1.0, (done + 1) / self.spa_warmup_iters)
        return self.loss_spa_weight * ramp

    def _diversity_part_feats(self, feats,
                              out: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Part features that the diversity loss (eq. 8) sees.

        With ``div_grad_to_backbone=False`` they are recomputed from a
        detached ``X``: the loss can then only move the part maps ``A`` and
        the foreground map ``M`` (where the parts look), not reshape the
        backbone's features to make the parts differ.
        """
        if self.div_grad_to_backbone:
            return out['part_feats']
        x, fg_map = self._unpack(feats)
        x = x.detach()
        parts = self.part_maps(x, fg_map)
        pooled = x * fg_map if self.part_pooling == 'foreground' else x
        return self.part_features(pooled, parts)

    def pre_logits(self, feats) -> torch.Tensor:
        """The object feature ``o`` ``(B, C)``, before the classifier."""
        return self._forward(feats)['obj_feat']

    def forward(self, feats) -> torch.Tensor:
        """Class logits ``(B, num_classes)``."""
        return self._forward(feats)['cls_score']

    def loss(self, feats, data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Losses of eq. 11: ``loss_cls``, ``loss_spa``, ``loss_div``."""
        if self.training and self.in_fg_warmup():
            x, fg_map = self._unpack(feats)
            feats = (x, fg_map.detach())
        out = self._forward(feats)
        losses = dict(loss_cls=self._cls_loss(out['cls_score'], data_samples))
        if self.loss_spa_weight > 0:
            # eq. 4: L_spa = 1/HW sum_ij |M_ij|, averaged over the batch
            # (weight 0 during the warm-up: the key stays for the logs)
            losses['loss_spa'] = self.spa_weight() * \
                out['fg_map'].abs().mean()
        if self.training:
            self.train_iters += 1
        if self.loss_div_weight > 0:
            losses['loss_div'] = self.loss_div_weight * \
                diversity_loss(self._diversity_part_feats(feats, out))
        if self.cal_acc:
            from mmpretrain.evaluation import Accuracy
            target = torch.cat([i.gt_label for i in data_samples])
            acc = Accuracy.calculate(out['cls_score'], target, topk=self.topk)
            losses.update(
                {f'accuracy_top-{k}': a
                 for k, a in zip(self.topk, acc)})
        return losses

    def predict(self,
                feats,
                data_samples: Optional[Sequence[Optional[DataSample]]] = None,
                return_part_maps: Optional[bool] = None) -> List[DataSample]:
        """Predict class, foreground map and box.

        Args:
            feats (tuple[Tensor, Tensor]): ``(X, M)`` from :class:`FAMNeck`.
            data_samples (list[DataSample | None], optional): With metainfo
                ``img_shape`` and ``ori_shape`` for the box mapping.
            return_part_maps (bool, optional): Override
                ``self.return_part_maps``.

        Returns:
            list[DataSample]: With ``pred_label``, ``pred_score``,
            ``loc_map``, ``pred_bbox`` (and ``part_maps`` on request).
        """
        out = self._forward(feats)
        want_parts = self.return_part_maps if return_part_maps is None \
            else return_part_maps
        return self._get_wsol_predictions(
            out['cls_score'],
            out['fg_map'],
            data_samples,
            part_maps=out['part_maps'] if want_parts else None)

