"""Check a config's keys before anything is built.

mmengine builds each part of a run from a dict whose ``type`` names a class
in a registry, and the dict's other keys become that class' keyword
arguments. A mistyped key (``train_cfg.max_epoch=1``) is only found when the
part is built: after the config has been dumped to the terminal, as a
``TypeError ... unexpected keyword argument`` traceback, and a value that
cannot be parsed (``--cfg-options model.head.loc_threshold=O.3``) fails later
still, without naming its key.

:func:`check_config` resolves every registry-built dict of a config (the
model and its parts, the dataloaders with their datasets, samplers and
transforms, the optimizer wrapper and optimizer, the lr schedulers, the
loops, the hooks, the evaluators and the visualizer) the way the runner
does, and compares its keys with the keyword arguments the class'
``__init__`` takes, following ``**kwargs`` to the parent classes they are
passed to. The first problem is raised as a :class:`ConfigKeyError` with a
one-line message naming the key (``model.head: unknown key 'loc_treshold'
(did you mean 'loc_threshold'?)``); the tools print it as
``<tool>: error: <message>`` and exit with status 2, as ``argparse`` does
for a bad argument. :class:`CfgOptionsAction` replaces mmengine's
``DictAction`` for ``--cfg-options`` so that a word without ``=`` is such an
error too.

A check that cannot tell (a class whose ``**kwargs`` go somewhere other than
its parent's ``__init__``, a type from a package that is not installed, a
builder that reads extra keys) accepts the keys: a false alarm would stop a
run that works.
"""
import ast
import copy
import difflib
import importlib
import inspect
import re
import textwrap
from argparse import ArgumentParser, Namespace
from functools import lru_cache
from typing import Any, Dict, Iterable, Optional, Sequence, Set, Tuple, Union

from mmengine.config import Config, DictAction

from .run_checks import InputError

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# keys of a dataloader dict that mmengine's Runner.build_dataloader takes
# out before the rest goes to torch's DataLoader
DATALOADER_EXTRAS = frozenset({
    'dataset', 'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn',
    'num_batch_per_epoch', 'disable_subprocess_warning'
})
# keys every registry-built dict may have (mmengine's build_from_cfg)
BUILD_KEYS = frozenset({'type', '_scope_'})
# top-level keys read by mmengine's Runner (besides its __init__ arguments),
# by Config.fromfile and by the fam-mm tools
RUNNER_EXTRAS = frozenset({
    'custom_imports', 'data_root', 'model_wrapper_cfg', 'sync_bn',
    'find_unused_parameters', 'activation_checkpointing',
    'efficient_conv_bn_eval', 'compile'
})
# classes whose __init__ takes no keyword arguments although its signature
# says `*args, **kwargs` (torch's Module raises on any)
_CLOSED_INITS: Tuple[Any, ...] = (object.__init__, )
# registry key -> registry attribute, for the dicts nested in a built dict
_NESTED_REGISTRY = {
    'backbone': 'MODELS',
    'neck': 'MODELS',
    'head': 'MODELS',
    'data_preprocessor': 'MODELS',
    'dataset': 'DATASETS',
    'datasets': 'DATASETS',
    'pipeline': 'TRANSFORMS',
    'transforms': 'TRANSFORMS',
    'sampler': 'DATA_SAMPLERS',
    'batch_sampler': 'DATA_SAMPLERS',
    'augments': 'BATCH_AUGMENTS',
    'optimizer': 'OPTIMIZERS',
    'metrics': 'METRICS',
    'vis_backends': 'VISBACKENDS',
}

# (builder, argument) -> keys the builder takes out of each dict of that
# argument before building the rest (PluginBackbone's plugins: `after`)
_TAKEN_OUT = {('PluginBackbone', 'plugins'): frozenset({'after'})}


class ConfigKeyError(InputError):
    """A config key (or ``--cfg-options`` word) that the run cannot use.

    ``run_tool`` prints its message as one line and exits with
    :attr:`exit_code` (2, as ``argparse`` for a bad argument).
    """

    exit_code = 2


