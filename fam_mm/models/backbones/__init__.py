from .efficientnet_lite import EfficientNetLite
from .extra_convs import make_extra_convs
from .mobilenet_v1 import MobileNetV1
from .plugin_backbone import PluginBackbone
from .wsol_inception_v3 import PaddedInceptionB, WSOLInceptionV3
from .wsol_vgg import WSOLVGG

__all__ = [
    'EfficientNetLite', 'MobileNetV1', 'PaddedInceptionB', 'PluginBackbone',
    'WSOLInceptionV3', 'WSOLVGG', 'make_extra_convs'
]
