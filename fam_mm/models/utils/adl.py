"""Attention-based Dropout Layer (ADL; Choe & Shim, CVPR 2019)."""
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS


def adl_drop_mask(attention: torch.Tensor, gamma: float) -> torch.Tensor:
    """ADL's drop mask: 0 where the attention is at least ``gamma`` times
    its per-sample maximum, 1 elsewhere.

    Args:
        attention (Tensor): Self-attention maps ``(B, 1, H, W)`` (the channel
            mean of the features).
        gamma (float): Drop threshold, relative to each map's maximum.

    Returns:
        Tensor: ``(B, 1, H, W)`` mask of ``attention < gamma * max``, in the
        attention's dtype.
    """
    peak = attention.amax(dim=(2, 3), keepdim=True)
    return (attention < gamma * peak).to(attention.dtype)


@MODELS.register_module()
class ADL(nn.Module):
    """Attention-based Dropout Layer.

    Choe & Shim, "Attention-based Dropout Layer for Weakly Supervised Object
    Localization", CVPR 2019. A parameter-free layer inserted between the
    layers of a backbone. In training, with ``A`` the channel mean of its
    input (a self-attention map, ``(B, 1, H, W)``):

    * the importance map ``sigmoid(A)`` rewards the informative region;
    * the drop mask ``A < gamma * max(A)`` (per sample) hides the most
      discriminative region, so the rest of the object must be learned.

    One random draw per batch picks the drop mask (probability
    ``drop_rate``) or the importance map for every sample of the batch, and
    the output is the input times the chosen map (broadcast over channels;
    the gradient flows through the importance map as in the reference). In
    eval mode the layer is the identity.

    Insert it after named submodules of any backbone with
    :func:`~fam_mm.models.backbones.PluginBackbone` (forward hooks; the
    state dict is unchanged). The places of clovaai/wsolevaluation (CVPR
    2020), with fam-mm's module names:

    ==================  ===========================  =======================
    backbone            wsolevaluation               ``after=``
    ==================  ===========================  =======================
    VGG16 (WSOLVGG)     pool3, conv4_3, conv5_3      ``features.9``,
                                                     ``features.12``,
                                                     ``features.16``
    ResNet50 (ResNet)   layer3.0, layer4.0,          ``layer3.0``,
                        layer4.2                     ``layer4.0``,
                                                     ``layer4.2``
    InceptionV3         Mixed_5d, Mixed_6e, the      ``Mixed_5d``,
    (WSOLInceptionV3)   head's second conv           ``Mixed_6e``,
                                                     ``extra_convs.1``
    EfficientNet-Lite0  (fam-mm's choice: first      ``stages.3.0``,
    stride 8            block of stage4, first and   ``stages.4.0``,
    (EfficientNetLite)  last blocks of stage5, the   ``stages.4.2``
                        ResNet50 places' analogues)
    ==================  ===========================  =======================

    The VGG16 and InceptionV3 convs are ``ConvModule`` s, so the places are
    after their ReLU, as in the reference.

    Args:
        drop_rate (float): Probability that a batch gets the drop mask
            rather than the importance map. Defaults to 0.75
            (wsolevaluation's).
        gamma (float): Drop threshold relative to the per-sample maximum of
            the attention. Defaults to 0.9 (wsolevaluation's).
    """

    def __init__(self, drop_rate: float = 0.75, gamma: float = 0.9) -> None:
        super().__init__()
        if not 0.0 <= drop_rate <= 1.0:
            raise ValueError(f'ADL drop_rate must be in [0, 1], '
                             f'got {drop_rate}')
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f'ADL gamma must be in [0, 1], got {gamma}')
        self.drop_rate = drop_rate
        self.gamma = gamma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the drawn map in training; identity in eval.

        Args:
            x (Tensor): Features ``(B, C, H, W)``.

        Returns:
            Tensor: ``(B, C, H, W)``.
        """
        if not self.training:
            return x
        attention = x.mean(dim=1, keepdim=True)
        # one draw for the whole batch (CPU generator: no device sync)
        if torch.rand(()).item() < self.drop_rate:
            selected = adl_drop_mask(attention, self.gamma)
        else:
            selected = torch.sigmoid(attention)
        return x * selected

    def extra_repr(self) -> str:
        return f'drop_rate={self.drop_rate}, gamma={self.gamma}'