# ---------------------------------------------------------------------------
# --cfg-options
# ---------------------------------------------------------------------------
class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` for ``--cfg-options``, with a one-line
    :class:`ConfigKeyError` naming the word that is not ``KEY=VALUE``
    (mmengine raises ``ValueError: not enough values to unpack``)."""

    def __call__(self,
                 parser: ArgumentParser,
                 namespace: Namespace,
                 values: Union[str, Sequence[Any], None],
                 option_string: Optional[str] = None) -> None:
        words = [values] if isinstance(values, str) else list(values or [])
        option = option_string or '--cfg-options'
        for i, word in enumerate(words):
            key = str(word).split('=', 1)[0]
            if '=' in str(word) and key:
                continue
            if not key:
                raise ConfigKeyError(f'{option}: {word!r} has no key '
                                     '(expected KEY=VALUE)')
            hint = ''
            if i + 1 < len(words) and '=' not in str(words[i + 1]):
                hint = f' (did you mean {key}={words[i + 1]}?)'
            raise ConfigKeyError(f'{option} {key}: expected KEY=VALUE, got '
                                 f'{word!r}{hint}')
        for word in words:  # mmengine asserts balanced brackets
            key, value = str(word).split('=', 1)
            try:
                self._parse_iterable(value)
            except (AssertionError, ValueError, IndexError) as e:
                message = ' '.join(str(e).split()) or 'cannot be parsed'
                raise ConfigKeyError(f'{option} {key}: {message}') from None
        super().__call__(parser, namespace, values, option_string)


# ---------------------------------------------------------------------------
# what a class takes
# ---------------------------------------------------------------------------
def _closed_inits() -> Tuple[Any, ...]:
    import torch
    return _CLOSED_INITS + (torch.nn.Module.__init__, )


def _kwargs_use(func: Any,
                var: str) -> Optional[Tuple[Optional[str], Set[str]]]:
    """How ``func`` uses its ``**var``: ``(target, keys)`` when its only
    uses are reading named keys (``keys``) and passing it on to one parent
    ``__init__`` (``target``: ``'super'`` or the name of the class called as
    ``Name.__init__(self, **var)``); None when it goes anywhere else (or the
    source cannot be read)."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    if not tree.body or not isinstance(tree.body[0],
                                       (ast.FunctionDef,
                                        ast.AsyncFunctionDef)):
        return None
    target: Optional[str] = None
    keys: Set[str] = set()
    allowed: Set[int] = set()  # ids of the Name nodes accounted for
    for node in ast.walk(tree.body[0]):
        if isinstance(node, ast.Call):
            func_node = node.func
            # super().__init__(..., **var) / Parent.__init__(self, **var)
            if isinstance(func_node, ast.Attribute) and \
                    func_node.attr == '__init__':
                for kw in node.keywords:
                    if kw.arg is None and isinstance(kw.value, ast.Name) \
                            and kw.value.id == var:
                        owner = func_node.value
                        if isinstance(owner, ast.Call) and isinstance(
                                owner.func,
                                ast.Name) and owner.func.id == 'super':
                            name = 'super'
                        elif isinstance(owner, ast.Name):
                            name = owner.id
                        else:
                            return None
                        if target not in (None, name):
                            return None
                        target = name
                        allowed.add(id(kw.value))
            # var.pop('key', ...) / var.get('key') / var.setdefault(...)
            if isinstance(func_node, ast.Attribute) and isinstance(
                    func_node.value, ast.Name) and \
                    func_node.value.id == var and \
                    func_node.attr in ('pop', 'get', 'setdefault') and \
                    node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                keys.add(node.args[0].value)
                allowed.add(id(func_node.value))
        # var['key']
        if isinstance(node, ast.Subscript) and isinstance(
                node.value, ast.Name) and node.value.id == var and \
                isinstance(node.slice, ast.Constant) and isinstance(
                    node.slice.value, str):
            keys.add(node.slice.value)
            allowed.add(id(node.value))
        # 'key' in var
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and \
                isinstance(node.ops[0], (ast.In, ast.NotIn)) and \
                isinstance(node.left, ast.Constant) and isinstance(
                    node.comparators[0], ast.Name) and \
                node.comparators[0].id == var:
            allowed.add(id(node.comparators[0]))
    for node in ast.walk(tree.body[0]):
        if isinstance(node, ast.Name) and node.id == var and \
                id(node) not in allowed:
            return None  # stored, passed elsewhere, iterated, ...
    if target is None:
        return None  # read but not passed on: the rest is ignored
    return target, keys


def accepted_keys(obj: Any) -> Optional[frozenset]:
    """The keyword arguments a registry-built ``obj`` takes.

    For a class, the parameters of its ``__init__``; when that takes
    ``**kwargs`` and passes them on to a parent's ``__init__`` (and uses
    them for nothing else), the parent's too, and so on up the MRO.

    Args:
        obj: A class or a function.

    Returns:
        frozenset[str] | None: The names, or None when any key may be
        accepted (``**kwargs`` that go elsewhere, no signature).
    """
    try:
        return _accepted_keys(obj)
    except TypeError:  # unhashable: not cached
        return _accepted_keys.__wrapped__(obj)


@lru_cache(maxsize=None)
def _accepted_keys(obj: Any) -> Optional[frozenset]:
    if not inspect.isclass(obj):
        if not callable(obj):
            return None
        try:
            signature = inspect.signature(obj)
        except (TypeError, ValueError):
            return None
        kinds = {p.name: p.kind for p in signature.parameters.values()}
        if inspect.Parameter.VAR_KEYWORD in kinds.values():
            return None
        return frozenset(name for name, kind in kinds.items()
                         if kind is not inspect.Parameter.VAR_POSITIONAL)
    mro = obj.__mro__
    names: Set[str] = set()
    index = next(i for i, k in enumerate(mro) if '__init__' in vars(k))
    closed = _closed_inits()
    while True:
        klass = mro[index]
        init = vars(klass)['__init__']
        if init in closed:
            return frozenset(names)
        try:
            sig = inspect.signature(init)
        except (TypeError, ValueError):
            return None
        params = list(sig.parameters.values())[1:]  # without self
        names.update(p.name for p in params
                     if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        var = next((p.name for p in params if p.kind is p.VAR_KEYWORD), None)
        if var is None:
            return frozenset(names)
        use = _kwargs_use(init, var)
        if use is None:
            return None
        target, keys = use
        names.update(keys)
        if target == 'super':
            nxt = [
                i for i in range(index + 1, len(mro))
                if '__init__' in vars(mro[i])
            ]
        else:
            nxt = [
                i for i in range(index + 1, len(mro))
                if mro[i].__name__ == target and '__init__' in vars(mro[i])
            ]
        if not nxt:
            return None
        index = nxt[0]


def _signature_defaults(obj: Any) -> Dict[str, Any]:
    """Defaults of the keyword arguments of ``obj`` (along its class' MRO)
    whose annotation, if any, admits no string: a number there means that
    a string cannot stand in its place."""
    defaults: Dict[str, Any] = {}
    klasses = obj.__mro__ if inspect.isclass(obj) else (obj, )
    for klass in klasses:
        func = vars(klass).get('__init__') if inspect.isclass(
            klass) else klass
        if func is None or func in _CLOSED_INITS:
            continue
        try:
            params = inspect.signature(func).parameters.values()
        except (TypeError, ValueError):
            continue
        for p in params:
            if p.default is p.empty or p.name in defaults:
                continue
            note = p.annotation
            if note is not p.empty and re.search(r'\b(str|Any)\b',
                                                 str(note)):
                defaults[p.name] = None  # a string may do
            else:
                defaults[p.name] = p.default
    return defaults


# ---------------------------------------------------------------------------
# the check
# ---------------------------------------------------------------------------
def _hint(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, sorted(set(choices)), n=1)
    return f" (did you mean '{match[0]}'?)" if match else ''


def _registries(scope: Optional[str]) -> Any:
    """The registry module of the config's ``default_scope`` (mmpretrain's
    when it has none); None when that package is not installed (its types
    cannot be resolved)."""
    try:
        return importlib.import_module(f'{scope or "mmpretrain"}.registry')
    except ImportError:
        return None


def _registry_names(registry: Any) -> Set[str]:
    names: Set[str] = set()
    while registry is not None:
        names.update(registry.module_dict)
        registry = registry.parent
    return names


def runner_keys() -> Set[str]:
    """Top-level keys that mmengine's ``Runner.from_cfg`` (and the tools)
    read."""
    from mmengine.runner import Runner
    keys = set(inspect.signature(Runner.__init__).parameters) - {'self'}
    return keys | RUNNER_EXTRAS


def _lookup(cfg: Any, key: str) -> Tuple[bool, Any]:
    """``(found, value)`` of a dotted key (list items by index)."""
    node = cfg
    for part in key.split('.'):
        if isinstance(node, (dict, Config)) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _value_problem(expected: Any, value: Any) -> Optional[str]:
    """Why ``value`` cannot stand where ``expected`` stood, or None."""
    if value is None or expected is None:
        return None
    if isinstance(expected, bool):
        if not isinstance(value, bool) and value not in (0, 1):
            return f'expected True or False, got {value!r}'
    elif isinstance(expected, (int, float)):
        if isinstance(value, str):
            return f'expected a number, got {value!r}'
    return None


class _Checker:
    """Walks the registry-built dicts of a merged config."""

    def __init__(self, registries: Any, options: Dict[str, Any]) -> None:
        self.reg = registries
        self.options = options
        # path of a built dict -> the defaults of its class' arguments
        self.defaults: Dict[str, Dict[str, Any]] = {}

    def registry(self, name: str) -> Any:
        if hasattr(self.reg, name):
            return getattr(self.reg, name)
        fallback = {'EVALUATORS': 'EVALUATOR'}.get(name, name)
        return getattr(importlib.import_module('mmengine.registry'),
                       fallback)

    def resolve(self, registry: Any, type_: Any, path: str,
                strict: bool) -> Any:
        if not isinstance(type_, str):
            return type_ if callable(type_) else None
        try:
            obj = registry.get(type_)
        except Exception:  # a scope whose package cannot be imported
            obj = None
        if obj is None and strict and '.' not in type_:
            hint = _hint(type_, _registry_names(registry))
            raise ConfigKeyError(f"{path}: unknown type '{type_}'{hint}")
        return obj

    def built(self,
              node: Any,
              path: str,
              registry: Any,
              default_type: Any = None,
              strict: bool = True,
              extra: Iterable[str] = (),
              check_keys: bool = True) -> Any:
        """Check one dict built from ``registry``; returns its class."""
        if not isinstance(node, dict):
            return None
        type_ = node.get('type', default_type)
        if type_ is None:
            return None
        obj = self.resolve(registry, type_, f'{path}.type', strict)
        if obj is None:
            return None
        accepted = accepted_keys(obj) if check_keys else None
        if accepted is not None:
            known = set(accepted) | BUILD_KEYS | set(extra)
            for key in node:
                if key not in known:
                    raise ConfigKeyError(f"{path}: unknown key '{key}'"
                                         f'{_hint(str(key), known)}')
        self.defaults[path] = _signature_defaults(obj)
        for key, value in node.items():
            self.nested(value, f'{path}.{key}', str(key), registry, obj)
        return obj

    def nested(self, value: Any, path: str, key: str, registry: Any,
               owner: Any) -> None:
        """Check the registry-built dicts in the argument ``key`` of a
        built dict (its class: ``owner``)."""
        if key == 'init_cfg' or key.endswith('_cfg') and key != 'train_cfg':
            # init_cfg: weight initialisers; norm_cfg, act_cfg, conv_cfg:
            # mmcv's builders add and remove keys of their own
            return
        name = _NESTED_REGISTRY.get(key)
        reg = self.registry(name) if name else registry
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                self.nested(item, f'{path}.{i}', key, registry, owner)
            return
        if not isinstance(value, dict):
            return
        if 'type' in value:
            extra = _TAKEN_OUT.get((getattr(owner, '__name__', ''), key),
                                   ())
            self.built(value, path, reg, strict=name is not None, extra=extra)
        elif 'augments' in value:
            # ImageClassifier's train_cfg / ClsDataPreprocessor's
            # batch_augments: a RandomBatchAugment
            from mmpretrain.models.utils import RandomBatchAugment
            self.built(value, path, reg, default_type=RandomBatchAugment)
        elif key == 'data_preprocessor' and self._is_classifier(owner):
            self.built(value, path, reg, default_type='ClsDataPreprocessor')

    @staticmethod
    def _is_classifier(owner: Any) -> bool:
        try:
            from mmpretrain.models import BaseClassifier
        except ImportError:  # pragma: no cover
            return False
        return inspect.isclass(owner) and issubclass(owner, BaseClassifier)

    # the top-level parts ------------------------------------------------
    def model(self, cfg: Any) -> None:
        model = cfg.get('model')
        owner = self.built(model, 'model', self.registry('MODELS'))
        preprocessor = cfg.get('data_preprocessor')
        if isinstance(model, dict) and 'data_preprocessor' not in model \
                and isinstance(preprocessor, dict):
            # Runner: model.setdefault('data_preprocessor', ...)
            self.nested(preprocessor, 'data_preprocessor',
                        'data_preprocessor', self.registry('MODELS'), owner)

    def dataloaders(self, cfg: Any) -> None:
        from torch.utils.data import DataLoader
        known = set(accepted_keys(DataLoader) or ()) | DATALOADER_EXTRAS
        functions = importlib.import_module('mmengine.registry').FUNCTIONS
        for name in DATALOADERS:
            loader = cfg.get(name)
            if not isinstance(loader, dict):
                continue
            for key in loader:
                if key not in known:
                    raise ConfigKeyError(f"{name}: unknown key '{key}'"
                                         f'{_hint(str(key), known)}')
            self.built(loader.get('dataset'), f'{name}.dataset',
                       self.registry('DATASETS'))
            for key in ('sampler', 'batch_sampler'):
                extra = ('dataset', 'seed') if key == 'sampler' else \
                    ('sampler', 'batch_size')
                self.built(
                    loader.get(key),
                    f'{name}.{key}',
                    self.registry('DATA_SAMPLERS'),
                    extra=extra)
            for key in ('collate_fn', 'worker_init_fn'):
                self.built(loader.get(key), f'{name}.{key}', functions)

    def optim_wrapper(self, cfg: Any) -> None:
        wrapper = cfg.get('optim_wrapper')
        if not isinstance(wrapper, dict):
            return
        constructor = wrapper.get('constructor',
                                  'DefaultOptimWrapperConstructor')
        if 'type' not in wrapper and 'optimizer' not in wrapper:
            return  # an OptimWrapperDict for a custom constructor
        # a custom constructor may read keys of its own
        default = constructor == 'DefaultOptimWrapperConstructor'
        self.built(
            wrapper,
            'optim_wrapper',
            self.registry('OPTIM_WRAPPERS'),
            default_type='OptimWrapper',
            extra=('constructor', 'paramwise_cfg'),
            check_keys=default)

    def param_scheduler(self, cfg: Any) -> None:
        schedulers = cfg.get('param_scheduler')
        registry = self.registry('PARAM_SCHEDULERS')

        def check(node: Any, path: str) -> None:
            if isinstance(node, (list, tuple)):
                for i, item in enumerate(node):
                    check(item, f'{path}.{i}')
            elif isinstance(node, dict) and 'type' in node:
                self.built(
                    node,
                    path,
                    registry,
                    extra=('convert_to_iter_based', 'epoch_length'))
            elif isinstance(node, dict):  # one list per optimizer
                for key, value in node.items():
                    check(value, f'{path}.{key}')

        check(schedulers, 'param_scheduler')

    def loops(self, cfg: Any) -> None:
        loops = self.registry('LOOPS')
        train = cfg.get('train_cfg')
        if isinstance(train, dict):
            if 'type' in train:
                self.built(train, 'train_cfg', loops)
            elif 'by_epoch' in train:
                default = 'EpochBasedTrainLoop' if train['by_epoch'] \
                    else 'IterBasedTrainLoop'
                self.built(
                    train,
                    'train_cfg',
                    loops,
                    default_type=default,
                    extra=('by_epoch', ))
        for name, default in (('val_cfg', 'ValLoop'), ('test_cfg',
                                                      'TestLoop')):
            self.built(cfg.get(name), name, loops, default_type=default)

    def hooks(self, cfg: Any) -> None:
        hooks = self.registry('HOOKS')
        default_hooks = cfg.get('default_hooks')
        if isinstance(default_hooks, dict):
            for name, hook in default_hooks.items():
                self.built(hook, f'default_hooks.{name}', hooks)
        custom_hooks = cfg.get('custom_hooks')
        if isinstance(custom_hooks, (list, tuple)):
            for i, hook in enumerate(custom_hooks):
                self.built(hook, f'custom_hooks.{i}', hooks)

    def evaluators(self, cfg: Any) -> None:
        metrics = self.registry('METRICS')
        for name in ('val_evaluator', 'test_evaluator'):
            evaluator = cfg.get(name)
            if isinstance(evaluator, dict) and 'metrics' in evaluator:
                self.built(
                    evaluator,
                    name,
                    self.registry('EVALUATORS'),
                    default_type='Evaluator')
            elif isinstance(evaluator, dict):
                self.built(evaluator, name, metrics)
            elif isinstance(evaluator, (list, tuple)):
                for i, metric in enumerate(evaluator):
                    self.built(metric, f'{name}.{i}', metrics)

    def runtime(self, cfg: Any) -> None:
        self.built(cfg.get('visualizer'), 'visualizer',
                   self.registry('VISUALIZERS'))
        self.built(
            cfg.get('log_processor'),
            'log_processor',
            self.registry('LOG_PROCESSORS'),
            default_type='LogProcessor')

    def values(self, original: Any) -> None:
        """Each option's value against the value it replaces, or else the
        default of the argument it sets."""
        for key, value in self.options.items():
            found, old = _lookup(original, key)
            if not found or old is None:
                parent, _, name = key.rpartition('.')
                old = self.defaults.get(parent, {}).get(name)
            problem = _value_problem(old, value)
            if problem:
                raise ConfigKeyError(f'{key}: {problem}')


def _merge(cfg: Config, options: Dict[str, Any]) -> Config:
    """``cfg`` with ``options`` merged (a copy), each option's failure
    naming it."""
    merged = copy.deepcopy(cfg)
    for key, value in options.items():
        try:
            merged.merge_from_dict({key: value})
        except (TypeError, KeyError, ValueError, AttributeError) as e:
            message = ' '.join(str(e).strip('"\'').split())
            parts = key.split('.')
            for i in range(1, len(parts)):
                found, node = _lookup(merged, '.'.join(parts[:i]))
                if found and not isinstance(node, (dict, list, tuple)):
                    message = (f"{'.'.join(parts[:i])} is {node!r}, which "
                               f"has no key '{parts[i]}'")
                    break
            raise ConfigKeyError(f'--cfg-options {key}: {message}') from None
    return merged


def check_config(cfg: Config,
                 cfg_options: Optional[Dict[str, Any]] = None) -> None:
    """Check a config's keys, and the ``--cfg-options`` to be merged into
    it, before anything is built.

    Checks, in this order: each option's top-level key is in the config or
    is one mmengine's ``Runner`` reads; each option's value has the kind of
    the value it replaces (a number where a number was: ``O.3`` is an
    error); then, with the options merged into a copy, every registry-built
    dict of ``model``, the dataloaders (their own keys against torch's
    ``DataLoader`` and mmengine's extras, the dataset, the sampler, each
    transform), ``optim_wrapper`` and its optimizer, ``param_scheduler``,
    ``train_cfg`` / ``val_cfg`` / ``test_cfg`` (the loop mmengine picks
    when there is no ``type``), ``default_hooks``, ``custom_hooks``, the
    evaluators, ``visualizer`` and ``log_processor``: its ``type`` is in
    the registry of the config's scope and its keys are arguments of the
    class (see :func:`accepted_keys`).

    Args:
        cfg (mmengine.Config): The config as read from its file (without
            the options; it is not changed).
        cfg_options (dict, optional): The parsed ``--cfg-options``.

    Raises:
        ConfigKeyError: On the first problem, naming the key, with the
            closest valid key when one is close.
    """
    options = dict(cfg_options or {})
    top_level = set(cfg.keys()) | runner_keys()
    for key in options:
        top = key.split('.', 1)[0]
        if top not in top_level:
            raise ConfigKeyError(f"--cfg-options {key}: unknown top-level "
                                 f"key '{top}'{_hint(top, top_level)}")
    for key, value in options.items():
        found, old = _lookup(cfg, key)
        problem = _value_problem(old, value) if found else None
        if problem:
            raise ConfigKeyError(f'{key}: {problem}')
    merged = _merge(cfg, options) if options else cfg
    registries = _registries(cfg.get('default_scope'))
    if registries is None:
        return
    checker = _Checker(registries, options)
    checker.model(merged)
    checker.dataloaders(merged)
    checker.optim_wrapper(merged)
    checker.param_scheduler(merged)
    checker.loops(merged)
    checker.hooks(merged)
    checker.evaluators(merged)
    checker.runtime(merged)
    checker.values(cfg)


__all__ = [
    'ConfigKeyError', 'CfgOptionsAction', 'accepted_keys', 'check_config',
    'runner_keys'
]
